//! Bounded reading of append-only JSONL transcripts: a cursor per file that reads a head and a tail
//! on first sight, only the new bytes after that, starts over on a rewrite or truncation, and skips
//! a line longer than the limit without buffering it (handing on its first bytes to sniff).
//!
//! Nothing here ever reads a whole transcript: the bytes read at open are at most
//! `head_max + line_max + tail_max`, and after that exactly the appended bytes.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The read bounds; one set for the product ([`Limits::default`]), smaller ones in tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Read at first sight for the session's metadata (its first lines).
    pub head_max: u64,
    /// Read at first sight for the current state.
    pub tail_max: u64,
    /// The read size.
    pub chunk: usize,
    /// A line longer than this is not buffered; its first `sniff` bytes are handed on.
    pub line_max: usize,
    pub sniff: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head_max: 64 * 1024,
            tail_max: 256 * 1024,
            chunk: 64 * 1024,
            line_max: 1024 * 1024,
            sniff: 8 * 1024,
        }
    }
}

/// One line of a transcript as the parsers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A complete line without its `\n` (and `\r`).
    Full(&'a [u8]),
    /// A line longer than the limit: its first bytes and its whole length.
    Oversized { prefix: &'a [u8], len: u64 },
}

/// What a parser does with lines; `reset` forgets everything (the file was rewritten).
pub trait LineSink {
    fn line(&mut self, line: Line<'_>);
    fn reset(&mut self);
}

/// What one [`Cursor::poll`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polled {
    Unchanged,
    /// New bytes were read.
    Appended,
    /// First sight, or the file was replaced or truncated: read afresh.
    Opened,
}

/// Splits bytes into lines, bounded by `line_max`.
#[derive(Debug, Default)]
struct Splitter {
    partial: Vec<u8>,
    /// Inside an oversized line: its sniffed prefix and its length so far.
    oversized: Option<(Vec<u8>, u64)>,
    /// Skipping to the next line start without handing anything on (a tail starts mid-line).
    skipping: bool,
}

impl Splitter {
    fn feed(&mut self, mut bytes: &[u8], limits: &Limits, sink: &mut dyn LineSink) {
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|&b| b == b'\n');
            let (piece, rest, ends) = match newline {
                Some(at) => (&bytes[..at], &bytes[at + 1..], true),
                None => (bytes, &bytes[bytes.len()..], false),
            };
            bytes = rest;
            if self.skipping {
                self.skipping = !ends;
                continue;
            }
            if let Some((_, len)) = self.oversized.as_mut() {
                *len += piece.len() as u64 + u64::from(ends);
            } else if self.partial.len() + piece.len() > limits.line_max {
                let mut prefix = std::mem::take(&mut self.partial);
                let len = (prefix.len() + piece.len()) as u64 + u64::from(ends);
                if prefix.len() < limits.sniff {
                    let more = (limits.sniff - prefix.len()).min(piece.len());
                    prefix.extend_from_slice(&piece[..more]);
                }
                prefix.truncate(limits.sniff);
                self.oversized = Some((prefix, len));
            } else {
                self.partial.extend_from_slice(piece);
            }
            if ends {
                self.end_line(sink);
            }
        }
    }

    fn end_line(&mut self, sink: &mut dyn LineSink) {
        if let Some((prefix, len)) = self.oversized.take() {
            sink.line(Line::Oversized {
                prefix: &prefix,
                len,
            });
        } else {
            let line = self.partial.strip_suffix(b"\r").unwrap_or(&self.partial);
            if !line.iter().all(u8::is_ascii_whitespace) {
                sink.line(Line::Full(line));
            }
            self.partial.clear();
        }
    }

    /// Drops an unfinished line (the head window ended inside it); an oversized one is still
    /// handed on, as far as it was seen, so its sniff is not lost.
    fn abandon_line(&mut self, sink: &mut dyn LineSink) {
        if let Some((prefix, len)) = self.oversized.take() {
            sink.line(Line::Oversized {
                prefix: &prefix,
                len,
            });
        }
        self.partial.clear();
    }
}

/// Where reading of one file stands.
#[derive(Debug, Default)]
pub struct Cursor {
    opened: bool,
    identity: Option<FileIdentity>,
    offset: u64,
    splitter: Splitter,
    /// Bytes between the head and the tail were never read: counts cover the tail only.
    pub history_skipped: bool,
    /// Every byte read from the file, for the benchmarks and the bounds tests.
    pub bytes_read: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileIdentity {
    dev: u64,
    ino: u64,
}

fn identity(meta: &Metadata) -> Option<FileIdentity> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

impl Cursor {
    /// The offset up to which the file has been read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads what is new in `path` into `sink`: everything bounded on first sight or after a
    /// rewrite, else the bytes appended since the last poll (up to the size seen now).
    pub fn poll(
        &mut self,
        path: &Path,
        limits: &Limits,
        sink: &mut dyn LineSink,
    ) -> io::Result<Polled> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        let size = meta.len();
        let id = identity(&meta);
        let replaced = self.identity.is_some() && id.is_some() && self.identity != id;
        if !self.opened || replaced || size < self.offset {
            self.open(&mut file, size, limits, sink)?;
            self.opened = true;
            self.identity = id;
            return Ok(Polled::Opened);
        }
        self.identity = id;
        if size == self.offset {
            return Ok(Polled::Unchanged);
        }
        file.seek(SeekFrom::Start(self.offset))?;
        self.read_to(&mut file, size, limits, sink)?;
        Ok(Polled::Appended)
    }

    fn open(
        &mut self,
        file: &mut File,
        size: u64,
        limits: &Limits,
        sink: &mut dyn LineSink,
    ) -> io::Result<()> {
        sink.reset();
        self.splitter = Splitter::default();
        self.offset = 0;
        self.history_skipped = false;
        if size <= limits.head_max + limits.tail_max {
            return self.read_to(file, size, limits, sink);
        }
        // The head: its complete lines, then whatever line the window ends in is dropped (an
        // oversized one is still sniffed).
        let head_end = limits.head_max;
        self.read_to(file, head_end, limits, sink)?;
        if !self.splitter.partial.is_empty() || self.splitter.oversized.is_some() {
            let mut rest = Vec::new();
            // Finish a line that straddles the window, up to the line limit.
            let budget = (limits.line_max + 1) as u64;
            (&mut *file).take(budget).read_to_end(&mut rest)?;
            let used = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |at| at + 1);
            self.bytes_read += rest.len() as u64;
            self.splitter.feed(&rest[..used], limits, sink);
            self.splitter.abandon_line(sink);
            self.offset += used as u64;
        }
        let tail_start = size - limits.tail_max;
        if tail_start > self.offset {
            self.history_skipped = true;
            self.splitter.skipping = true;
            self.offset = tail_start;
        }
        file.seek(SeekFrom::Start(self.offset))?;
        self.read_to(file, size, limits, sink)
    }

    fn read_to(
        &mut self,
        file: &mut File,
        end: u64,
        limits: &Limits,
        sink: &mut dyn LineSink,
    ) -> io::Result<()> {
        let mut buf = vec![0; limits.chunk.max(1)];
        while self.offset < end {
            let want = usize::try_from(end - self.offset)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            let got = file.read(&mut buf[..want])?;
            if got == 0 {
                break;
            }
            self.offset += got as u64;
            self.bytes_read += got as u64;
            self.splitter.feed(&buf[..got], limits, sink);
        }
        Ok(())
    }
}

/// Feeds `bytes` as one whole file would be read, for comparisons in tests and for small files
/// read in full (a few KiB of index or metadata).
pub fn feed_all(bytes: &[u8], limits: &Limits, sink: &mut dyn LineSink) {
    let mut splitter = Splitter::default();
    sink.reset();
    splitter.feed(bytes, limits, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[derive(Default, Debug, PartialEq)]
    struct Lines(Vec<String>);

    impl LineSink for Lines {
        fn line(&mut self, line: Line<'_>) {
            self.0.push(match line {
                Line::Full(b) => String::from_utf8_lossy(b).into_owned(),
                Line::Oversized { prefix, len } => {
                    format!("<{len}:{}>", String::from_utf8_lossy(prefix))
                }
            });
        }
        fn reset(&mut self) {
            self.0.clear();
        }
    }

    fn small() -> Limits {
        Limits {
            head_max: 16,
            tail_max: 32,
            chunk: 5,
            line_max: 10,
            sniff: 4,
        }
    }

    #[test]
    fn an_oversized_line_is_sniffed_and_skipped_and_the_next_line_read() {
        let mut lines = Lines::default();
        feed_all(b"short\nabcdefghijklmnop\nnext\n", &small(), &mut lines);
        assert_eq!(lines.0, ["short", "<17:abcd>", "next"]);
    }

    #[test]
    fn a_big_file_is_read_as_head_and_tail_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut f = File::create(&path).unwrap();
        f.write_all(b"head1\nhead2\n").unwrap();
        for i in 0..100 {
            writeln!(f, "middle{i:03}").unwrap();
        }
        f.write_all(b"tail1\ntail2\n").unwrap();
        let limits = small();
        let mut cursor = Cursor::default();
        let mut lines = Lines::default();
        assert_eq!(
            cursor.poll(&path, &limits, &mut lines).unwrap(),
            Polled::Opened
        );
        assert_eq!(lines.0.first().map(String::as_str), Some("head1"));
        assert_eq!(lines.0.last().map(String::as_str), Some("tail2"));
        assert!(!lines.0.iter().any(|l| l == "middle050"), "{lines:?}");
        assert!(cursor.history_skipped);
        let bound = limits.head_max + limits.line_max as u64 + 1 + limits.tail_max;
        assert!(
            cursor.bytes_read <= bound,
            "{} > {bound}",
            cursor.bytes_read
        );
        // An append reads only the new bytes.
        let before = cursor.bytes_read;
        f.write_all(b"more\n").unwrap();
        assert_eq!(
            cursor.poll(&path, &limits, &mut lines).unwrap(),
            Polled::Appended
        );
        assert_eq!(cursor.bytes_read - before, 5);
        assert_eq!(lines.0.last().map(String::as_str), Some("more"));
    }
}
