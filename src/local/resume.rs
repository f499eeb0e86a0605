//! What a local session offers besides its state: the exact command that resumes it in its own
//! directory, and its folder. (No stop: interactive sessions have no supported stop command.)

use std::path::PathBuf;

use super::event::LocalTool;

/// A command to run in a directory, and the one shell line that does both (to copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeCommand {
    pub program: &'static str,
    pub args: Vec<String>,
    pub cwd: Option<PathBuf>,
    /// `cd '/home/dev/src/acme-api' && claude --resume 3f1c…`
    pub shell_line: String,
}

/// Only ids of this shape go into a command line (what every tool's own readers accept).
pub fn valid_session_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// Single-quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `claude --resume <id>`, `codex resume <id>`, `copilot --resume <id>`, `gemini --resume <id>`,
/// each run in the session's directory (the tools keep sessions per project).
pub fn resume_command(
    tool: LocalTool,
    session_id: &str,
    cwd: Option<&str>,
) -> Option<ResumeCommand> {
    if !valid_session_id(session_id) {
        return None;
    }
    let (program, args): (&'static str, Vec<String>) = match tool {
        LocalTool::ClaudeCode => ("claude", vec!["--resume".into(), session_id.into()]),
        LocalTool::Codex => ("codex", vec!["resume".into(), session_id.into()]),
        LocalTool::CopilotCli => ("copilot", vec!["--resume".into(), session_id.into()]),
        LocalTool::GeminiCli => ("gemini", vec!["--resume".into(), session_id.into()]),
    };
    let command = std::iter::once(program.to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let shell_line = match cwd {
        Some(dir) => format!("cd {} && {command}", quote(dir)),
        None => command,
    };
    Some(ResumeCommand {
        program,
        args,
        cwd: cwd.map(PathBuf::from),
        shell_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tool_resumes_in_its_directory_and_odd_ids_are_refused() {
        let id = "3f1c9a2e-5b7d-4e21-9c0a-6d2f8b1e4a70";
        let claude =
            resume_command(LocalTool::ClaudeCode, id, Some("/home/dev/it's here")).unwrap();
        assert_eq!(
            claude.shell_line,
            format!(r"cd '/home/dev/it'\''s here' && claude --resume {id}")
        );
        assert_eq!(
            resume_command(LocalTool::Codex, id, None)
                .unwrap()
                .shell_line,
            format!("codex resume {id}")
        );
        assert!(resume_command(LocalTool::GeminiCli, "x; rm -rf ~", None).is_none());
        assert!(resume_command(LocalTool::CopilotCli, "abc", None).is_none());
    }
}
