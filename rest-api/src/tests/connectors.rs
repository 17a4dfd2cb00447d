//! `/connectors/**` except offsets.

use axum::http::{header, Method, StatusCode};
use serde_json::json;

use super::fake::{Fake, CLASS};
use super::{app, get, send, HOST};
use crate::entities::TargetState;

#[tokio::test]
async fn create_returns_201_with_absolute_location_and_connector_info() {
    let (app, fake) = app(Fake::new());
    let body = format!(
        r#"{{"name":" orders db ","config":{{"connector.class":"{CLASS}","tasks.max":1}},"initial_state":"paused"}}"#
    );
    let reply = send(&app, Method::POST, "/connectors", Some(&body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.headers.get(header::LOCATION).unwrap(),
        &format!("http://{HOST}/connectors/orders%20db")
    );
    assert_eq!(
        reply.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    // Kafka's field order: name, config, tasks, type; the trimmed name was put in the config.
    assert_eq!(
        reply.body,
        format!(
            r#"{{"name":"orders db","config":{{"connector.class":"{CLASS}","name":"orders db","tasks.max":"1"}},"tasks":[{{"connector":"orders db","task":0}}],"type":"source"}}"#
        )
    );
    let state = fake.state.lock().unwrap();
    assert_eq!(
        state.connectors["orders db"].initial_state,
        Some(TargetState::Paused)
    );
}

#[tokio::test]
async fn create_errors_follow_kafka() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    let config = format!(r#""config":{{"connector.class":"{CLASS}"}}"#);

    let again = format!(r#"{{"name":"orders",{config}}}"#);
    send(&app, Method::POST, "/connectors", Some(&again))
        .await
        .assert_error(409, "Connector orders already exists");

    let mismatch = format!(r#"{{"name":"a","config":{{"connector.class":"{CLASS}","name":"b"}}}}"#);
    send(&app, Method::POST, "/connectors", Some(&mismatch))
        .await
        .assert_error(
            400,
            "Connector name configuration (b) doesn't match connector name in the URL (a)",
        );

    let no_config = send(&app, Method::POST, "/connectors", Some(r#"{"name":"x"}"#)).await;
    assert_eq!(no_config.status, StatusCode::INTERNAL_SERVER_ERROR);

    let no_class = send(
        &app,
        Method::POST,
        "/connectors",
        Some(r#"{"name":"x","config":{}}"#),
    )
    .await;
    assert_eq!(no_class.status, StatusCode::BAD_REQUEST);
    assert!(no_class.json()["message"]
        .as_str()
        .unwrap()
        .contains("contains no connector type"));
}

#[tokio::test]
async fn unreadable_bodies_are_500_like_jackson_and_wrong_type_is_415() {
    let (app, _) = app(Fake::new());
    for body in [
        "{not json",
        r#"{"name":"x","config":{},"extra":1}"#,
        r#"{"name":"x","config":{"k":{"nested":1}}}"#,
        r#"{"name":"x","initial_state":"RUNNING_FAST","config":{}}"#,
        "null",
        "",
    ] {
        let reply = send(&app, Method::POST, "/connectors", Some(body)).await;
        assert_eq!(
            reply.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{body}: {}",
            reply.body
        );
        assert_eq!(reply.json()["error_code"], 500);
    }

    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/connectors")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(r#"{"name":"x","config":{}}"#))
        .unwrap();
    super::send_request(&app, request)
        .await
        .assert_error(415, "HTTP 415 Unsupported Media Type");
}

#[tokio::test]
async fn list_and_expand() {
    let fake = Fake::new().with_connector("a").with_connector("b");
    fake.state.lock().unwrap().ghosts.push("gone".into());
    let (app, _) = app(fake);

    let plain = get(&app, "/connectors").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.json(), json!(["a", "b", "gone"]));

    let expanded = get(&app, "/connectors?expand=info&expand=status").await;
    assert_eq!(expanded.status, StatusCode::OK);
    let body = expanded.json();
    // A connector whose lookup is a 404 is left out.
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["a"]["status"]["connector"]["state"], "RUNNING");
    assert_eq!(body["b"]["info"]["config"]["name"], "b");
    assert_eq!(body["a"]["info"]["type"], "source");

    let status_only = get(&app, "/connectors?expand=status").await.json();
    assert!(status_only["a"].get("info").is_none());
    assert!(status_only["a"].get("status").is_some());

    let unknown = get(&app, "/connectors?expand=bogus").await.json();
    assert_eq!(unknown, json!({"a": {}, "b": {}, "gone": {}}));
}

#[tokio::test]
async fn get_delete_and_trailing_slash() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    let info = get(&app, "/connectors/orders/").await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(
        info.json()["tasks"][1],
        json!({"connector":"orders","task":1})
    );
    assert_eq!(get(&app, "/connectors/").await.json(), json!(["orders"]));

    let deleted = send(&app, Method::DELETE, "/connectors/orders", None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());

    get(&app, "/connectors/orders")
        .await
        .assert_error(404, "Connector orders not found");
    send(&app, Method::DELETE, "/connectors/orders", None)
        .await
        .assert_error(404, "Connector orders not found");
}

#[tokio::test]
async fn config_get_put_patch() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    let config = get(&app, "/connectors/orders/config").await;
    assert_eq!(
        config.json(),
        json!({"connector.class": CLASS, "name": "orders"})
    );

    let body = format!(r#"{{"connector.class":"{CLASS}","snapshot.mode":"initial"}}"#);
    let updated = send(&app, Method::PUT, "/connectors/orders/config", Some(&body)).await;
    assert_eq!(updated.status, StatusCode::OK);
    assert!(updated.headers.get(header::LOCATION).is_none());
    assert_eq!(updated.json()["config"]["snapshot.mode"], "initial");

    let created = send(&app, Method::PUT, "/connectors/fresh/config", Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.headers.get(header::LOCATION).unwrap(),
        &format!("http://{HOST}/connectors/fresh")
    );
    assert_eq!(created.json()["config"]["name"], "fresh");

    send(
        &app,
        Method::PUT,
        "/connectors/orders/config",
        Some(r#"{"name":"other"}"#),
    )
    .await
    .assert_error(
        400,
        "Connector name configuration (other) doesn't match connector name in the URL (orders)",
    );

    let patched = send(
        &app,
        Method::PATCH,
        "/connectors/orders/config",
        Some(r#"{"snapshot.mode":null,"tasks.max":"3"}"#),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK);
    let config = &patched.json()["config"];
    assert!(config.get("snapshot.mode").is_none(), "{config}");
    assert_eq!(config["tasks.max"], "3");

    send(&app, Method::PATCH, "/connectors/nope/config", Some("{}"))
        .await
        .assert_error(404, "Connector nope not found");
}

#[tokio::test]
async fn status_has_kafka_field_order() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    let status = get(&app, "/connectors/orders/status").await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(
        status.body,
        r#"{"name":"orders","connector":{"state":"RUNNING","worker_id":"worker-1:8083"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"worker-1:8083"},{"id":1,"state":"FAILED","worker_id":"worker-1:8083","trace":"java.lang.RuntimeException: boom"}],"type":"source"}"#
    );
    get(&app, "/connectors/nope/status")
        .await
        .assert_error(404, "No status found for connector nope");
}

#[tokio::test]
async fn restart_is_204_without_flags_and_202_with_plan() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    let plain = send(&app, Method::POST, "/connectors/orders/restart", None).await;
    assert_eq!(plain.status, StatusCode::NO_CONTENT);
    assert!(plain.body.is_empty());

    let all = send(
        &app,
        Method::POST,
        "/connectors/orders/restart?includeTasks=true",
        None,
    )
    .await;
    assert_eq!(all.status, StatusCode::ACCEPTED);
    let body = all.json();
    assert_eq!(body["connector"]["state"], "RESTARTING");
    assert_eq!(body["tasks"][0]["state"], "RESTARTING");
    assert_eq!(body["tasks"][1]["state"], "RESTARTING");

    let failed = send(
        &app,
        Method::POST,
        "/connectors/orders/restart?includeTasks=TRUE&onlyFailed=true",
        None,
    )
    .await
    .json();
    assert_eq!(failed["connector"]["state"], "RUNNING");
    assert_eq!(failed["tasks"][0]["state"], "RUNNING");
    assert_eq!(failed["tasks"][1]["state"], "RESTARTING");

    // Anything but "true" is false, as Boolean.valueOf reads it: this is the flagless form.
    let yes = send(
        &app,
        Method::POST,
        "/connectors/orders/restart?includeTasks=yes",
        None,
    )
    .await;
    assert_eq!(yes.status, StatusCode::NO_CONTENT);

    send(&app, Method::POST, "/connectors/nope/restart", None)
        .await
        .assert_error(404, "Unknown connector: nope");
}

#[tokio::test]
async fn pause_resume_stop() {
    let (app, fake) = app(Fake::new().with_connector("orders"));
    let target = |fake: &Fake| fake.state.lock().unwrap().connectors["orders"].target;

    let paused = send(&app, Method::PUT, "/connectors/orders/pause", None).await;
    assert_eq!(paused.status, StatusCode::ACCEPTED);
    assert!(paused.body.is_empty());
    assert_eq!(target(&fake), TargetState::Paused);

    let resumed = send(&app, Method::PUT, "/connectors/orders/resume", None).await;
    assert_eq!(resumed.status, StatusCode::ACCEPTED);
    assert_eq!(target(&fake), TargetState::Started);

    let stopped = send(&app, Method::PUT, "/connectors/orders/stop", None).await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT);
    assert!(stopped.body.is_empty());
    assert_eq!(target(&fake), TargetState::Stopped);

    send(&app, Method::PUT, "/connectors/nope/pause", None)
        .await
        .assert_error(404, "Unknown connector nope");
}

#[tokio::test]
async fn tasks_and_task_endpoints() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    let tasks = get(&app, "/connectors/orders/tasks").await;
    assert_eq!(tasks.status, StatusCode::OK);
    assert_eq!(
        tasks.body,
        r#"[{"id":{"connector":"orders","task":0},"config":{"task.id":"0"}},{"id":{"connector":"orders","task":1},"config":{"task.id":"1"}}]"#
    );

    let by_id = get(&app, "/connectors/orders/tasks-config").await;
    assert_eq!(
        by_id.body,
        r#"{"orders-0":{"task.id":"0"},"orders-1":{"task.id":"1"}}"#
    );

    let status = get(&app, "/connectors/orders/tasks/0/status").await;
    assert_eq!(
        status.body,
        r#"{"id":0,"state":"RUNNING","worker_id":"worker-1:8083"}"#
    );
    get(&app, "/connectors/orders/tasks/7/status")
        .await
        .assert_error(404, "No status found for task orders-7");
    get(&app, "/connectors/orders/tasks/abc/status")
        .await
        .assert_error(404, "HTTP 404 Not Found");

    let restarted = send(
        &app,
        Method::POST,
        "/connectors/orders/tasks/1/restart",
        None,
    )
    .await;
    assert_eq!(restarted.status, StatusCode::NO_CONTENT);
    assert!(restarted.body.is_empty());
    send(
        &app,
        Method::POST,
        "/connectors/orders/tasks/9/restart",
        None,
    )
    .await
    .assert_error(404, "Unknown task: orders-9");
}

#[tokio::test]
async fn active_topics() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    let topics = get(&app, "/connectors/orders/topics").await;
    assert_eq!(topics.status, StatusCode::OK);
    assert_eq!(
        topics.body,
        r#"{"orders":{"topics":["orders","customers"]}}"#
    );

    let reset = send(&app, Method::PUT, "/connectors/orders/topics/reset", None).await;
    assert_eq!(reset.status, StatusCode::ACCEPTED);
    assert!(reset.body.is_empty());

    get(&app, "/connectors/untracked/topics")
        .await
        .assert_error(403, "Topic tracking is disabled.");
}
