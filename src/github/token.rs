//! The user's GitHub token, wrapped so it cannot reach logs, errors or `Debug` output by accident.

use std::fmt;

/// A secret token. `Debug` and `Display` print a placeholder; only [`Token::expose`] reveals it,
/// and only the HTTP layer calls that.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token; surrounding whitespace (a trailing newline from a file or a pipe) is dropped.
    pub fn new(raw: impl Into<String>) -> Option<Token> {
        let raw = raw.into();
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| Token(trimmed.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows_in_debug_or_display() {
        let token = Token::new(" ghp_secretvalue123\n").unwrap();
        assert_eq!(token.expose(), "ghp_secretvalue123");
        assert!(!format!("{token:?} {token}").contains("secret"));
        assert_eq!(Token::new("  \n"), None);
    }
}
