//! `/`, `/health`, `/connector-plugins/**`, `/admin/loggers/**` and routing errors.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, Method, StatusCode};
use serde_json::json;

use super::fake::{Fake, CLASS};
use super::{app, get, send};
use crate::router::{router_with_options, RestOptions};

fn short_timeouts() -> RestOptions {
    RestOptions {
        request_timeout: Duration::from_millis(50),
        health_check_timeout: Duration::from_millis(50),
    }
}

#[tokio::test]
async fn server_info_shape() {
    let (app, _) = app(Fake::new());
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    assert_eq!(
        reply.body,
        r#"{"version":"3.9.0","commit":"c0ffee","kafka_cluster_id":"cluster-1"}"#
    );
}

#[tokio::test]
async fn health_is_200_503_or_500() {
    let (app, _) = app(Fake::new());
    let healthy = get(&app, "/health").await;
    assert_eq!(healthy.status, StatusCode::OK);
    assert_eq!(
        healthy.body,
        r#"{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}"#
    );

    let starting = Fake {
        stall: true,
        ready: false,
        ..Fake::new()
    };
    let app = router_with_options(Arc::new(starting), short_timeouts());
    let reply = get(&app, "/health").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["status"], "starting");

    let stuck = Fake {
        stall: true,
        ..Fake::new()
    };
    let app = router_with_options(Arc::new(stuck), short_timeouts());
    let reply = get(&app, "/health").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json()["status"], "unhealthy");
}

#[tokio::test]
async fn slow_herder_times_out_with_kafka_message() {
    let stuck = Fake {
        stall: true,
        ..Fake::new()
    };
    let app = router_with_options(Arc::new(stuck), short_timeouts());
    get(&app, "/").await.assert_error(500, "Request timed out");
}

#[tokio::test]
async fn plugins_list_filters_connectors_by_default() {
    let (app, _) = app(Fake::new());
    let connectors = get(&app, "/connector-plugins").await;
    assert_eq!(connectors.status, StatusCode::OK);
    assert_eq!(
        connectors.body,
        format!(r#"[{{"class":"{CLASS}","type":"source","version":"2.7.0.Final"}}]"#)
    );

    let all = get(&app, "/connector-plugins?connectorsOnly=false").await;
    let body = all.json();
    assert_eq!(body.as_array().unwrap().len(), 3);
    // The "undefined" version is omitted, as Kafka's NoVersionFilter does.
    assert_eq!(
        body[1],
        json!({"class":"org.apache.kafka.connect.transforms.InsertField$Value","type":"transformation"})
    );
}

#[tokio::test]
async fn plugin_config_definition() {
    let (app, _) = app(Fake::new());
    let keys = get(&app, "/connector-plugins/MySqlConnector/config").await;
    assert_eq!(keys.status, StatusCode::OK);
    assert_eq!(
        keys.body,
        r#"[{"name":"database.hostname","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Resolvable hostname or IP address of the database server.","group":"Connection","width":"NONE","display_name":"database.hostname","dependents":[],"order":1}]"#
    );
    get(&app, "/connector-plugins/Nope/config")
        .await
        .assert_error(404, "Unknown plugin Nope.");
}

#[tokio::test]
async fn validate_checks_type_then_returns_config_infos() {
    let (app, fake) = app(Fake::new());
    let body = format!(r#"{{"connector.class":"{CLASS}"}}"#);
    send(
        &app,
        Method::PUT,
        "/connector-plugins/PostgresConnector/config/validate",
        Some(&body),
    )
    .await
    .assert_error(
        400,
        &format!("Included connector type {CLASS} does not match request type PostgresConnector"),
    );

    let reply = send(
        &app,
        Method::PUT,
        "/connector-plugins/MySql/config/validate",
        Some(&body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        format!(
            r#"{{"name":"{CLASS}","error_count":1,"groups":["Connection"],"configs":[{{"definition":{{"name":"database.hostname","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Resolvable hostname or IP address of the database server.","group":"Connection","width":"NONE","display_name":"database.hostname","dependents":[],"order":1}},"value":{{"name":"database.hostname","value":null,"recommended_values":[],"errors":["Missing required configuration \"database.hostname\" which has no default value."],"visible":true}}}}]}}"#
        )
    );
    assert_eq!(
        fake.state.lock().unwrap().validated_plugin.as_deref(),
        Some("MySql")
    );
}

#[tokio::test]
async fn loggers_get_and_set() {
    let (app, fake) = app(Fake::new());
    let all = get(&app, "/admin/loggers").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        all.body,
        r#"{"root":{"level":"INFO","last_modified":null}}"#
    );
    assert_eq!(
        get(&app, "/admin/loggers/root").await.body,
        r#"{"level":"INFO","last_modified":null}"#
    );
    get(&app, "/admin/loggers/org.nope")
        .await
        .assert_error(404, "Logger org.nope not found.");

    let url = "/admin/loggers/io.debezium";
    send(&app, Method::PUT, url, Some(r#"{"lvl":"DEBUG"}"#))
        .await
        .assert_error(
            400,
            "Desired 'level' parameter was not specified in request.",
        );
    send(&app, Method::PUT, url, Some(r#"{"level":"LOUD"}"#))
        .await
        .assert_error(404, "invalid log level 'LOUD'.");

    let worker = send(&app, Method::PUT, url, Some(r#"{"level":"debug"}"#)).await;
    assert_eq!(worker.status, StatusCode::OK);
    assert_eq!(worker.body, r#"["io.debezium"]"#);
    assert_eq!(
        get(&app, url).await.json(),
        json!({"level":"DEBUG","last_modified":1_700_000_000_000_i64})
    );

    let cluster = send(
        &app,
        Method::PUT,
        "/admin/loggers/io.debezium?scope=CLUSTER",
        Some(r#"{"level":"WARN"}"#),
    )
    .await;
    assert_eq!(cluster.status, StatusCode::NO_CONTENT);
    assert!(cluster.body.is_empty());
    assert_eq!(
        fake.state.lock().unwrap().cluster_levels,
        vec![("io.debezium".to_string(), "WARN".to_string())]
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_use_kafka_error_shape() {
    let (app, _) = app(Fake::new());
    get(&app, "/nope")
        .await
        .assert_error(404, "HTTP 404 Not Found");
    get(&app, "/connectors/a/b/c/d")
        .await
        .assert_error(404, "HTTP 404 Not Found");
    let wrong_method = send(&app, Method::DELETE, "/connectors", None).await;
    wrong_method.assert_error(405, "HTTP 405 Method Not Allowed");
    assert_eq!(
        wrong_method
            .headers
            .get(header::ALLOW)
            .map(|v| v.to_str().unwrap()),
        Some("GET,HEAD,POST")
    );
    send(&app, Method::GET, "/connectors/a/restart", None)
        .await
        .assert_error(405, "HTTP 405 Method Not Allowed");
}
