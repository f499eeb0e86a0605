//! `agentbar hook <tool> [event]`: the command a coding agent runs as its hook. It reads the
//! payload on standard input (bounded in size and time), keeps the whitelisted fields, posts
//! them to the running agentbar and exits 0 — always, quickly and silently: a hook must never
//! slow, alter or break the user's agent (Claude Code reads a hook's stdout as context and
//! treats exit 2 as "block"). No tokio runtime: one blocking HTTP/1.1 request on loopback.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::event::{HookTool, Picked, pick};
use crate::local::event::LocalHookEvent;
use crate::server::Endpoint;

/// At most this much of the payload is read; what it held before the cut is kept.
pub const STDIN_MAX: u64 = 1024 * 1024;
/// How long standard input may take to arrive.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Connecting to agentbar and its answer, together.
pub const POST_TIMEOUT: Duration = Duration::from_millis(500);
/// Diagnostics on standard error, only when asked (agents may show a hook's stderr).
pub const DEBUG_ENV: &str = "AGENTBAR_HOOK_DEBUG";

/// Runs the relay for the arguments after `hook` and returns when done; never fails. The
/// arguments are read here rather than by clap, so no flag, variable or typo can turn into a
/// usage error (exit 2, which Claude Code reads as "block").
pub fn run(args: &[String], state_dir: Option<&Path>) {
    let debug = std::env::var_os(DEBUG_ENV).is_some_and(|v| v == "1");
    let say = |what: &str| {
        if debug {
            eprintln!("agentbar hook: {what}");
        }
    };
    let Some(tool) = args.first().and_then(|a| HookTool::parse(a)) else {
        say("unknown tool; expected claude, codex, copilot or gemini");
        return;
    };
    let event_arg = args.get(1).map(String::as_str);
    let started = Instant::now();
    let (picked, drained) = read_stdin(READ_TIMEOUT);
    let env_session = match tool {
        HookTool::Gemini => std::env::var("GEMINI_SESSION_ID").ok(),
        _ => None,
    };
    let Some(event) = picked.and_then(|p| {
        p.into_event(
            tool,
            event_arg,
            env_session,
            parent_pid(),
            chrono::Utc::now(),
        )
    }) else {
        say("no event agentbar follows (or no session id) in the payload");
        return;
    };
    let Some(state_dir) = state_dir else {
        say("no state directory");
        return;
    };
    match post(&event, state_dir) {
        Ok(status) => say(&format!("posted {:?}: HTTP {status}", event.event)),
        Err(e) => say(&format!("not posted: {e}")),
    }
    // Let the agent finish writing the payload, so it never sees a broken pipe; bounded by
    // the same deadline as the read.
    let _ = drained.recv_timeout(READ_TIMEOUT.saturating_sub(started.elapsed()));
}

/// Reads the payload on a thread: the fields come back as soon as the object is parsed (or at
/// the deadline, as far as it got); the rest of the input is then read and dropped, and the
/// second receiver says when.
fn read_stdin(timeout: Duration) -> (Option<Picked>, mpsc::Receiver<()>) {
    let (fields_tx, fields_rx) = mpsc::channel();
    let (drained_tx, drained_rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("hook-stdin".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut input = stdin.lock().take(STDIN_MAX);
            let picked = RefCell::new(Picked::default());
            let _ = pick(&mut input, &picked);
            let _ = fields_tx.send(picked.into_inner());
            // The rest is read and dropped (past the bound too), so the agent's write of a
            // large payload completes rather than failing on a closed pipe.
            input.set_limit(u64::MAX);
            let _ = std::io::copy(&mut input, &mut std::io::sink());
            let _ = drained_tx.send(());
        });
    if spawned.is_err() {
        return (None, drained_rx);
    }
    (fields_rx.recv_timeout(timeout).ok(), drained_rx)
}

#[cfg(unix)]
fn parent_pid() -> Option<u32> {
    // SAFETY: getppid has no preconditions and cannot fail.
    u32::try_from(unsafe { libc::getppid() }).ok()
}

#[cfg(not(unix))]
fn parent_pid() -> Option<u32> {
    None
}

/// Why an event was not delivered (said only with `AGENTBAR_HOOK_DEBUG=1`).
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("agentbar is not running (no readable endpoint.json)")]
    NotRunning,
    #[error("endpoint.json names {0:?}, not a loopback http address")]
    NotLoopback(String),
    #[error("cannot encode the event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("unreadable answer")]
    Answer,
}

/// The loopback address in an `http://127.0.0.1:PORT` or `http://localhost:PORT` URL; the
/// token is never sent anywhere else.
fn loopback_address(url: &str) -> Option<(SocketAddr, String)> {
    let authority = url.strip_prefix("http://")?.trim_end_matches('/');
    let (host, port) = authority.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let ip = match host {
        "127.0.0.1" | "localhost" => std::net::Ipv4Addr::LOCALHOST,
        _ => return None,
    };
    Some((SocketAddr::from((ip, port)), format!("{host}:{port}")))
}

/// Posts `event` to the agentbar whose `endpoint.json` is in `state_dir`; the answer's status.
pub fn post(event: &LocalHookEvent, state_dir: &Path) -> Result<u16, PostError> {
    let endpoint = Endpoint::read(state_dir).ok_or(PostError::NotRunning)?;
    let (address, host) = loopback_address(&endpoint.url)
        .ok_or_else(|| PostError::NotLoopback(endpoint.url.clone()))?;
    let body = serde_json::to_vec(event)?;
    let deadline = Instant::now() + POST_TIMEOUT;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let mut stream = TcpStream::connect_timeout(&address, POST_TIMEOUT)?;
    stream.set_write_timeout(Some(left()))?;
    let head = format!(
        "POST /v1/local/hook HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        endpoint.token,
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    // Only the status line is wanted: "HTTP/1.1 204 …".
    stream.set_read_timeout(Some(left()))?;
    let mut answer = [0u8; 16];
    let mut got = 0;
    while got < answer.len() {
        match stream.read(&mut answer[got..])? {
            0 => break,
            n => got += n,
        }
        stream.set_read_timeout(Some(left()))?;
    }
    std::str::from_utf8(&answer[..got])
        .ok()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or(PostError::Answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_get_the_token() {
        assert_eq!(
            loopback_address("http://127.0.0.1:4711").map(|a| a.1),
            Some("127.0.0.1:4711".to_owned())
        );
        assert!(loopback_address("http://localhost:80/").is_some());
        assert!(loopback_address("http://evil.example:80").is_none());
        assert!(loopback_address("https://127.0.0.1:80").is_none());
        assert!(loopback_address("http://127.0.0.1").is_none());
    }
}
