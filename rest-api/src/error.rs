//! The one REST error type, rendered as Kafka's `{"error_code": N, "message": "..."}`.
//!
//! Kafka funnels every failure through `ConnectExceptionMapper`, so clients only ever see that
//! body: `ConnectRestException`s (400, 403, 409, 500 …) carry their own status, Connect's
//! `NotFoundException` is 404, `AlreadyExistsException` 409, Jersey's own exceptions keep their
//! status with messages such as `HTTP 404 Not Found`, and **anything else is 500**. That last rule
//! includes Jackson's failures to read a request body: malformed JSON, an unknown property
//! (`"Unrecognized field"`), a value of the wrong shape (`"Cannot deserialize value"`) all come
//! back as 500, which `OffsetsApiIntegrationTest.testAlterOffsetsWithInvalidRequestBody`
//! asserts. Strait keeps those status codes (the messages are serde's, not Jackson's).
//!
//! How axum's own failures are mapped, matching what Jersey does:
//! - unknown route → 404 `HTTP 404 Not Found`; known route, wrong method → 405
//!   `HTTP 405 Method Not Allowed`; a task id that is not a number → 404 (Jersey's
//!   path-parameter rule);
//! - a body with a content type other than `application/json` → 415
//!   `HTTP 415 Unsupported Media Type` (the resources `@Consumes(application/json)`);
//! - a body that cannot be read or parsed → 500 (see above); a body over the size limit → 413.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use strait_api::ConnectError;

use crate::entities::ErrorMessage;

/// A failed REST request: the HTTP status (also the body's `error_code`) and Kafka's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (HTTP {status})")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 400: bad input (`BadRequestException`).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 403: the operation is disabled (topic tracking) or a request signature is invalid.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such connector, task, plugin or logger (`NotFoundException`).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: already exists, or a conflicting operation such as a rebalance.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 500: anything else, including timeouts and unreadable bodies.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 503: the worker cannot serve the request yet.
    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// 404 `Connector <name> not found`: Kafka's message for info, config, tasks, delete,
    /// stop and the offsets endpoints.
    pub fn connector_not_found(name: &str) -> Self {
        Self::not_found(format!("Connector {name} not found"))
    }

    /// 409 `Connector <name> already exists`: `POST /connectors` for an existing name.
    pub fn connector_exists(name: &str) -> Self {
        Self::conflict(format!("Connector {name} already exists"))
    }

    /// 500 `Request timed out`: the herder did not answer within the request timeout.
    pub fn timed_out() -> Self {
        Self::internal("Request timed out")
    }

    /// Jersey's message for a bare status, e.g. `HTTP 404 Not Found`.
    pub(crate) fn bare(status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("");
        Self::new(status, format!("HTTP {} {reason}", status.as_u16()))
    }
}

impl From<ConnectError> for ApiError {
    /// A config error is the user's (400); everything else is the worker's (500).
    fn from(err: ConnectError) -> Self {
        match err {
            ConnectError::Config { .. } => Self::bad_request(err.to_string()),
            other => Self::internal(other.chain()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), message = %self.message, "rest request failed");
        } else {
            tracing::debug!(status = self.status.as_u16(), message = %self.message, "rest request rejected");
        }
        let body = ErrorMessage {
            error_code: self.status.as_u16(),
            message: Some(self.message),
        };
        match serde_json::to_vec(&body) {
            Ok(bytes) => (
                self.status,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                bytes,
            )
                .into_response(),
            Err(_) => self.status.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_kafka_error_body() {
        let resp = ApiError::connector_not_found("c").into_response();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/json"
        );
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        assert_eq!(
            &body[..],
            br#"{"error_code":404,"message":"Connector c not found"}"#
        );
    }

    #[test]
    fn bare_messages_match_jersey() {
        assert_eq!(
            ApiError::bare(StatusCode::METHOD_NOT_ALLOWED).message,
            "HTTP 405 Method Not Allowed"
        );
        assert_eq!(
            ApiError::bare(StatusCode::UNSUPPORTED_MEDIA_TYPE).message,
            "HTTP 415 Unsupported Media Type"
        );
    }

    #[test]
    fn connect_errors_map_by_kind() {
        assert_eq!(
            ApiError::from(ConnectError::config("k", "bad")).status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::from(ConnectError::fatal("gone")).status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
