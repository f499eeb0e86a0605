//! Conditional requests: strong ETags computed from the body and `If-None-Match` matching.

use super::world::stable_hash;

/// A strong ETag for a response body; the same body always gets the same tag.
pub(crate) fn etag_for(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let high = stable_hash(&[&text]);
    let low = stable_hash(&[&text, "etag"]);
    format!("\"{high:016x}{low:016x}\"")
}

/// Whether an `If-None-Match` header value names `etag` (a list, `*`, or weak forms).
pub(crate) fn if_none_match_hits(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate == etag || candidate.strip_prefix("W/") == Some(etag)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_depends_on_the_body_only() {
        assert_eq!(etag_for(b"{\"a\":1}"), etag_for(b"{\"a\":1}"));
        assert_ne!(etag_for(b"{\"a\":1}"), etag_for(b"{\"a\":2}"));
        assert!(etag_for(b"x").starts_with('"') && etag_for(b"x").ends_with('"'));
    }

    #[test]
    fn if_none_match_forms() {
        let tag = etag_for(b"body");
        assert!(if_none_match_hits(&tag, &tag));
        assert!(if_none_match_hits(&format!("\"other\", {tag}"), &tag));
        assert!(if_none_match_hits(&format!("W/{tag}"), &tag));
        assert!(if_none_match_hits("*", &tag));
        assert!(!if_none_match_hits("\"other\"", &tag));
    }
}
