//! The OS keychain path for real: under `dbus-run-session` with an unlocked gnome-keyring
//! (scripts/test.sh sets that up and sets AGENTBAR_REQUIRE_KEYRING=1); skipped elsewhere so a
//! developer's own keychain is never touched by a plain `cargo test`.

#[path = "support/skipped.rs"]
mod skipped;

use agentbar::auth::{CredentialStore, TokenSource};
use agentbar::github::Token;

#[test]
fn the_token_round_trips_through_the_keychain_and_is_forgotten() {
    if std::env::var_os("AGENTBAR_REQUIRE_KEYRING").is_none() {
        skipped::skip(
            "keychain",
            "AGENTBAR_REQUIRE_KEYRING is unset (it needs a session bus with an unlocked keyring)",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A host name of its own, so nothing real is overwritten.
    let host = format!("keychain-test-{}.ghe.com", std::process::id());
    let store = CredentialStore::new(&host, dir.path(), true, None);
    let token = Token::new("gho_keychainRoundTrip0001").unwrap();
    assert_eq!(store.save(&token).unwrap(), TokenSource::Keychain);
    assert!(
        !dir.path().join("credentials.json").exists(),
        "no plain-file copy when the keychain works"
    );
    assert_eq!(store.load(), Some((token, TokenSource::Keychain)));
    assert_eq!(store.forget().unwrap(), vec![TokenSource::Keychain]);
    assert_eq!(store.load(), None);
}
