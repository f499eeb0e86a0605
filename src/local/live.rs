//! Whether a local agent's process still runs: a pid (with its start time), a lock held on a file,
//! a process holding files open under a directory, a process running in a directory.
//!
//! A small module of our own rather than the `sysinfo` crate: every question here is about a
//! handful of named processes, and on Linux `/proc` answers each with a few reads (bench/RESULTS.md
//! has the figures). Where a platform cannot answer, the probe says `None` and the state says
//! unknown instead of done.

use std::path::Path;

/// The questions the liveness rules ask; `None` when this platform cannot tell.
pub trait Probe {
    /// The process `pid` runs, and (when `started_at_ms` is given and the start time is
    /// readable) it is the one that started then, not a later process with a reused pid.
    fn pid_alive(&self, pid: u32, started_at_ms: Option<i64>) -> Option<bool>;
    /// Some process holds a lock on `lock` (never taken by us).
    fn lock_held(&self, lock: &Path) -> Option<bool>;
    /// A process named like one of `names` holds a file under `dir` open.
    fn holds_open(&self, names: &[&str], dir: &Path) -> Option<bool>;
    /// A process named like one of `names` runs with `cwd` as its working directory.
    fn runs_in(&self, names: &[&str], cwd: &str) -> Option<bool>;
}

/// The same answer to every question (tests, and the golden cases' liveness assumption).
#[derive(Clone, Copy, Debug)]
pub struct FixedProbe(pub Option<bool>);

impl Probe for FixedProbe {
    fn pid_alive(&self, _: u32, _: Option<i64>) -> Option<bool> {
        self.0
    }
    fn lock_held(&self, _: &Path) -> Option<bool> {
        self.0
    }
    fn holds_open(&self, _: &[&str], _: &Path) -> Option<bool> {
        self.0
    }
    fn runs_in(&self, _: &[&str], _: &str) -> Option<bool> {
        self.0
    }
}

/// How far a registry's recorded start may be from the process's own start time.
const START_TOLERANCE_MS: i64 = 2_000;

/// The process table as this platform shows it, read once per rescan.
#[derive(Debug, Default)]
pub struct SystemProbe {
    #[cfg(target_os = "linux")]
    processes: Vec<linux::Process>,
}

impl SystemProbe {
    /// Reads the process table (on Linux: the names of every process in `/proc`).
    pub fn snapshot() -> SystemProbe {
        SystemProbe {
            #[cfg(target_os = "linux")]
            processes: linux::processes(),
        }
    }

    #[cfg(target_os = "linux")]
    fn named<'a>(&'a self, names: &'a [&str]) -> impl Iterator<Item = &'a linux::Process> + 'a {
        self.processes.iter().filter(move |p| p.is_named(names))
    }
}

impl Probe for SystemProbe {
    fn pid_alive(&self, pid: u32, started_at_ms: Option<i64>) -> Option<bool> {
        let alive = pid_exists(pid)?;
        if !alive {
            return Some(false);
        }
        #[cfg(target_os = "linux")]
        if let (Some(recorded), Some(actual)) = (started_at_ms, linux::start_time_ms(pid)) {
            return Some((recorded - actual).abs() <= START_TOLERANCE_MS);
        }
        let _ = (started_at_ms, START_TOLERANCE_MS);
        Some(true)
    }

    fn lock_held(&self, lock: &Path) -> Option<bool> {
        #[cfg(target_os = "linux")]
        {
            linux::lock_held(lock)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = lock;
            None
        }
    }

    fn holds_open(&self, names: &[&str], dir: &Path) -> Option<bool> {
        #[cfg(target_os = "linux")]
        {
            Some(self.named(names).any(|p| linux::holds_open(p.pid, dir)))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (names, dir);
            None
        }
    }

    fn runs_in(&self, names: &[&str], cwd: &str) -> Option<bool> {
        #[cfg(target_os = "linux")]
        {
            let cwd = Path::new(cwd);
            Some(self.named(names).any(|p| {
                std::fs::read_link(format!("/proc/{}/cwd", p.pid)).is_ok_and(|c| c == cwd)
            }))
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (names, cwd);
            None
        }
    }
}

/// `kill(pid, 0)`: success or `EPERM` means the process exists.
#[cfg(unix)]
fn pid_exists(pid: u32) -> Option<bool> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    if pid <= 0 {
        return Some(false);
    }
    // SAFETY: signal 0 performs only the existence and permission checks; nothing is sent.
    let result = unsafe { libc::kill(pid, 0) };
    if result == 0 {
        return Some(true);
    }
    Some(std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}

#[cfg(not(unix))]
fn pid_exists(_: u32) -> Option<bool> {
    None
}

#[cfg(target_os = "linux")]
mod linux {
    //! `/proc`: process names, start times, open files and working directories, and `/proc/locks`.

    use std::fs;
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    /// `/proc/locks` is read up to this size (a few lines per lock).
    const LOCKS_MAX: u64 = 1024 * 1024;

    #[derive(Debug)]
    pub struct Process {
        pub pid: u32,
        /// The kernel's name (`comm`) and the base names of the first two arguments (a node
        /// script such as `gemini` shows only there).
        pub names: Vec<String>,
    }

    impl Process {
        pub fn is_named(&self, wanted: &[&str]) -> bool {
            self.names
                .iter()
                .any(|n| wanted.iter().any(|w| n.starts_with(w)))
        }
    }

    pub fn processes() -> Vec<Process> {
        let Ok(dir) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
                let mut names = vec![comm.trim().to_owned()];
                if let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) {
                    names.extend(cmdline.split(|&b| b == 0).take(2).map(|arg| {
                        let arg = String::from_utf8_lossy(arg);
                        arg.rsplit('/').next().unwrap_or_default().to_owned()
                    }));
                }
                Some(Process { pid, names })
            })
            .collect()
    }

    /// When the process started, in epoch milliseconds (`/proc/<pid>/stat` field 22, in clock
    /// ticks after boot, plus `btime`).
    pub fn start_time_ms(pid: u32) -> Option<i64> {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The name in parentheses may hold spaces: count fields after its closing parenthesis.
        let after = &stat[stat.rfind(')')? + 2..];
        let ticks: i64 = after.split(' ').nth(19)?.parse().ok()?;
        let boot = fs::read_to_string("/proc/stat").ok()?;
        let btime: i64 = boot
            .lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        // SAFETY: sysconf only reads a configuration value.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let hz = i64::from(i32::try_from(hz).ok().filter(|h| *h > 0)?);
        Some(btime * 1000 + ticks * 1000 / hz)
    }

    /// Whether `/proc/locks` lists a lock on the file's inode (major:minor:inode).
    pub fn lock_held(lock: &Path) -> Option<bool> {
        let meta = fs::metadata(lock).ok()?;
        let dev = meta.dev();
        let wanted = format!(
            "{:02x}:{:02x}:{}",
            libc::major(dev),
            libc::minor(dev),
            meta.ino()
        );
        let mut text = String::new();
        fs::File::open("/proc/locks")
            .ok()?
            .take(LOCKS_MAX)
            .read_to_string(&mut text)
            .ok()?;
        Some(
            text.lines()
                .any(|line| line.split_whitespace().any(|field| field == wanted)),
        )
    }

    pub fn holds_open(pid: u32, dir: &Path) -> bool {
        let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
            return false;
        };
        fds.filter_map(|e| e.ok())
            .filter_map(|e| fs::read_link(e.path()).ok())
            .any(|target| target.starts_with(dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_with_its_own_start_time_and_not_with_another() {
        let probe = SystemProbe::snapshot();
        let me = std::process::id();
        assert_eq!(probe.pid_alive(me, None), Some(true));
        #[cfg(target_os = "linux")]
        {
            let started = linux::start_time_ms(me).unwrap();
            assert_eq!(probe.pid_alive(me, Some(started)), Some(true));
            assert_eq!(probe.pid_alive(me, Some(started - 60_000)), Some(false));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_flock_is_seen_in_proc_locks_and_its_release_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.lock");
        let file = std::fs::File::create(&path).unwrap();
        let probe = SystemProbe::snapshot();
        assert_eq!(probe.lock_held(&path), Some(false));
        file.lock().unwrap();
        assert_eq!(probe.lock_held(&path), Some(true));
        file.unlock().unwrap();
        assert_eq!(probe.lock_held(&path), Some(false));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_test_holds_its_own_open_file_and_runs_in_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let _open = std::fs::File::create(dir.path().join("events.jsonl")).unwrap();
        let probe = SystemProbe::snapshot();
        let me = probe
            .processes
            .iter()
            .find(|p| p.pid == std::process::id())
            .unwrap();
        let name = me.names[0].clone();
        assert_eq!(probe.holds_open(&[&name], dir.path()), Some(true));
        assert_eq!(
            probe.holds_open(&["no-such-agent"], dir.path()),
            Some(false)
        );
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(probe.runs_in(&[&name], cwd.to_str().unwrap()), Some(true));
    }
}
