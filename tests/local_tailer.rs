//! The transcript tailer against a one-shot read: appends split at random points, rewrites,
//! truncation and oversized lines all end in the same lines and the same session reading.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use agentbar::local::claude::ClaudeTranscript;
use agentbar::local::reading::{Reading, Transcript};
use agentbar::local::tail::{Cursor, Limits, Line, LineSink, feed_all};
use proptest::prelude::*;

/// Records the lines and reads them as a Claude transcript at the same time.
#[derive(Default)]
struct Recorder {
    lines: Vec<String>,
    claude: ClaudeTranscript,
}

impl LineSink for Recorder {
    fn line(&mut self, line: Line<'_>) {
        self.lines.push(match line {
            Line::Full(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Line::Oversized { prefix, len } => {
                format!("<oversized {len}: {}>", String::from_utf8_lossy(prefix))
            }
        });
        self.claude.line(line);
    }
    fn reset(&mut self) {
        self.lines.clear();
        self.claude.reset();
    }
}

impl Recorder {
    fn result(&self) -> (Vec<String>, Reading) {
        (self.lines.clone(), self.claude.reading())
    }
}

/// Small enough that some fixture lines are oversized, big enough that the whole test file sits
/// in the first-sight window (so a one-shot read sees every line).
fn limits() -> Limits {
    Limits {
        head_max: 64 * 1024,
        tail_max: 256 * 1024,
        chunk: 97,
        line_max: 700,
        sniff: 300,
    }
}

fn transcript() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/local-agents/claude-code/projects/-home-dev-src-acme-api");
    let mut all = Vec::new();
    for name in [
        "3f1c9a2e-5b7d-4e21-9c0a-6d2f8b1e4a70.jsonl",
        "c9e47a10-8d2b-4f6e-a1c3-5b9d0e7f2a18.jsonl",
    ] {
        all.extend(fs::read(dir.join(name)).unwrap());
    }
    all
}

fn one_shot(bytes: &[u8]) -> (Vec<String>, Reading) {
    let mut recorder = Recorder::default();
    feed_all(bytes, &limits(), &mut recorder);
    recorder.result()
}

fn append(path: &PathBuf, bytes: &[u8]) {
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

/// Cut points within `len`, sorted and distinct.
fn cuts(len: usize, raw: Vec<usize>) -> Vec<usize> {
    let mut cuts: Vec<usize> = raw.into_iter().map(|c| c % (len + 1)).collect();
    cuts.push(len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn appends_split_anywhere_read_like_one_shot(raw in prop::collection::vec(any::<usize>(), 0..40)) {
        let content = transcript();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        File::create(&path).unwrap();
        let mut cursor = Cursor::default();
        let mut recorder = Recorder::default();
        let mut written = 0;
        for cut in cuts(content.len(), raw) {
            append(&path, &content[written..cut]);
            written = cut;
            cursor.poll(&path, &limits(), &mut recorder).unwrap();
        }
        prop_assert_eq!(recorder.result(), one_shot(&content));
        prop_assert_eq!(cursor.bytes_read, content.len() as u64, "every byte read once");
    }

    #[test]
    fn an_oversized_line_anywhere_is_sniffed_like_one_shot(
        at in any::<usize>(),
        size in 701usize..20_000,
        raw in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let base = transcript();
        let starts: Vec<usize> = std::iter::once(0)
            .chain(base.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1))
            .filter(|i| *i < base.len())
            .collect();
        let at = starts[at % starts.len()];
        let mut big = br#"{"type":"assistant","isSidechain":false,"message":{"content":[{"type":"tool_use","id":"toolu_big","name":"Write","input":{"content":""#.to_vec();
        big.resize(size, b'x');
        big.extend_from_slice(b"\"}}]}}\n");
        let mut content = base[..at].to_vec();
        content.extend_from_slice(&big);
        content.extend_from_slice(&base[at..]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        File::create(&path).unwrap();
        let mut cursor = Cursor::default();
        let mut recorder = Recorder::default();
        let mut written = 0;
        for cut in cuts(content.len(), raw) {
            append(&path, &content[written..cut]);
            written = cut;
            cursor.poll(&path, &limits(), &mut recorder).unwrap();
        }
        let (lines, reading) = recorder.result();
        let marker = format!("<oversized {}:", big.len());
        prop_assert!(lines.iter().any(|l| l.starts_with(&marker)), "no oversized line in {:?}", lines);
        prop_assert_eq!((lines, reading), one_shot(&content));
    }

    #[test]
    fn a_rewrite_or_truncation_starts_over(
        first in any::<usize>(),
        keep in any::<usize>(),
        raw in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let content = transcript();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let first = first % (content.len() + 1);
        fs::write(&path, &content[..first]).unwrap();
        let mut cursor = Cursor::default();
        let mut recorder = Recorder::default();
        cursor.poll(&path, &limits(), &mut recorder).unwrap();
        // Truncated to a shorter prefix (in place), then read.
        let keep = keep % (first + 1);
        if keep < first {
            OpenOptions::new().write(true).open(&path).unwrap().set_len(keep as u64).unwrap();
            cursor.poll(&path, &limits(), &mut recorder).unwrap();
            prop_assert_eq!(recorder.result(), one_shot(&content[..keep]));
        }
        // Replaced by a new file (rename over it, a new inode) holding other content.
        let other = transcript().into_iter().rev().skip_while(|b| *b != b'\n').collect::<Vec<_>>();
        let mut other: Vec<u8> = other.into_iter().rev().collect();
        other.truncate(other.len() / 2);
        let fresh = dir.path().join("fresh.jsonl");
        fs::write(&fresh, b"").unwrap();
        let mut written = 0;
        let cut_points = cuts(other.len(), raw);
        append(&fresh, &other[..cut_points[0]]);
        written = written.max(cut_points[0]);
        fs::rename(&fresh, &path).unwrap();
        cursor.poll(&path, &limits(), &mut recorder).unwrap();
        for cut in cut_points.into_iter().skip(1) {
            append(&path, &other[written..cut]);
            written = cut;
            cursor.poll(&path, &limits(), &mut recorder).unwrap();
        }
        prop_assert_eq!(recorder.result(), one_shot(&other));
    }
}

#[test]
fn a_huge_sparse_transcript_is_opened_within_the_windows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let head = transcript();
    let file = File::create(&path).unwrap();
    let size: u64 = 300 * 1024 * 1024;
    file.set_len(size).unwrap();
    drop(file);
    // A valid head and a valid tail around 300 MB of zeros (one enormous "line").
    let mut f = OpenOptions::new().write(true).open(&path).unwrap();
    f.write_all(&head).unwrap();
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(size - 2 * 1024)).unwrap();
    f.write_all(b"\n").unwrap();
    let tail = br#"{"type":"system","subtype":"turn_duration","timestamp":"2026-08-22T09:00:00Z","sessionId":"3f1c9a2e-5b7d-4e21-9c0a-6d2f8b1e4a70"}"#;
    f.write_all(tail).unwrap();
    f.write_all(b"\n").unwrap();
    drop(f);
    let product = Limits::default();
    let mut cursor = Cursor::default();
    let mut recorder = Recorder::default();
    cursor.poll(&path, &product, &mut recorder).unwrap();
    let bound = product.head_max + product.line_max as u64 + 1 + product.tail_max;
    assert!(
        cursor.bytes_read <= bound,
        "read {} bytes, bound {bound}",
        cursor.bytes_read
    );
    assert!(cursor.history_skipped);
    let (_, reading) = recorder.result();
    assert_eq!(
        reading.turn,
        agentbar::local::reading::Turn::Closed,
        "the tail's turn end was read"
    );
    assert_eq!(
        reading.cwd.as_deref(),
        Some("/home/dev/src/acme-api"),
        "the head was read"
    );
}
