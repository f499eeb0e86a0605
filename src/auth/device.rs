//! Signing in with GitHub's OAuth device flow, through the `oauth2` crate: ask for a code, show
//! it, open the verification page, poll until the user approves, denies, or the code expires.
//!
//! Two GitHub quirks are handled in [`OAuthHttp`], the HTTP client handed to `oauth2`: GitHub
//! answers "still pending" with HTTP 200 and an `error` field, which `oauth2` would read as a
//! broken token response and stop; and it only speaks JSON when asked with `Accept`.

use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, DeviceAuthorizationUrl, DeviceCodeErrorResponseType, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};
use std::time::Duration;

use crate::github::Token;

/// What agentbar asks for: read tasks and PRs, read org membership, cancel Actions runs.
pub const SCOPES: [&str; 3] = ["repo", "read:org", "workflow"];

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(
        "no OAuth client id is configured. Create an OAuth App (GitHub → Settings → Developer settings → OAuth Apps), tick \"Enable Device Flow\", and put its client id in config.toml as `github.client_id` or in AGENTBAR_CLIENT_ID. Or sign in without one: `agentbar login --from-gh` (uses the GitHub CLI's token) or `agentbar login --with-token < token.txt`"
    )]
    NoClientId,
    #[error("the sign-in was denied on GitHub; run `agentbar login` again to retry")]
    Denied,
    #[error("the code expired before it was entered; run `agentbar login` again for a new one")]
    Expired,
    #[error("GitHub's sign-in endpoint could not be reached: {0}")]
    Http(String),
    #[error("GitHub answered the sign-in in an unexpected way: {0}")]
    Protocol(String),
}

/// The code to show the user, and what `finish` needs to poll for the token.
pub struct DeviceCode {
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: Duration,
    response: StandardDeviceAuthorizationResponse,
}

/// What the user must do to finish signing in, for the surfaces to show while it is pending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInPrompt {
    pub user_code: String,
    pub verification_uri: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl DeviceCode {
    pub fn prompt(&self, now: chrono::DateTime<chrono::Utc>) -> SignInPrompt {
        SignInPrompt {
            user_code: self.user_code.clone(),
            verification_uri: self.verification_uri.clone(),
            expires_at: now
                + chrono::TimeDelta::from_std(self.expires_in).unwrap_or(chrono::TimeDelta::zero()),
        }
    }
}

/// A signed-in token with the scopes GitHub granted.
#[derive(Debug)]
pub struct SignedIn {
    pub token: Token,
    pub scopes: Vec<String>,
}

pub struct DeviceFlow {
    client: BasicClient<
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    >,
    http: OAuthHttp,
}

impl DeviceFlow {
    /// A flow against the web host (`https://github.com` or a tenant); `client_id` from config.
    pub fn new(web_url: &str, client_id: Option<&str>) -> Result<DeviceFlow, SignInError> {
        let client_id = client_id
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or(SignInError::NoClientId)?;
        let device_url = DeviceAuthorizationUrl::new(format!("{web_url}/login/device/code"))
            .map_err(|e| SignInError::Protocol(e.to_string()))?;
        let token_url = TokenUrl::new(format!("{web_url}/login/oauth/access_token"))
            .map_err(|e| SignInError::Protocol(e.to_string()))?;
        let client = BasicClient::new(ClientId::new(client_id.to_owned()))
            .set_device_authorization_url(device_url)
            .set_token_uri(token_url);
        let http = reqwest::Client::builder()
            // The token request carries the device code: never follow it elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("agentbar/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SignInError::Http(e.to_string()))?;
        Ok(DeviceFlow {
            client,
            http: OAuthHttp { http },
        })
    }

    /// Asks GitHub for a device code and the code to show the user.
    pub async fn start(&self) -> Result<DeviceCode, SignInError> {
        let response: StandardDeviceAuthorizationResponse = self
            .client
            .exchange_device_code()
            .add_scopes(SCOPES.iter().map(|s| Scope::new((*s).to_owned())))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::Request(e) => SignInError::Http(e.to_string()),
                other => SignInError::Protocol(other.to_string()),
            })?;
        Ok(DeviceCode {
            user_code: response.user_code().secret().clone(),
            verification_uri: response.verification_uri().to_string(),
            expires_in: response.expires_in(),
            response,
        })
    }

    /// Polls until the user decides or the code expires (`oauth2` honours the interval and adds
    /// five seconds on `slow_down`).
    pub async fn finish(&self, code: &DeviceCode) -> Result<SignedIn, SignInError> {
        let token = self
            .client
            .exchange_device_access_token(&code.response)
            .request_async(&self.http, tokio::time::sleep, Some(code.expires_in))
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(response) => match response.error() {
                    DeviceCodeErrorResponseType::AccessDenied => SignInError::Denied,
                    DeviceCodeErrorResponseType::ExpiredToken => SignInError::Expired,
                    other => SignInError::Protocol(other.to_string()),
                },
                RequestTokenError::Request(e) => SignInError::Http(e.to_string()),
                // oauth2 gives up with this once `expires_in` has passed while still pending.
                RequestTokenError::Other(text) if text.contains("timed out") => {
                    SignInError::Expired
                }
                other => SignInError::Protocol(other.to_string()),
            })?;
        let scopes = token
            .scopes()
            .map(|scopes| {
                // GitHub sends them comma-separated, which oauth2 reads as one scope.
                scopes
                    .iter()
                    .flat_map(|s| s.as_str().split(','))
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let token = Token::new(token.access_token().secret().clone())
            .ok_or_else(|| SignInError::Protocol("GitHub returned an empty token".into()))?;
        Ok(SignedIn { token, scopes })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OAuthHttpError(String);

/// The HTTP client `oauth2` uses (its own reqwest feature pins an older reqwest).
struct OAuthHttp {
    http: reqwest::Client,
}

impl OAuthHttp {
    async fn send(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, OAuthHttpError> {
        let (parts, body) = request.into_parts();
        let response = self
            .http
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| OAuthHttpError(e.to_string()))?;
        let mut status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| OAuthHttpError(e.to_string()))?
            .to_vec();
        if status == reqwest::StatusCode::OK && is_error_body(&body) {
            // GitHub says "pending" (and "slow_down", "access_denied"…) with HTTP 200 and an
            // `error` field; RFC 8628 and oauth2 expect 400. Without this, oauth2 stops polling
            // after the first answer.
            status = reqwest::StatusCode::BAD_REQUEST;
        }
        let mut builder = oauth2::http::Response::builder().status(status.as_u16());
        for (name, value) in &headers {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        builder
            .body(body)
            .map_err(|e| OAuthHttpError(e.to_string()))
    }
}

// A named future type (rather than a closure) keeps the sign-in future `Send` for every
// lifetime, so it can run on a spawned task.
impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp {
    type Error = OAuthHttpError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, OAuthHttpError>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// An OAuth JSON body that carries `error` and no `access_token`.
fn is_error_body(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("error").is_some() && v.get("access_token").is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_answers_are_recognised_and_tokens_are_not() {
        assert!(is_error_body(br#"{"error":"authorization_pending"}"#));
        assert!(!is_error_body(
            br#"{"access_token":"x","token_type":"bearer"}"#
        ));
        assert!(!is_error_body(b"error=authorization_pending"));
    }

    #[test]
    fn without_a_client_id_the_error_explains_the_way_out() {
        let e = DeviceFlow::new("https://github.com", Some("  "))
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("Enable Device Flow") && e.contains("--from-gh"),
            "{e}"
        );
    }
}
