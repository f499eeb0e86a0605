//! The real `agentbar` binary, for the tests that need it in a process of its own: commands on a
//! private state dir, and `demo --headless` with its loopback API on a free port.

use agentbar::server::Endpoint;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_agentbar");

/// `agentbar ARGS` on `state` (config in `state/config`), on a free API port, never on the
/// desktop of whoever runs the tests, and without a token from the environment.
pub fn agentbar(state: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("AGENTBAR_STATE_DIR", state)
        .env("AGENTBAR_CONFIG_DIR", state.join("config"))
        .env_remove("AGENTBAR_TOKEN")
        .env("AGENTBAR_PORT", "0")
        // The local agents' sources look in an empty home, never at the sessions of whoever
        // runs the tests (a test that wants sessions sets its own HOME after this).
        .env("HOME", state.join("home"))
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("COPILOT_HOME")
        .env_remove("GEMINI_CLI_HOME")
        // The demo announces transitions; never on the desktop of whoever runs the tests
        // (tests/notifications.rs checks notifications on a bus of its own).
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/agentbar-test-bus",
        )
        .env("RUST_LOG", "agentbar=info");
    command
}

/// `agentbar demo --headless` in its own process; killed on drop, so a failing assertion does
/// not leave it running. Its log goes to `demo.log` in the state dir.
pub struct Demo {
    pub child: Child,
    pub state: tempfile::TempDir,
    pub endpoint: Endpoint,
}

impl Demo {
    /// Starts the demo with `extra_args` and `config_toml` as its config file, and waits until
    /// its API answers and the first poll has succeeded.
    pub fn start(extra_args: &[&str], config_toml: &str) -> Demo {
        Demo::start_with_env(extra_args, config_toml, &[])
    }

    /// [`Demo::start`] with environment variables set for the process (e.g. `HOME` pointing at
    /// a temporary home with local agents' sessions).
    pub fn start_with_env(
        extra_args: &[&str],
        config_toml: &str,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Demo {
        let state = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(state.path().join("config")).unwrap();
        std::fs::write(state.path().join("config/config.toml"), config_toml).unwrap();
        let log = std::fs::File::create(state.path().join("demo.log")).unwrap();
        let mut args = vec!["demo", "--headless"];
        args.extend_from_slice(extra_args);
        let child = agentbar(state.path(), &args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Demo::wait_healthy(state, child)
    }

    /// `run --headless` against the simulator at `sim_base` (its own token, no keychain), with
    /// `env` added: unlike the demo, it reads the local agents of the `HOME` it is given.
    pub fn run_with_env(sim_base: &str, env: &[(&str, &std::ffi::OsStr)]) -> Demo {
        let state = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(state.path().join("config")).unwrap();
        let log = std::fs::File::create(state.path().join("demo.log")).unwrap();
        let child = agentbar(state.path(), &["run", "--headless"])
            .env("AGENTBAR_GITHUB_API_URL", sim_base)
            .env("AGENTBAR_GITHUB_WEB_URL", format!("{sim_base}/web"))
            .env("AGENTBAR_TOKEN", "gho_test0000000000000000000000000000000")
            .env("AGENTBAR_NO_KEYCHAIN", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Demo::wait_healthy(state, child)
    }

    /// Waits for the started binary's endpoint file and a healthy `GET /v1/health`.
    fn wait_healthy(state: tempfile::TempDir, child: std::process::Child) -> Demo {
        let deadline = Instant::now() + Duration::from_secs(60);
        let endpoint = loop {
            if let Some(endpoint) = Endpoint::read(state.path()) {
                break endpoint;
            }
            assert!(Instant::now() < deadline, "no endpoint.json within 60 s");
            std::thread::sleep(Duration::from_millis(50));
        };
        let demo = Demo {
            child,
            state,
            endpoint,
        };
        loop {
            let (status, body) = demo.get("/v1/health");
            if status == 200 && body.contains("\"status\":\"ok\"") {
                return demo;
            }
            assert!(
                Instant::now() < deadline,
                "not healthy within 60 s: {status} {body}; log:\n{}",
                demo.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        self.endpoint.url.trim_start_matches("http://").to_owned()
    }

    pub fn port(&self) -> u16 {
        self.endpoint
            .url
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.path().join("demo.log")).unwrap_or_default()
    }

    /// A plain authorised GET over a fresh connection: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            self.address(),
            self.endpoint.token
        );
        let answer = exchange(&self.address(), request.as_bytes());
        let status = status_of(&answer).unwrap_or(0);
        let text = String::from_utf8_lossy(&answer).into_owned();
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// SIGTERM, then waits up to `within` for the exit status.
    pub fn terminate(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.pid().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `request` on a new connection and reads until the server closes it (or 15 s pass).
/// A failed write is fine: the server may answer and close before a large request is sent.
pub fn exchange(address: &str, request: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    answer
}

/// The status code of an HTTP/1.x answer, if it starts with a status line.
pub fn status_of(answer: &[u8]) -> Option<u16> {
    let line = answer
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| answer.strip_prefix(b"HTTP/1.0 "))?;
    std::str::from_utf8(line.get(..3)?).ok()?.parse().ok()
}

/// A process's resident set in KiB, from `/proc/PID/status`.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// How many file descriptors a process holds open.
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}
