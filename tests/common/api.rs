//! A client of a running core's loopback API: its endpoint and token, for tests that start the
//! core themselves (several accounts, signed out) rather than through `Harness`.

use agentbar::server::Endpoint;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct Api {
    pub http: reqwest::Client,
    pub endpoint: Endpoint,
}

impl Api {
    pub fn new(endpoint: Endpoint) -> Api {
        Api {
            http: reqwest::Client::new(),
            endpoint,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.endpoint.url))
            .bearer_auth(&self.endpoint.token)
    }

    /// `GET path`: the status and the JSON answer.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.request(Method::GET, path).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }
}
