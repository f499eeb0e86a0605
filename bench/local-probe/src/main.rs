//! One process-table read per local rescan: `sysinfo` (names and working directories of every
//! process) against `/proc` read by hand (names of every process; a working directory only for
//! the few whose name matches), timed, with the resident memory each leaves behind.

use std::time::Instant;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// What src/local/live.rs reads: every process's `comm` and first two arguments, then the cwd of
/// those named like an agent.
fn by_hand(names: &[&str]) -> usize {
    let mut matched = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
            continue;
        };
        let mut all = vec![comm.trim().to_owned()];
        if let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) {
            all.extend(cmdline.split(|&b| b == 0).take(2).map(|a| {
                String::from_utf8_lossy(a).rsplit('/').next().unwrap_or_default().to_owned()
            }));
        }
        if all.iter().any(|n| names.iter().any(|w| n.starts_with(w))) {
            let _ = std::fs::read_link(format!("/proc/{pid}/cwd"));
            matched += 1;
        }
    }
    matched
}

fn with_sysinfo(names: &[&str]) -> usize {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
    let mut system = System::new();
    system.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_cmd(UpdateKind::Always)
            .with_cwd(UpdateKind::Always),
    );
    system
        .processes()
        .values()
        .filter(|p| {
            let name = p.name().to_string_lossy();
            names.iter().any(|w| name.starts_with(w))
        })
        .count()
}

fn main() {
    let names = ["claude", "codex", "copilot", "gemini"];
    let rounds = 200;
    let before = rss_kib();
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(by_hand(&names));
    }
    let hand = start.elapsed() / rounds;
    let after_hand = rss_kib();
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(with_sysinfo(&names));
    }
    let sys = start.elapsed() / rounds;
    let after_sys = rss_kib();
    let processes = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.parse::<u32>().is_ok()))
        .count();
    println!("processes on this machine: {processes}");
    println!("by hand (/proc):  {:>8.2} ms per snapshot, RSS {before} -> {after_hand} KiB", hand.as_secs_f64() * 1e3);
    println!("sysinfo 0.37:     {:>8.2} ms per snapshot, RSS {after_hand} -> {after_sys} KiB", sys.as_secs_f64() * 1e3);
}
