//! Local sources at scale: 1,000 Claude Code session files (a few of them 200 MB with 10 MB
//! lines) in a temporary home. Prints the bytes read and the time to the first task list, then
//! the bytes read for appends. Run: `cargo run --release --example local-scan` (bench/RESULTS.md).

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Instant;

use agentbar::local::event::LocalTool;
use agentbar::local::live::SystemProbe;
use agentbar::local::scan::{ToolScanner, WATCH_RECENT};
use agentbar::local::settings::LocalSettings;
use agentbar::local::tail::Limits;

const FILES: usize = 1_000;
const BIG: usize = 4;
const BIG_SIZE: u64 = 200 * 1024 * 1024;
const BIG_LINE: usize = 10 * 1024 * 1024;

fn small_session(id: &str, i: usize) -> String {
    let mut text = String::new();
    for turn in 0..8 {
        text.push_str(&format!(
            r#"{{"type":"user","sessionId":"{id}","cwd":"/home/dev/src/p{i}","gitBranch":"main","timestamp":"2026-11-30T10:{turn:02}:00Z","message":{{"role":"user","content":"Turn {turn}: make the change and run the tests."}}}}"#
        ));
        text.push('\n');
        text.push_str(&format!(
            r#"{{"type":"assistant","sessionId":"{id}","timestamp":"2026-11-30T10:{turn:02}:30Z","message":{{"id":"m{turn}","model":"claude-opus-4-7","content":[{{"type":"text","text":"Done with turn {turn}; all tests pass."}}],"stop_reason":"end_turn","usage":{{"input_tokens":10,"output_tokens":20}}}}}}"#
        ));
        text.push('\n');
    }
    text
}

/// A 200 MB transcript: a normal head, a sparse middle, and a tail with two 10 MB lines.
fn big_session(path: &Path, id: &str) {
    let mut f = fs::File::create(path).unwrap();
    f.write_all(small_session(id, 0).as_bytes()).unwrap();
    f.set_len(BIG_SIZE - 3 * BIG_LINE as u64).unwrap();
    f.seek(SeekFrom::End(0)).unwrap();
    f.write_all(b"\n").unwrap();
    for _ in 0..2 {
        let mut line = format!(r#"{{"type":"user","sessionId":"{id}","message":{{"content":[{{"type":"tool_result","tool_use_id":"t","content":""#).into_bytes();
        line.resize(BIG_LINE, b'x');
        line.extend_from_slice(b"\"}]}}\n");
        f.write_all(&line).unwrap();
    }
    f.write_all(small_session(id, 0).as_bytes()).unwrap();
}

fn main() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".claude");
    let project = root.join("projects/-home-dev-src-p");
    fs::create_dir_all(&project).unwrap();
    let mut on_disk: u64 = 0;
    let mut small_on_disk: u64 = 0;
    for i in 0..FILES {
        let id = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
        let path = project.join(format!("{id}.jsonl"));
        if i < BIG {
            big_session(&path, &id);
        } else {
            fs::write(&path, small_session(&id, i)).unwrap();
        }
        let len = fs::metadata(&path).unwrap().len();
        on_disk += len;
        if i >= BIG {
            small_on_disk += len;
        }
    }
    let limits = Limits::default();
    let settings = LocalSettings::default();

    let start = Instant::now();
    let mut scanner = ToolScanner::new(LocalTool::ClaudeCode, root.clone());
    scanner.rescan(Some(WATCH_RECENT));
    let probe = SystemProbe::snapshot();
    let sessions = scanner.sessions(&probe, &settings, chrono::Utc::now());
    let first_list = start.elapsed();
    let bound = BIG as u64 * (limits.head_max + limits.line_max as u64 + 1 + limits.tail_max)
        + small_on_disk;
    println!(
        "files: {FILES} ({BIG} of 200 MB with 10 MB lines), {:.1} MB on disk",
        on_disk as f64 / 1e6
    );
    println!(
        "start-up to the first list: {:.0} ms, {} sessions",
        first_list.as_secs_f64() * 1e3,
        sessions.len()
    );
    println!(
        "bytes read at start-up: {} ({:.2} MB; bound from the windows: {:.2} MB)",
        scanner.bytes_read,
        scanner.bytes_read as f64 / 1e6,
        bound as f64 / 1e6
    );
    assert!(scanner.bytes_read <= bound);

    // Appends: one line to each of 10 files (2 of them the big ones), then a rescan.
    let before = scanner.bytes_read;
    let line = b"{\"type\":\"system\",\"subtype\":\"turn_duration\",\"timestamp\":\"2026-11-30T11:00:00Z\"}\n";
    let mut appended = 0;
    for i in [0usize, 1, 10, 20, 30, 40, 50, 60, 70, 80] {
        let id = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
        let mut f = OpenOptions::new()
            .append(true)
            .open(project.join(format!("{id}.jsonl")))
            .unwrap();
        f.write_all(line).unwrap();
        appended += line.len();
    }
    let start = Instant::now();
    scanner.rescan(Some(WATCH_RECENT));
    let rescan = start.elapsed();
    println!(
        "after appending {appended} bytes to 10 files: {} bytes read, rescan of {FILES} files {:.1} ms",
        scanner.bytes_read - before,
        rescan.as_secs_f64() * 1e3
    );
    let start = Instant::now();
    scanner.rescan(Some(WATCH_RECENT));
    println!(
        "an idle rescan (nothing changed): {} bytes read, {:.1} ms",
        scanner.bytes_read - before - appended as u64,
        start.elapsed().as_secs_f64() * 1e3
    );
}
