//! The OS keychain path for real: under `dbus-run-session` with an unlocked gnome-keyring
//! (scripts/test.sh sets that up and sets AGENTBAR_REQUIRE_KEYRING=1); skipped elsewhere so a
//! developer's own keychain is never touched by a plain `cargo test`.

#[path = "support/skipped.rs"]
mod skipped;

use agentbar::auth::{CredentialStore, TokenSource};
use agentbar::config::{Config, Overrides};
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

#[test]
fn two_accounts_keep_their_own_keychain_entries_and_the_old_host_entry_is_the_first_ones() {
    if std::env::var_os("AGENTBAR_REQUIRE_KEYRING").is_none() {
        skipped::skip(
            "keychain",
            "AGENTBAR_REQUIRE_KEYRING is unset (it needs a session bus with an unlocked keyring)",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let host = format!("keychain-two-{}.ghe.com", std::process::id());
    // What the previous release kept: one entry named by the host alone.
    let legacy = keyring::Entry::new("agentbar", &host).unwrap();
    legacy.set_password("gho_keychainLegacy0001").unwrap();

    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[[github.accounts]]\nhost = \"{host}\"\n[[github.accounts]]\nname = \"second-{}\"\nhost = \"{host}\"\n",
            std::process::id()
        ),
    )
    .unwrap();
    let overrides = Overrides {
        config_dir: Some(config.clone()),
        state_dir: Some(dir.path().join("state")),
        // Never the local agents of whoever runs the tests.
        local: Some(false),
        ..Overrides::default()
    };
    let loaded = Config::load(&overrides, None).unwrap();
    let [first, second] =
        [&loaded.accounts[0], &loaded.accounts[1]].map(|account| loaded.credentials_for(account));

    let old = Token::new("gho_keychainLegacy0001").unwrap();
    assert_eq!(first.load(), Some((old, TokenSource::Keychain)));
    assert_eq!(second.load(), None, "another account never reads it");

    let one = Token::new("gho_keychainFirst0001").unwrap();
    let two = Token::new("gho_keychainSecond0001").unwrap();
    assert_eq!(first.save(&one).unwrap(), TokenSource::Keychain);
    assert_eq!(second.save(&two).unwrap(), TokenSource::Keychain);
    assert!(
        matches!(legacy.get_password(), Err(keyring::Error::NoEntry)),
        "the first account's new token replaced the old entry"
    );
    assert!(!config.join("credentials.json").exists());
    assert_eq!(first.load(), Some((one.clone(), TokenSource::Keychain)));
    assert_eq!(second.load(), Some((two, TokenSource::Keychain)));

    assert_eq!(second.forget().unwrap(), vec![TokenSource::Keychain]);
    assert_eq!(second.load(), None);
    assert_eq!(first.load(), Some((one, TokenSource::Keychain)));
    assert_eq!(first.forget().unwrap(), vec![TokenSource::Keychain]);
    assert_eq!(first.load(), None);
}
