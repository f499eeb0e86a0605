//! The one layer in front of every route: the Host check (DNS rebinding), the Origin refusal (no
//! browser page may read the API), the body bound, the bearer token (constant-time), and the
//! headers every response carries (`Cache-Control: no-store`, never a CORS header).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use subtle::ConstantTimeEq;

use super::error::ApiError;

/// Requests larger than this are refused: the API takes no bodies worth more.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The routes anyone on this machine may read without the token.
const OPEN_PATHS: [&str; 1] = ["/v1/health"];

pub struct Guard {
    /// The bound port: the Host header must name it.
    pub port: u16,
    pub token: String,
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
        let Some(presented) = authorization.and_then(|v| v.strip_prefix("Bearer ")) else {
            return false;
        };
        // Constant time, so the token cannot be guessed byte by byte from response timing.
        bool::from(presented.trim().as_bytes().ct_eq(self.token.as_bytes()))
    }
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
    // A body without a length (chunked) is read up to the bound, so none can be larger.
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn check_headers(guard: &Guard, request: &Request) -> Result<(), ApiError> {
    let header_text = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if !guard.host_allowed(header_text(header::HOST)) {
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
    let open = OPEN_PATHS.contains(&request.uri().path());
    if !open && !guard.token_ok(header_text(header::AUTHORIZATION)) {
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
        };
        assert!(g.token_ok(Some("Bearer secret")));
        assert!(!g.token_ok(Some("Bearer secre")));
        assert!(!g.token_ok(Some("Bearer secret2")));
        assert!(!g.token_ok(Some("secret")));
        assert!(!g.token_ok(None));
    }
}
