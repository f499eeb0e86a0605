//! Numbered transitions for `/v1/events`: each state change gets an SSE `id:` (this process's
//! random prefix and a counter), and the last [`KEPT`] are kept so a client that reconnects
//! with `Last-Event-ID` gets the ones it missed instead of silently losing them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::diff::Transition;

/// How many transitions a reconnecting client can catch up on.
pub const KEPT: usize = 256;

/// One transition with its event id.
#[derive(Clone, Debug, PartialEq)]
pub struct Numbered {
    pub seq: u64,
    pub transition: Arc<Transition>,
}

/// What a client missed since the id it last saw.
#[derive(Debug, PartialEq, Eq)]
pub enum Since<T> {
    /// These, oldest first (possibly none).
    Missed(Vec<T>),
    /// The id is from another run of agentbar, malformed, or older than what is kept: the
    /// client should take the snapshot event as the truth.
    Unknown,
}

#[derive(Clone)]
pub struct TransitionLog {
    /// Differs per process, so an id from before a restart is never mistaken for a current one.
    prefix: String,
    kept: Arc<Mutex<VecDeque<Numbered>>>,
    live: broadcast::Sender<Numbered>,
}

impl TransitionLog {
    /// Numbers what `transitions` carries until `cancel` fires.
    pub fn spawn(
        transitions: &broadcast::Sender<Transition>,
        cancel: CancellationToken,
    ) -> (TransitionLog, impl Future<Output = ()> + Send + 'static) {
        let bytes: [u8; 4] = rand::random();
        let log = TransitionLog {
            prefix: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            kept: Arc::default(),
            live: broadcast::channel(KEPT).0,
        };
        let mut source = transitions.subscribe();
        let writer = log.clone();
        let task = async move {
            let mut seq = 0u64;
            loop {
                let received = tokio::select! {
                    () = cancel.cancelled() => return,
                    received = source.recv() => received,
                };
                match received {
                    Ok(transition) => {
                        seq += 1;
                        writer.record(Numbered {
                            seq,
                            transition: Arc::new(transition),
                        });
                    }
                    // What was missed here is missed for every client; ids stay in order.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        };
        (log, task)
    }

    fn record(&self, numbered: Numbered) {
        {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if kept.len() == KEPT {
                kept.pop_front();
            }
            kept.push_back(numbered.clone());
        }
        // Nobody listening is fine.
        let _ = self.live.send(numbered);
    }

    /// The SSE id of a numbered transition.
    pub fn id(&self, seq: u64) -> String {
        format!("{}-{seq}", self.prefix)
    }

    /// A live subscription; take it before [`TransitionLog::since`] so nothing falls between.
    pub fn subscribe(&self) -> broadcast::Receiver<Numbered> {
        self.live.subscribe()
    }

    /// What came after `last_event_id`.
    pub fn since(&self, last_event_id: &str) -> Since<Numbered> {
        let Some(seq) = last_event_id
            .strip_prefix(&self.prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            return Since::Unknown;
        };
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let oldest = kept.front().map_or(1, |n| n.seq);
        // Ids before the oldest kept one (but the one right before it) were dropped.
        if seq + 1 < oldest {
            return Since::Unknown;
        }
        Since::Missed(kept.iter().filter(|n| n.seq > seq).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;

    fn transition(id: &str) -> Transition {
        let task = task(id, "in_progress", 1);
        Transition {
            task_id: task.id.clone(),
            from: None,
            to: task.state.clone(),
            task,
        }
    }

    #[tokio::test]
    async fn transitions_are_numbered_and_replayed_after_an_id() {
        let (sender, _) = broadcast::channel(16);
        let cancel = CancellationToken::new();
        let (log, task) = TransitionLog::spawn(&sender, cancel.clone());
        let handle = tokio::spawn(task);
        let mut live = log.subscribe();
        for id in ["a", "b", "c"] {
            sender.send(transition(id)).unwrap();
        }
        for expected in 1..=3 {
            assert_eq!(live.recv().await.unwrap().seq, expected);
        }
        let seqs = |since: Since<Numbered>| match since {
            Since::Missed(missed) => Some(missed.iter().map(|n| n.seq).collect::<Vec<_>>()),
            Since::Unknown => None,
        };
        assert_eq!(seqs(log.since(&log.id(1))), Some(vec![2, 3]));
        assert_eq!(seqs(log.since(&log.id(3))), Some(vec![]));
        assert_eq!(seqs(log.since("ffffffff-1")), None, "another run's id");
        assert_eq!(seqs(log.since("nonsense")), None);
        cancel.cancel();
        handle.await.unwrap();
    }

    #[test]
    fn only_the_last_ones_are_kept() {
        let (log, _) = TransitionLog::spawn(&broadcast::channel(1).0, CancellationToken::new());
        for seq in 1..=(KEPT as u64 + 10) {
            log.record(Numbered {
                seq,
                transition: Arc::new(transition("x")),
            });
        }
        assert_eq!(log.since(&log.id(3)), Since::Unknown);
        match log.since(&log.id(10)) {
            Since::Missed(missed) => assert_eq!(missed.len(), KEPT),
            Since::Unknown => panic!("id 10 is right before the oldest kept"),
        }
    }
}
