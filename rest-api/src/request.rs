//! Extractors that read requests the way Kafka's Jersey + Jackson stack does, so every failure
//! comes out as an [`ApiError`] with Kafka's status code instead of axum's plain-text rejection.
//!
//! - [`JsonBody`]: `Content-Type` must be `application/json` (any parameters) when there is a
//!   body, else 415; a body that is empty or cannot be parsed into the entity is a 500, because
//!   Kafka's Jackson errors reach the exception mapper as plain exceptions (see [`crate::error`]).
//! - [`QueryParams`]: repeated parameters are kept (`expand=status&expand=info`); a boolean flag
//!   is `true` only when its first value is `true` in any case, as `Boolean.valueOf` reads it,
//!   and an absent or blank one takes the endpoint's default.
//! - [`PathParams`]: a path segment that does not parse (a task id that is not a number) is 404,
//!   Jersey's rule for path parameters.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body parsed into `T` with Kafka's status codes for failures.
pub(crate) struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type_ok = is_json_content_type(req.headers());
        let has_content_type = req.headers().contains_key(header::CONTENT_TYPE);
        if has_content_type && !content_type_ok {
            return Err(ApiError::bare(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::internal("The request body is empty"));
        }
        if !has_content_type {
            return Err(ApiError::bare(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::internal(format!("Cannot deserialize the request body: {e}")))
    }
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The query string as ordered name/value pairs, repeats included.
pub(crate) struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Whether `name` appears at all (even with an empty value).
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean flag read like JAX-RS reads a `Boolean` query parameter.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        match self.first(name).map(str::trim) {
            None | Some("") => default,
            Some(v) => v.eq_ignore_ascii_case("true"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(pairs)| QueryParams(pairs))
            .map_err(|_| ApiError::bare(StatusCode::BAD_REQUEST))
    }
}

/// Path parameters; a segment that does not decode or parse is a 404.
pub(crate) struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| PathParams(value))
            .map_err(|_| ApiError::bare(StatusCode::NOT_FOUND))
    }
}
