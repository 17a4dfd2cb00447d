//! A scripted single-node broker for the client's unit tests: it answers ApiVersions and
//! Metadata itself (every topic has one partition, led by this broker) and hands each Produce
//! request to the test, which answers it (or not) when it chooses. What only a fault or a
//! precise interleaving can show (a rejected batch, a batch resent after a retriable error, the
//! order in which batches reach the broker) is tested against it; everything else is tested
//! against tansu in `tests/kafka.rs`.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsResponse, BrokerId, MetadataRequest, MetadataResponse, ProduceRequest,
    ProduceResponse, ResponseHeader,
};
use kafka_protocol::protocol::{
    decode_request_header_from_buffer, Decodable, Encodable, HeaderVersion,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// The API versions the broker announces.
const APIS: [(ApiKey, i16, i16); 3] = [
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::Metadata, 4, 12),
    (ApiKey::Produce, 3, 9),
];

/// A running fake broker.
pub(crate) struct TestBroker {
    pub addr: String,
    produced: mpsc::Receiver<Produced>,
}

/// One Produce request, waiting for the test's answer.
pub(crate) struct Produced {
    /// The topic, partition and record batch the request carried (exactly one of each).
    pub topic: String,
    pub partition: i32,
    pub batch: Bytes,
    version: i16,
    correlation_id: i32,
    reply: oneshot::Sender<Bytes>,
}

impl Produced {
    /// Answers with `error_code` (0 for success) and, on success, `base_offset`.
    pub(crate) fn answer(self, error_code: i16, base_offset: i64) {
        let response =
            ProduceResponse::default().with_responses(vec![TopicProduceResponse::default()
                .with_name(kafka_protocol::messages::TopicName(
                    kafka_protocol::protocol::StrBytes::from_string(self.topic.clone()),
                ))
                .with_partition_responses(vec![PartitionProduceResponse::default()
                    .with_index(self.partition)
                    .with_error_code(error_code)
                    .with_base_offset(if error_code == 0 { base_offset } else { -1 })])]);
        let frame = response_frame(self.correlation_id, self.version, &response);
        let _ = self.reply.send(frame);
    }
}

impl TestBroker {
    /// Starts listening on a free local port.
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, produced) = mpsc::channel(64);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, addr.port(), tx.clone()));
            }
        });
        Self {
            addr: addr.to_string(),
            produced,
        }
    }

    /// The next Produce request, if one arrives within `wait`.
    pub(crate) async fn next_produce(&mut self, wait: std::time::Duration) -> Option<Produced> {
        tokio::time::timeout(wait, self.produced.recv())
            .await
            .ok()
            .flatten()
    }
}

/// Serves one connection until the client closes it.
async fn serve(socket: tokio::net::TcpStream, port: u16, produced: mpsc::Sender<Produced>) {
    let (mut rd, wr) = socket.into_split();
    // Produce answers come from the test, possibly later: a writer task sends them in order.
    let (frames, mut frame_rx) = mpsc::unbounded_channel::<oneshot::Receiver<Bytes>>();
    tokio::spawn(async move {
        let mut wr = wr;
        while let Some(frame) = frame_rx.recv().await {
            let Ok(frame) = frame.await else { return };
            if wr.write_all(&frame).await.is_err() {
                return;
            }
        }
    });
    loop {
        let Ok(len) = rd.read_i32().await else { return };
        let mut body = vec![0; len as usize];
        if rd.read_exact(&mut body).await.is_err() {
            return;
        }
        let mut body = Bytes::from(body);
        let header = decode_request_header_from_buffer(&mut body).unwrap();
        let (reply, answer) = oneshot::channel();
        frames.send(answer).unwrap();
        let version = header.request_api_version;
        match ApiKey::try_from(header.request_api_key).unwrap() {
            ApiKey::ApiVersions => {
                let response = api_versions(&APIS);
                let _ = reply.send(response_frame(header.correlation_id, version, &response));
            }
            ApiKey::Metadata => {
                let request = MetadataRequest::decode(&mut body, version).unwrap();
                let _ = reply.send(response_frame(
                    header.correlation_id,
                    version,
                    &metadata(&request, port),
                ));
            }
            ApiKey::Produce => {
                let request = ProduceRequest::decode(&mut body, version).unwrap();
                let topic = &request.topic_data[0];
                let data = &topic.partition_data[0];
                let produce = Produced {
                    topic: topic.name.as_str().to_string(),
                    partition: data.index,
                    batch: data.records.clone().unwrap_or_default(),
                    version,
                    correlation_id: header.correlation_id,
                    reply,
                };
                if produced.send(produce).await.is_err() {
                    return;
                }
            }
            other => panic!("the test broker does not serve {other:?}"),
        }
    }
}

/// Every asked-for topic exists with one partition, led by this broker (node 1).
fn metadata(request: &MetadataRequest, port: u16) -> MetadataResponse {
    let topics = request
        .topics
        .iter()
        .flatten()
        .map(|t| {
            MetadataResponseTopic::default()
                .with_name(t.name.clone())
                .with_partitions(vec![MetadataResponsePartition::default()
                    .with_partition_index(0)
                    .with_leader_id(BrokerId(1))])
        })
        .collect();
    MetadataResponse::default()
        .with_brokers(vec![MetadataResponseBroker::default()
            .with_node_id(BrokerId(1))
            .with_host(kafka_protocol::protocol::StrBytes::from_static_str(
                "127.0.0.1",
            ))
            .with_port(i32::from(port))])
        .with_controller_id(BrokerId(1))
        .with_topics(topics)
}

/// An ApiVersions answer announcing `apis` as (key, min version, max version).
pub(crate) fn api_versions(apis: &[(ApiKey, i16, i16)]) -> ApiVersionsResponse {
    ApiVersionsResponse::default().with_api_keys(
        apis.iter()
            .map(|(key, min, max)| {
                ApiVersion::default()
                    .with_api_key(*key as i16)
                    .with_min_version(*min)
                    .with_max_version(*max)
            })
            .collect(),
    )
}

/// A response frame: length, header and body, as a broker writes it.
pub(crate) fn response_frame<R: Encodable + HeaderVersion>(
    correlation_id: i32,
    version: i16,
    body: &R,
) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i32(0);
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(&mut buf, R::header_version(version))
        .unwrap();
    body.encode(&mut buf, version).unwrap();
    let len = (buf.len() - 4) as i32;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    buf.freeze()
}
