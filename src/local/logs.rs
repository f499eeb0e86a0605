//! A local session's log: the bounded tail of its transcript, read on demand and parsed into the
//! crate's log events (redacted there). Older history is not loaded.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::event::LocalTool;
use crate::logs::Event;
use crate::logs::formats::{LocalFormat, parse_local};

/// How much of the end of a transcript a log view reads.
pub const LOG_TAIL_MAX: u64 = 1024 * 1024;

/// The last `max` bytes of the file, from the first line that starts inside them; and whether
/// earlier lines were left out.
pub fn read_tail(path: &Path, max: u64) -> io::Result<(String, bool)> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let start = size.saturating_sub(max);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(max).read_to_end(&mut bytes)?;
    let mut skipped = start > 0;
    if skipped {
        match bytes.iter().position(|&b| b == b'\n') {
            Some(at) => {
                bytes.drain(..=at);
            }
            None => bytes.clear(),
        }
    } else {
        skipped = false;
    }
    Ok((String::from_utf8_lossy(&bytes).into_owned(), skipped))
}

pub fn format_of(tool: LocalTool) -> LocalFormat {
    match tool {
        LocalTool::ClaudeCode => LocalFormat::ClaudeCode,
        LocalTool::Codex => LocalFormat::Codex,
        LocalTool::CopilotCli => LocalFormat::CopilotCli,
        LocalTool::GeminiCli => LocalFormat::GeminiCli,
    }
}

/// The session's events from the tail window; `true` when earlier events were not loaded.
pub fn session_events(tool: LocalTool, transcript: &Path) -> io::Result<(Vec<Event>, bool)> {
    let (body, skipped) = read_tail(transcript, LOG_TAIL_MAX)?;
    Ok((parse_local(format_of(tool), &body), skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_starts_at_a_whole_line_and_says_what_it_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "first line\nsecond\nthird\n").unwrap();
        assert_eq!(
            read_tail(&path, 1000).unwrap(),
            ("first line\nsecond\nthird\n".into(), false)
        );
        assert_eq!(read_tail(&path, 10).unwrap(), ("third\n".into(), true));
    }
}
