//! How a person names a task on the command line: its id, a unique prefix of it (as `tasks`
//! shows), `owner/repo#123` or the pull request's URL. One resolver, used by every command that
//! takes a task, so they all accept the same things and fail with the same words.

use crate::model::Task;
use std::borrow::Borrow;

/// Shortest id prefix `tasks` shows; longer when needed to tell the list's ids apart.
pub const MIN_SHORT_ID: usize = 7;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error(
        "no task matches {0:?} (give an id or a prefix from `agentbar tasks`, owner/repo#123, or a pull request URL)"
    )]
    NoMatch(String),
    #[error("{reference:?} matches {} tasks: {}; give more of the id", .candidates.len(), .candidates.join(", "))]
    Ambiguous {
        reference: String,
        candidates: Vec<String>,
    },
}

/// The one task `reference` names in `tasks`.
pub fn resolve<'a, T: Borrow<Task>>(
    reference: &str,
    tasks: &'a [T],
) -> Result<&'a Task, ResolveError> {
    let reference = reference.trim();
    let tasks = || tasks.iter().map(Borrow::borrow);
    if let Some(task) = tasks().find(|t| t.id == reference || t.key().to_string() == reference) {
        return Ok(task);
    }
    let matches: Vec<&Task> = match pull_request_of(reference) {
        Some((repository, number)) => tasks()
            .filter(|t| {
                t.repository
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(&repository))
                    && t.pull_request.as_ref().is_some_and(|p| p.number == number)
            })
            .collect(),
        None if reference.is_empty() => Vec::new(),
        None => tasks()
            .filter(|t| t.id.starts_with(reference) || t.url == reference)
            .collect(),
    };
    match matches.as_slice() {
        [] => Err(ResolveError::NoMatch(reference.to_owned())),
        [one] => Ok(one),
        // Several tasks for one pull request: the newest is the one people mean.
        many if pull_request_of(reference).is_some() => many
            .iter()
            .max_by_key(|t| t.updated_at)
            .copied()
            .ok_or_else(|| ResolveError::NoMatch(reference.to_owned())),
        many => Err(ResolveError::Ambiguous {
            reference: reference.to_owned(),
            candidates: many.iter().map(|t| t.id.clone()).collect(),
        }),
    }
}

/// `owner/repo#123` or `https://HOST/owner/repo/pull/123[/…]` → (`owner/repo`, 123).
fn pull_request_of(reference: &str) -> Option<(String, u64)> {
    if let Some((repository, number)) = reference.split_once('#') {
        let (owner, name) = repository.split_once('/')?;
        if owner.is_empty() || name.is_empty() || name.contains('/') {
            return None;
        }
        return Some((repository.to_owned(), number.parse().ok()?));
    }
    let rest = reference
        .strip_prefix("https://")
        .or_else(|| reference.strip_prefix("http://"))?;
    let path = rest.split(['?', '#']).next()?;
    // `HOST[/base]/owner/repo/pull/N[/…]`: the web base may carry a path of its own.
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let at = segments
        .iter()
        .position(|s| *s == "pull")
        .filter(|&i| i >= 2)?;
    let (owner, name) = (segments[at - 2], segments[at - 1]);
    if owner.is_empty() || name.is_empty() {
        return None;
    }
    Some((
        format!("{owner}/{name}"),
        segments.get(at + 1)?.parse().ok()?,
    ))
}

/// How many leading characters tell every id in `tasks` apart (at least [`MIN_SHORT_ID`]).
pub fn short_id_len<T: Borrow<Task>>(tasks: &[T]) -> usize {
    let mut ids: Vec<&str> = tasks.iter().map(|t| t.borrow().id.as_str()).collect();
    ids.sort_unstable();
    let common = ids
        .windows(2)
        .map(|pair| {
            pair[0]
                .chars()
                .zip(pair[1].chars())
                .take_while(|(a, b)| a == b)
                .count()
        })
        .max()
        .unwrap_or(0);
    (common + 1).max(MIN_SHORT_ID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::task;

    fn with_pr(id: &str, repository: &str, number: u64, age_minutes: i64) -> Task {
        let mut t = task(id, "in_progress", age_minutes);
        t.repository = Some(repository.into());
        t.pull_request = Some(crate::model::PullRequest {
            number,
            title: "t".into(),
            url: format!("https://github.com/{repository}/pull/{number}"),
            state: crate::model::PullRequestState::Open,
            draft: true,
            node_id: None,
            database_id: None,
        });
        t
    }

    #[test]
    fn ids_prefixes_pull_requests_and_urls_name_one_task() {
        let tasks = vec![
            with_pr("a1b2c3d4e5", "octo/app", 12, 5),
            with_pr("a1b2ffff00", "octo/lib", 7, 3),
            with_pr("zz99", "octo/lib", 8, 1),
        ];
        let id = |r: &str| resolve(r, &tasks).map(|t| t.id.clone());
        assert_eq!(id("a1b2c3d4e5"), Ok("a1b2c3d4e5".into()));
        assert_eq!(id("a1b2c"), Ok("a1b2c3d4e5".into()));
        assert_eq!(id("octo/lib#7"), Ok("a1b2ffff00".into()));
        assert_eq!(id("OCTO/App#12"), Ok("a1b2c3d4e5".into()));
        assert_eq!(
            id("https://github.com/octo/lib/pull/8/agent-sessions/x"),
            Ok("zz99".into())
        );
        assert_eq!(
            id("http://127.0.0.1:9/web/octo/lib/pull/8?tab=files"),
            Ok("zz99".into())
        );
        assert_eq!(
            id("a1b2"),
            Err(ResolveError::Ambiguous {
                reference: "a1b2".into(),
                candidates: vec!["a1b2c3d4e5".into(), "a1b2ffff00".into()],
            })
        );
        assert!(matches!(id("octo/lib#9"), Err(ResolveError::NoMatch(_))));
        assert!(matches!(id(""), Err(ResolveError::NoMatch(_))));
        assert!(matches!(id("nothing"), Err(ResolveError::NoMatch(_))));
    }

    #[test]
    fn the_newest_task_of_a_pull_request_wins() {
        let tasks = vec![with_pr("old", "o/r", 3, 50), with_pr("new", "o/r", 3, 2)];
        assert_eq!(resolve("o/r#3", &tasks).unwrap().id, "new");
    }

    #[test]
    fn short_ids_are_long_enough_to_differ() {
        let tasks = vec![
            task("abcdefghij1", "queued", 1),
            task("abcdefghij2", "queued", 1),
        ];
        assert_eq!(short_id_len(&tasks), 11);
        assert_eq!(short_id_len(&[task("x", "queued", 1)]), MIN_SHORT_ID);
    }
}
