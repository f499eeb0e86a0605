//! GraphQL node ids computed from database ids, for when an answer carries only the latter.
//!
//! GitHub's newer node ids are a type prefix, `_`, then base64url (no padding) of the MessagePack
//! encoding of an array of compact integers: `[0, user_id]` for a user, `[0, repository_id,
//! pr_database_id]` for a pull request. The GitHub CLI computes them the same way.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The node id of the user with this database id (`U_…`).
pub fn user(user_id: u64) -> String {
    encode("U_", &[0, user_id])
}

/// The node id of a pull request known by its repository's and its own database ids (`PR_…`).
pub fn pull_request(repository_id: u64, pr_database_id: u64) -> String {
    encode("PR_", &[0, repository_id, pr_database_id])
}

fn encode(prefix: &str, parts: &[u64]) -> String {
    let mut packed = Vec::with_capacity(1 + parts.len() * 9);
    // Writing into a Vec cannot fail; the results are ignored for that reason only.
    let _ = rmp::encode::write_array_len(&mut packed, parts.len() as u32);
    for part in parts {
        let _ = rmp::encode::write_uint(&mut packed, *part);
    }
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(packed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_encodes_as_github_does() {
        // The documented check value.
        assert_eq!(user(583231), "U_kgDOAAjmPw");
        // Small ids use the one-byte form: [0x92, 0x00, 0x01].
        assert_eq!(user(1), "U_kgAB");
    }

    #[test]
    fn a_pull_request_id_packs_the_repository_and_the_pr() {
        // [0x93, 0x00, 0xce 0x3b9aca07 (1000000007), 0xcd 0x0385 (901)]
        assert_eq!(pull_request(1_000_000_007, 901), "PR_kwDOO5rKB80DhQ");
        // A 64-bit database id takes the 9-byte form.
        let big = pull_request(7, 5_000_000_000);
        let bytes = URL_SAFE_NO_PAD
            .decode(big.trim_start_matches("PR_"))
            .unwrap();
        assert_eq!(bytes[..3], [0x93, 0x00, 0x07]);
        assert_eq!(bytes[3], 0xcf);
        assert_eq!(
            u64::from_be_bytes(bytes[4..].try_into().unwrap()),
            5_000_000_000
        );
    }
}
