//! Handlers for `/` and `/health` (Kafka's `RootResource`).
//!
//! The health check is Kafka's KIP-1017 contract: 200 `healthy` when the herder answers within
//! the health-check timeout; past it, 503 `starting` while the worker has not finished starting
//! and 500 `unhealthy` after; an error from the herder is returned as it is.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::entities::WorkerStatus;
use crate::error::ApiError;
use crate::router::AppState;

/// `GET /`.
pub(crate) async fn server_info(State(app): State<AppState>) -> Result<Response, ApiError> {
    let info = app.call(app.herder.server_info()).await?;
    Ok(Json(info).into_response())
}

/// `GET /health`.
pub(crate) async fn health(State(app): State<AppState>) -> Result<Response, ApiError> {
    let check =
        tokio::time::timeout(app.options.health_check_timeout, app.herder.health_check()).await;
    let (status, body) = match check {
        Ok(Ok(())) => (StatusCode::OK, WorkerStatus::healthy()),
        Ok(Err(e)) => return Err(e),
        Err(_) if !app.herder.is_ready() => (
            StatusCode::SERVICE_UNAVAILABLE,
            WorkerStatus::starting(None),
        ),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            WorkerStatus::unhealthy(None),
        ),
    };
    Ok((status, Json(body)).into_response())
}
