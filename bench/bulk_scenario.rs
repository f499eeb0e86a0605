//! Writes a benchmark scenario as JSON for `agentbar demo --scenario FILE` or
//! `agentbar sim --scenario FILE`:
//! `cargo run --example bulk-scenario -- COUNT [idle|listed|busy|bulk] > tasks.json`.
//! `idle` (the default) has every task finished (`Scenario::bulk` archives one in twenty, so
//! 1,000 list as 950); `listed` is `idle` with none archived, so all COUNT tasks are listed;
//! `bulk` is `Scenario::bulk` as it is.

#[path = "scenarios.rs"]
mod scenarios;

use agentbar::sim::Scenario;

const SEED: u64 = 9;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
        eprintln!("usage: bulk-scenario COUNT [idle|listed|busy|bulk]");
        std::process::exit(2)
    });
    let scenario = match args.next().as_deref().unwrap_or("idle") {
        "idle" => scenarios::idle(count, SEED),
        "listed" => {
            let mut scenario = scenarios::idle(count, SEED);
            for task in &mut scenario.tasks {
                task.archived = false;
            }
            scenario
        }
        "busy" => scenarios::busy(count, SEED, 3600.0),
        "bulk" => Scenario::bulk(count, SEED),
        other => {
            eprintln!("unknown kind {other:?}: idle, listed, busy or bulk");
            std::process::exit(2)
        }
    };
    println!(
        "{}",
        serde_json::to_string(&scenario).expect("a scenario serialises")
    );
}
