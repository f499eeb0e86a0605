//! Task list queries: the filters, sort and pages of `GET /agents/tasks`, and GitHub's `Link`
//! header. Decoding is lenient: a value that does not parse falls back to the default.

use chrono::{DateTime, Utc};

use super::world::{SimSeconds, TaskNow};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TaskQuery {
    pub per_page: usize,
    /// 1-based.
    pub page: usize,
    pub sort_by_created: bool,
    pub ascending: bool,
    pub states: Option<Vec<String>>,
    pub archived: bool,
    /// Only tasks updated at or after this sim time.
    pub since: Option<SimSeconds>,
    /// Only tasks this account created (the per-repository list's filter).
    pub creator_id: Option<u64>,
}

impl TaskQuery {
    /// Reads the query pairs; `epoch` converts `since` into sim time.
    pub fn from_pairs(pairs: &[(String, String)], epoch: DateTime<Utc>) -> TaskQuery {
        let value = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim())
        };
        let per_page = value("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .map_or(30, |n| n.min(100));
        let page = value("page")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(1);
        let states = value("state")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty());
        let since = value("since")
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .map(|t| (t.with_timezone(&Utc) - epoch).num_milliseconds() as f64 / 1000.0);
        TaskQuery {
            per_page,
            page,
            sort_by_created: value("sort") == Some("created_at"),
            ascending: value("direction") == Some("asc"),
            states,
            archived: value("is_archived") == Some("true"),
            since,
            creator_id: value("creator_id").and_then(|v| v.parse().ok()),
        }
    }

    /// The tasks this query matches on all pages, in order.
    pub fn matching<'a>(&self, tasks: impl Iterator<Item = &'a TaskNow>) -> Vec<&'a TaskNow> {
        let mut found: Vec<&TaskNow> = tasks
            .filter(|t| t.archived_at.is_some() == self.archived)
            .filter(|t| {
                self.states
                    .as_ref()
                    .is_none_or(|states| states.contains(&t.state))
            })
            .filter(|t| self.since.is_none_or(|since| t.updated_at >= since))
            .filter(|t| self.creator_id.is_none_or(|id| t.creator.id == id))
            .collect();
        let key = |t: &TaskNow| {
            if self.sort_by_created {
                t.created_at
            } else {
                t.updated_at
            }
        };
        found.sort_by(|a, b| key(a).total_cmp(&key(b)).then_with(|| a.id.cmp(&b.id)));
        if !self.ascending {
            found.reverse();
        }
        found
    }

    /// One page of `matching` and the number of the last page (at least 1).
    pub fn page_of<'a>(&self, matching: &[&'a TaskNow]) -> (Vec<&'a TaskNow>, usize) {
        let last_page = matching.len().div_ceil(self.per_page).max(1);
        let start = (self.page - 1).saturating_mul(self.per_page);
        let page = matching
            .iter()
            .skip(start)
            .take(self.per_page)
            .copied()
            .collect();
        (page, last_page)
    }
}

/// The agent tasks API's `Link` header: `first` always, `prev` past the first page, `next`
/// while more pages follow, and `last`. `url` is the list's absolute URL without query;
/// `pairs` the request's query.
pub(crate) fn link_header(
    url: &str,
    pairs: &[(String, String)],
    page: usize,
    last_page: usize,
) -> String {
    let link = |target: usize, rel: &str| {
        let mut query: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        query.push(format!("page={target}"));
        format!("<{url}?{}>; rel=\"{rel}\"", query.join("&"))
    };
    let mut links = vec![link(1, "first")];
    if page > 1 {
        links.push(link((page - 1).min(last_page), "prev"));
    }
    if page < last_page {
        links.push(link(page + 1, "next"));
    }
    links.push(link(last_page, "last"));
    links.join(", ")
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~,:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world::RepositoryNow;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn task(id: &str, state: &str, created_at: f64, updated_at: f64, archived: bool) -> TaskNow {
        TaskNow {
            id: id.into(),
            repository: RepositoryNow {
                id: 1,
                owner: "o".into(),
                owner_id: 2,
                name: "r".into(),
                owner_is_user: false,
                private: false,
            },
            name: None,
            state: state.into(),
            created_at,
            updated_at,
            archived_at: archived.then_some(updated_at),
            creator: crate::sim::Viewer::default(),
            custom_agent: None,
            head_ref: "copilot/x".into(),
            base_ref: "main".into(),
            branch_only: false,
            work_started: true,
            pull: None,
            sessions: Vec::new(),
        }
    }

    fn sample() -> Vec<TaskNow> {
        vec![
            task("a", "completed", 0.0, 10.0, false),
            task("b", "in_progress", 5.0, 50.0, false),
            task("c", "failed", 1.0, 30.0, false),
            task("d", "completed", 2.0, 40.0, true),
            task("e", "queued", 9.0, 20.0, false),
        ]
    }

    fn ids(tasks: &[&TaskNow]) -> Vec<String> {
        tasks.iter().map(|t| t.id.clone()).collect()
    }

    #[test]
    fn defaults_sort_by_updated_newest_first_and_hide_archived() {
        let epoch = Utc::now();
        let query = TaskQuery::from_pairs(&[], epoch);
        assert_eq!(query.per_page, 30);
        let tasks = sample();
        assert_eq!(ids(&query.matching(tasks.iter())), ["b", "c", "e", "a"]);
        let archived = TaskQuery::from_pairs(&pairs("is_archived=true"), epoch);
        assert_eq!(ids(&archived.matching(tasks.iter())), ["d"]);
    }

    #[test]
    fn state_since_and_sort_filters() {
        let epoch = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let tasks = sample();
        let query = TaskQuery::from_pairs(&pairs("state=completed,failed"), epoch);
        assert_eq!(ids(&query.matching(tasks.iter())), ["c", "a"]);
        // since is inclusive
        let query = TaskQuery::from_pairs(&pairs("since=2025-01-01T00:00:20Z"), epoch);
        assert_eq!(ids(&query.matching(tasks.iter())), ["b", "c", "e"]);
        let query = TaskQuery::from_pairs(&pairs("sort=created_at&direction=asc"), epoch);
        assert_eq!(ids(&query.matching(tasks.iter())), ["a", "c", "b", "e"]);
    }

    #[test]
    fn paging_is_lenient_and_capped() {
        let epoch = Utc::now();
        let query = TaskQuery::from_pairs(&pairs("per_page=500&page=zero"), epoch);
        assert_eq!((query.per_page, query.page), (100, 1));
        let tasks = sample();
        let query = TaskQuery::from_pairs(&pairs("per_page=3&page=2"), epoch);
        let matching = query.matching(tasks.iter());
        let (page, last) = query.page_of(&matching);
        assert_eq!(ids(&page), ["a"]);
        assert_eq!(last, 2);
        let beyond = TaskQuery::from_pairs(&pairs("per_page=3&page=9"), epoch);
        assert!(beyond.page_of(&matching).0.is_empty());
    }

    #[test]
    fn link_header_has_first_next_and_last_as_documented() {
        let query = pairs("per_page=2&state=queued,failed");
        let link = link_header("http://h/agents/tasks", &query, 1, 3);
        assert_eq!(
            link,
            "<http://h/agents/tasks?per_page=2&state=queued,failed&page=1>; rel=\"first\", \
             <http://h/agents/tasks?per_page=2&state=queued,failed&page=2>; rel=\"next\", \
             <http://h/agents/tasks?per_page=2&state=queued,failed&page=3>; rel=\"last\""
        );
        let single = link_header("http://h/x", &query, 1, 1);
        assert!(single.contains("rel=\"first\"") && single.contains("rel=\"last\""));
        assert!(!single.contains("rel=\"next\""));
        let middle = link_header("http://h/x", &query, 2, 3);
        assert!(middle.contains("rel=\"prev\"") && middle.contains("rel=\"next\""));
        let end = link_header("http://h/x", &query, 3, 3);
        assert!(!end.contains("rel=\"next\"") && end.contains("page=3>; rel=\"last\""));
    }
}
