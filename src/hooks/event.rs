//! From a coding agent's hook payload to the whitelisted [`LocalHookEvent`] that `agentbar hook`
//! posts. Prompts, tool inputs and outputs, replies, messages and details never get in: the
//! payload is read field by field and only the names below are kept, so even a payload cut
//! short by the size bound yields the fields it held before the cut.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

use crate::local::event::{HOOK_CWD_MAX, HOOK_SHORT_MAX, HookEventKind, LocalHookEvent, LocalTool};

/// The coding agents whose hooks agentbar relays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HookTool {
    Claude,
    Codex,
    Copilot,
    Gemini,
}

impl HookTool {
    pub const ALL: [HookTool; 4] = [
        HookTool::Claude,
        HookTool::Codex,
        HookTool::Copilot,
        HookTool::Gemini,
    ];

    /// The short name on the command line (`agentbar hook claude`).
    pub fn arg(self) -> &'static str {
        match self {
            HookTool::Claude => "claude",
            HookTool::Codex => "codex",
            HookTool::Copilot => "copilot",
            HookTool::Gemini => "gemini",
        }
    }

    /// The provider id tasks carry (and the local source's id).
    pub fn provider(self) -> &'static str {
        match self {
            HookTool::Claude => "claude-code",
            HookTool::Codex => "codex",
            HookTool::Copilot => "copilot-cli",
            HookTool::Gemini => "gemini-cli",
        }
    }

    /// The tool's own product name, for messages.
    pub fn product(self) -> &'static str {
        match self {
            HookTool::Claude => "Claude Code",
            HookTool::Codex => "Codex",
            HookTool::Copilot => "Copilot CLI",
            HookTool::Gemini => "Gemini CLI",
        }
    }

    /// By short name or provider id.
    pub fn parse(name: &str) -> Option<HookTool> {
        HookTool::ALL
            .into_iter()
            .find(|t| t.arg() == name || t.provider() == name)
    }
}

impl fmt::Display for HookTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.arg())
    }
}

impl From<HookTool> for LocalTool {
    fn from(tool: HookTool) -> LocalTool {
        match tool {
            HookTool::Claude => LocalTool::ClaudeCode,
            HookTool::Codex => LocalTool::Codex,
            HookTool::Copilot => LocalTool::CopilotCli,
            HookTool::Gemini => LocalTool::GeminiCli,
        }
    }
}

/// The canonical kind of a tool's event name, in any of the tools' spellings (Copilot takes
/// both `agentStop` and PascalCase names); `None` for events agentbar does not follow.
pub fn kind_of(tool_event: &str) -> Option<HookEventKind> {
    Some(match tool_event.to_ascii_lowercase().as_str() {
        "sessionstart" => HookEventKind::SessionStart,
        "userpromptsubmit" | "userpromptsubmitted" | "beforeagent" => HookEventKind::PromptSubmit,
        "permissionrequest" => HookEventKind::PermissionRequest,
        "notification" => HookEventKind::Notification,
        "stop" | "agentstop" | "afteragent" => HookEventKind::Stop,
        "stopfailure" => HookEventKind::StopFailure,
        "erroroccurred" => HookEventKind::Error,
        "sessionend" => HookEventKind::SessionEnd,
        _ => return None,
    })
}

/// A session id the event contract takes: 8–64 letters, digits or '-'.
fn is_session_id(s: &str) -> bool {
    (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The whitelisted fields as they are met in a payload, each in whichever spelling the tool
/// uses (snake_case, camelCase, Codex `notify`'s kebab-case).
#[derive(Debug, Default)]
pub struct Picked {
    pub event_name: Option<String>,
    pub session_id: Option<String>,
    pub turn_id: Option<String>,
    pub cwd: Option<String>,
    pub notification_type: Option<String>,
    pub tool_name: Option<String>,
    pub error_code: Option<String>,
    pub error_context: Option<String>,
    pub recoverable: Option<bool>,
    pub reason: Option<String>,
    pub stop_reason: Option<String>,
    pub ts: Option<DateTime<Utc>>,
}

/// Reads a payload's top-level object field by field into `into`. Values of fields not on the
/// whitelist are skipped without being kept (serde_json does not buffer a skipped string), so a
/// 10 MB tool input costs no memory. Returns the parse error, if any, after keeping every field
/// read before it: a payload cut at the size bound still gives its leading ids.
pub fn pick<R: std::io::Read>(reader: R, into: &RefCell<Picked>) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    PickSeed(into).deserialize(&mut de)
}

struct PickSeed<'a>(&'a RefCell<Picked>);

impl<'de> DeserializeSeed<'de> for PickSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PickSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a hook payload (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let text = |map: &mut A| map.next_value::<Scalar>().map(Scalar::text);
            let picked = |f: &dyn Fn(&mut Picked, Option<String>), map: &mut A| {
                let value = text(map)?;
                f(&mut self.0.borrow_mut(), value);
                Ok::<(), A::Error>(())
            };
            match key.as_str() {
                "hook_event_name" | "hookEventName" => {
                    picked(&|p, v| p.event_name = p.event_name.take().or(v), &mut map)?
                }
                "session_id" | "sessionId" | "thread-id" => {
                    picked(&|p, v| p.session_id = p.session_id.take().or(v), &mut map)?
                }
                "turn_id" | "turnId" | "turn-id" => picked(&|p, v| p.turn_id = v, &mut map)?,
                "cwd" => picked(&|p, v| p.cwd = v, &mut map)?,
                "notification_type" | "notificationType" => {
                    picked(&|p, v| p.notification_type = v, &mut map)?
                }
                "tool_name" | "toolName" => picked(&|p, v| p.tool_name = v, &mut map)?,
                "error_type" | "errorType" => {
                    picked(&|p, v| p.error_code = p.error_code.take().or(v), &mut map)?
                }
                "errorContext" | "error_context" => picked(&|p, v| p.error_context = v, &mut map)?,
                "reason" => picked(&|p, v| p.reason = v, &mut map)?,
                "stopReason" | "stop_reason" => picked(&|p, v| p.stop_reason = v, &mut map)?,
                // A code (`rate_limit`) or Copilot's `{message, name, stack}`: the name only.
                "error" => {
                    let code = map.next_value::<ErrorCode>()?.0;
                    let mut p = self.0.borrow_mut();
                    p.error_code = code.or(p.error_code.take());
                }
                "recoverable" => {
                    let value = map.next_value::<Scalar>()?;
                    self.0.borrow_mut().recoverable = match value {
                        Scalar::Bool(b) => Some(b),
                        _ => None,
                    };
                }
                "timestamp" => {
                    let ts = map.next_value::<Scalar>()?.time();
                    self.0.borrow_mut().ts = ts;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A field's value when it is a scalar; anything else is skipped unread.
enum Scalar {
    Text(String),
    Number(f64),
    Bool(bool),
    Other,
}

impl Scalar {
    fn text(self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s),
            Scalar::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{n:.0}")),
            _ => None,
        }
    }

    /// An RFC 3339 time, or Copilot's epoch milliseconds.
    fn time(self) -> Option<DateTime<Utc>> {
        match self {
            Scalar::Text(s) => DateTime::parse_from_rfc3339(&s)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            Scalar::Number(ms) if ms.is_finite() => DateTime::from_timestamp_millis(ms as i64),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                // Only short strings are kept; a long one is not an id or a name.
                Ok(if v.len() <= HOOK_CWD_MAX {
                    Scalar::Text(v.to_owned())
                } else {
                    Scalar::Other
                })
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// An `error` field's code: the string itself, or an object's `name`/`code`/`type`; its
/// message and stack are skipped.
struct ErrorCode(Option<String>);

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorCode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an error code or object")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ErrorCode, E> {
                Ok(ErrorCode((v.len() <= HOOK_CWD_MAX).then(|| v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorCode, A::Error> {
                let mut code = None;
                while let Some(key) = map.next_key::<String>()? {
                    if matches!(key.as_str(), "name" | "code" | "type") && code.is_none() {
                        code = map.next_value::<Scalar>()?.text();
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(ErrorCode(code))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ErrorCode, E> {
                Ok(ErrorCode(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ErrorCode, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ErrorCode(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Drops control characters and cuts a kept string to `max` bytes (at a character boundary),
/// so the event passes the contract's checks whatever the tool sent.
fn tidy(value: Option<String>, max: usize) -> Option<String> {
    let mut out = String::new();
    for c in value?.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

impl Picked {
    /// The event to post, or `None` when the payload names no event agentbar follows or no
    /// session to bind it to. `event_arg` is the event named on the command line (Copilot's
    /// camelCase payloads do not carry their own name); `env_session` a session id from the
    /// environment (Gemini sets `GEMINI_SESSION_ID`).
    pub fn into_event(
        self,
        tool: HookTool,
        event_arg: Option<&str>,
        env_session: Option<String>,
        pid: Option<u32>,
        now: DateTime<Utc>,
    ) -> Option<LocalHookEvent> {
        let event = kind_of(self.event_name.as_deref().or(event_arg)?)?;
        let session_id = self
            .session_id
            .or(env_session)
            .filter(|s| is_session_id(s))?;
        let event = LocalHookEvent {
            tool: tool.into(),
            session_id,
            event,
            at: self.ts.unwrap_or(now),
            cwd: tidy(self.cwd, HOOK_CWD_MAX),
            notification_type: tidy(self.notification_type, HOOK_SHORT_MAX),
            tool_name: tidy(self.tool_name, HOOK_SHORT_MAX),
            error_code: tidy(self.error_code.or(self.error_context), HOOK_SHORT_MAX),
            recoverable: self.recoverable,
            reason: tidy(self.reason.or(self.stop_reason), HOOK_SHORT_MAX),
            turn_id: tidy(self.turn_id, HOOK_SHORT_MAX),
            pid,
        };
        // What the route would refuse is not sent (it cannot happen after `tidy`, but the
        // contract's own check is the one that counts).
        event.validate().is_ok().then_some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(tool: HookTool, payload: &str, arg: Option<&str>) -> Option<LocalHookEvent> {
        let picked = RefCell::new(Picked::default());
        let _ = pick(payload.as_bytes(), &picked);
        picked
            .into_inner()
            .into_event(tool, arg, None, Some(7), Utc::now())
    }

    const SESSION: &str = "7b2d4f61-0c3e-4a8b-b5d9-2e7f1a9c3d55";

    #[test]
    fn private_fields_are_dropped_and_names_kept() {
        let payload = format!(
            r#"{{"session_id":"{SESSION}","transcript_path":"/t.jsonl","cwd":"/src/x",
            "hook_event_name":"PermissionRequest","tool_name":"Bash",
            "tool_input":{{"command":"cat .env"}},"prompt":"secret prompt",
            "last_assistant_message":"reply","message":"m","details":"d"}}"#
        );
        let event = read(HookTool::Claude, &payload, None).unwrap();
        assert_eq!(event.event, HookEventKind::PermissionRequest);
        assert_eq!(event.tool_name.as_deref(), Some("Bash"));
        assert_eq!(event.tool, LocalTool::ClaudeCode);
        assert_eq!(event.cwd.as_deref(), Some("/src/x"));
        assert_eq!(event.pid, Some(7));
        let body = serde_json::to_string(&event).unwrap();
        for private in [
            "cat .env",
            "secret prompt",
            "reply",
            "\"m\"",
            "\"d\"",
            "t.jsonl",
        ] {
            assert!(!body.contains(private), "{private} leaked into {body}");
        }
    }

    #[test]
    fn a_payload_cut_short_keeps_the_fields_before_the_cut() {
        let payload = format!(
            r#"{{"session_id":"{SESSION}","hook_event_name":"Notification","notification_type":"permission_prompt","message":"Claude needs your permission to use Bash and this goes on"#
        );
        let event = read(HookTool::Claude, &payload, None).unwrap();
        assert_eq!(event.event, HookEventKind::Notification);
        assert_eq!(
            event.notification_type.as_deref(),
            Some("permission_prompt")
        );
    }

    #[test]
    fn copilot_camel_case_takes_its_event_from_the_command_line() {
        let payload = r#"{"sessionId":"6f1e2d3c-aaaa","timestamp":1755853200000,"cwd":"/w",
            "error":{"message":"boom","name":"RateLimitError","stack":"at x"},
            "errorContext":"model_call","recoverable":false}"#;
        assert!(
            read(HookTool::Copilot, payload, None).is_none(),
            "no event name"
        );
        let event = read(HookTool::Copilot, payload, Some("errorOccurred")).unwrap();
        assert_eq!(event.event, HookEventKind::Error);
        assert_eq!(event.error_code.as_deref(), Some("RateLimitError"));
        assert_eq!(event.recoverable, Some(false));
        assert_eq!(event.at.timestamp_millis(), 1755853200000);
        assert!(!serde_json::to_string(&event).unwrap().contains("boom"));
    }

    #[test]
    fn unknown_events_and_unbindable_payloads_are_not_posted() {
        let with =
            |name: &str, id: &str| format!(r#"{{"session_id":"{id}","hook_event_name":"{name}"}}"#);
        assert!(read(HookTool::Claude, &with("Stop", SESSION), None).is_some());
        assert!(read(HookTool::Claude, &with("PreToolUse", SESSION), None).is_none());
        assert!(read(HookTool::Claude, &with("Stop", "a b/c-d-e-f"), None).is_none());
        assert!(read(HookTool::Claude, r#"{"hook_event_name":"Stop"}"#, None).is_none());
        assert!(read(HookTool::Claude, "not json", Some("Stop")).is_none());
    }

    #[test]
    fn long_or_odd_strings_are_cut_to_what_the_route_takes() {
        let payload = format!(
            r#"{{"session_id":"{SESSION}","hook_event_name":"StopFailure","error":"{}","cwd":"/a\nb"}}"#,
            "é".repeat(100)
        );
        let event = read(HookTool::Claude, &payload, None).unwrap();
        assert_eq!(
            event.error_code.as_deref().map(str::len),
            Some(HOOK_SHORT_MAX)
        );
        assert_eq!(event.cwd.as_deref(), Some("/ab"));
        assert!(event.validate().is_ok());
    }
}
