//! The OAuth device flow as GitHub runs it, with its quirks: a grant waits for the user to
//! approve or deny it (a control route, or the simulator's verification page), polling faster
//! than the interval earns `slow_down` (and five more seconds of interval), and a grant expires
//! after `expires_in` sim seconds. Pure state; the routes live in `routes.rs`.

use std::time::{Duration, Instant};

use super::world::SimSeconds;

/// GitHub's device codes live fifteen minutes.
const EXPIRES_IN: u64 = 900;
/// GitHub asks for 5 s; the simulator asks for 1 s so demos and tests move along.
const INTERVAL: u64 = 1;
/// What `slow_down` adds to the interval, as GitHub does.
const SLOW_DOWN_STEP: u64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Pending,
    Approved,
    Denied,
}

#[derive(Debug)]
pub struct Grant {
    pub device_code: String,
    pub user_code: String,
    pub issued_at: SimSeconds,
    pub expires_in: u64,
    pub interval: u64,
    pub decision: Decision,
    pub polls: u32,
    last_poll: Option<Instant>,
    /// One `slow_down` queued through the control route.
    slow_down_next: bool,
    token: String,
}

/// What a poll of the token route gets.
#[derive(Debug, PartialEq, Eq)]
pub enum PollAnswer {
    Pending,
    SlowDown { interval: u64 },
    Expired,
    Denied,
    Token(String),
    UnknownCode,
}

#[derive(Debug, Default)]
pub struct DeviceGrants {
    grants: Vec<Grant>,
}

impl DeviceGrants {
    pub fn issue(&mut self, now: SimSeconds) -> &Grant {
        let number = self.grants.len() + 1;
        let grant = Grant {
            device_code: format!("sim-device-code-{number}"),
            user_code: format!("SIM{:01}-{:04}", number % 10, number * 37 % 10_000),
            issued_at: now,
            expires_in: EXPIRES_IN,
            interval: INTERVAL,
            decision: Decision::Pending,
            polls: 0,
            last_poll: None,
            slow_down_next: false,
            // Shaped like a real OAuth token, so redaction and logging tests see a realistic one.
            token: format!("gho_sim{number:04}{}", "Q7xK2pLm9RtZ4vWc8NbY3hJd6FsA1e"),
        };
        self.grants.push(grant);
        let last = self.grants.len() - 1;
        &self.grants[last]
    }

    pub fn poll(&mut self, device_code: &str, now: SimSeconds, at: Instant) -> PollAnswer {
        let Some(grant) = self
            .grants
            .iter_mut()
            .find(|g| g.device_code == device_code)
        else {
            return PollAnswer::UnknownCode;
        };
        grant.polls += 1;
        let too_soon = grant
            .last_poll
            .is_some_and(|last| at.duration_since(last) < Duration::from_secs(grant.interval));
        grant.last_poll = Some(at);
        if now - grant.issued_at >= grant.expires_in as f64 {
            return PollAnswer::Expired;
        }
        if grant.slow_down_next || (too_soon && grant.decision == Decision::Pending) {
            grant.slow_down_next = false;
            grant.interval += SLOW_DOWN_STEP;
            return PollAnswer::SlowDown {
                interval: grant.interval,
            };
        }
        match grant.decision {
            Decision::Pending => PollAnswer::Pending,
            Decision::Denied => PollAnswer::Denied,
            Decision::Approved => PollAnswer::Token(grant.token.clone()),
        }
    }

    /// Approves, denies or slows down a grant by its user code, or the newest pending one.
    pub fn decide(&mut self, user_code: Option<&str>, action: &str) -> Result<String, String> {
        let grant = match user_code {
            Some(code) => self
                .grants
                .iter_mut()
                .find(|g| g.user_code.eq_ignore_ascii_case(code.trim())),
            None => self
                .grants
                .iter_mut()
                .rev()
                .find(|g| g.decision == Decision::Pending),
        }
        .ok_or_else(|| "no such pending device code".to_owned())?;
        match action {
            "approve" => grant.decision = Decision::Approved,
            "deny" => grant.decision = Decision::Denied,
            "slow_down" => grant.slow_down_next = true,
            other => {
                return Err(format!(
                    "unknown action {other:?}; use approve, deny or slow_down"
                ));
            }
        }
        Ok(grant.user_code.clone())
    }

    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_waits_slows_down_and_then_yields_a_token() {
        let mut grants = DeviceGrants::default();
        let start = Instant::now();
        let code = grants.issue(0.0).device_code.clone();
        assert_eq!(grants.poll(&code, 1.0, start), PollAnswer::Pending);
        assert_eq!(
            grants.poll(&code, 1.1, start + Duration::from_millis(100)),
            PollAnswer::SlowDown { interval: 6 },
            "polling faster than the interval"
        );
        grants.decide(None, "approve").unwrap();
        match grants.poll(&code, 10.0, start + Duration::from_secs(7)) {
            PollAnswer::Token(token) => assert!(token.starts_with("gho_")),
            other => panic!("{other:?}"),
        }
        assert_eq!(grants.poll("nope", 1.0, start), PollAnswer::UnknownCode);
    }

    #[test]
    fn denial_expiry_and_queued_slow_downs() {
        let mut grants = DeviceGrants::default();
        let t = Instant::now();
        let first = grants.issue(0.0).device_code.clone();
        let user_code = grants.grants()[0].user_code.clone();
        grants.decide(Some(&user_code), "slow_down").unwrap();
        assert_eq!(
            grants.poll(&first, 1.0, t),
            PollAnswer::SlowDown { interval: 6 }
        );
        grants
            .decide(Some(&user_code.to_lowercase()), "deny")
            .unwrap();
        assert_eq!(
            grants.poll(&first, 2.0, t + Duration::from_secs(10)),
            PollAnswer::Denied
        );
        let second = grants.issue(100.0).device_code.clone();
        assert_eq!(grants.poll(&second, 1000.0, t), PollAnswer::Expired);
        assert!(grants.decide(Some("NOPE-0000"), "approve").is_err());
        assert!(grants.decide(None, "sing").is_err());
    }
}
