//! The device-flow codes pending per account: each GitHub account signs in on its own (two
//! accounts signing in at once never overwrite each other's code), and the surfaces that show
//! one code (the tray) read the newest pending one of any account.

use std::sync::Arc;
use tokio::sync::watch;

use crate::auth::SignInPrompt;
use crate::model::SourceId;

/// One channel per account, in the accounts' order (the default first), and the newest pending
/// code of any of them.
#[derive(Clone)]
pub struct PendingSignIns {
    by_account: Arc<[(SourceId, watch::Sender<Option<SignInPrompt>>)]>,
    newest: Arc<watch::Sender<Option<SignInPrompt>>>,
}

impl PendingSignIns {
    /// No code pending for any of `accounts`.
    pub fn new(accounts: impl IntoIterator<Item = SourceId>) -> PendingSignIns {
        PendingSignIns {
            by_account: accounts
                .into_iter()
                .map(|id| (id, watch::channel(None).0))
                .collect(),
            newest: Arc::new(watch::channel(None).0),
        }
    }

    /// Publishes (or, with `None`, clears) `account`'s pending code.
    pub fn publish(&self, account: &SourceId, prompt: Option<SignInPrompt>) {
        if let Some((_, sender)) = self.by_account.iter().find(|(id, _)| id == account) {
            sender.send_replace(prompt);
        }
        // The newest of what is still pending anywhere: clearing one account's code shows
        // another account's that is still waiting.
        let newest = self
            .by_account
            .iter()
            .filter_map(|(_, sender)| sender.borrow().clone())
            .max_by_key(|prompt| prompt.expires_at);
        self.newest.send_if_modified(|current| {
            let changed = *current != newest;
            *current = newest;
            changed
        });
    }

    /// The pending code of the account `wanted` names (its source id, or the bare account id
    /// after `gh:`), or of the default account when nothing is named; `None` for no such
    /// account.
    pub fn of(&self, wanted: Option<&str>) -> Option<watch::Receiver<Option<SignInPrompt>>> {
        let found = match wanted.map(str::trim).filter(|w| !w.is_empty()) {
            None => self.by_account.first(),
            Some(wanted) => self.by_account.iter().find(|(id, _)| {
                id.as_str().eq_ignore_ascii_case(wanted)
                    || id
                        .as_str()
                        .strip_prefix("gh:")
                        .is_some_and(|bare| bare.eq_ignore_ascii_case(wanted))
            }),
        };
        found.map(|(_, sender)| sender.subscribe())
    }

    /// The newest code pending in any account.
    pub fn newest(&self) -> watch::Receiver<Option<SignInPrompt>> {
        self.newest.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(code: &str, minutes: i64) -> SignInPrompt {
        SignInPrompt {
            user_code: code.to_owned(),
            verification_uri: format!("https://example.test/{code}"),
            expires_at: chrono::Utc::now() + chrono::Duration::minutes(minutes),
        }
    }

    #[test]
    fn each_account_keeps_its_own_code_and_the_newest_is_shown() {
        let (work, home) = (SourceId::github("work"), SourceId::github("home"));
        let pending = PendingSignIns::new([work.clone(), home.clone()]);
        let (work_rx, home_rx, newest) = (
            pending.of(Some("gh:work")).unwrap(),
            pending.of(Some("home")).unwrap(),
            pending.newest(),
        );
        pending.publish(&work, Some(prompt("WORK-1", 10)));
        pending.publish(&home, Some(prompt("HOME-1", 15)));
        assert_eq!(work_rx.borrow().as_ref().unwrap().user_code, "WORK-1");
        assert_eq!(home_rx.borrow().as_ref().unwrap().user_code, "HOME-1");
        assert_eq!(newest.borrow().as_ref().unwrap().user_code, "HOME-1");
        assert_eq!(
            pending
                .of(None)
                .unwrap()
                .borrow()
                .as_ref()
                .unwrap()
                .user_code,
            "WORK-1",
            "no name: the default (first) account"
        );
        // Home's sign-in ends: work's code, still pending, is the one shown.
        pending.publish(&home, None);
        assert!(home_rx.borrow().is_none());
        assert_eq!(newest.borrow().as_ref().unwrap().user_code, "WORK-1");
        pending.publish(&work, None);
        assert!(newest.borrow().is_none());
        assert!(pending.of(Some("gh:nobody")).is_none());
    }
}
