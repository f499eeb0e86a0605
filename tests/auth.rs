//! Sign-in against the simulator over loopback: the device flow with GitHub's quirks, the
//! signed-out state, and a 401 mid-run that flips to signed out and back after a new login.

mod common;

use agentbar::app::{Core, Upstream};
use agentbar::auth::{CredentialStore, DeviceFlow, SignInError, TokenSource};
use agentbar::config::{Config, Overrides};
use agentbar::model::{HealthStatus, Overview};
use agentbar::sim::Scenario;
use common::{SimServer, start_sim};
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

fn web(sim: &SimServer) -> String {
    format!("{}/web", sim.base)
}

async fn decide(sim: &SimServer, action: &str) {
    sim.control(Method::POST, "device", Some(json!({ "action": action })))
        .await;
}

/// The times at which requests for `path` reached a recording proxy in front of `target`.
type Arrivals = Arc<std::sync::Mutex<Vec<(String, std::time::Instant)>>>;

/// A proxy on loopback in front of `target` that forwards every request as it came and notes
/// when it arrived: what the client did, measured outside the client. Returns its base URL.
async fn recording_proxy(target: String) -> (String, Arrivals) {
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::response::Response;
    let arrivals: Arrivals = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let forward = |State((target, arrivals)): State<(String, Arrivals)>, request: Request| async move {
        let path = request.uri().path().to_owned();
        arrivals
            .lock()
            .unwrap()
            .push((path, std::time::Instant::now()));
        let target_uri = format!(
            "{target}{}",
            request.uri().path_and_query().map_or("", |p| p.as_str())
        );
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        let mut upstream = reqwest::Client::new().request(parts.method, target_uri);
        for (name, value) in &parts.headers {
            if name != reqwest::header::HOST {
                upstream = upstream.header(name, value);
            }
        }
        let answer = upstream.body(body).send().await.unwrap();
        let mut response = Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            response = response.header(name, value);
        }
        response
            .body(Body::from(answer.bytes().await.unwrap()))
            .unwrap()
    };
    let app = axum::Router::new()
        .fallback(forward)
        .with_state((target, arrivals.clone()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, arrivals)
}

#[tokio::test]
async fn pending_then_slow_down_then_approval_yields_a_token_with_its_scopes() {
    let sim = start_sim(Scenario::builtin()).await;
    let (proxy, arrivals) = recording_proxy(sim.base.clone()).await;
    let flow = DeviceFlow::new(&format!("{proxy}/web"), Some("sim-client-id")).unwrap();
    let code = flow.start().await.unwrap();
    assert!(code.verification_uri.ends_with("/web/login/device"));
    assert!(!code.user_code.is_empty());

    let polls = || -> Vec<std::time::Instant> {
        arrivals
            .lock()
            .unwrap()
            .iter()
            .filter(|(path, _)| path == "/web/login/oauth/access_token")
            .map(|(_, at)| *at)
            .collect()
    };
    let wait_for_polls = |count: usize| async move {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while polls().len() < count {
            assert!(std::time::Instant::now() < deadline, "no poll {count}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let finishing = tokio::spawn(async move { flow.finish(&code).await });
    // Two polls find it pending (the simulator asks for 1 s); the third is told to slow down;
    // the user approves while the client waits its longer interval.
    wait_for_polls(2).await;
    decide(&sim, "slow_down").await;
    wait_for_polls(3).await;
    decide(&sim, "approve").await;
    let signed_in = tokio::time::timeout(Duration::from_secs(20), finishing)
        .await
        .expect("the flow finishes after the slower interval")
        .unwrap()
        .unwrap();
    assert!(signed_in.token.expose().starts_with("gho_"));
    assert_eq!(signed_in.scopes, ["repo", "read:org", "workflow"]);
    let grants = sim.control(Method::GET, "device", None).await;
    assert_eq!(grants[0]["decision"], "approved");

    // What the client did: its gap after the slow_down is its gap before plus five seconds.
    let times = polls();
    assert_eq!(times.len(), 4, "pending, pending, slow_down, token");
    let before = times[2] - times[1];
    let after = times[3] - times[2];
    let grown = after.as_secs_f64() - before.as_secs_f64();
    assert!(
        (4.7..=5.8).contains(&grown),
        "the polling gap grew by {grown:.2} s ({before:?} then {after:?}), not 5 s"
    );
}

#[tokio::test]
async fn denial_and_expiry_are_clear_errors_and_store_nothing() {
    let sim = start_sim(Scenario::builtin()).await;
    let flow = DeviceFlow::new(&web(&sim), Some("sim-client-id")).unwrap();
    let code = flow.start().await.unwrap();
    decide(&sim, "deny").await;
    let denied = flow.finish(&code).await.unwrap_err();
    assert!(matches!(denied, SignInError::Denied), "{denied}");
    assert!(denied.to_string().contains("denied"));

    let code = flow.start().await.unwrap();
    sim.advance(901.0).await;
    let expired = flow.finish(&code).await.unwrap_err();
    assert!(matches!(expired, SignInError::Expired), "{expired}");
    assert!(expired.to_string().contains("expired"));
}

async fn wait_for_status(rx: &mut watch::Receiver<Arc<Overview>>, status: HealthStatus) {
    let waited = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if rx.borrow_and_update().health.status == status {
                return;
            }
            rx.changed().await.unwrap();
        }
    })
    .await;
    assert!(waited.is_ok(), "never {status:?}: {:?}", rx.borrow().health);
}

async fn login(sim: &SimServer, store: &CredentialStore) -> TokenSource {
    let flow = DeviceFlow::new(&web(sim), Some("sim-client-id")).unwrap();
    let code = flow.start().await.unwrap();
    decide(sim, "approve").await;
    let signed_in = flow.finish(&code).await.unwrap();
    store.save(&signed_in.token).unwrap()
}

#[tokio::test]
async fn signed_out_until_login_and_a_401_mid_run_signs_out_until_the_next_login() {
    let sim = start_sim(Scenario::builtin()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[poll]\nfast_seconds = 0.2\nslow_seconds = 0.2\nbackoff_base_seconds = 0.1\nbackoff_max_seconds = 600\n",
    )
    .unwrap();
    let overrides = Overrides {
        config_dir: Some(dir.path().to_owned()),
        state_dir: Some(dir.path().join("state")),
        api_url: Some(sim.base.clone()),
        web_url: Some(web(&sim)),
        use_keychain: Some(false),
        // Never the local agents of whoever runs the tests.
        local: Some(false),
        ..Overrides::default()
    };
    let config = Config::load(&overrides, None).unwrap();
    let store = config.credentials();
    let core = Core::start(&config, Upstream::GitHub).await.unwrap();
    let mut overview = core.overview.clone();

    wait_for_status(&mut overview, HealthStatus::SignedOut).await;
    assert_eq!(
        overview.borrow().health.last_error.as_ref().map(|p| p.code),
        Some("no_token")
    );
    let polls_while_signed_out = common::total(&sim.stats().await).0;

    // `agentbar login` elsewhere stores a token; the running core picks it up by itself.
    assert_eq!(login(&sim, &store).await, TokenSource::File);
    wait_for_status(&mut overview, HealthStatus::Ok).await;
    assert!(!overview.borrow().snapshot.tasks.is_empty());
    assert!(polls_while_signed_out <= 2, "no polling without a token");

    // GitHub starts refusing the token: signed out, and no retry storm with the same token.
    sim.fault(json!({"kind": "unauthorized", "route": "tasks"}))
        .await;
    wait_for_status(&mut overview, HealthStatus::SignedOut).await;
    sim.clear_faults().await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    sim.reset_stats().await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        common::route(&sim.stats().await, "tasks").0,
        0,
        "a refused token is not tried again"
    );
    assert_eq!(overview.borrow().health.status, HealthStatus::SignedOut);
    assert!(
        !overview.borrow().snapshot.tasks.is_empty(),
        "the list stays shown"
    );

    login(&sim, &store).await;
    wait_for_status(&mut overview, HealthStatus::Ok).await;
    core.shutdown().await;
}

/// The signed-out demo shows the whole sign-in: "Sign in…" opens the simulator's verification
/// page, the user authorizes there, and the demo's tasks appear.
#[tokio::test]
async fn the_signed_out_demo_signs_in_through_the_simulators_verification_page() {
    use agentbar::app::Command;
    use agentbar::open::RecordingOpener;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[poll]\nfast_seconds = 0.2\n",
    )
    .unwrap();
    let overrides = Overrides {
        config_dir: Some(dir.path().to_owned()),
        state_dir: Some(dir.path().join("state")),
        use_keychain: Some(false),
        // Never the local agents of whoever runs the tests.
        local: Some(false),
        ..Overrides::default()
    };
    let config = Config::load(&overrides, None).unwrap();
    let opener = RecordingOpener::default();
    let core = Core::start_with_opener(
        &config,
        Upstream::Demo {
            scenario: None,
            speed: 1.0,
            signed_out: true,
        },
        Arc::new(opener.clone()),
    )
    .await
    .unwrap();
    let mut overview = core.overview.clone();
    wait_for_status(&mut overview, HealthStatus::SignedOut).await;

    core.commands
        .send(Command::SignIn { source: None })
        .await
        .unwrap();
    let page = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(url) = opener.opened().first() {
                return url.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the verification page was opened");
    assert!(page.ends_with("/web/login/device"), "{page}");
    let prompt = core
        .sign_in
        .borrow()
        .clone()
        .expect("the pending code is published");

    // What the user does on that page: find the code agentbar showed and press "Authorize".
    let http = reqwest::Client::new();
    let html = http.get(&page).send().await.unwrap().text().await.unwrap();
    let code = html
        .split("name=\"user_code\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no pending code on the page: {html}"))
        .to_owned();
    assert_eq!(
        code, prompt.user_code,
        "the code shown is the one the page waits for"
    );
    let answer = http
        .post(&page)
        .body(format!("user_code={code}&action=approve"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(answer.contains("is authorized"), "{answer}");
    wait_for_status(&mut overview, HealthStatus::Ok).await;
    assert!(!overview.borrow().snapshot.tasks.is_empty());
    let mut prompt = core.sign_in.clone();
    tokio::time::timeout(Duration::from_secs(5), async {
        while prompt.borrow_and_update().is_some() {
            prompt.changed().await.unwrap();
        }
    })
    .await
    .expect("the code is withdrawn once signed in");
    core.shutdown().await;
}
