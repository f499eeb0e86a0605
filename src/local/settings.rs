//! `[local]` in config.toml, `AGENTBAR_LOCAL`, and where each tool keeps its sessions (the tools'
//! own overrides `CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `COPILOT_HOME`, `GEMINI_CLI_HOME`, else home).

use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use serde::Deserialize;

use super::event::LocalTool;

/// The file's `[local]` section.
#[derive(Debug, Default, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LocalSection {
    pub enabled: Option<bool>,
    #[serde(rename = "claude-code", alias = "claude")]
    pub claude_code: Option<bool>,
    pub codex: Option<bool>,
    #[serde(rename = "copilot-cli", alias = "copilot")]
    pub copilot_cli: Option<bool>,
    #[serde(rename = "gemini-cli", alias = "gemini")]
    pub gemini_cli: Option<bool>,
    /// How long a finished turn counts as waiting ("Your turn") before it reads "Idle"; 0: never.
    pub your_turn_minutes: Option<u32>,
    /// Titles from the session's own title or first prompt rather than the project's name.
    pub descriptive_titles: Option<bool>,
}

/// The local sources' settings, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalSettings {
    pub enabled: bool,
    pub tools: Vec<LocalTool>,
    pub your_turn: TimeDelta,
    pub descriptive_titles: bool,
}

impl Default for LocalSettings {
    fn default() -> Self {
        LocalSettings {
            enabled: true,
            tools: LocalTool::ALL.to_vec(),
            your_turn: TimeDelta::minutes(30),
            descriptive_titles: false,
        }
    }
}

impl LocalSettings {
    /// The file's section under the command line's or environment's switch (`AGENTBAR_LOCAL=0`
    /// turns all off).
    pub fn from_section(section: &LocalSection, env_switch: Option<bool>) -> LocalSettings {
        let defaults = LocalSettings::default();
        let on = |tool: Option<bool>| tool.unwrap_or(true);
        let tools = LocalTool::ALL
            .into_iter()
            .filter(|tool| match tool {
                LocalTool::ClaudeCode => on(section.claude_code),
                LocalTool::Codex => on(section.codex),
                LocalTool::CopilotCli => on(section.copilot_cli),
                LocalTool::GeminiCli => on(section.gemini_cli),
            })
            .collect();
        LocalSettings {
            enabled: env_switch.unwrap_or(true) && section.enabled.unwrap_or(defaults.enabled),
            tools,
            your_turn: section
                .your_turn_minutes
                .map_or(defaults.your_turn, |m| TimeDelta::minutes(i64::from(m))),
            descriptive_titles: section.descriptive_titles.unwrap_or(false),
        }
    }

    /// The tools to read, none when local agents are off.
    pub fn active_tools(&self) -> &[LocalTool] {
        if self.enabled { &self.tools } else { &[] }
    }
}

/// The environment the roots are resolved from, passed in so tests never read the real one.
#[derive(Clone, Debug, Default)]
pub struct RootEnv {
    pub home: Option<PathBuf>,
    pub claude_config_dir: Option<PathBuf>,
    pub codex_home: Option<PathBuf>,
    pub copilot_home: Option<PathBuf>,
    pub gemini_cli_home: Option<PathBuf>,
}

impl RootEnv {
    /// From this process's environment (empty values count as unset).
    pub fn from_process() -> RootEnv {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        RootEnv {
            home: var("HOME")
                .or_else(|| var("USERPROFILE"))
                .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_owned())),
            claude_config_dir: var("CLAUDE_CONFIG_DIR"),
            codex_home: var("CODEX_HOME"),
            copilot_home: var("COPILOT_HOME"),
            gemini_cli_home: var("GEMINI_CLI_HOME"),
        }
    }

    /// The tool's own directory (`~/.claude`, `~/.codex`, `~/.copilot`, `~/.gemini`).
    pub fn root(&self, tool: LocalTool) -> Option<PathBuf> {
        let home = |dir: &str| self.home.as_ref().map(|h| h.join(dir));
        match tool {
            // One directory; a comma-separated list (a convention of other readers) takes the first.
            LocalTool::ClaudeCode => self
                .claude_config_dir
                .as_ref()
                .and_then(|d| first_of_list(d))
                .or_else(|| home(".claude")),
            LocalTool::Codex => self.codex_home.clone().or_else(|| home(".codex")),
            LocalTool::CopilotCli => self.copilot_home.clone().or_else(|| home(".copilot")),
            LocalTool::GeminiCli => self
                .gemini_cli_home
                .as_ref()
                .map(|h| h.join(".gemini"))
                .or_else(|| home(".gemini")),
        }
    }
}

fn first_of_list(dir: &Path) -> Option<PathBuf> {
    let text = dir.to_string_lossy();
    let first = text.split(',').next()?.trim();
    (!first.is_empty()).then(|| PathBuf::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_over_home_and_gemini_keeps_its_dot_directory() {
        let env = RootEnv {
            home: Some("/h".into()),
            codex_home: Some("/c".into()),
            gemini_cli_home: Some("/g".into()),
            ..RootEnv::default()
        };
        assert_eq!(env.root(LocalTool::ClaudeCode), Some("/h/.claude".into()));
        assert_eq!(env.root(LocalTool::Codex), Some("/c".into()));
        assert_eq!(env.root(LocalTool::CopilotCli), Some("/h/.copilot".into()));
        assert_eq!(env.root(LocalTool::GeminiCli), Some("/g/.gemini".into()));
    }

    #[test]
    fn the_switch_and_the_section_turn_tools_off() {
        let section: LocalSection =
            toml::from_str("codex = false\nyour_turn_minutes = 0\n").unwrap();
        let s = LocalSettings::from_section(&section, None);
        assert!(s.enabled && !s.tools.contains(&LocalTool::Codex));
        assert_eq!(s.your_turn, TimeDelta::zero());
        let off = LocalSettings::from_section(&section, Some(false));
        assert!(off.active_tools().is_empty());
        assert!(toml::from_str::<LocalSection>("enabeld = true").is_err());
    }
}
