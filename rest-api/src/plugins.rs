//! Handlers for `/connector-plugins/**` (Kafka's `ConnectorPluginsResource`).
//!
//! The herder lists every plugin; the `connectorsOnly` filter (default `true`) and the check that
//! a validated config's `connector.class` matches the plugin in the path are Kafka's resource
//! logic and live here.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::entities::ConfigMapBody;
use crate::error::ApiError;
use crate::request::{JsonBody, PathParams, QueryParams};
use crate::router::AppState;

/// The connector config key naming its class.
const CONNECTOR_CLASS_CONFIG: &str = "connector.class";

/// The suffix Kafka strips from both names before comparing them.
const ALIAS_SUFFIX: &str = "Connector";

/// `GET /connector-plugins?connectorsOnly=true|false`.
pub(crate) async fn list(
    State(app): State<AppState>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let connectors_only = query.flag("connectorsOnly", true);
    let mut plugins = app.call(app.herder.plugins()).await?;
    if connectors_only {
        plugins.retain(|p| p.is_connector());
    }
    Ok(Json(plugins).into_response())
}

/// `GET /connector-plugins/{plugin}/config`.
pub(crate) async fn config(
    State(app): State<AppState>,
    PathParams(plugin): PathParams<String>,
) -> Result<Response, ApiError> {
    let keys = app.call(app.herder.plugin_config(&plugin)).await?;
    Ok(Json(keys).into_response())
}

/// `PUT /connector-plugins/{plugin}/config/validate`: 200 `ConfigInfos`, problems in the body.
pub(crate) async fn validate(
    State(app): State<AppState>,
    PathParams(plugin): PathParams<String>,
    JsonBody(ConfigMapBody(config)): JsonBody<ConfigMapBody>,
) -> Result<Response, ApiError> {
    if let Some(included) = config.get(CONNECTOR_CLASS_CONFIG) {
        if !normalized(included).ends_with(normalized(&plugin)) {
            return Err(ApiError::bad_request(format!(
                "Included connector type {included} does not match request type {plugin}"
            )));
        }
    }
    let infos = app
        .call(app.herder.validate_connector_config(&plugin, config))
        .await?;
    Ok(Json(infos).into_response())
}

/// Drops a trailing `Connector` (unless that is the whole name), so that `MySql`,
/// `MySqlConnector` and `io.debezium.connector.mysql.MySqlConnector` all compare equal.
fn normalized(name: &str) -> &str {
    match name.strip_suffix(ALIAS_SUFFIX) {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_names_compare_like_kafka() {
        let class = "io.debezium.connector.mysql.MySqlConnector";
        for path in ["MySqlConnector", "MySql", class] {
            assert!(normalized(class).ends_with(normalized(path)), "{path}");
        }
        assert!(!normalized(class).ends_with(normalized("PostgresConnector")));
        assert_eq!(normalized("Connector"), "Connector");
    }
}
