//! Signing in: the GitHub accounts (`account`), the OAuth device flow, importing the GitHub CLI's token, and where tokens are
//! kept (environment, OS keychain, a 0600 file where there is no keychain).

pub mod account;
pub mod device;
pub mod store;

pub use account::{
    Account, AccountError, AccountId, AccountOrigin, AccountsFile, LoginWanted, StoredAccount,
    login_target, validate_host,
};
pub use device::{DeviceCode, DeviceFlow, SignInError, SignInPrompt, SignedIn};
pub use store::{CredentialError, CredentialStore, TokenSource};

use crate::github::Token;

#[derive(Debug, thiserror::Error)]
pub enum GhImportError {
    #[error("the GitHub CLI (`gh`) is not installed or not on PATH")]
    NotInstalled,
    #[error("`gh auth token --hostname {host}` failed: {message}")]
    Failed { host: String, message: String },
}

/// Runs `gh auth token --hostname HOST` once and returns its token.
pub fn token_from_gh(host: &str) -> Result<Token, GhImportError> {
    token_from_program(std::path::Path::new("gh"), host)
}

/// [`token_from_gh`] with the program named (looked up on `PATH` when it is a bare name).
pub fn token_from_program(program: &std::path::Path, host: &str) -> Result<Token, GhImportError> {
    let output = std::process::Command::new(program)
        .args(["auth", "token", "--hostname", host])
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GhImportError::NotInstalled,
            _ => GhImportError::Failed {
                host: host.to_owned(),
                message: e.to_string(),
            },
        })?;
    if !output.status.success() {
        return Err(GhImportError::Failed {
            host: host.to_owned(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Token::new(String::from_utf8_lossy(&output.stdout).into_owned()).ok_or_else(|| {
        GhImportError::Failed {
            host: host.to_owned(),
            message: "it printed no token (is `gh auth login` done?)".into(),
        }
    })
}
