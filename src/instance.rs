//! One running agent per state directory: an advisory lock on `agentbar.lock`, held for the
//! process's lifetime, so two instances never write the same snapshot, repeat each other's
//! notifications or delete each other's `endpoint.json`.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows): it goes away
//! with the process however it ends, so a killed agent never leaves the directory locked. The
//! file also holds the holder's pid (written after locking), so a refused second start can name
//! it even before the first one has written `endpoint.json`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::server::Endpoint;

pub const LOCK_FILE: &str = "agentbar.lock";

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("{}", refusal(.pid, .endpoint.as_ref()))]
    AlreadyRunning {
        pid: Option<u32>,
        endpoint: Option<Endpoint>,
    },
    #[error("cannot lock {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn refusal(pid: &Option<u32>, endpoint: Option<&Endpoint>) -> String {
    let who = match pid {
        Some(pid) => format!("another agentbar (pid {pid})"),
        None => "another agentbar".to_owned(),
    };
    let api = match endpoint {
        Some(endpoint) => format!(", its API at {}", endpoint.url),
        None => String::new(),
    };
    format!(
        "{who} is already running on this state directory{api}; stop it first, or give this one \
         its own --state-dir"
    )
}

/// The held lock; dropping it (or the process ending) releases the directory.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

impl InstanceLock {
    /// Takes the state directory for this process, creating it (0700) when missing; refuses
    /// with the holder's pid and API address when another process has it.
    pub fn acquire(state_dir: &Path) -> Result<InstanceLock, InstanceError> {
        let path = state_dir.join(LOCK_FILE);
        let fail = |source| InstanceError::Io {
            path: path.clone(),
            source,
        };
        crate::store::create_private_dir(state_dir).map_err(fail)?;
        let mut file = open_private(&path).map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let pid = file
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse().ok());
                let endpoint = Endpoint::read(state_dir).filter(|e| pid.is_none_or(|p| p == e.pid));
                return Err(InstanceError::AlreadyRunning { pid, endpoint });
            }
            Err(TryLockError::Error(e)) => return Err(fail(e)),
        }
        // The pid is only a hint for the refusal above; the lock itself is what counts, so a
        // failure to write it is not worth refusing to start over.
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "{}", std::process::id()))
            .and_then(|()| file.flush());
        if let Err(e) = written {
            tracing::debug!(error = %e, "could not write the pid into the lock file");
        }
        Ok(InstanceLock { _file: file })
    }
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Whether a process with this pid exists (a discovery file naming a dead pid is stale).
pub fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        Path::new("/proc").join(pid.to_string()).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Without /proc, assume alive: the caller then asks the API, which settles it.
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_with_the_holders_pid() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let first = InstanceLock::acquire(&state).unwrap();
        let endpoint = Endpoint::new("http://127.0.0.1:4".into(), "t".into());
        endpoint.write(&state).unwrap();
        match InstanceLock::acquire(&state) {
            Err(InstanceError::AlreadyRunning { pid, endpoint: e }) => {
                assert_eq!(pid, Some(std::process::id()));
                assert_eq!(e, Some(endpoint));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        drop(first);
        InstanceLock::acquire(&state).expect("free again once the holder is gone");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&state), 0o700);
            assert_eq!(mode(&state.join(LOCK_FILE)), 0o600);
        }
    }

    #[test]
    fn this_process_is_alive_and_an_impossible_pid_is_not() {
        assert!(process_alive(std::process::id()));
        #[cfg(target_os = "linux")]
        assert!(!process_alive(u32::MAX));
    }
}
