//! The hook overlay: what the latest hook event says about a session, kept beside what its files
//! say. Pure: [`apply`] folds one event into the overlay; the state derivation reads it.

use chrono::{DateTime, TimeDelta, Utc};

use super::event::{HookEventKind, LocalHookEvent};
use super::reading::{ReadError, Waiting, WaitingKind};

/// An overlay without a refresh for this long is dropped (a clearing event may have been lost).
pub const OVERLAY_TTL: TimeDelta = TimeDelta::hours(12);

/// What the hooks last said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookSays {
    /// A prompt was submitted: working.
    Working,
    Waiting(Waiting),
    /// The agent finished its turn (`Stop`), or nudged that it waits at its prompt.
    TurnDone,
    Failed(ReadError),
    /// The session ended (the process is gone or leaving).
    Ended {
        reason: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlay {
    pub says: HookSays,
    pub at: DateTime<Utc>,
    pub pid: Option<u32>,
    pub cwd: Option<String>,
}

/// Notification kinds that mean the agent is blocked on the user.
fn waiting_kind(notification: &str) -> Option<WaitingKind> {
    match notification {
        "permission_prompt" | "ToolPermission" => Some(WaitingKind::Permission),
        "elicitation_dialog" => Some(WaitingKind::Elicitation),
        "agent_needs_input" => Some(WaitingKind::Input),
        _ => None,
    }
}

/// Folds one event into the session's overlay. Events older than the overlay are ignored (hooks
/// run concurrently and may arrive out of order).
pub fn apply(overlay: &mut Option<Overlay>, event: &LocalHookEvent) {
    if overlay.as_ref().is_some_and(|o| event.at < o.at) {
        return;
    }
    let approve = |tool: &Option<String>| tool.as_ref().map(|t| format!("approve {t}"));
    let says = match event.event {
        HookEventKind::SessionStart => return,
        HookEventKind::PromptSubmit => HookSays::Working,
        HookEventKind::PermissionRequest => HookSays::Waiting(Waiting {
            kind: WaitingKind::Permission,
            detail: approve(&event.tool_name),
        }),
        HookEventKind::Notification => {
            let kind = event.notification_type.as_deref().unwrap_or_default();
            match waiting_kind(kind) {
                Some(kind) => HookSays::Waiting(Waiting {
                    kind,
                    detail: approve(&event.tool_name).or_else(|| {
                        // A new notification keeps the detail a permission request gave.
                        overlay.as_ref().and_then(|o| match &o.says {
                            HookSays::Waiting(w) if w.kind == kind => w.detail.clone(),
                            _ => None,
                        })
                    }),
                }),
                // `idle_prompt`, `agent_idle`: only a nudge that the turn is over.
                None if matches!(kind, "idle_prompt" | "agent_idle") => HookSays::TurnDone,
                None => return,
            }
        }
        HookEventKind::Stop => HookSays::TurnDone,
        HookEventKind::StopFailure => HookSays::Failed(ReadError {
            code: event.error_code.clone().unwrap_or_else(|| "unknown".into()),
            message: None,
        }),
        HookEventKind::Error if event.recoverable == Some(true) => return,
        HookEventKind::Error => HookSays::Failed(ReadError {
            code: event.error_code.clone().unwrap_or_else(|| "error".into()),
            message: None,
        }),
        HookEventKind::SessionEnd => HookSays::Ended {
            reason: event.reason.clone(),
        },
    };
    *overlay = Some(Overlay {
        says,
        at: event.at,
        pid: event.pid.or(overlay.as_ref().and_then(|o| o.pid)),
        cwd: event
            .cwd
            .clone()
            .or(overlay.as_ref().and_then(|o| o.cwd.clone())),
    });
}

impl Overlay {
    /// Still to be believed: newer than the session's last file activity, and not expired.
    pub fn is_fresh(&self, file_updated: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(self.at) <= OVERLAY_TTL
            && file_updated.is_none_or(|updated| self.at >= updated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::event::LocalTool;

    fn event(kind: HookEventKind, at: &str) -> LocalHookEvent {
        LocalHookEvent {
            tool: LocalTool::ClaudeCode,
            session_id: "7b2d4f61-0c3e-4a8b-b5d9-2e7f1a9c3d55".into(),
            event: kind,
            at: at.parse().unwrap(),
            cwd: None,
            notification_type: None,
            tool_name: None,
            error_code: None,
            recoverable: None,
            reason: None,
            turn_id: None,
            pid: None,
        }
    }

    #[test]
    fn a_permission_request_then_its_notification_keeps_the_tool() {
        let mut overlay = None;
        let mut request = event(HookEventKind::PermissionRequest, "2026-08-22T07:31:45Z");
        request.tool_name = Some("Bash".into());
        apply(&mut overlay, &request);
        let mut note = event(HookEventKind::Notification, "2026-08-22T07:31:46Z");
        note.notification_type = Some("permission_prompt".into());
        apply(&mut overlay, &note);
        assert_eq!(
            overlay.map(|o| o.says),
            Some(HookSays::Waiting(Waiting {
                kind: WaitingKind::Permission,
                detail: Some("approve Bash".into())
            }))
        );
    }

    #[test]
    fn an_idle_nudge_is_not_waiting_and_an_older_event_changes_nothing() {
        let mut overlay = None;
        let mut idle = event(HookEventKind::Notification, "2026-08-22T07:40:00Z");
        idle.notification_type = Some("idle_prompt".into());
        apply(&mut overlay, &idle);
        assert_eq!(overlay.as_ref().map(|o| &o.says), Some(&HookSays::TurnDone));
        apply(
            &mut overlay,
            &event(HookEventKind::PromptSubmit, "2026-08-22T07:39:00Z"),
        );
        assert_eq!(overlay.map(|o| o.says), Some(HookSays::TurnDone));
    }

    #[test]
    fn a_recoverable_error_is_not_a_failure() {
        let mut overlay = None;
        let mut error = event(HookEventKind::Error, "2026-08-22T07:40:00Z");
        error.recoverable = Some(true);
        apply(&mut overlay, &error);
        assert_eq!(overlay, None);
        error.recoverable = Some(false);
        apply(&mut overlay, &error);
        assert!(matches!(overlay.map(|o| o.says), Some(HookSays::Failed(_))));
    }
}
