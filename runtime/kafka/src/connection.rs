//! One TCP connection to one broker, speaking Kafka's framing with `kafka-protocol` messages.
//!
//! Kafka answers the requests of one connection in order, tagged with the correlation id the
//! client chose, so a connection can carry many outstanding requests: callers register a waiter
//! under a fresh correlation id and hand the whole encoded frame to a writer task; a reader task
//! routes each response frame to its waiter. The writer task exists for cancellation safety: a
//! caller whose future is dropped mid-request can never leave half a frame on the socket. Each
//! frame goes out in a single write with `TCP_NODELAY` set, which avoids the ~40 ms Nagle /
//! delayed-ACK stall seen with rskafka (it writes length and body separately and never sets
//! nodelay). On open, `ApiVersions` is negotiated and every later request uses the highest
//! version both sides support within the range Strait's code handles ([`Api`]). A failed or timed
//! out connection is marked closed and fails every waiter; the cluster layer then opens a new one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiVersionsRequest, ApiVersionsResponse, CreateTopicsRequest, DescribeConfigsRequest,
    FetchRequest, MetadataRequest, ProduceRequest, RequestHeader, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::KafkaError;

/// A request type this client sends, with the versions its code handles.
pub(crate) trait Api: Request {
    /// The API's name, for errors.
    const NAME: &'static str;
    /// Lowest version Strait's code handles.
    const MIN: i16;
    /// Highest version Strait's code handles.
    const MAX: i16;
}

impl Api for ApiVersionsRequest {
    const NAME: &'static str = "ApiVersions";
    const MIN: i16 = 0;
    const MAX: i16 = 3;
}

impl Api for ProduceRequest {
    const NAME: &'static str = "Produce";
    /// v3 is the first with v2 record batches.
    const MIN: i16 = 3;
    /// v13 names topics by id only.
    const MAX: i16 = 12;
}

impl Api for FetchRequest {
    const NAME: &'static str = "Fetch";
    /// v4 is the first with v2 record batches and isolation levels.
    const MIN: i16 = 4;
    /// v13 names topics by id only.
    const MAX: i16 = 12;
}

impl Api for MetadataRequest {
    const NAME: &'static str = "Metadata";
    /// v4 is the first with `allow_auto_topic_creation`.
    const MIN: i16 = 4;
    const MAX: i16 = 12;
}

impl Api for CreateTopicsRequest {
    const NAME: &'static str = "CreateTopics";
    const MIN: i16 = 2;
    const MAX: i16 = 7;
}

impl Api for DescribeConfigsRequest {
    const NAME: &'static str = "DescribeConfigs";
    /// v1 is the first with `config_source`, which tells explicitly set configs apart.
    const MIN: i16 = 1;
    const MAX: i16 = 4;
}

/// How a connection is opened and how long a request may take.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionSettings {
    pub client_id: StrBytes,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Largest response frame accepted (a guard against a corrupt length prefix).
    pub max_frame_bytes: usize,
}

/// An open, version-negotiated connection to one broker.
pub(crate) struct Connection {
    addr: String,
    settings: ConnectionSettings,
    frames: mpsc::Sender<Bytes>,
    shared: Arc<Shared>,
    next_correlation_id: AtomicI32,
    /// `(min, max)` per API key, as the broker announced.
    versions: HashMap<i16, (i16, i16)>,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

/// State shared with the reader and writer tasks.
struct Shared {
    addr: String,
    state: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    by_correlation_id: HashMap<i32, oneshot::Sender<Bytes>>,
    /// Why the connection is closed, once it is.
    closed: Option<String>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Waiters> {
        // A panic while holding this lock cannot leave the map inconsistent; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the connection closed and fails every waiter (by dropping its sender).
    fn close(&self, reason: String) {
        let mut state = self.lock();
        if state.closed.is_none() {
            tracing::debug!(broker = %self.addr, %reason, "kafka connection closed");
            state.closed = Some(reason);
        }
        state.by_correlation_id.clear();
    }

    fn closed_reason(&self) -> Option<String> {
        self.lock().closed.clone()
    }
}

/// Removes a waiter when its request finishes or is abandoned.
struct WaiterGuard<'a> {
    shared: &'a Shared,
    correlation_id: i32,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.shared
            .lock()
            .by_correlation_id
            .remove(&self.correlation_id);
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.addr)
            .field("open", &self.is_open())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects to `addr` (`host:port`), sets `TCP_NODELAY` and negotiates API versions.
    pub(crate) async fn open(addr: &str, settings: ConnectionSettings) -> Result<Self, KafkaError> {
        let stream = tokio::time::timeout(settings.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| KafkaError::Connect {
                broker: addr.to_string(),
                error: std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection within {:?}", settings.connect_timeout),
                ),
            })?
            .map_err(|error| KafkaError::Connect {
                broker: addr.to_string(),
                error,
            })?;
        stream
            .set_nodelay(true)
            .map_err(|error| KafkaError::Connect {
                broker: addr.to_string(),
                error,
            })?;
        let (read_half, write_half) = stream.into_split();

        let shared = Arc::new(Shared {
            addr: addr.to_string(),
            state: Mutex::new(Waiters::default()),
        });
        let (frames, frame_rx) = mpsc::channel(256);
        let reader = tokio::spawn(read_frames(
            read_half,
            Arc::clone(&shared),
            settings.max_frame_bytes,
        ));
        let writer = tokio::spawn(write_frames(write_half, frame_rx, Arc::clone(&shared)));

        let mut conn = Connection {
            addr: addr.to_string(),
            settings,
            frames,
            shared,
            next_correlation_id: AtomicI32::new(1),
            versions: HashMap::new(),
            reader,
            writer,
        };
        conn.versions = conn.negotiate_versions().await?;
        Ok(conn)
    }

    /// The broker address this connection goes to.
    pub(crate) fn addr(&self) -> &str {
        &self.addr
    }

    /// Whether the connection can still carry requests.
    pub(crate) fn is_open(&self) -> bool {
        self.shared.lock().closed.is_none()
    }

    /// Asks for the broker's API versions: v3 first, then v0, which every broker answers (a
    /// broker that does not know v3 replies in the v0 format with `UNSUPPORTED_VERSION`).
    async fn negotiate_versions(&self) -> Result<HashMap<i16, (i16, i16)>, KafkaError> {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("strait"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let response = match self.send_at(&request, ApiVersionsRequest::MAX).await {
            Ok(r) if r.error_code == 0 => r,
            Ok(_) | Err(KafkaError::Protocol { .. }) => {
                let r = self.send_at(&ApiVersionsRequest::default(), 0).await?;
                if r.error_code != 0 {
                    return Err(KafkaError::broker(
                        "ApiVersions",
                        "",
                        None,
                        r.error_code,
                        None,
                    ));
                }
                r
            }
            Err(e) => return Err(e),
        };
        Ok(versions_table(&response))
    }

    /// The version to use for `R`: the highest both sides support.
    pub(crate) fn version<R: Api>(&self) -> Result<i16, KafkaError> {
        let ours_min = R::MIN.max(R::VERSIONS.min);
        let ours_max = R::MAX.min(R::VERSIONS.max);
        let theirs = self.versions.get(&R::KEY).copied();
        match theirs {
            Some((min, max)) if max.min(ours_max) >= min.max(ours_min) => Ok(max.min(ours_max)),
            _ => Err(KafkaError::UnsupportedVersion {
                broker: self.addr.clone(),
                api: R::NAME,
                ours_min,
                ours_max,
                broker_min_max: theirs,
            }),
        }
    }

    /// Sends `request` at the negotiated version and waits for its response.
    pub(crate) async fn send<R: Api>(&self, request: &R) -> Result<(R::Response, i16), KafkaError> {
        let version = self.version::<R>()?;
        Ok((self.send_at(request, version).await?, version))
    }

    /// Sends `request` at `version` and waits for its response.
    pub(crate) async fn send_at<R: Api>(
        &self,
        request: &R,
        version: i16,
    ) -> Result<R::Response, KafkaError> {
        let protocol_error = |message: String| KafkaError::Protocol {
            broker: self.addr.clone(),
            api: R::NAME,
            message,
        };
        let correlation_id = self.next_correlation_id.fetch_add(1, Ordering::Relaxed);

        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(correlation_id)
            .with_client_id(Some(self.settings.client_id.clone()));
        let header_version = R::header_version(version);
        let size = header
            .compute_size(header_version)
            .and_then(|h| Ok(h + request.compute_size(version)?))
            .map_err(|e| protocol_error(format!("cannot encode the request: {e:#}")))?;
        let mut frame = BytesMut::with_capacity(4 + size);
        frame.put_i32(i32::try_from(size).map_err(|_| {
            protocol_error(format!("request of {size} bytes is too large to send"))
        })?);
        header
            .encode(&mut frame, header_version)
            .and_then(|()| request.encode(&mut frame, version))
            .map_err(|e| protocol_error(format!("cannot encode the request: {e:#}")))?;

        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.shared.lock();
            if let Some(reason) = &state.closed {
                return Err(self.lost(R::NAME, reason.clone()));
            }
            state.by_correlation_id.insert(correlation_id, tx);
        }
        let _guard = WaiterGuard {
            shared: &self.shared,
            correlation_id,
        };

        let exchange = async {
            self.frames
                .send(frame.freeze())
                .await
                .map_err(|_| self.lost(R::NAME, self.closed_reason()))?;
            rx.await
                .map_err(|_| self.lost(R::NAME, self.closed_reason()))
        };
        let mut response = match tokio::time::timeout(self.settings.request_timeout, exchange).await
        {
            Ok(result) => result?,
            Err(_) => {
                // Kafka's clients drop a connection whose request timed out: whatever the broker
                // is doing, later requests should not queue behind it.
                self.shared.close(format!(
                    "{} request timed out after {:?}",
                    R::NAME,
                    self.settings.request_timeout
                ));
                return Err(KafkaError::Timeout {
                    broker: self.addr.clone(),
                    api: R::NAME,
                    timeout: self.settings.request_timeout,
                });
            }
        };

        let header = ResponseHeader::decode(&mut response, R::Response::header_version(version))
            .map_err(|e| protocol_error(format!("bad response header: {e:#}")))?;
        if header.correlation_id != correlation_id {
            return Err(protocol_error(format!(
                "correlation id {} does not match the request's {correlation_id}",
                header.correlation_id
            )));
        }
        R::Response::decode(&mut response, version)
            .map_err(|e| protocol_error(format!("cannot decode v{version}: {e:#}")))
    }

    fn closed_reason(&self) -> String {
        self.shared
            .closed_reason()
            .unwrap_or_else(|| "connection closed".to_string())
    }

    fn lost(&self, api: &'static str, reason: String) -> KafkaError {
        KafkaError::ConnectionLost {
            broker: self.addr.clone(),
            api,
            reason,
        }
    }
}

fn versions_table(response: &ApiVersionsResponse) -> HashMap<i16, (i16, i16)> {
    response
        .api_keys
        .iter()
        .map(|k| (k.api_key, (k.min_version, k.max_version)))
        .collect()
}

/// Writes whole frames, one `write_all` each, until the connection closes.
async fn write_frames(
    mut socket: OwnedWriteHalf,
    mut frames: mpsc::Receiver<Bytes>,
    shared: Arc<Shared>,
) {
    while let Some(frame) = frames.recv().await {
        if let Err(e) = socket.write_all(&frame).await {
            shared.close(format!("write failed: {e}"));
            return;
        }
    }
}

/// Reads response frames and hands each to the waiter of its correlation id.
async fn read_frames(socket: OwnedReadHalf, shared: Arc<Shared>, max_frame_bytes: usize) {
    let mut socket = BufReader::with_capacity(64 * 1024, socket);
    let reason = loop {
        let length = match socket.read_i32().await {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break "closed by the broker".to_string()
            }
            Err(e) => break format!("read failed: {e}"),
        };
        let Ok(length) = usize::try_from(length) else {
            break format!("negative frame length {length}");
        };
        if !(4..=max_frame_bytes).contains(&length) {
            break format!("frame length {length} outside 4..={max_frame_bytes}");
        }
        let mut frame = Vec::with_capacity(length);
        match (&mut socket)
            .take(length as u64)
            .read_to_end(&mut frame)
            .await
        {
            Ok(n) if n == length => {}
            Ok(_) => break "closed by the broker mid-frame".to_string(),
            Err(e) => break format!("read failed: {e}"),
        }
        let correlation_id = i32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
        let waiter = shared.lock().by_correlation_id.remove(&correlation_id);
        match waiter {
            // The waiter may have given up (timeout, cancellation); that is fine.
            Some(tx) => drop(tx.send(Bytes::from(frame))),
            None => tracing::debug!(
                broker = %shared.addr,
                correlation_id,
                "kafka response nobody waits for"
            ),
        }
    };
    shared.close(reason);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_broker::{api_versions, response_frame};
    use kafka_protocol::messages::{ApiKey, BrokerId, MetadataResponse};
    use kafka_protocol::protocol::decode_request_header_from_buffer;
    use tokio::net::TcpListener;

    /// A scripted broker: answers ApiVersions itself and hands every other request's header
    /// to the test, which writes the answers (in any order) through `replies`.
    struct FakeBroker {
        addr: String,
        requests: mpsc::Receiver<RequestHeader>,
        replies: mpsc::Sender<Bytes>,
    }

    /// `apis`: (key, min, max) announced; `only_v0`: answer ApiVersions v3 with
    /// UNSUPPORTED_VERSION in the v0 format, as an old broker does.
    async fn fake_broker(apis: Vec<(ApiKey, i16, i16)>, only_v0: bool) -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (request_tx, requests) = mpsc::channel(16);
        let (replies, mut reply_rx) = mpsc::channel::<Bytes>(16);
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (mut rd, wr) = socket.into_split();
            let wr = Arc::new(tokio::sync::Mutex::new(wr));
            let writer = Arc::clone(&wr);
            tokio::spawn(async move {
                while let Some(frame) = reply_rx.recv().await {
                    writer.lock().await.write_all(&frame).await.unwrap();
                }
            });
            loop {
                let Ok(len) = rd.read_i32().await else { return };
                let mut body = vec![0; len as usize];
                rd.read_exact(&mut body).await.unwrap();
                let mut body = Bytes::from(body);
                let header = decode_request_header_from_buffer(&mut body).unwrap();
                if header.request_api_key == ApiKey::ApiVersions as i16 {
                    let version = header.request_api_version;
                    let (code, answer_version) = if only_v0 && version > 0 {
                        (35, 0)
                    } else {
                        (0, version)
                    };
                    let response = api_versions(&apis).with_error_code(code);
                    let frame = response_frame(header.correlation_id, answer_version, &response);
                    wr.lock().await.write_all(&frame).await.unwrap();
                } else if request_tx.send(header).await.is_err() {
                    return;
                }
            }
        });
        FakeBroker {
            addr,
            requests,
            replies,
        }
    }

    fn settings(request_timeout: Duration) -> ConnectionSettings {
        ConnectionSettings {
            client_id: StrBytes::from_static_str("test"),
            connect_timeout: Duration::from_secs(5),
            request_timeout,
            max_frame_bytes: 1 << 20,
        }
    }

    #[tokio::test]
    async fn negotiates_the_highest_common_version() {
        let broker = fake_broker(
            vec![
                (ApiKey::ApiVersions, 0, 3),
                (ApiKey::Produce, 0, 8),
                (ApiKey::Metadata, 0, 20),
                (ApiKey::Fetch, 0, 3),
            ],
            false,
        )
        .await;
        let conn = Connection::open(&broker.addr, settings(Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(
            conn.version::<ProduceRequest>().unwrap(),
            8,
            "broker's max below ours"
        );
        assert_eq!(
            conn.version::<MetadataRequest>().unwrap(),
            MetadataRequest::MAX,
            "ours below broker's"
        );
        let err = conn.version::<FetchRequest>().unwrap_err();
        assert!(
            matches!(
                err,
                KafkaError::UnsupportedVersion {
                    broker_min_max: Some((0, 3)),
                    ..
                }
            ),
            "{err}"
        );
        let err = conn.version::<DescribeConfigsRequest>().unwrap_err();
        assert!(
            matches!(
                err,
                KafkaError::UnsupportedVersion {
                    broker_min_max: None,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[tokio::test]
    async fn falls_back_to_api_versions_v0() {
        let broker = fake_broker(
            vec![(ApiKey::ApiVersions, 0, 2), (ApiKey::Produce, 3, 7)],
            true,
        )
        .await;
        let conn = Connection::open(&broker.addr, settings(Duration::from_secs(5)))
            .await
            .unwrap();
        assert_eq!(conn.version::<ProduceRequest>().unwrap(), 7);
    }

    #[tokio::test]
    async fn responses_reach_their_callers_whatever_their_order() {
        let mut broker = fake_broker(
            vec![(ApiKey::ApiVersions, 0, 3), (ApiKey::Metadata, 0, 12)],
            false,
        )
        .await;
        let conn = Connection::open(&broker.addr, settings(Duration::from_secs(5)))
            .await
            .unwrap();

        let request = MetadataRequest::default();
        let first = conn.send(&request);
        let second = conn.send(&request);
        let answer = async {
            let a = broker.requests.recv().await.unwrap();
            let b = broker.requests.recv().await.unwrap();
            assert_ne!(a.correlation_id, b.correlation_id);
            assert_eq!(a.client_id.as_deref(), Some("test"));
            // Answer the later request first; each response names its correlation id.
            for header in [b, a] {
                let body =
                    MetadataResponse::default().with_controller_id(BrokerId(header.correlation_id));
                let frame =
                    response_frame(header.correlation_id, header.request_api_version, &body);
                broker.replies.send(frame).await.unwrap();
            }
        };
        let (first, second, ()) = tokio::join!(first, second, answer);
        let (first, _) = first.unwrap();
        let (second, _) = second.unwrap();
        assert!(
            first.controller_id.0 < second.controller_id.0,
            "{first:?} {second:?}"
        );
    }

    #[tokio::test]
    async fn a_timed_out_request_closes_the_connection() {
        let mut broker = fake_broker(
            vec![(ApiKey::ApiVersions, 0, 3), (ApiKey::Metadata, 0, 12)],
            false,
        )
        .await;
        let conn = Connection::open(&broker.addr, settings(Duration::from_millis(200)))
            .await
            .unwrap();
        let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
        assert!(
            matches!(
                err,
                KafkaError::Timeout {
                    api: "Metadata",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.is_retriable());
        assert!(!conn.is_open());
        let _ = broker.requests.recv().await;
        let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
        assert!(matches!(err, KafkaError::ConnectionLost { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_broker_that_hangs_up_fails_the_waiting_request() {
        let mut broker = fake_broker(
            vec![(ApiKey::ApiVersions, 0, 3), (ApiKey::Metadata, 0, 12)],
            false,
        )
        .await;
        let conn = Connection::open(&broker.addr, settings(Duration::from_secs(5)))
            .await
            .unwrap();
        let metadata = MetadataRequest::default();
        let request = conn.send(&metadata);
        let hang_up = async {
            let header = broker.requests.recv().await.unwrap();
            // A frame whose length is absurd makes the client drop the connection.
            let mut bad = BytesMut::new();
            bad.put_i32(-5);
            bad.put_i32(header.correlation_id);
            broker.replies.send(bad.freeze()).await.unwrap();
        };
        let (result, ()) = tokio::join!(request, hang_up);
        let err = result.unwrap_err();
        assert!(
            matches!(err, KafkaError::ConnectionLost { ref reason, .. } if reason.contains("frame length")),
            "{err}"
        );
        assert!(!conn.is_open());
    }
}
