//! Fuzz target: feeding a log to the follower in random growing prefixes, then finishing it,
//! ends with the same events as parsing it once (seqs aside: a reset may have renumbered them).
//!
//! Input layout: one byte `n` (cuts, at most 15), then `n` little-endian u16 cut positions, then
//! the log text.
#![no_main]

use agentbar::logs::{Event, LogFollower, parse_log};
use libfuzzer_sys::fuzz_target;

fn without_seq(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .map(|e| Event {
            seq: 0,
            ..e.clone()
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(count % 16);
    if rest.len() < count * 2 {
        return;
    }
    let (cuts, text) = rest.split_at(count * 2);
    let text = String::from_utf8_lossy(text);
    let mut ends: Vec<usize> = cuts
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (text.len() + 1))
        .collect();
    ends.sort_unstable();

    let mut follower = LogFollower::new();
    let mut last_seq = 0;
    for mut end in ends {
        while !text.is_char_boundary(end) {
            end += 1;
        }
        follower.update(&text[..end]);
        if let Some(event) = follower.events().last() {
            assert!(event.seq >= last_seq, "seqs never go back");
            last_seq = event.seq;
        }
    }
    follower.finish(&text);
    assert!(follower.is_done());
    let seqs: Vec<u64> = follower.events().iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(without_seq(follower.events()), without_seq(&parse_log(&text)));
});
