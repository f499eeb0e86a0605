//! Names that are unique across sources: a source's id (`gh:octocat`, `claude-code`) and a
//! task's key (`<source id>:<upstream id>`, e.g. `gh:octocat:12345`).

use std::fmt;
use std::sync::Arc;

/// A source's stable id, safe in a URL path segment (no `/ ? # %`, no whitespace). Cheap to
/// clone: every task of a source shares one.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(Arc<str>);

impl SourceId {
    /// The id, if `raw` is one: not empty and nothing a URL path segment would need escaped.
    pub fn new(raw: &str) -> Option<SourceId> {
        let safe = !raw.is_empty()
            && raw
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"/?#%".contains(c));
        safe.then(|| SourceId(raw.into()))
    }

    /// The id of a GitHub account's source: `gh:<account>`; characters a path segment cannot
    /// hold become `-`.
    pub fn github(account: &str) -> SourceId {
        let account: String = account
            .chars()
            .map(|c| {
                if c.is_whitespace() || c.is_control() || "/?#%".contains(c) {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let account = if account.is_empty() {
            "default".to_owned()
        } else {
            account
        };
        SourceId(format!("gh:{account}").into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl Default for SourceId {
    /// The id of the single GitHub account when none is named.
    fn default() -> SourceId {
        SourceId::github("default")
    }
}

/// A task's name across every source: `<source id>:<upstream id>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskKey {
    pub source: SourceId,
    pub id: String,
}

impl TaskKey {
    pub fn new(source: SourceId, id: impl Into<String>) -> TaskKey {
        TaskKey {
            source,
            id: id.into(),
        }
    }

    /// Reads a full key against the sources that exist (a source id may itself hold `:`, so
    /// the longest known source id that prefixes `raw` wins). `None` when no known source's
    /// id prefixes it, or nothing follows the prefix.
    pub fn parse<'a>(raw: &str, known: impl IntoIterator<Item = &'a SourceId>) -> Option<TaskKey> {
        known
            .into_iter()
            .filter_map(|source| {
                let rest = raw.strip_prefix(source.as_str())?.strip_prefix(':')?;
                (!rest.is_empty()).then(|| TaskKey::new(source.clone(), rest))
            })
            .max_by_key(|key| key.source.as_str().len())
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_are_path_safe() {
        assert!(SourceId::new("claude-code").is_some());
        assert!(SourceId::new("gh:octocat").is_some());
        for bad in ["", "a/b", "a b", "a?b", "a#b", "a%2F"] {
            assert!(SourceId::new(bad).is_none(), "{bad:?}");
        }
        assert_eq!(SourceId::github("acme corp/x").as_str(), "gh:acme-corp-x");
        assert_eq!(SourceId::github("").as_str(), "gh:default");
    }

    #[test]
    fn keys_print_and_parse_against_known_sources() {
        let gh = SourceId::github("octocat");
        let enterprise = SourceId::new("gh:octocat:work").unwrap();
        let claude = SourceId::new("claude-code").unwrap();
        let key = TaskKey::new(gh.clone(), "12345");
        assert_eq!(key.to_string(), "gh:octocat:12345");
        let known = [gh.clone(), enterprise.clone(), claude.clone()];
        assert_eq!(TaskKey::parse("gh:octocat:12345", &known), Some(key));
        // The longest source id wins where one id prefixes another.
        assert_eq!(
            TaskKey::parse("gh:octocat:work:7", &known),
            Some(TaskKey::new(enterprise, "7"))
        );
        assert_eq!(
            TaskKey::parse("claude-code:9f1c:x", &known),
            Some(TaskKey::new(claude, "9f1c:x"))
        );
        assert_eq!(TaskKey::parse("12345", &known), None);
        assert_eq!(TaskKey::parse("gh:octocat:", &known), None);
        assert_eq!(TaskKey::parse("codex:1", &known), None);
    }
}
