//! Every line logged during a full sign-in and a poll, at the most detailed level and from every
//! crate, is captured: the token appears in none of them.

mod common;

use agentbar::app::{Core, Upstream};
use agentbar::auth::DeviceFlow;
use agentbar::config::{Config, Overrides};
use agentbar::model::HealthStatus;
use agentbar::sim::Scenario;
use common::start_sim;
use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut all) = self.0.lock() {
            all.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_log_line_of_a_sign_in_and_poll_carries_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let sim = start_sim(Scenario::builtin()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[poll]\nfast_seconds = 0.2\n",
    )
    .unwrap();
    let overrides = Overrides {
        config_dir: Some(dir.path().to_owned()),
        state_dir: Some(dir.path().join("state")),
        api_url: Some(sim.base.clone()),
        web_url: Some(format!("{}/web", sim.base)),
        use_keychain: Some(false),
        // Never the local agents of whoever runs the tests.
        local: Some(false),
        ..Overrides::default()
    };
    let config = Config::load(&overrides, None).unwrap();

    let flow = DeviceFlow::new(&config.endpoints.web, Some("sim-client-id")).unwrap();
    let code = flow.start().await.unwrap();
    sim.control(Method::POST, "device", Some(json!({"action": "approve"})))
        .await;
    let token = flow.finish(&code).await.unwrap().token;
    config.credentials().save(&token).unwrap();
    tracing::debug!(token = ?token, "a careless debug line");

    let core = Core::start(&config, Upstream::GitHub).await.unwrap();
    let mut overview = core.overview.clone();
    tokio::time::timeout(Duration::from_secs(10), async {
        while overview.borrow_and_update().health.status != HealthStatus::Ok {
            overview.changed().await.unwrap();
        }
    })
    .await
    .unwrap();
    core.shutdown().await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.lines().count() > 20, "the capture works: {log}");
    assert!(log.contains("using the token from"), "{log}");
    assert!(
        log.contains("<redacted>"),
        "a Debug of the token is redacted"
    );
    assert!(
        !log.contains(token.expose()),
        "the token leaked into the log"
    );
}
