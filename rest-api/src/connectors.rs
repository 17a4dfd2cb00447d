//! Handlers for `/connectors/**` (Kafka's `ConnectorsResource`).
//!
//! Each handler reads the request, applies the checks Kafka makes in the resource itself (name
//! in the body vs the URL, `expand`, restart flags, an empty offsets list) and calls the
//! [`Herder`](crate::Herder). Status codes are Kafka's: 201 with an absolute `Location` for a
//! created connector, 204 with no body for delete, stop, task restart and the flagless restart,
//! 202 for pause, resume, topic reset (no body) and the flagged restart (with a body).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use crate::entities::{
    ConfigMap, ConfigMapBody, ConnectorInfo, ConnectorOffsets, ConnectorTaskId,
    CreateConnectorRequest, NullableStringMap, RestartRequest,
};
use crate::error::ApiError;
use crate::herder::Created;
use crate::request::{JsonBody, PathParams, QueryParams};
use crate::router::AppState;

/// The connector config key holding its name.
const NAME_CONFIG: &str = "name";

type ApiResult<T = Response> = Result<T, ApiError>;

/// `GET /connectors`, with `?expand=status&expand=info`.
pub(crate) async fn list(State(app): State<AppState>, query: QueryParams) -> ApiResult {
    let names = app.call(app.herder.connectors()).await?;
    if !query.contains("expand") {
        return Ok(Json(names).into_response());
    }
    let mut out = Map::new();
    'connectors: for name in names {
        let mut expansions = Map::new();
        for expansion in query.all("expand") {
            let value = match expansion {
                "status" => app
                    .call(app.herder.connector_status(&name))
                    .await
                    .map(to_json),
                "info" => app
                    .call(app.herder.connector_info(&name))
                    .await
                    .map(to_json),
                other => {
                    tracing::info!(expansion = other, "ignoring unknown expansion type");
                    continue;
                }
            };
            match value {
                Ok(v) => {
                    expansions.insert(expansion.to_string(), v?);
                }
                // Removed while we looked it up: Kafka leaves it out.
                Err(e) if e.status == StatusCode::NOT_FOUND => continue 'connectors,
                Err(e) => return Err(e),
            }
        }
        out.insert(name, Value::Object(expansions));
    }
    Ok(Json(out).into_response())
}

fn to_json<T: serde::Serialize>(value: T) -> ApiResult<Value> {
    serde_json::to_value(value).map_err(|e| ApiError::internal(e.to_string()))
}

/// `POST /connectors`: 201 + `Location` + `ConnectorInfo`.
pub(crate) async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<CreateConnectorRequest>,
) -> ApiResult {
    // Kafka trims the name and turns a missing one into "", which then fails validation.
    let name = request.name.as_deref().map(str::trim).unwrap_or("");
    // Kafka fails here with a NullPointerException, i.e. a 500.
    let mut config = request
        .config
        .ok_or_else(|| ApiError::internal("The request has no connector 'config'"))?;
    check_and_put_name(name, &mut config)?;
    let initial_state = request.initial_state.map(|s| s.target_state());
    let info = app
        .call(
            app.herder
                .put_connector_config(name, config, false, initial_state),
        )
        .await?;
    Ok(created(&headers, name, info.result))
}

/// Kafka's `checkAndPutConnectorConfigName`: the body's `name`, if any, must equal the URL's.
fn check_and_put_name(name: &str, config: &mut ConfigMap) -> ApiResult<()> {
    match config.get(NAME_CONFIG) {
        Some(included) if included != name => Err(ApiError::bad_request(format!(
            "Connector name configuration ({included}) doesn't match connector name in the URL ({name})"
        ))),
        Some(_) => Ok(()),
        None => {
            config.insert(NAME_CONFIG.to_string(), name.to_string());
            Ok(())
        }
    }
}

/// 201 with `Location: http://<Host>/connectors/<name>` (JAX-RS resolves Kafka's relative URI
/// against the request's base URI); relative when the request has no `Host`.
fn created(headers: &HeaderMap, name: &str, info: ConnectorInfo) -> Response {
    let path = format!("/connectors/{}", encode_path(name));
    let location = match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("http://{host}{path}"),
        None => path,
    };
    let mut response = (StatusCode::CREATED, Json(info)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Percent-encodes what may not appear in a URI path (`UriBuilder.path` keeps `/`).
fn encode_path(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `GET /connectors/{c}`.
pub(crate) async fn info(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    let info = app.call(app.herder.connector_info(&name)).await?;
    Ok(Json(info).into_response())
}

/// `DELETE /connectors/{c}`: 204.
pub(crate) async fn delete(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    app.call(app.herder.delete_connector(&name)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /connectors/{c}/config`.
pub(crate) async fn config(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    let config = app.call(app.herder.connector_config(&name)).await?;
    Ok(Json(config).into_response())
}

/// `PUT /connectors/{c}/config`: 201 + `Location` when created, else 200.
pub(crate) async fn put_config(
    State(app): State<AppState>,
    headers: HeaderMap,
    PathParams(name): PathParams<String>,
    JsonBody(ConfigMapBody(mut config)): JsonBody<ConfigMapBody>,
) -> ApiResult {
    check_and_put_name(&name, &mut config)?;
    let Created {
        created: was_created,
        result,
    } = app
        .call(app.herder.put_connector_config(&name, config, true, None))
        .await?;
    if was_created {
        Ok(created(&headers, &name, result))
    } else {
        Ok(Json(result).into_response())
    }
}

/// `PATCH /connectors/{c}/config`: 200; a `null` value removes the key.
pub(crate) async fn patch_config(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
    JsonBody(NullableStringMap(patch)): JsonBody<NullableStringMap>,
) -> ApiResult {
    let info = app
        .call(app.herder.patch_connector_config(&name, patch))
        .await?;
    Ok(Json(info).into_response())
}

/// `GET /connectors/{c}/status`.
pub(crate) async fn status(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    let status = app.call(app.herder.connector_status(&name)).await?;
    Ok(Json(status).into_response())
}

/// `POST /connectors/{c}/restart?includeTasks=&onlyFailed=`: 204 without flags, else 202 with
/// the status showing what will restart.
pub(crate) async fn restart(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
    query: QueryParams,
) -> ApiResult {
    let request = RestartRequest {
        connector: name,
        only_failed: query.flag("onlyFailed", false),
        include_tasks: query.flag("includeTasks", false),
    };
    if request.force_restart_connector_only() {
        app.call(app.herder.restart_connector(&request.connector))
            .await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let status = app
        .call(app.herder.restart_connector_and_tasks(request))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(status)).into_response())
}

/// `PUT /connectors/{c}/pause`: 202.
pub(crate) async fn pause(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    app.call(app.herder.pause_connector(&name)).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `PUT /connectors/{c}/resume`: 202.
pub(crate) async fn resume(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    app.call(app.herder.resume_connector(&name)).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `PUT /connectors/{c}/stop`: 204.
pub(crate) async fn stop(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    app.call(app.herder.stop_connector(&name)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /connectors/{c}/tasks`.
pub(crate) async fn tasks(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    let tasks = app.call(app.herder.task_configs(&name)).await?;
    Ok(Json(tasks).into_response())
}

/// `GET /connectors/{c}/tasks-config` (deprecated): `{"c-0": {...}, ...}`.
pub(crate) async fn tasks_config(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    tracing::warn!(
        connector = %name,
        "the 'GET /connectors/{{connector}}/tasks-config' endpoint is deprecated; use 'GET /connectors/{{connector}}/tasks'"
    );
    let tasks = app.call(app.herder.task_configs(&name)).await?;
    let by_id: Map<String, Value> = tasks
        .into_iter()
        .map(|t| Ok((t.id.to_string(), to_json(t.config)?)))
        .collect::<ApiResult<_>>()?;
    Ok(Json(by_id).into_response())
}

/// `GET /connectors/{c}/tasks/{t}/status`.
pub(crate) async fn task_status(
    State(app): State<AppState>,
    PathParams((name, task)): PathParams<(String, u32)>,
) -> ApiResult {
    let id = ConnectorTaskId::new(name, task);
    let status = app.call(app.herder.task_status(&id)).await?;
    Ok(Json(status).into_response())
}

/// `POST /connectors/{c}/tasks/{t}/restart`: 204.
pub(crate) async fn restart_task(
    State(app): State<AppState>,
    PathParams((name, task)): PathParams<(String, u32)>,
) -> ApiResult {
    let id = ConnectorTaskId::new(name, task);
    app.call(app.herder.restart_task(&id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /connectors/{c}/topics`: `{"<c>":{"topics":[...]}}`.
pub(crate) async fn topics(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    let info = app.call(app.herder.active_topics(&name)).await?;
    let mut out = Map::new();
    out.insert(info.connector.clone(), to_json(&info)?);
    Ok(Json(out).into_response())
}

/// `PUT /connectors/{c}/topics/reset`: 202.
pub(crate) async fn reset_topics(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    app.call(app.herder.reset_active_topics(&name)).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `GET /connectors/{c}/offsets`.
pub(crate) async fn offsets(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    let offsets = app.call(app.herder.connector_offsets(&name)).await?;
    Ok(Json(offsets).into_response())
}

/// `PATCH /connectors/{c}/offsets`: 200 `Message`; an empty list is Kafka's 400.
pub(crate) async fn alter_offsets(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
    JsonBody(offsets): JsonBody<ConnectorOffsets>,
) -> ApiResult {
    if offsets.offsets.is_empty() {
        return Err(ApiError::bad_request(
            "Partitions / offsets need to be provided for an alter offsets request",
        ));
    }
    let message = app
        .call(app.herder.alter_connector_offsets(&name, offsets))
        .await?;
    Ok(Json(message).into_response())
}

/// `DELETE /connectors/{c}/offsets`: 200 `Message`.
pub(crate) async fn reset_offsets(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> ApiResult {
    let message = app.call(app.herder.reset_connector_offsets(&name)).await?;
    Ok(Json(message).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_check_injects_or_rejects() {
        let mut config = ConfigMap::new();
        check_and_put_name("c", &mut config).unwrap();
        assert_eq!(config.get("name").map(String::as_str), Some("c"));
        config.insert("name".into(), "other".into());
        let err = check_and_put_name("c", &mut config).unwrap_err();
        assert_eq!(
            err.message,
            "Connector name configuration (other) doesn't match connector name in the URL (c)"
        );
    }

    #[test]
    fn location_path_is_percent_encoded() {
        assert_eq!(encode_path("my conn/ä"), "my%20conn/%C3%A4");
        assert_eq!(encode_path("a-b_c.d~1"), "a-b_c.d~1");
    }
}
