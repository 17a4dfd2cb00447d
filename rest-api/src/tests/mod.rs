//! HTTP-contract tests: the router driven with `tower::ServiceExt::oneshot` over an in-memory
//! herder, and once through a real socket.

mod connectors;
mod fake;
mod offsets;
mod root_plugins_loggers;
mod socket;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

use self::fake::Fake;
use crate::router::router;

/// The `Host` every test request carries.
pub(crate) const HOST: &str = "connect.example:8083";

/// A response reduced to what the tests look at.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// Asserts Kafka's error body.
    pub fn assert_error(&self, status: u16, message: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(
            self.headers.get(header::CONTENT_TYPE).unwrap(),
            "application/json"
        );
        assert_eq!(
            self.json(),
            serde_json::json!({"error_code": status, "message": message})
        );
    }
}

pub(crate) fn app(fake: Fake) -> (Router, Arc<Fake>) {
    let fake = Arc::new(fake);
    (router(fake.clone()), fake)
}

/// Sends one request; a body is sent as `application/json`.
pub(crate) async fn send(app: &Router, method: Method, uri: &str, body: Option<&str>) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST);
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    send_request(app, request).await
}

pub(crate) async fn send_request(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

pub(crate) async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Method::GET, uri, None).await
}
