//! Fuzz target: any bytes parse into events without a panic, with seqs 1, 2, 3, … and
//! one-line titles.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let events = agentbar::logs::parse_log(&text);
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event.seq, index as u64 + 1);
        assert!(!event.title.contains('\n'), "{:?}", event.title);
    }
});
