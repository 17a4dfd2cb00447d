//! `/connectors/{c}/offsets`.

use axum::http::{Method, StatusCode};

use super::fake::Fake;
use super::{app, get, send};

const ALTER: &str = r#"{"offsets":[{"partition":{"server":"mysql1"},"offset":{"file":"binlog.000003","pos":154}}]}"#;

#[tokio::test]
async fn alter_requires_offsets_then_stopped_connector() {
    let (app, _) = app(Fake::new().with_connector("orders"));

    for empty in ["{}", r#"{"offsets":[]}"#, r#"{"offsets":null}"#] {
        send(
            &app,
            Method::PATCH,
            "/connectors/orders/offsets",
            Some(empty),
        )
        .await
        .assert_error(
            400,
            "Partitions / offsets need to be provided for an alter offsets request",
        );
    }

    send(
        &app,
        Method::PATCH,
        "/connectors/orders/offsets",
        Some(ALTER),
    )
    .await
    .assert_error(
        400,
        "Connectors must be in the STOPPED state before their offsets can be modified. \
             This can be done for the specified connector by issuing a 'PUT' request to the \
             '/connectors/orders/stop' endpoint",
    );

    send(&app, Method::PUT, "/connectors/orders/stop", None).await;
    let altered = send(
        &app,
        Method::PATCH,
        "/connectors/orders/offsets",
        Some(ALTER),
    )
    .await;
    assert_eq!(altered.status, StatusCode::OK);
    assert_eq!(
        altered.body,
        r#"{"message":"The offsets for this connector have been altered successfully"}"#
    );

    let read = get(&app, "/connectors/orders/offsets").await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body, ALTER);

    let reset = send(&app, Method::DELETE, "/connectors/orders/offsets", None).await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        reset.body,
        r#"{"message":"The offsets for this connector have been reset successfully"}"#
    );
    assert_eq!(
        get(&app, "/connectors/orders/offsets").await.body,
        r#"{"offsets":[]}"#
    );

    get(&app, "/connectors/nope/offsets")
        .await
        .assert_error(404, "Connector nope not found");
}

/// The bodies of Kafka's `OffsetsApiIntegrationTest.testAlterOffsetsWithInvalidRequestBody`:
/// Jackson failures are 500, an empty list is 400.
#[tokio::test]
async fn invalid_alter_bodies_match_kafka_status_codes() {
    let (app, _) = app(Fake::new().with_connector("orders"));
    for (body, status) in [
        ("[]", 500),
        ("{}", 400),
        (r#"{"key": []}"#, 500),
        (r#"{"offsets": []}"#, 400),
        (r#"{"offsets": {}}"#, 500),
        (r#"{"offsets": [123]}"#, 500),
        (r#"{"offsets": [{"key": "val"}]}"#, 500),
        (r#"{"offsets": [{"partition": []]}]}"#, 500),
    ] {
        let reply = send(
            &app,
            Method::PATCH,
            "/connectors/orders/offsets",
            Some(body),
        )
        .await;
        assert_eq!(reply.status.as_u16(), status, "{body}: {}", reply.body);
        assert_eq!(reply.json()["error_code"], status);
    }
}
