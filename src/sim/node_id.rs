//! GraphQL node ids as GitHub mints them: a type prefix (`PR_`, `U_`) and the URL-safe base64
//! (no padding) of a MessagePack array of compact integers, `[0, repository_id, pr_id]` for a
//! pull request and `[0, user_id]` for a user. The simulator hands out and accepts exactly
//! these, so a client that computes a missing `global_id` finds the node.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rmp::encode::{ByteBuf, write_array_len, write_uint};

/// The node id of a pull request, from its repository's and its own database ids.
pub(crate) fn pull_request_node_id(repository_id: u64, pull_database_id: u64) -> String {
    format!("PR_{}", encode(&[0, repository_id, pull_database_id]))
}

/// The node id of a user account.
pub(crate) fn user_node_id(user_id: u64) -> String {
    format!("U_{}", encode(&[0, user_id]))
}

/// The id of a repository: `[0, repository_id]` under `R_`.
pub(crate) fn repository_node_id(repository_id: u64) -> String {
    format!("R_{}", encode(&[0, repository_id]))
}

fn encode(values: &[u64]) -> String {
    let mut buffer = ByteBuf::new();
    // Writing into a growable buffer cannot fail (its error type is `Infallible`).
    let length = u32::try_from(values.len()).unwrap_or(u32::MAX);
    let written = write_array_len(&mut buffer, length)
        .map(|_| ())
        .and_then(|()| {
            values
                .iter()
                .try_for_each(|v| write_uint(&mut buffer, *v).map(|_| ()))
        });
    if let Err(error) = written {
        match error {}
    }
    URL_SAFE_NO_PAD.encode(buffer.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_user_id_encodes_as_github_does() {
        // 583231 needs a uint32 in MessagePack: 0x92 0x00 0xce 0x00 0x08 0xe6 0x3f.
        assert_eq!(user_node_id(583_231), "U_kgDOAAjmPw");
    }

    #[test]
    fn integers_are_compact_and_the_alphabet_is_url_safe() {
        // [0, 1]: fixarray(2), positive fixints.
        assert_eq!(user_node_id(1), "U_kgAB");
        // [0, 200, 70000]: a uint8 and a uint32.
        let id = pull_request_node_id(200, 70_000);
        assert_eq!(id, "PR_kwDMyM4AARFw");
        // Big ids take a uint64 and never carry `+`, `/` or padding.
        let big = pull_request_node_id(u64::MAX, 2_700_000_000);
        assert!(big.starts_with("PR_kwDP"), "{big}");
        assert!(!big.contains(['+', '/', '=']), "{big}");
        assert_ne!(repository_node_id(7), user_node_id(7));
    }
}
