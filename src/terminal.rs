//! What the printing commands need to know about where their output goes: a reader that closes
//! early (`agentbar tasks | head`) and the terminal's width.

/// Lets a closed pipe end the process the conventional way (killed by SIGPIPE, status 141 in a
/// shell) instead of a failed write panicking in `println!`. Only for commands that print and
/// exit: Rust ignores SIGPIPE so that a long-running server sees a closed socket as an error,
/// and `run`/`demo`/`sim` keep that.
pub fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal; no handler runs Rust code. Sockets
    // opened by std and tokio send with MSG_NOSIGNAL (SO_NOSIGPIPE on macOS), so only writes to
    // a pipe or terminal are affected.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The width to fit tables to: `COLUMNS` when set, else the terminal's when standard output is
/// one; `None` when the output goes to a file or a pipe (nothing is cut for scripts).
pub fn width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return None;
    }
    terminal_width()
}

#[cfg(unix)]
fn terminal_width() -> Option<usize> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct we pass and nothing else.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
fn terminal_width() -> Option<usize> {
    None
}
