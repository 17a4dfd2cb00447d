//! Which broker to ask: bootstrap, metadata, partition leaders and a connection per broker.
//!
//! Produce and Fetch must go to a partition's leader; Metadata, DescribeConfigs and (since
//! KIP-590 forwarding) CreateTopics may go to any broker, CreateTopics preferably to the
//! controller. This module keeps the cluster view Metadata responses give (broker addresses, the
//! controller, each topic's partition leaders) and one multiplexed [`Connection`] per broker
//! address, reopened when it fails. Leaders are forgotten when a request says they moved, and
//! looked up again on the next use. It is deliberately small: it targets a single-node broker
//! (tansu in tests) or a plain multi-broker cluster reachable at its advertised addresses, with no
//! TLS, SASL, rack awareness or follower fetching.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::connection::{Connection, ConnectionSettings};
use crate::KafkaError;

/// What Metadata said about one topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TopicMetadata {
    /// The topic does not exist.
    Missing,
    /// The topic exists; the leader of each partition (index = partition), `None` while there
    /// is no leader.
    Present(Vec<Option<i32>>),
}

#[derive(Default)]
struct View {
    /// Node id → `host:port`.
    brokers: HashMap<i32, String>,
    controller: Option<i32>,
    /// Topic → leader per partition.
    leaders: HashMap<String, Vec<Option<i32>>>,
}

/// The client's view of the cluster and its connections.
pub(crate) struct Cluster {
    bootstrap: Vec<String>,
    settings: ConnectionSettings,
    view: Mutex<View>,
    /// Open connections by broker address. Held across a connect, which serialises opening
    /// connections (rare) but never the requests on open ones.
    connections: tokio::sync::Mutex<HashMap<String, Arc<Connection>>>,
}

impl Cluster {
    /// A cluster reached through `bootstrap` (`host:port` each); nothing is connected yet.
    pub(crate) fn new(bootstrap: Vec<String>, settings: ConnectionSettings) -> Self {
        Self {
            bootstrap,
            settings,
            view: Mutex::new(View::default()),
            connections: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    fn view(&self) -> std::sync::MutexGuard<'_, View> {
        self.view.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The open connection to `addr`, opening one if needed.
    pub(crate) async fn connection(&self, addr: &str) -> Result<Arc<Connection>, KafkaError> {
        let mut connections = self.connections.lock().await;
        if let Some(conn) = connections.get(addr) {
            if conn.is_open() {
                return Ok(Arc::clone(conn));
            }
        }
        let conn = Arc::new(Connection::open(addr, self.settings.clone()).await?);
        connections.insert(addr.to_string(), Arc::clone(&conn));
        Ok(conn)
    }

    /// Any usable connection: an open one if there is one, else the bootstrap servers and then
    /// the known brokers, in order.
    pub(crate) async fn any_connection(&self) -> Result<Arc<Connection>, KafkaError> {
        {
            let connections = self.connections.lock().await;
            if let Some(conn) = connections.values().find(|c| c.is_open()) {
                return Ok(Arc::clone(conn));
            }
        }
        let known: Vec<String> = self.view().brokers.values().cloned().collect();
        let mut last_error = None;
        for addr in self.bootstrap.iter().chain(&known) {
            match self.connection(addr).await {
                Ok(conn) => return Ok(conn),
                Err(e) => {
                    tracing::debug!(broker = %addr, error = %e, "kafka broker unreachable");
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| KafkaError::Config {
            message: "no bootstrap servers".to_string(),
        }))
    }

    /// The connection to the controller, or to any broker when the controller is unknown.
    pub(crate) async fn controller_connection(&self) -> Result<Arc<Connection>, KafkaError> {
        let controller = {
            let view = self.view();
            view.controller
                .and_then(|id| view.brokers.get(&id).cloned())
        };
        let controller = match controller {
            Some(addr) => Some(addr),
            None => {
                self.metadata(Some(&[]), false).await?;
                let view = self.view();
                view.controller
                    .and_then(|id| view.brokers.get(&id).cloned())
            }
        };
        match controller {
            Some(addr) => self.connection(&addr).await,
            None => self.any_connection().await,
        }
    }

    /// Sends Metadata for `topics` (`None`: all topics) and updates the view from the answer.
    pub(crate) async fn metadata(
        &self,
        topics: Option<&[&str]>,
        allow_auto_topic_creation: bool,
    ) -> Result<MetadataResponse, KafkaError> {
        let request = MetadataRequest::default()
            .with_topics(topics.map(|names| {
                names
                    .iter()
                    .map(|name| {
                        MetadataRequestTopic::default()
                            .with_name(Some(TopicName(StrBytes::from_string(name.to_string()))))
                    })
                    .collect()
            }))
            .with_allow_auto_topic_creation(allow_auto_topic_creation);
        let conn = self.any_connection().await?;
        let (response, _) = conn.send(&request).await?;
        self.update(&response);
        Ok(response)
    }

    fn update(&self, response: &MetadataResponse) {
        let mut view = self.view();
        for broker in &response.brokers {
            view.brokers.insert(
                broker.node_id.0,
                format!("{}:{}", broker.host.as_str(), broker.port),
            );
        }
        view.controller = (response.controller_id.0 >= 0).then_some(response.controller_id.0);
        for topic in &response.topics {
            let Some(name) = &topic.name else { continue };
            match topic_metadata(topic) {
                Ok(TopicMetadata::Present(leaders)) => {
                    view.leaders.insert(name.as_str().to_string(), leaders);
                }
                _ => {
                    view.leaders.remove(name.as_str());
                }
            }
        }
    }

    /// Asks the broker about `topic` and updates the view. With `allow_auto_topic_creation`, a
    /// broker configured to do so creates a missing topic, as the Java producer's metadata
    /// requests allow by default; without it nothing is created (tansu honours the flag).
    pub(crate) async fn lookup(
        &self,
        topic: &str,
        allow_auto_topic_creation: bool,
    ) -> Result<TopicMetadata, KafkaError> {
        let response = self
            .metadata(Some(&[topic]), allow_auto_topic_creation)
            .await?;
        let found = response
            .topics
            .iter()
            .find(|t| t.name.as_ref().is_some_and(|n| n.as_str() == topic));
        match found {
            Some(t) => topic_metadata(t)
                .map_err(|code| KafkaError::broker("Metadata", topic, None, code, None)),
            None => Ok(TopicMetadata::Missing),
        }
    }

    /// The connection to the leader of `topic`/`partition`.
    pub(crate) async fn leader(
        &self,
        topic: &str,
        partition: i32,
        allow_auto_topic_creation: bool,
    ) -> Result<Arc<Connection>, KafkaError> {
        let wanted = usize::try_from(partition).ok();
        let cached = self.view().leaders.get(topic).and_then(|leaders| {
            let index = wanted?;
            leaders.get(index).copied()
        });
        // Not in the view (or beyond the partitions it knows, which may have grown): ask.
        let leader = match cached {
            Some(leader) => leader,
            None => match self.lookup(topic, allow_auto_topic_creation).await? {
                TopicMetadata::Missing => {
                    return Err(KafkaError::UnknownTopic {
                        topic: topic.to_string(),
                    })
                }
                TopicMetadata::Present(leaders) => *wanted
                    .and_then(|index| leaders.get(index))
                    .ok_or_else(|| KafkaError::UnknownPartition {
                        topic: topic.to_string(),
                        partition,
                        partitions: i32::try_from(leaders.len()).unwrap_or(i32::MAX),
                    })?,
            },
        };
        let addr = leader.and_then(|id| self.view().brokers.get(&id).cloned());
        match addr {
            Some(addr) => self.connection(&addr).await,
            None => {
                self.forget(topic);
                Err(KafkaError::broker(
                    "Metadata",
                    topic,
                    Some(partition),
                    ResponseError::LeaderNotAvailable.code(),
                    None,
                ))
            }
        }
    }

    /// Drops what the view knows about `topic`, so the next use asks the broker again.
    pub(crate) fn forget(&self, topic: &str) {
        self.view().leaders.remove(topic);
    }
}

/// A topic's metadata, or the error code that makes it unusable for now.
fn topic_metadata(
    topic: &kafka_protocol::messages::metadata_response::MetadataResponseTopic,
) -> Result<TopicMetadata, i16> {
    match ResponseError::try_from_code(topic.error_code) {
        None => {}
        Some(ResponseError::UnknownTopicOrPartition) => return Ok(TopicMetadata::Missing),
        Some(_) => return Err(topic.error_code),
    }
    let count = topic
        .partitions
        .iter()
        .map(|p| p.partition_index + 1)
        .max()
        .unwrap_or(0)
        .max(0) as usize;
    if count == 0 {
        // A topic that is still being created can be listed before its partitions are.
        return Err(ResponseError::LeaderNotAvailable.code());
    }
    let mut leaders = vec![None; count];
    for p in &topic.partitions {
        if let Some(slot) = usize::try_from(p.partition_index)
            .ok()
            .and_then(|i| leaders.get_mut(i))
        {
            *slot = (p.leader_id.0 >= 0).then_some(p.leader_id.0);
        }
    }
    Ok(TopicMetadata::Present(leaders))
}
