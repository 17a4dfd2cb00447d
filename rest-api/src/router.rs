//! The route table, the shared handler state and the server loop.
//!
//! Every endpoint of Kafka Connect's public REST API is routed here to a thin handler in
//! `root`, `connectors`, `plugins` or `loggers`. Two Jersey behaviours are reproduced at this
//! level: a trailing slash is ignored (`/connectors/` is `/connectors`), and unknown routes and
//! wrong methods answer in Kafka's error shape (404 `HTTP 404 Not Found`, 405
//! `HTTP 405 Method Not Allowed`, with an `Allow` header).
//!
//! Kafka's internal endpoints (`POST /connectors/{c}/tasks`, `PUT /connectors/{c}/fence`) and
//! request forwarding between workers are not part of this router.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::uri::PathAndQuery;
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post, put};
use axum::Router;
use tower::ServiceExt;

use crate::error::ApiError;
use crate::herder::Herder;
use crate::{connectors, loggers, plugins, root};

/// Timeouts of the REST layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestOptions {
    /// How long a herder call may take before 500 `Request timed out` (Kafka: 90 s).
    pub request_timeout: Duration,
    /// How long `GET /health` waits for the herder (Kafka: 10 s).
    pub health_check_timeout: Duration,
}

impl Default for RestOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(90),
            health_check_timeout: Duration::from_secs(10),
        }
    }
}

/// What every handler gets: the herder and the options.
#[derive(Clone)]
pub(crate) struct AppState {
    pub herder: Arc<dyn Herder>,
    pub options: RestOptions,
}

impl AppState {
    /// Runs a herder call under the request timeout.
    pub async fn call<T>(
        &self,
        call: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        tokio::time::timeout(self.options.request_timeout, call)
            .await
            .map_err(|_| ApiError::timed_out())?
    }
}

/// The Kafka Connect REST API over `herder`, with Kafka's default timeouts.
pub fn router(herder: Arc<dyn Herder>) -> Router {
    router_with_options(herder, RestOptions::default())
}

/// The Kafka Connect REST API over `herder` with explicit timeouts.
pub fn router_with_options(herder: Arc<dyn Herder>, options: RestOptions) -> Router {
    let routes = Router::new()
        .route("/", get(root::server_info))
        .route("/health", get(root::health))
        .route(
            "/connectors",
            get(connectors::list).post(connectors::create),
        )
        .route(
            "/connectors/{connector}",
            get(connectors::info).delete(connectors::delete),
        )
        .route(
            "/connectors/{connector}/config",
            get(connectors::config)
                .put(connectors::put_config)
                .patch(connectors::patch_config),
        )
        .route("/connectors/{connector}/status", get(connectors::status))
        .route("/connectors/{connector}/restart", post(connectors::restart))
        .route("/connectors/{connector}/pause", put(connectors::pause))
        .route("/connectors/{connector}/resume", put(connectors::resume))
        .route("/connectors/{connector}/stop", put(connectors::stop))
        .route("/connectors/{connector}/tasks", get(connectors::tasks))
        .route(
            "/connectors/{connector}/tasks-config",
            get(connectors::tasks_config),
        )
        .route(
            "/connectors/{connector}/tasks/{task}/status",
            get(connectors::task_status),
        )
        .route(
            "/connectors/{connector}/tasks/{task}/restart",
            post(connectors::restart_task),
        )
        .route("/connectors/{connector}/topics", get(connectors::topics))
        .route(
            "/connectors/{connector}/topics/reset",
            put(connectors::reset_topics),
        )
        .route(
            "/connectors/{connector}/offsets",
            get(connectors::offsets)
                .patch(connectors::alter_offsets)
                .delete(connectors::reset_offsets),
        )
        .route("/connector-plugins", get(plugins::list))
        .route("/connector-plugins/{plugin}/config", get(plugins::config))
        .route(
            "/connector-plugins/{plugin}/config/validate",
            put(plugins::validate),
        )
        .route("/admin/loggers", get(loggers::list))
        .route(
            "/admin/loggers/{logger}",
            get(loggers::get).put(loggers::set_level),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(AppState { herder, options });
    // Rewrite the path before routing, so that a trailing slash reaches the same route.
    Router::new().fallback_service(routes.map_request(strip_trailing_slash))
}

async fn not_found() -> ApiError {
    ApiError::bare(StatusCode::NOT_FOUND)
}

async fn method_not_allowed() -> ApiError {
    ApiError::bare(StatusCode::METHOD_NOT_ALLOWED)
}

fn strip_trailing_slash(mut request: Request) -> Request {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let path_and_query = match request.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        let mut parts = request.uri().clone().into_parts();
        if let Ok(pq) = PathAndQuery::try_from(path_and_query) {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

/// Serves the REST API over `herder` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish.
///
/// # Errors
/// An I/O error of the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    herder: Arc<dyn Herder>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(herder), shutdown).await
}

/// Serves an already built router (e.g. from [`router_with_options`]); see [`serve`].
///
/// # Errors
/// An I/O error of the listener.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "rest api listening");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
