//! Writes a benchmark scenario as JSON for `agentbar demo --scenario FILE`:
//! `cargo run --example bulk-scenario -- COUNT [idle|busy|bulk] > tasks.json`.
//! `idle` (the default) has every task finished; `bulk` is `Scenario::bulk` as it is.

#[path = "scenarios.rs"]
mod scenarios;

use agentbar::sim::Scenario;

const SEED: u64 = 9;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
        eprintln!("usage: bulk-scenario COUNT [idle|busy|bulk]");
        std::process::exit(2)
    });
    let scenario = match args.next().as_deref().unwrap_or("idle") {
        "idle" => scenarios::idle(count, SEED),
        "busy" => scenarios::busy(count, SEED, 3600.0),
        "bulk" => Scenario::bulk(count, SEED),
        other => {
            eprintln!("unknown kind {other:?}: idle, busy or bulk");
            std::process::exit(2)
        }
    };
    println!(
        "{}",
        serde_json::to_string(&scenario).expect("a scenario serialises")
    );
}
