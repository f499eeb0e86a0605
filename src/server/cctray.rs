//! The task list as a cctray feed (`GET /cc.xml`), so CCMenu, BuildNotify, Nevergreen and other
//! CI-status clients can show it. Pure.

use std::borrow::Borrow;
use std::collections::HashMap;

use crate::model::{Bucket, Task};

/// Renders `<Projects>` with one `<Project>` per task. Names are made unique, because cctray
/// clients identify projects by name.
pub fn render<T: Borrow<Task>>(tasks: &[T]) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Projects>\n");
    for task in tasks.iter().map(Borrow::borrow) {
        // Uniqueness is judged on the escaped name, which is what clients compare.
        let base = escape(&match &task.repository {
            Some(repo) => format!("{} ({repo})", task.title),
            None => task.title.clone(),
        });
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        let name = if *count == 1 {
            base
        } else {
            format!("{base} [{}]", task.id.chars().take(8).collect::<String>())
        };
        let (activity, status) = match task.bucket() {
            Bucket::Running => ("Building", "Unknown"),
            Bucket::Completed => ("Sleeping", "Success"),
            Bucket::Failed => ("Sleeping", "Failure"),
            Bucket::Waiting | Bucket::Cancelled | Bucket::Unknown => ("Sleeping", "Unknown"),
        };
        let label = match (task.bucket(), &task.error) {
            (Bucket::Failed, Some(error)) => format!("{}: {}", task.state.label(), error.message),
            _ => task.state.label().to_owned(),
        };
        xml.push_str(&format!(
            "  <Project name=\"{}\" activity=\"{activity}\" lastBuildStatus=\"{status}\" \
             lastBuildLabel=\"{}\" lastBuildTime=\"{}\" webUrl=\"{}\"/>\n",
            name,
            escape(&label),
            task.updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            escape(&task.url),
        ));
    }
    xml.push_str("</Projects>\n");
    xml
}

/// Escapes text for an XML attribute value; drops the control characters XML 1.0 cannot carry.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskError;
    use crate::model::fixtures::task;

    #[test]
    fn states_map_to_cctray_activity_and_status() {
        let mut failed = task("f", "timed_out", 1);
        failed.error = Some(TaskError {
            code: None,
            message: "took <too> long & gave up".into(),
        });
        let xml = render(&[
            task("r", "in_progress", 1),
            task("w", "waiting_for_user", 1),
            task("c", "completed", 1),
            failed,
        ]);
        assert!(xml.contains(
            "name=\"Task r (acme/api)\" activity=\"Building\" lastBuildStatus=\"Unknown\""
        ));
        assert!(xml.contains(
            "activity=\"Sleeping\" lastBuildStatus=\"Unknown\" lastBuildLabel=\"Needs you\""
        ));
        assert!(xml.contains("activity=\"Sleeping\" lastBuildStatus=\"Success\""));
        assert!(xml.contains(
            "lastBuildStatus=\"Failure\" lastBuildLabel=\"Timed out: took &lt;too&gt; long &amp; gave up\""
        ));
        assert!(xml.contains("webUrl=\"https://github.com/acme/api/tasks/r\""));
    }

    #[test]
    fn duplicate_names_are_made_unique_and_control_characters_dropped() {
        let mut a = task("aaaaaaaa-1", "completed", 1);
        let mut b = task("bbbbbbbb-2", "completed", 2);
        a.title = "Same\u{7}".into();
        b.title = "Same".into();
        let xml = render(&[a, b]);
        assert!(xml.contains("name=\"Same (acme/api)\""));
        assert!(xml.contains("name=\"Same (acme/api) [bbbbbbbb]\""));
    }
}
