//! The one layer in front of every route: the Host check (DNS rebinding), the Origin refusal (no
//! browser page may read the API), the body bounds (size and time), the bearer token
//! (constant-time), and the headers every response carries (`Cache-Control: no-store`, never a
//! CORS header).

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

use super::error::ApiError;

/// Requests larger than this are refused: the API takes no bodies worth more.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The routes anyone on this machine may read without the token.
const OPEN_PATHS: [&str; 1] = ["/v1/health"];

/// The CI-status feed, which clients such as CCMenu read with HTTP Basic credentials.
pub const FEED_PATH: &str = "/cc.xml";

pub struct Guard {
    /// The bound port: the Host header must name it.
    pub port: u16,
    pub token: String,
    /// A stable token accepted on [`FEED_PATH`] only (`[api] feed_token_file`).
    pub feed_token: Option<String>,
    /// How long a request body may take to arrive once its head has.
    pub body_timeout: Duration,
}

impl Guard {
    /// `127.0.0.1:PORT` or `localhost:PORT`, nothing else: a DNS name that happens to resolve to
    /// loopback (a rebinding attack) carries its own name in Host.
    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        let Some(host) = host else { return false };
        let Some((name, port)) = host.rsplit_once(':') else {
            return false;
        };
        port.parse::<u16>().ok() == Some(self.port)
            && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
    }

    pub fn token_ok(&self, authorization: Option<&str>) -> bool {
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
        let presented = authorization
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"));
        let Some((_, presented)) = presented else {
            return false;
        };
        same(presented.trim(), &self.token)
    }

    /// What `/cc.xml` accepts: the API token or the feed token, as a bearer token or as the
    /// password of HTTP Basic credentials with any user name (CI-status clients can send only
    /// Basic).
    pub fn feed_token_ok(&self, authorization: Option<&str>) -> bool {
        let Some((scheme, credentials)) = authorization.and_then(|v| v.split_once(' ')) else {
            return false;
        };
        let presented = if scheme.eq_ignore_ascii_case("bearer") {
            credentials.trim().to_owned()
        } else if scheme.eq_ignore_ascii_case("basic") {
            let Some(password) = basic_password(credentials.trim()) else {
                return false;
            };
            password
        } else {
            return false;
        };
        // Both compared, always, so the time taken says nothing about which one matched.
        let api = same(&presented, &self.token);
        let feed = self
            .feed_token
            .as_deref()
            .is_some_and(|feed| same(&presented, feed));
        api | feed
    }
}

/// Constant time, so a token cannot be guessed byte by byte from response timing.
fn same(presented: &str, expected: &str) -> bool {
    bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

/// The password of `base64(user:password)` (RFC 7617).
fn basic_password(encoded: &str) -> Option<String> {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    text.split_once(':')
        .map(|(_, password)| password.to_owned())
}

pub async fn guard(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let mut response = match check(&guard, request).await {
        Ok(request) => next.run(request).await,
        Err(error) => error.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Defence in depth: nothing here sets CORS headers, and nothing may.
    let cors: Vec<_> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in cors {
        headers.remove(name);
    }
    response
}

async fn check(guard: &Guard, request: Request) -> Result<Request, ApiError> {
    // The header checks borrow the request; they finish before the await below, because a
    // borrow of the (non-`Sync`) body held across it would make this future non-`Send`.
    check_headers(guard, &request)?;
    // Most requests are GETs with no body: nothing to read or rebuild.
    if request.body().size_hint().exact() == Some(0) {
        return Ok(request);
    }
    // A body without a length (chunked) is read up to the bound, so none can be larger; and
    // within a time bound, so none can be trickled forever.
    let (parts, body) = request.into_parts();
    let bytes = tokio::time::timeout(
        guard.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    )
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request body did not arrive within {} s",
                guard.body_timeout.as_secs_f64()
            ),
        )
    })?
    .map_err(|_| too_large())?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn check_headers(guard: &Guard, request: &Request) -> Result<(), ApiError> {
    // The one value of a header, or `None` when it is missing, repeated or not text: a request
    // that says two things at once is not guessed at.
    let header_text = |name| {
        let mut values = request.headers().get_all(name).iter();
        match (values.next(), values.next()) {
            (Some(value), None) => value.to_str().ok(),
            _ => None,
        }
    };
    let hosts = request.headers().get_all(header::HOST).iter().count();
    if hosts != 1 {
        // RFC 9112 §3.2: a request without a Host, or with more than one, is malformed.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_host",
            format!("a request needs exactly one Host header; this one has {hosts}"),
        ));
    }
    // In absolute form (`GET http://host/path`) the target names the host, and that name is
    // the one that counts (RFC 9112 §3.2.2): both must be ours.
    let target_host = request.uri().authority().map(|a| a.as_str());
    if !guard.host_allowed(header_text(header::HOST))
        || target_host.is_some_and(|host| !guard.host_allowed(Some(host)))
    {
        return Err(ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "bad_host",
            format!(
                "the Host header must be 127.0.0.1:{0} or localhost:{0}",
                guard.port
            ),
        ));
    }
    if request.headers().contains_key(header::ORIGIN) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_refused",
            "requests from web pages are refused",
        ));
    }
    let declared = header_text(header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let path = request.uri().path();
    let authorization = header_text(header::AUTHORIZATION);
    if path == FEED_PATH {
        if !guard.feed_token_ok(authorization) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the feed needs HTTP Basic credentials (any user name, the token as password) or \
                 a bearer token; `agentbar endpoint --feed` shows them",
            )
            .with_header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"agentbar cc.xml\", charset=\"UTF-8\""),
            ));
        }
    } else if !OPEN_PATHS.contains(&path) && !guard.token_ok(authorization) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid `Authorization: Bearer <token>` is required; the token is in endpoint.json",
        ));
    }
    Ok(())
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_with_the_bound_port_pass() {
        let g = Guard {
            port: 47615,
            token: "t0k".into(),
            feed_token: None,
            body_timeout: Duration::from_secs(1),
        };
        assert!(g.host_allowed(Some("127.0.0.1:47615")));
        assert!(g.host_allowed(Some("LocalHost:47615")));
        assert!(!g.host_allowed(Some("127.0.0.1:80")));
        assert!(!g.host_allowed(Some("evil.example:47615")));
        assert!(!g.host_allowed(Some("127.0.0.1")));
        assert!(!g.host_allowed(None));
    }

    #[test]
    fn the_token_must_match_exactly() {
        let g = Guard {
            port: 1,
            token: "secret".into(),
            feed_token: None,
            body_timeout: Duration::from_secs(1),
        };
        assert!(g.token_ok(Some("Bearer secret")));
        assert!(g.token_ok(Some("bearer secret")));
        assert!(!g.token_ok(Some("Bearer SECRET")));
        assert!(!g.token_ok(Some("Basic secret")));
        assert!(!g.token_ok(Some("Bearersecret")));
        assert!(!g.token_ok(Some("Bearer secre")));
        assert!(!g.token_ok(Some("Bearer secret2")));
        assert!(!g.token_ok(Some("secret")));
        assert!(!g.token_ok(None));
    }

    #[test]
    fn the_feed_takes_basic_credentials_with_either_token_as_password() {
        use base64::Engine;
        let basic = |pair: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        let g = Guard {
            port: 1,
            token: "api".into(),
            feed_token: Some("feed".into()),
            body_timeout: Duration::from_secs(1),
        };
        assert!(g.feed_token_ok(Some(&basic("ccmenu:api"))));
        assert!(g.feed_token_ok(Some(&basic(":feed"))));
        assert!(g.feed_token_ok(Some("Bearer feed")));
        assert!(g.feed_token_ok(Some("bearer api")));
        assert!(!g.feed_token_ok(Some(&basic("api:nope"))));
        assert!(!g.feed_token_ok(Some(&basic("feed"))));
        assert!(!g.feed_token_ok(Some("Basic !!!")));
        assert!(!g.feed_token_ok(Some("Digest api")));
        assert!(!g.feed_token_ok(None));
        assert!(
            !g.token_ok(Some("Bearer feed")),
            "the feed token opens the feed only"
        );
    }
}
