//! The API through a real socket: `serve` on 127.0.0.1:0, plain HTTP/1.1 over a `TcpStream`.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::fake::{Fake, CLASS};
use crate::router::serve;

/// Sends one request with `Connection: close` and returns the raw response.
async fn exchange(addr: std::net::SocketAddr, request: String) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("response within 10 s")
        .unwrap();
    String::from_utf8(response).unwrap()
}

#[tokio::test]
async fn get_and_post_over_tcp_then_graceful_shutdown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        Arc::new(Fake::new().with_connector("orders")),
        async {
            let _ = stopped.await;
        },
    ));

    let list = exchange(
        addr,
        format!("GET /connectors HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(list.starts_with("HTTP/1.1 200 OK\r\n"), "{list}");
    assert!(
        list.to_ascii_lowercase()
            .contains("content-type: application/json\r\n"),
        "{list}"
    );
    assert!(list.ends_with("\r\n\r\n[\"orders\"]"), "{list}");

    let body = format!(r#"{{"name":"inventory","config":{{"connector.class":"{CLASS}"}}}}"#);
    let created = exchange(
        addr,
        format!(
            "POST /connectors HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(created.starts_with("HTTP/1.1 201 Created\r\n"), "{created}");
    assert!(
        created
            .to_ascii_lowercase()
            .contains(&format!("location: http://{addr}/connectors/inventory\r\n")),
        "{created}"
    );
    assert!(created.contains(r#""name":"inventory""#), "{created}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stops within 10 s")
        .unwrap()
        .unwrap();
}
