//! Handlers for `/admin/loggers/**` (Kafka's `LoggingResource`).
//!
//! Kafka checks the request body and the level name in the resource, before the herder sees
//! them: a body without `level` is 400, a level log4j does not know is **404** (Kafka throws a
//! `NotFoundException` for it). `scope=cluster` (any case) answers 204 after the herder records
//! the level for every worker; any other scope, or none, is the worker scope and answers with
//! the affected logger names.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::entities::NullableStringMap;
use crate::error::ApiError;
use crate::request::{JsonBody, PathParams, QueryParams};
use crate::router::AppState;

/// The levels log4j's `Level.toLevel` accepts (compared upper-cased).
const LOG_LEVELS: [&str; 8] = [
    "OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL",
];

/// `GET /admin/loggers`.
pub(crate) async fn list(State(app): State<AppState>) -> Result<Response, ApiError> {
    let loggers = app.call(app.herder.loggers()).await?;
    Ok(Json(loggers).into_response())
}

/// `GET /admin/loggers/{name}`.
pub(crate) async fn get(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> Result<Response, ApiError> {
    match app.call(app.herder.logger(&name)).await? {
        Some(level) => Ok(Json(level).into_response()),
        None => Err(ApiError::not_found(format!("Logger {name} not found."))),
    }
}

/// `PUT /admin/loggers/{name}?scope=worker|cluster` with `{"level":"DEBUG"}`.
pub(crate) async fn set_level(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
    query: QueryParams,
    JsonBody(NullableStringMap(body)): JsonBody<NullableStringMap>,
) -> Result<Response, ApiError> {
    let level = body.get("level").cloned().flatten().ok_or_else(|| {
        ApiError::bad_request("Desired 'level' parameter was not specified in request.")
    })?;
    let upper = level.to_ascii_uppercase();
    if !LOG_LEVELS.contains(&upper.as_str()) {
        return Err(ApiError::not_found(format!("invalid log level '{level}'.")));
    }
    let scope = query.first("scope").unwrap_or("worker");
    if scope.eq_ignore_ascii_case("cluster") {
        app.call(app.herder.set_cluster_logger_level(&name, &level))
            .await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if !scope.eq_ignore_ascii_case("worker") {
        tracing::warn!(scope, "invalid logging scope; using the worker scope");
    }
    let affected = app
        .call(app.herder.set_worker_logger_level(&name, &level))
        .await?;
    Ok(Json(affected).into_response())
}
