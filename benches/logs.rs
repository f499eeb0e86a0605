//! Log parsing throughput and the cost of following a log as it grows.
//!
//! The log is the real samples (copied into `tests/fixtures/logs/copilot/`) concatenated to
//! about 8 MB. Besides Criterion's figures, `main` prints the two numbers the issue asks for:
//! parse-once throughput in MB/s, and following the same log in 100 growing fetches ÷ parsing
//! it once (target ≤ 1.5), plus what re-hashing the consumed prefix on
//! every fetch (the design the follower avoids) would add.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) everything runs once on a small log.

use std::hash::{DefaultHasher, Hasher};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use agentbar::logs::{LogFollower, parse_log};
use criterion::{Criterion, Throughput};

const FULL_SIZE: usize = 8 * 1024 * 1024;
const TEST_SIZE: usize = 256 * 1024;
const STEPS: usize = 100;

fn samples() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/fixtures/logs/copilot");
    let names = [
        "log-1-input.txt",
        "log-2-input.txt",
        "log-3-synthetic-failures-input.txt",
    ];
    names
        .iter()
        .map(|name| {
            let mut text = std::fs::read_to_string(dir.join(name))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()));
            // Each sample ends its last line, so the next one starts on a line of its own.
            while !text.ends_with("\n\n") {
                text.push('\n');
            }
            text
        })
        .collect()
}

fn big_log(size: usize) -> String {
    let samples = samples();
    let mut log = String::with_capacity(size + 64 * 1024);
    while log.len() < size {
        for sample in &samples {
            log.push_str(sample);
        }
    }
    log
}

/// Feeds `log` as `STEPS` growing bodies, the last one as the finished log.
fn follow_in_steps(log: &str) -> usize {
    let mut follower = LogFollower::new();
    for step in 1..=STEPS {
        let mut end = log.len() * step / STEPS;
        while !log.is_char_boundary(end) {
            end += 1;
        }
        if step == STEPS {
            follower.finish(&log[..end]);
        } else {
            follower.update(&log[..end]);
        }
    }
    follower.events().len()
}

/// What verifying the consumed prefix with a full hash on every fetch would cost on its own.
fn hash_prefixes(log: &str) -> u64 {
    let mut total = 0;
    for step in 1..=STEPS {
        let mut hasher = DefaultHasher::new();
        hasher.write(&log.as_bytes()[..log.len() * step / STEPS]);
        total ^= hasher.finish();
    }
    total
}

fn median_time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn report(log: &str, runs: usize) {
    let mb = log.len() as f64 / 1_000_000.0;
    let events = parse_log(log).len();
    assert_eq!(
        follow_in_steps(log),
        events,
        "following gives the same events"
    );
    let parse = median_time(runs, || {
        black_box(parse_log(black_box(log)));
    });
    let follow = median_time(runs, || {
        black_box(follow_in_steps(black_box(log)));
    });
    let hash = median_time(runs, || {
        black_box(hash_prefixes(black_box(log)));
    });
    println!(
        "logs: {mb:.1} MB, {events} events; parse once {:.1} ms = {:.0} MB/s; follow in {STEPS} steps {:.1} ms = {:.2}× parse once (target ≤ 1.5); a full prefix hash per fetch would add {:.1} ms = {:.2}× parse once",
        parse.as_secs_f64() * 1e3,
        mb / parse.as_secs_f64(),
        follow.as_secs_f64() * 1e3,
        follow.as_secs_f64() / parse.as_secs_f64(),
        hash.as_secs_f64() * 1e3,
        hash.as_secs_f64() / parse.as_secs_f64(),
    );
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let log = big_log(if benching { FULL_SIZE } else { TEST_SIZE });
    let mut criterion = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    let mut group = criterion.benchmark_group("logs");
    group.throughput(Throughput::Bytes(log.len() as u64));
    group.bench_function("parse_once", |b| b.iter(|| parse_log(black_box(&log))));
    group.bench_function("follow_100_steps", |b| {
        b.iter(|| follow_in_steps(black_box(&log)))
    });
    group.finish();
    criterion.final_summary();
    report(&log, if benching { 5 } else { 1 });
}
