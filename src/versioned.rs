//! One tolerant reader for agentbar's versioned JSON files (`{"format": …, "version": …, …}`):
//! the snapshot, the notification ledger, the archive and the run-time settings. It reads the
//! header first, so a newer or foreign file is recognised before its body is decoded, and it can
//! set an unreadable file aside — under a name no earlier kept file has, private (0600) — so the
//! next save never destroys what a person may want back.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Why a file that is there could not be used.
#[derive(Debug, thiserror::Error)]
pub enum VersionedFileError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is corrupt ({source})", path.display())]
    Corrupt {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{} is not an agentbar {what} (format {found:?})", path.display())]
    Foreign {
        path: PathBuf,
        what: &'static str,
        found: Option<String>,
    },
    #[error(
        "{} was written by a newer agentbar (format {found}, this one reads {newest})",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: u32,
        newest: u32,
    },
    #[error("{} is older than this agentbar reads (format {found}, oldest {oldest})", path.display())]
    Older {
        path: PathBuf,
        found: u32,
        oldest: u32,
    },
}

impl VersionedFileError {
    /// The file is there but its content cannot be used (as opposed to a read that failed and
    /// may succeed later): such a file is set aside rather than left to be overwritten.
    pub fn is_unreadable(&self) -> bool {
        !matches!(self, VersionedFileError::Io { .. })
    }
}

/// A file's body with the version it was written in (older versions are the caller's to
/// upgrade).
#[derive(Debug)]
pub struct Versioned<T> {
    pub version: u32,
    pub body: T,
}

/// A file that could not be used, and what became of it.
#[derive(Debug)]
pub struct Unusable {
    pub error: VersionedFileError,
    /// Where it was kept, when it was set aside; the reason when that failed.
    pub kept: Option<Result<PathBuf, String>>,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)?;
        match &self.kept {
            Some(Ok(kept)) => write!(f, "; kept as {}", kept.display()),
            Some(Err(e)) => write!(f, "; could not set it aside: {e}"),
            None => Ok(()),
        }
    }
}

/// Only the version fields, read before the body.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

/// One kind of versioned file: its `format` string and the versions this build reads.
#[derive(Clone, Copy, Debug)]
pub struct VersionedFile {
    /// What the file is, for messages ("snapshot", "archive", …).
    pub what: &'static str,
    pub format: &'static str,
    pub oldest: u32,
    pub newest: u32,
}

impl VersionedFile {
    /// Reads `path` without changing anything on disk. `Ok(None)`: there is no file.
    pub fn read<T: DeserializeOwned>(
        &self,
        path: &Path,
    ) -> Result<Option<Versioned<T>>, VersionedFileError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(VersionedFileError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let corrupt = |source| VersionedFileError::Corrupt {
            path: path.to_owned(),
            source,
        };
        let header = serde_json::from_slice::<Header>(&bytes).map_err(corrupt)?;
        if header.format.as_deref() != Some(self.format) {
            return Err(VersionedFileError::Foreign {
                path: path.to_owned(),
                what: self.what,
                found: header.format,
            });
        }
        let version = header.version.unwrap_or(0);
        if version > self.newest {
            return Err(VersionedFileError::Newer {
                path: path.to_owned(),
                found: version,
                newest: self.newest,
            });
        }
        if version < self.oldest {
            return Err(VersionedFileError::Older {
                path: path.to_owned(),
                found: version,
                oldest: self.oldest,
            });
        }
        let body = serde_json::from_slice::<T>(&bytes).map_err(corrupt)?;
        Ok(Some(Versioned { version, body }))
    }

    /// Reads `path`; a file that is there but unusable is set aside (see [`set_aside`]) so the
    /// next save cannot destroy it. A failed read (permissions, I/O) leaves the file in place.
    pub fn load<T: DeserializeOwned>(&self, path: &Path) -> Result<Option<Versioned<T>>, Unusable> {
        self.read(path).map_err(|error| {
            let kept = error
                .is_unreadable()
                .then(|| set_aside(path).map_err(|e| e.to_string()));
            Unusable { error, kept }
        })
    }
}

/// Moves `path` to `<name>.unreadable` (or `<name>.unreadable.2`, `.3`, … when that is taken:
/// an earlier kept file is never replaced) and makes it private. Returns where it went.
pub fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for n in 1..=1000u32 {
        let suffix = if n == 1 {
            ".unreadable".to_owned()
        } else {
            format!(".unreadable.{n}")
        };
        let aside = path.with_file_name(format!("{name}{suffix}"));
        // A hard link fails rather than replace an existing name, so a kept file is never
        // overwritten even by a concurrent writer; the original name then goes away.
        match std::fs::hard_link(path, &aside) {
            Ok(()) => {
                std::fs::remove_file(path)?;
                make_private(&aside);
                return Ok(aside);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            // A file system without hard links: rename, having checked the name is free.
            Err(_) if !aside.exists() => {
                std::fs::rename(path, &aside)?;
                make_private(&aside);
                return Ok(aside);
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "too many unreadable copies are already kept",
    ))
}

/// The file may have come from anywhere with any mode; what is kept in the state directory is
/// private like the rest.
fn make_private(path: &Path) {
    #[cfg(unix)]
    if let Err(e) =
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
    {
        tracing::warn!(error = %e, "could not make the kept file private");
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: VersionedFile = VersionedFile {
        what: "test file",
        format: "agentbar-test",
        oldest: 1,
        newest: 2,
    };

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        items: Vec<u32>,
    }

    fn write(dir: &Path, bytes: &[u8]) -> PathBuf {
        let path = dir.join("file.json");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn mode(path: &Path) -> u32 {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            0o600
        }
    }

    #[test]
    fn a_current_and_an_old_version_read_with_their_version() {
        let dir = tempfile::tempdir().unwrap();
        for version in [1, 2] {
            let path = write(
                dir.path(),
                format!(r#"{{"format":"agentbar-test","version":{version},"items":[3]}}"#)
                    .as_bytes(),
            );
            let read = KIND.load::<Body>(&path).unwrap().unwrap();
            assert_eq!((read.version, read.body.items), (version, vec![3]));
            assert!(path.exists(), "a good file stays where it is");
        }
        assert!(
            KIND.load::<Body>(&dir.path().join("absent.json"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn corrupt_truncated_future_and_too_old_files_are_set_aside_unchanged_and_private() {
        let cases: [(&[u8], &str); 5] = [
            (b"\x00\xffnot json at all", "is corrupt"),
            (
                br#"{"format":"agentbar-test","version":2,"ite"#,
                "is corrupt",
            ),
            (
                br#"{"format":"agentbar-test","version":2,"items":"x"}"#,
                "is corrupt",
            ),
            (
                br#"{"format":"agentbar-test","version":7,"other":1}"#,
                "newer agentbar",
            ),
            (
                br#"{"format":"agentbar-test","version":0,"items":[]}"#,
                "older than",
            ),
        ];
        for (bytes, said) in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = write(dir.path(), bytes);
            #[cfg(unix)]
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
                .unwrap();
            let unusable = KIND.load::<Body>(&path).unwrap_err();
            let note = unusable.to_string();
            assert!(note.contains(said), "{note}");
            let kept = dir.path().join("file.json.unreadable");
            assert!(note.contains(&kept.display().to_string()), "{note}");
            assert!(!path.exists(), "the next save writes a fresh file");
            assert_eq!(std::fs::read(&kept).unwrap(), bytes, "nothing lost");
            assert_eq!(mode(&kept), 0o600);
        }
    }

    #[test]
    fn a_foreign_file_is_named_and_read_leaves_it_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), br#"{"format":"someone-else","version":1}"#);
        let error = KIND.read::<Body>(&path).unwrap_err();
        assert!(error.is_unreadable());
        assert!(error.to_string().contains("not an agentbar test file"));
        assert!(path.exists(), "read alone changes nothing on disk");
    }

    #[test]
    fn an_earlier_kept_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(dir.path(), b"first bad");
        KIND.load::<Body>(&first).unwrap_err();
        write(dir.path(), b"second bad");
        let second = KIND.load::<Body>(&first).unwrap_err();
        let second_kept = dir.path().join("file.json.unreadable.2");
        assert_eq!(second.kept.unwrap().unwrap(), second_kept);
        assert_eq!(
            std::fs::read(dir.path().join("file.json.unreadable")).unwrap(),
            b"first bad"
        );
        assert_eq!(std::fs::read(second_kept).unwrap(), b"second bad");
    }
}
