//! Credential redaction: every piece of text taken from a session log passes through here before
//! it becomes part of an event, so nothing unredacted is stored, served or printed.
//!
//! One combined regular expression finds every kind of secret in a single pass (most text holds
//! none, so the cost is one scan); the replacement names what was removed, never the value.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

/// What replaces text when the patterns themselves could not be built: failing closed keeps the
/// invariant (no unredacted text leaves `logs`) even in that impossible case.
const UNAVAILABLE: &str = "[redacted: redaction unavailable]";

/// The secret patterns, leftmost-first. Word boundaries are ASCII (`(?-u:\b)`) so the fast DFA
/// engine keeps working on non-ASCII text.
static SECRETS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        // PEM private keys, up to their END line or, when truncated, to the end of the text.
        r"(?P<pk>-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z))",
        // `Authorization: Bearer x`, `authorization=token x`, `"Authorization": "Basic x"`.
        r#"|(?P<auth>(?i:authorization)["']?\s*[:=]\s*["']?)(?P<scheme>(?i:bearer|token|basic)\s+)?(?P<authval>[^\s"'\\]+)"#,
        // A password in a URL: keep scheme, user and host.
        r#"|(?P<url>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@"']+:)(?P<pass>[^\s@/"']+)@"#,
        // `aws_secret_access_key = x` (before the generic assignments: names the kind better).
        r#"|(?P<awssk>(?-u:\b)(?i:aws_secret_access_key|aws_secret_key|secret_access_key)["']?\s*[:=]\s*["']?)(?P<awsskval>[A-Za-z0-9/+=]{16,})"#,
        // `FOO_TOKEN=x`, `CLIENT_SECRET="x"`, `PASSWORD=x`, `DB_API_KEY=x`.
        r#"|(?P<assign>(?-u:\b)[A-Za-z0-9_]*(?P<assignname>(?i:token|secret|password|passwd|api_key|private_key))\s*=\s*)(?P<assignval>"[^"\n]*"|'[^'\n]*'|[^\s"'\[]\S*)"#,
        // `"password": "x"` in JSON text (keys quoted, values quoted).
        r#"|(?P<jsonkey>"[A-Za-z0-9_\-]*(?P<jsonname>(?i:token|secret|password|passwd|api_key|private_key))"\s*:\s*")(?P<jsonval>[^"\[\\][^"]*)""#,
        // GitHub tokens of every prefix (personal, OAuth, user-to-server, server, refresh).
        r"|(?P<gh>(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}))",
        // AWS access key ids.
        r"|(?P<aws>(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b))",
        // A bearer token outside a header line (`curl -H "Bearer x"`, `bearer: x`).
        r"|(?P<bearer>(?i:bearer)\s*:?\s+)(?P<bearerval>[A-Za-z0-9._~+/\-]{16,}=*)",
    ))
    .ok()
});

/// Replaces every credential in `text` with a marker naming what was removed.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Some(secrets) = SECRETS.as_ref() else {
        return Cow::Borrowed(UNAVAILABLE);
    };
    secrets.replace_all(text, replacement)
}

/// [`redact`] for an owned string: no allocation when nothing was found.
pub fn redact_owned(text: String) -> String {
    match redact(&text) {
        Cow::Borrowed(_) if SECRETS.is_some() => text,
        other => other.into_owned(),
    }
}

/// Redacts every string in a JSON value in place; a string under a key that names a secret
/// (`"password"`, `"api_token"`, …) is removed whatever it looks like.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::String(text) => *text = redact_owned(std::mem::take(text)),
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match (secret_kind_of_name(key), item) {
                    (Some(kind), Value::String(text)) if !text.is_empty() => {
                        *text = format!("[redacted: {kind}]");
                    }
                    (_, item) => redact_json(item),
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The kind of secret a key or variable name announces, if any (`GITHUB_TOKEN` → token).
fn secret_kind_of_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("token") {
        Some("token")
    } else if lower.ends_with("secret") {
        Some("secret")
    } else if lower.ends_with("password") || lower.ends_with("passwd") {
        Some("password")
    } else if lower.ends_with("api_key") || lower.ends_with("private_key") {
        Some("key")
    } else {
        None
    }
}

/// A value's own shape can name it better than the variable it is assigned to.
fn kind_of_value(value: &str, fallback: &'static str) -> &'static str {
    let bare = value.trim_matches(|c| c == '"' || c == '\'');
    if bare.starts_with("github_pat_")
        || (bare.len() > 4 && bare.starts_with("gh") && bare.as_bytes().get(3) == Some(&b'_'))
    {
        "github token"
    } else if bare.starts_with("AKIA") || bare.starts_with("ASIA") {
        "aws access key"
    } else {
        fallback
    }
}

fn replacement(caps: &Captures<'_>) -> String {
    let text = |name: &str| caps.name(name).map_or("", |m| m.as_str());
    if caps.name("pk").is_some() {
        "[redacted: private key]".to_owned()
    } else if caps.name("auth").is_some() {
        let scheme = text("scheme");
        let kind = if scheme.is_empty() {
            "authorization header"
        } else {
            "bearer token"
        };
        format!("{}{scheme}[redacted: {kind}]", text("auth"))
    } else if caps.name("url").is_some() {
        format!("{}[redacted: password]@", text("url"))
    } else if caps.name("awssk").is_some() {
        format!("{}[redacted: aws secret key]", text("awssk"))
    } else if caps.name("assign").is_some() {
        let fallback = secret_kind_of_name(text("assignname")).unwrap_or("secret");
        let value = text("assignval");
        let quote = match value.chars().next() {
            Some(q @ ('"' | '\'')) => q.to_string(),
            _ => String::new(),
        };
        format!(
            "{}{quote}[redacted: {}]{quote}",
            text("assign"),
            kind_of_value(value, fallback)
        )
    } else if caps.name("jsonkey").is_some() {
        let fallback = secret_kind_of_name(text("jsonname")).unwrap_or("secret");
        format!(
            "{}[redacted: {}]\"",
            text("jsonkey"),
            kind_of_value(text("jsonval"), fallback)
        )
    } else if caps.name("gh").is_some() {
        "[redacted: github token]".to_owned()
    } else if caps.name("aws").is_some() {
        "[redacted: aws access key]".to_owned()
    } else if caps.name("bearer").is_some() {
        format!("{}[redacted: bearer token]", text("bearer"))
    } else {
        // Unreachable by construction (every alternative is named); fail closed anyway.
        "[redacted: secret]".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const GHP: &str = "ghp_SimulatedFakeToken0123456789abcdefAB";

    fn r(text: &str) -> String {
        redact(text).into_owned()
    }

    #[test]
    fn the_patterns_compile() {
        assert!(SECRETS.is_some());
    }

    #[test]
    fn github_tokens_of_every_prefix() {
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let token = format!("{prefix}abcdefghijklmnopqrstuvwxyz0123456789");
            let out = r(&format!("use {token} now"));
            assert_eq!(out, "use [redacted: github token] now", "{prefix}");
        }
        let pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL";
        assert_eq!(r(pat), "[redacted: github token]");
        // Short look-alikes are words, not tokens.
        assert_eq!(r("the ghp_ prefix"), "the ghp_ prefix");
    }

    #[test]
    fn authorization_headers_and_bearer_tokens() {
        assert_eq!(
            r("curl -H 'Authorization: Bearer abc.def-ghi' https://x"),
            "curl -H 'Authorization: Bearer [redacted: bearer token]' https://x"
        );
        assert_eq!(
            r("authorization: token 0123456789abcdef"),
            "authorization: token [redacted: bearer token]"
        );
        assert_eq!(
            r("Authorization: Zm9vOmJhcg=="),
            "Authorization: [redacted: authorization header]"
        );
        assert_eq!(
            r("send bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"),
            "send bearer [redacted: bearer token]"
        );
        // Prose about bearer tokens keeps its words.
        assert_eq!(r("use bearer tokens here"), "use bearer tokens here");
    }

    #[test]
    fn aws_keys() {
        assert_eq!(
            r("key AKIAIOSFODNN7EXAMPLE in use"),
            "key [redacted: aws access key] in use"
        );
        assert_eq!(
            r("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "aws_secret_access_key = [redacted: aws secret key]"
        );
        assert_eq!(
            r("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "AWS_SECRET_ACCESS_KEY=[redacted: aws secret key]"
        );
    }

    #[test]
    fn private_key_blocks_whole_or_truncated() {
        let block = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----\nafter";
        assert_eq!(r(block), "before\n[redacted: private key]\nafter");
        let openssh =
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----";
        assert_eq!(r(openssh), "[redacted: private key]");
        let cut = "x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg";
        assert_eq!(r(cut), "x [redacted: private key]");
    }

    #[test]
    fn passwords_in_urls() {
        assert_eq!(
            r("git clone https://user:hunter2@example.com/repo.git"),
            "git clone https://user:[redacted: password]@example.com/repo.git"
        );
        assert_eq!(
            r("postgres://app:s3cr3t@db:5432/x"),
            "postgres://app:[redacted: password]@db:5432/x"
        );
        // A port is not a password.
        assert_eq!(
            r("http://localhost:3000/login"),
            "http://localhost:3000/login"
        );
    }

    #[test]
    fn secret_assignments() {
        assert_eq!(
            r("NPM_TOKEN=abc123 npm publish"),
            "NPM_TOKEN=[redacted: token] npm publish"
        );
        assert_eq!(
            r("export CLIENT_SECRET=\"s e c\""),
            "export CLIENT_SECRET=\"[redacted: secret]\""
        );
        assert_eq!(r("PASSWORD=hunter2"), "PASSWORD=[redacted: password]");
        assert_eq!(
            r(&format!("GITHUB_TOKEN={GHP}\nCOPILOT_AGENT_TOKEN=<set>")),
            "GITHUB_TOKEN=[redacted: github token]\nCOPILOT_AGENT_TOKEN=[redacted: token]"
        );
        assert_eq!(
            r(r#"{"password": "hunter2", "user": "me"}"#),
            r#"{"password": "[redacted: password]", "user": "me"}"#
        );
    }

    #[test]
    fn text_without_secrets_is_borrowed_and_unchanged() {
        let text = "cd /home/runner/work/foo/foo && ls -la # tokens: 202 ✓";
        assert!(matches!(redact(text), Cow::Borrowed(_)));
        assert_eq!(redact_owned(text.to_owned()), text);
    }

    #[test]
    fn json_values_are_redacted_by_content_and_by_key() {
        let mut value = json!({
            "command": format!("curl -H 'Authorization: Bearer {GHP}'"),
            "env": {"api_token": "plain-looking", "count": 3},
            "list": [GHP, 1, null],
        });
        redact_json(&mut value);
        assert_eq!(
            value,
            json!({
                "command": "curl -H 'Authorization: Bearer [redacted: bearer token]'",
                "env": {"api_token": "[redacted: token]", "count": 3},
                "list": ["[redacted: github token]", 1, null],
            })
        );
    }
}
