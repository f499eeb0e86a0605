//! Following a log that grows: feed the whole body each time it is fetched; only the bytes beyond
//! the last complete line are parsed, a rewritten or shrunk body is detected and parsed again,
//! and clients read what they have not seen through an opaque [`Cursor`].
//!
//! Design:
//! - **Work per update** is proportional to the new bytes: the consumed prefix is checked with
//!   a [`Fingerprint`] of fixed size (length + a few sampled windows), not re-hashed. A full hash
//!   of the prefix on every fetch would make following an n-byte log in k steps cost O(k·n);
//!   the benchmark `benches/logs.rs` measures that alternative next to the real one.
//! - **Lines are the unit**: a line is parsed once it ends with `\n`; a trailing line without one
//!   waits for the next fetch (it may be cut mid-write), except when the log is finished.
//! - **Resets**: a body shorter than the consumed prefix or whose fingerprint differs starts a new
//!   *generation*: events are dropped and the body is parsed from the start. Seqs keep growing
//!   across generations (a seq is never reused), and a cursor from an older generation makes
//!   [`LogFollower::events_after`] return every current event with `reset: true`, so the API can
//!   tell a client to clear what it shows.
//! - **Done**: the caller says the task reached a terminal state ([`LogFollower::finish`]), or the
//!   log itself ends (its last line so far) with a `data: [DONE]` marker or the closing `stop`
//!   chunk that carries the PR summary (`<pr_title>`). A bare `stop` chunk is *not* the end: real sessions write it and
//!   then, seconds later, the summary chunk, which a client stopping early would miss. When done,
//!   calls still waiting for a result are emitted without output; should the body still grow
//!   after that, it is parsed again as a new generation, so every event still appears once.

use std::fmt;
use std::str::FromStr;

use super::Event;
use super::parse::{Assembler, PendingTool};

/// Bytes per sampled window of the fingerprint.
const WINDOW: usize = 64;
/// Windows spread evenly between the head and the tail windows.
const MIDDLE_WINDOWS: usize = 6;

/// A position in a followed log, for the API: `c1.<generation>.<seq>`. Clients treat it as an
/// opaque string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub generation: u32,
    /// The seq of the last event the holder has seen (or the generation's start).
    pub seq: u64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c1.{}.{}", self.generation, self.seq)
    }
}

/// A cursor string that this version did not write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a log cursor: {0:?}")]
pub struct CursorError(pub String);

impl FromStr for Cursor {
    type Err = CursorError;

    fn from_str(text: &str) -> Result<Cursor, CursorError> {
        let bad = || CursorError(text.chars().take(64).collect());
        let mut parts = text.split('.');
        let (Some("c1"), Some(generation), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(Cursor {
            generation: generation.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

/// What one call of [`LogFollower::update`] changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Update {
    /// Events added (after a reset: every event of the new generation).
    pub new_events: usize,
    /// The body no longer matched what was consumed: a new generation started.
    pub reset: bool,
}

/// Events a client has not seen, for `GET /v1/tasks/{id}/logs?after=CURSOR`.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<'a> {
    pub events: &'a [Event],
    /// What the client sends next time.
    pub cursor: Cursor,
    /// Nothing more will come: stop polling.
    pub done: bool,
    /// The client's cursor is from an older generation (or unknown): `events` is the whole log
    /// again and the client must drop what it showed.
    pub reset: bool,
}

/// Counters for logs and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowStats {
    pub generation: u32,
    pub resets: u32,
    pub bytes_consumed: usize,
    pub chunks: usize,
    /// Lines that were not readable chunks (each also became an `error` event).
    pub malformed: usize,
    pub pending_tools: usize,
}

/// A cheap check that the consumed prefix of a new body is the one parsed before: its length
/// and copies of a head window, a tail window and a few windows in between.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Fingerprint {
    len: usize,
    samples: Vec<(usize, Vec<u8>)>,
}

impl Fingerprint {
    fn of(prefix: &[u8]) -> Fingerprint {
        let len = prefix.len();
        let mut starts = vec![0, len.saturating_sub(WINDOW)];
        for i in 1..=MIDDLE_WINDOWS {
            starts.push(len * i / (MIDDLE_WINDOWS + 1));
        }
        starts.sort_unstable();
        starts.dedup();
        let samples = starts
            .into_iter()
            .map(|start| {
                let end = (start + WINDOW).min(len);
                (start, prefix[start..end].to_vec())
            })
            .collect();
        Fingerprint { len, samples }
    }

    fn matches(&self, body: &[u8]) -> bool {
        body.len() >= self.len
            && self
                .samples
                .iter()
                .all(|(start, bytes)| body.get(*start..start + bytes.len()) == Some(bytes))
    }
}

/// Pure state over the log bodies fed to it; see the module docs.
#[derive(Debug)]
pub struct LogFollower {
    assembler: Assembler,
    /// The events of the current generation, in seq order.
    events: Vec<Event>,
    generation: u32,
    /// The seq just before this generation's first event.
    base_seq: u64,
    consumed: usize,
    fingerprint: Fingerprint,
    /// A last line without `\n` was consumed (only once the log is finished).
    consumed_partial: bool,
    /// The caller said the task reached a terminal state.
    terminal: bool,
    /// Waiting calls were emitted without output because the log was done (if there were none,
    /// later growth is harmless and this stays false).
    flushed: bool,
    resets: u32,
}

impl Default for LogFollower {
    fn default() -> Self {
        LogFollower::new()
    }
}

impl LogFollower {
    pub fn new() -> LogFollower {
        LogFollower {
            assembler: Assembler::new(1),
            events: Vec::new(),
            generation: 0,
            base_seq: 0,
            consumed: 0,
            fingerprint: Fingerprint::default(),
            consumed_partial: false,
            terminal: false,
            flushed: false,
            resets: 0,
        }
    }

    /// Feeds the whole body fetched now (each fetch returns the log from its start).
    pub fn update(&mut self, body: &str) -> Update {
        let reset = self.needs_restart(body);
        if reset {
            self.restart();
        }
        let before = self.events.len();
        let new = &body[self.consumed..];
        // Only complete lines, unless the log is finished: then the tail is all there will be.
        let end = if self.terminal {
            new.len()
        } else {
            new.rfind('\n').map_or(0, |i| i + 1)
        };
        if end > 0 {
            let region = &new[..end];
            for line in region.split('\n') {
                self.assembler.line(line, &mut self.events);
            }
            self.consumed += end;
            self.consumed_partial = !region.ends_with('\n');
            self.fingerprint = Fingerprint::of(&body.as_bytes()[..self.consumed]);
        }
        if self.is_done() && !self.flushed {
            self.flushed = self.assembler.flush_pending(&mut self.events) > 0;
        }
        Update {
            new_events: self.events.len() - before,
            reset,
        }
    }

    /// Feeds the last body of a task that reached a terminal state: its unterminated last line
    /// is parsed too, calls without a result are emitted, and the follower is done.
    pub fn finish(&mut self, body: &str) -> Update {
        self.terminal = true;
        self.update(body)
    }

    fn needs_restart(&self, body: &str) -> bool {
        if self.consumed == 0 {
            return false;
        }
        let grew = body.len() > self.consumed;
        !self.fingerprint.matches(body.as_bytes())
            // Implied by a matching tail window; checked so slicing can never panic.
            || !body.is_char_boundary(self.consumed)
            // A partial line was taken as complete, or waiting calls were closed: anything new
            // means that was premature, so parse it all again rather than show things twice.
            || (self.consumed_partial && grew)
            || (self.flushed && grew && self.has_content_to_read(&body[self.consumed..]))
    }

    /// Whether this update would read something from `new` (blank lines change nothing): only
    /// complete lines, or everything once the log is finished.
    fn has_content_to_read(&self, new: &str) -> bool {
        let end = if self.terminal {
            new.len()
        } else {
            new.rfind('\n').unwrap_or(0)
        };
        !new[..end].trim().is_empty()
    }

    fn restart(&mut self) {
        let next_seq = self.assembler.next_seq();
        self.assembler = Assembler::new(next_seq);
        self.events.clear();
        self.generation += 1;
        self.base_seq = next_seq - 1;
        self.consumed = 0;
        self.fingerprint = Fingerprint::default();
        self.consumed_partial = false;
        self.flushed = false;
        self.resets += 1;
    }

    /// Takes a log parsed whole elsewhere (a local transcript's tail, parsed afresh on each
    /// read): while the new list extends the events so far, they keep their seqs and cursors;
    /// otherwise (the tail window moved, the file was rewritten) a new generation starts,
    /// numbered past the last seq handed out.
    pub fn replace(&mut self, events: Vec<Event>, finished: bool) {
        self.terminal |= finished;
        let same = |a: &Event, b: &Event| {
            Event {
                seq: b.seq,
                ..a.clone()
            } == *b
        };
        let extends = events.len() >= self.events.len()
            && events
                .iter()
                .zip(&self.events)
                .all(|(new, old)| same(new, old));
        if !extends {
            self.base_seq = self.cursor().seq;
            self.generation += 1;
            self.resets += 1;
        }
        let base = self.base_seq;
        self.events = events
            .into_iter()
            .zip(1..)
            .map(|(event, n)| Event {
                seq: base + n,
                ..event
            })
            .collect();
    }

    /// Nothing more will come: the task is terminal, or the log's last line is its end marker.
    pub fn is_done(&self) -> bool {
        self.terminal || self.assembler.ended
    }

    /// A `stop` chunk arrived (the agent's last word, though the PR summary may still follow).
    pub fn saw_stop(&self) -> bool {
        self.assembler.saw_stop
    }

    /// Every event of the current generation.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn into_events(self) -> Vec<Event> {
        self.events
    }

    /// The cursor after the last event.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            generation: self.generation,
            seq: self.events.last().map_or(self.base_seq, |e| e.seq),
        }
    }

    /// The events after `cursor` (all of them without one). A cursor this follower did not
    /// issue for its current generation gives everything with `reset: true`.
    pub fn events_after(&self, cursor: Option<Cursor>) -> Page<'_> {
        let now = self.cursor();
        let (events, reset) = match cursor {
            None => (self.events.as_slice(), false),
            Some(c)
                if c.generation == self.generation
                    && (self.base_seq..=now.seq).contains(&c.seq) =>
            {
                let start = self.events.partition_point(|e| e.seq <= c.seq);
                (&self.events[start..], false)
            }
            Some(_) => (self.events.as_slice(), true),
        };
        Page {
            events,
            cursor: now,
            done: self.is_done(),
            reset,
        }
    }

    /// Calls issued and still waiting for their result, oldest first (for a "running…" line).
    pub fn pending_tools(&self) -> Vec<&PendingTool> {
        self.assembler.pending()
    }

    pub fn stats(&self) -> FollowStats {
        FollowStats {
            generation: self.generation,
            resets: self.resets,
            bytes_consumed: self.consumed,
            chunks: self.assembler.chunks,
            malformed: self.assembler.malformed,
            pending_tools: self.assembler.pending().len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::{EventKind, parse_log};

    fn said(text: &str) -> Event {
        Event {
            seq: 99,
            kind: EventKind::Message,
            title: text.to_owned(),
            body: text.to_owned(),
            at: None,
            tool: None,
            agent: None,
            user: None,
        }
    }

    #[test]
    fn a_replaced_log_keeps_cursors_while_it_grows_and_starts_a_generation_when_it_does_not() {
        let mut follower = LogFollower::new();
        follower.replace(vec![said("a"), said("b")], false);
        let cursor = follower.cursor();
        follower.replace(vec![said("a"), said("b"), said("c")], false);
        let page = follower.events_after(Some(cursor));
        assert!(!page.reset);
        assert_eq!(page.events.len(), 1);
        assert_eq!(
            (page.events[0].title.as_str(), page.events[0].seq),
            ("c", 3)
        );
        assert!(!page.done);
        // The window moved: the old first event is gone, so the list is new.
        let last = follower.cursor();
        follower.replace(vec![said("b"), said("c"), said("d")], true);
        let page = follower.events_after(Some(last));
        assert!(page.reset && page.done);
        let seqs: Vec<u64> = page.events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [4, 5, 6], "seqs are never reused");
    }

    fn say(text: &str) -> String {
        format!(
            "data: {{\"choices\":[{{\"delta\":{{\"role\":\"assistant\",\"content\":\"{text}\"}}}}]}}\n\n"
        )
    }

    fn issue(id: &str, path: &str) -> String {
        format!(
            "data: {{\"choices\":[{{\"delta\":{{\"tool_calls\":[{{\"function\":{{\"name\":\"view\",\"arguments\":\"{{\\\"path\\\":\\\"{path}\\\"}}\"}},\"id\":\"{id}\"}}]}}}}]}}\n\n"
        )
    }

    fn result(id: &str, output: &str) -> String {
        format!(
            "data: {{\"choices\":[{{\"delta\":{{\"content\":\"{output}\",\"tool_calls\":[{{\"function\":{{\"name\":\"view\"}},\"id\":\"{id}\"}}]}}}}]}}\n\n"
        )
    }

    const SUMMARY: &str = "data: {\"choices\":[{\"delta\":{\"content\":\"<pr_title>T</pr_title>\"},\"finish_reason\":\"stop\"}]}\n\n";

    fn titles(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.title.as_str()).collect()
    }

    #[test]
    fn growing_bodies_add_only_new_events_and_partial_lines_wait() {
        let full = [say("one"), issue("a", "x"), result("a", "ok"), say("two")].concat();
        let mut follower = LogFollower::new();
        let cut = full.find("two").unwrap();
        assert_eq!(follower.update(&full[..cut]).new_events, 2);
        assert_eq!(titles(follower.events()), ["one", "View x"]);
        assert_eq!(follower.update(&full).new_events, 1);
        assert_eq!(follower.update(&full).new_events, 0);
        assert_eq!(titles(follower.events()), ["one", "View x", "two"]);
        assert!(!follower.is_done());
        let seqs: Vec<u64> = follower.events().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[test]
    fn events_after_a_cursor_and_cursors_round_trip() {
        let mut follower = LogFollower::new();
        follower.update(&[say("one"), say("two")].concat());
        let first = follower.events_after(None);
        assert_eq!(first.events.len(), 2);
        let cursor: Cursor = first.cursor.to_string().parse().unwrap();
        assert_eq!(cursor.to_string(), "c1.0.2");
        follower.update(&[say("one"), say("two"), say("three")].concat());
        let next = follower.events_after(Some(cursor));
        assert_eq!(titles(next.events), ["three"]);
        assert!(!next.reset);
        assert!(follower.events_after(Some(next.cursor)).events.is_empty());
        for bad in ["", "c1.0", "c2.0.1", "c1.x.1", "c1.0.1.2"] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rewritten_body_starts_a_new_generation_with_fresh_seqs() {
        let mut follower = LogFollower::new();
        follower.update(&[say("one"), say("two")].concat());
        let old = follower.cursor();
        let update = follower.update(&[say("uno"), say("two")].concat());
        assert!(update.reset);
        assert_eq!(titles(follower.events()), ["uno", "two"]);
        let seqs: Vec<u64> = follower.events().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 4], "seqs are never reused");
        let page = follower.events_after(Some(old));
        assert!(page.reset);
        assert_eq!(page.events.len(), 2);
        assert_eq!(page.cursor.to_string(), "c1.1.4");
        // A shrunk body is a reset too; an empty generation still has a valid cursor.
        assert!(follower.update("").reset);
        assert!(follower.events().is_empty());
        let empty = follower.cursor();
        assert_eq!(empty.seq, 4);
        assert!(!follower.events_after(Some(empty)).reset);
        // A cursor from the future (another follower) is not trusted.
        assert!(
            follower
                .events_after(Some(Cursor {
                    generation: 2,
                    seq: 99
                }))
                .reset
        );
    }

    #[test]
    fn finish_parses_the_unterminated_tail_and_closes_waiting_calls() {
        let body = [say("one"), issue("a", "x")].concat() + say("tail").trim_end();
        let mut follower = LogFollower::new();
        follower.update(&body);
        assert_eq!(titles(follower.events()), ["one"]);
        assert_eq!(follower.pending_tools().len(), 1);
        assert!(!follower.is_done());
        follower.finish(&body);
        assert!(follower.is_done());
        assert_eq!(titles(follower.events()), ["one", "tail", "View x"]);
        assert_eq!(follower.events()[2].tool.as_ref().unwrap().output, None);
        assert!(follower.pending_tools().is_empty());
        // Feeding the same body again changes nothing.
        assert_eq!(follower.finish(&body).new_events, 0);
        // Growth after that means the close was premature: parse again, each event once.
        let grown = [
            say("one"),
            issue("a", "x"),
            say("tail"),
            result("a", "late"),
        ]
        .concat();
        let update = follower.update(&grown);
        assert!(update.reset);
        assert_eq!(titles(follower.events()), ["one", "tail", "View x"]);
        assert_eq!(
            follower.events()[2]
                .tool
                .as_ref()
                .unwrap()
                .output
                .as_deref(),
            Some("late")
        );
    }

    #[test]
    fn the_pr_summary_or_done_marker_end_the_log_but_a_bare_stop_does_not() {
        let stop = "data: {\"choices\":[{\"delta\":{\"content\":\"Done.\"},\"finish_reason\":\"stop\"}]}\n\n";
        let mut follower = LogFollower::new();
        follower.update(&[say("one"), stop.to_owned()].concat());
        assert!(follower.saw_stop());
        assert!(!follower.is_done());
        follower.update(&[say("one"), stop.to_owned(), SUMMARY.to_owned()].concat());
        assert!(follower.is_done());
        assert_eq!(
            follower.events().last().map(|e| e.kind),
            Some(EventKind::Message)
        );
        let mut marked = LogFollower::new();
        marked.update(&[say("one"), "data: [DONE]\n\n".to_owned()].concat());
        assert!(marked.is_done());
        // An end marker followed by more of the log was not the end.
        marked.update(&[say("one"), "data: [DONE]\n\n".to_owned(), say("two")].concat());
        assert!(!marked.is_done());
    }

    #[test]
    fn any_split_gives_the_same_events_as_one_parse() {
        let body = [
            say("one"),
            issue("a", "x"),
            say("two ✓"),
            result("a", "ok"),
            "not a data line\n".to_owned(),
            issue("b", "y"),
            SUMMARY.to_owned(),
        ]
        .concat();
        let once = parse_log(&body);
        for step in [1, 2, 3, 7, 50] {
            let mut follower = LogFollower::new();
            let mut end = 0;
            while end < body.len() {
                end = (end + step).min(body.len());
                while !body.is_char_boundary(end) {
                    end += 1;
                }
                let update = follower.update(&body[..end]);
                assert!(!update.reset, "step {step}");
            }
            follower.finish(&body);
            assert_eq!(follower.events(), once.as_slice(), "step {step}");
        }
    }

    /// Found by the `follow_splits` fuzz target: the log ended with `[DONE]` (so waiting calls
    /// were closed), then the final body added an unterminated line. It was read after the
    /// closed calls, unlike in a one-shot parse.
    #[test]
    fn regression_fuzz_an_unterminated_tail_after_an_end_marker_keeps_the_order() {
        let done = [say("one"), issue("a", "x"), "data: [DONE]\n\n".to_owned()].concat();
        let full = done.clone() + "not a chunk";
        let mut follower = LogFollower::new();
        follower.update(&done);
        assert!(follower.is_done());
        assert_eq!(titles(follower.events()), ["one", "View x"]);
        assert!(follower.finish(&full).reset);
        assert_eq!(
            follower.events(),
            parse_log(&full)
                .iter()
                .map(|e| Event {
                    seq: e.seq + 2,
                    ..e.clone()
                })
                .collect::<Vec<_>>()
        );
        assert_eq!(
            titles(follower.events()),
            ["one", "Unreadable log line", "View x"]
        );
    }

    #[test]
    fn the_fingerprint_is_small_and_catches_changes_near_the_cursor() {
        let body = "x".repeat(10_000);
        let print = Fingerprint::of(body.as_bytes());
        let sampled: usize = print.samples.iter().map(|(_, b)| b.len()).sum();
        assert!(sampled <= WINDOW * (MIDDLE_WINDOWS + 2));
        assert!(print.matches(body.as_bytes()));
        let mut changed = body.clone().into_bytes();
        changed[9_990] = b'y';
        assert!(!print.matches(&changed));
        changed[9_990] = b'x';
        changed[3] = b'y';
        assert!(!print.matches(&changed));
        assert!(!print.matches(&body.as_bytes()[..9_999]));
    }
}
