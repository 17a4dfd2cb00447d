//! An in-memory [`Herder`] that keeps connectors in a map and answers with Kafka's messages;
//! enough state to check the HTTP contract, none of the worker's behaviour.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use strait_api::config::{ConfigInfo, ConfigKeyInfo, ConfigValueInfo};
use strait_api::{ConfigDef, ConfigKey, ConfigType, Importance, PluginKind};

use crate::entities::*;
use crate::error::ApiError;
use crate::herder::{Created, Herder};

pub(crate) const CLASS: &str = "io.debezium.connector.mysql.MySqlConnector";

#[derive(Default)]
pub(crate) struct FakeState {
    pub connectors: BTreeMap<String, FakeConnector>,
    /// Listed by `connectors()` but gone when looked up (removed concurrently).
    pub ghosts: Vec<String>,
    pub loggers: BTreeMap<String, LoggerLevel>,
    pub cluster_levels: Vec<(String, String)>,
    pub validated_plugin: Option<String>,
}

pub(crate) struct FakeConnector {
    pub config: ConfigMap,
    pub target: TargetState,
    pub tasks: u32,
    pub offsets: ConnectorOffsets,
    pub initial_state: Option<TargetState>,
}

#[derive(Default)]
pub(crate) struct Fake {
    pub state: Mutex<FakeState>,
    /// `server_info` and `health_check` never answer.
    pub stall: bool,
    pub ready: bool,
}

impl Fake {
    pub fn new() -> Self {
        let fake = Self {
            ready: true,
            ..Self::default()
        };
        fake.state.lock().unwrap().loggers.insert(
            "root".into(),
            LoggerLevel {
                level: "INFO".into(),
                last_modified: None,
            },
        );
        fake
    }

    /// Adds a running connector with two tasks.
    pub fn with_connector(self, name: &str) -> Self {
        let config: ConfigMap = [
            ("connector.class".to_string(), CLASS.to_string()),
            ("name".to_string(), name.to_string()),
        ]
        .into();
        self.state.lock().unwrap().connectors.insert(
            name.to_string(),
            FakeConnector {
                config,
                target: TargetState::Started,
                tasks: 2,
                offsets: ConnectorOffsets::default(),
                initial_state: None,
            },
        );
        self
    }

    fn with<T>(
        &self,
        name: &str,
        missing: impl FnOnce() -> ApiError,
        f: impl FnOnce(&mut FakeConnector) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut state = self.state.lock().unwrap();
        match state.connectors.get_mut(name) {
            Some(c) => f(c),
            None => Err(missing()),
        }
    }
}

fn info(name: &str, c: &FakeConnector) -> ConnectorInfo {
    ConnectorInfo {
        name: name.to_string(),
        config: c.config.clone(),
        tasks: (0..c.tasks)
            .map(|t| ConnectorTaskId::new(name, t))
            .collect(),
        connector_type: ConnectorType::Source,
    }
}

fn task_state(id: u32) -> TaskState {
    // Task 1 has failed; the others run.
    let failed = id == 1;
    TaskState {
        id,
        state: if failed {
            State::Failed
        } else {
            State::Running
        },
        worker_id: "worker-1:8083".into(),
        trace: failed.then(|| "java.lang.RuntimeException: boom".to_string()),
    }
}

fn status(name: &str, c: &FakeConnector) -> ConnectorStateInfo {
    let state = match c.target {
        TargetState::Started => State::Running,
        TargetState::Paused => State::Paused,
        TargetState::Stopped => State::Stopped,
    };
    ConnectorStateInfo {
        name: name.to_string(),
        connector: ConnectorState {
            state,
            worker_id: "worker-1:8083".into(),
            trace: None,
        },
        tasks: (0..c.tasks).map(task_state).collect(),
        connector_type: ConnectorType::Source,
    }
}

fn stopped_only(name: &str, c: &FakeConnector) -> Result<(), ApiError> {
    if c.target != TargetState::Stopped || c.tasks != 0 {
        return Err(ApiError::bad_request(format!(
            "Connectors must be in the STOPPED state before their offsets can be modified. \
             This can be done for the specified connector by issuing a 'PUT' request to the \
             '/connectors/{name}/stop' endpoint"
        )));
    }
    Ok(())
}

pub(crate) fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            "database.hostname",
            ConfigType::String,
            Importance::High,
            "Resolvable hostname or IP address of the database server.",
        )
        .group("Connection", 1),
    )
}

#[async_trait]
impl Herder for Fake {
    async fn server_info(&self) -> Result<ServerInfo, ApiError> {
        if self.stall {
            std::future::pending::<()>().await;
        }
        Ok(ServerInfo {
            version: "3.9.0".into(),
            commit: "c0ffee".into(),
            kafka_cluster_id: Some("cluster-1".into()),
        })
    }

    async fn health_check(&self) -> Result<(), ApiError> {
        if self.stall {
            std::future::pending::<()>().await;
        }
        Ok(())
    }

    fn is_ready(&self) -> bool {
        self.ready
    }

    async fn connectors(&self) -> Result<Vec<String>, ApiError> {
        let state = self.state.lock().unwrap();
        let mut names: Vec<String> = state.connectors.keys().cloned().collect();
        names.extend(state.ghosts.iter().cloned());
        Ok(names)
    }

    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| Ok(info(name, c)),
        )
    }

    async fn connector_status(&self, name: &str) -> Result<ConnectorStateInfo, ApiError> {
        self.with(
            name,
            || ApiError::not_found(format!("No status found for connector {name}")),
            |c| Ok(status(name, c)),
        )
    }

    async fn connector_config(&self, name: &str) -> Result<ConfigMap, ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| Ok(c.config.clone()),
        )
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> Result<Created<ConnectorInfo>, ApiError> {
        let mut state = self.state.lock().unwrap();
        let exists = state.connectors.contains_key(name);
        if exists && !allow_replace {
            return Err(ApiError::connector_exists(name));
        }
        if !config.contains_key("connector.class") {
            return Err(ApiError::bad_request(format!(
                "Connector config {config:?} contains no connector type"
            )));
        }
        let connector = FakeConnector {
            config,
            target: initial_state.unwrap_or(TargetState::Started),
            tasks: 1,
            offsets: ConnectorOffsets::default(),
            initial_state,
        };
        let result = info(name, &connector);
        state.connectors.insert(name.to_string(), connector);
        Ok(Created {
            created: !exists,
            result,
        })
    }

    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> Result<ConnectorInfo, ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| {
                for (key, value) in patch {
                    match value {
                        Some(v) => c.config.insert(key, v),
                        None => c.config.remove(&key),
                    };
                }
                Ok(info(name, c))
            },
        )
    }

    async fn delete_connector(&self, name: &str) -> Result<(), ApiError> {
        let mut state = self.state.lock().unwrap();
        match state.connectors.remove(name) {
            Some(_) => Ok(()),
            None => Err(ApiError::connector_not_found(name)),
        }
    }

    async fn restart_connector(&self, name: &str) -> Result<(), ApiError> {
        self.with(
            name,
            || ApiError::not_found(format!("Unknown connector: {name}")),
            |_| Ok(()),
        )
    }

    async fn restart_connector_and_tasks(
        &self,
        request: RestartRequest,
    ) -> Result<ConnectorStateInfo, ApiError> {
        let name = request.connector.clone();
        self.with(
            &name,
            || ApiError::not_found(format!("Unknown connector: {name}")),
            |c| {
                let mut plan = status(&name, c);
                if request.should_restart_connector(plan.connector.state) {
                    plan.connector.state = State::Restarting;
                }
                for task in &mut plan.tasks {
                    if request.should_restart_task(task.state) {
                        task.state = State::Restarting;
                    }
                }
                Ok(plan)
            },
        )
    }

    async fn restart_task(&self, id: &ConnectorTaskId) -> Result<(), ApiError> {
        self.with(
            &id.connector,
            || ApiError::not_found(format!("Unknown connector: {}", id.connector)),
            |c| {
                if id.task < c.tasks {
                    Ok(())
                } else {
                    Err(ApiError::not_found(format!("Unknown task: {id}")))
                }
            },
        )
    }

    async fn pause_connector(&self, name: &str) -> Result<(), ApiError> {
        self.with(
            name,
            || ApiError::not_found(format!("Unknown connector {name}")),
            |c| {
                c.target = TargetState::Paused;
                Ok(())
            },
        )
    }

    async fn resume_connector(&self, name: &str) -> Result<(), ApiError> {
        self.with(
            name,
            || ApiError::not_found(format!("Unknown connector {name}")),
            |c| {
                c.target = TargetState::Started;
                Ok(())
            },
        )
    }

    async fn stop_connector(&self, name: &str) -> Result<(), ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| {
                c.target = TargetState::Stopped;
                c.tasks = 0;
                Ok(())
            },
        )
    }

    async fn task_configs(&self, name: &str) -> Result<Vec<TaskInfo>, ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| {
                Ok((0..c.tasks)
                    .map(|t| TaskInfo {
                        id: ConnectorTaskId::new(name, t),
                        config: [("task.id".to_string(), t.to_string())].into(),
                    })
                    .collect())
            },
        )
    }

    async fn task_status(&self, id: &ConnectorTaskId) -> Result<TaskState, ApiError> {
        let missing = || ApiError::not_found(format!("No status found for task {id}"));
        self.with(&id.connector, missing, |c| {
            if id.task < c.tasks {
                Ok(task_state(id.task))
            } else {
                Err(missing())
            }
        })
    }

    async fn active_topics(&self, name: &str) -> Result<ActiveTopicsInfo, ApiError> {
        if name == "untracked" {
            return Err(ApiError::forbidden("Topic tracking is disabled."));
        }
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |_| {
                Ok(ActiveTopicsInfo {
                    connector: name.to_string(),
                    topics: vec!["orders".into(), "customers".into()],
                })
            },
        )
    }

    async fn reset_active_topics(&self, name: &str) -> Result<(), ApiError> {
        self.with(name, || ApiError::connector_not_found(name), |_| Ok(()))
    }

    async fn connector_offsets(&self, name: &str) -> Result<ConnectorOffsets, ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| Ok(c.offsets.clone()),
        )
    }

    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> Result<Message, ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| {
                stopped_only(name, c)?;
                c.offsets = offsets;
                Ok(Message::new(
                    "The offsets for this connector have been altered successfully",
                ))
            },
        )
    }

    async fn reset_connector_offsets(&self, name: &str) -> Result<Message, ApiError> {
        self.with(
            name,
            || ApiError::connector_not_found(name),
            |c| {
                stopped_only(name, c)?;
                c.offsets = ConnectorOffsets::default();
                Ok(Message::new(
                    "The offsets for this connector have been reset successfully",
                ))
            },
        )
    }

    async fn plugins(&self) -> Result<Vec<PluginInfo>, ApiError> {
        Ok(vec![
            PluginInfo::new(CLASS, PluginKind::Source, "2.7.0.Final"),
            PluginInfo::new(
                "org.apache.kafka.connect.transforms.InsertField$Value",
                PluginKind::Transformation,
                "undefined",
            ),
            PluginInfo::new(
                "org.apache.kafka.connect.json.JsonConverter",
                PluginKind::Converter,
                "3.9.0",
            ),
        ])
    }

    async fn plugin_config(&self, plugin: &str) -> Result<Vec<ConfigKeyInfo>, ApiError> {
        if plugin == CLASS || plugin == "MySqlConnector" {
            Ok(config_def()
                .keys()
                .iter()
                .map(ConfigKeyInfo::from)
                .collect())
        } else {
            Err(ApiError::not_found(format!("Unknown plugin {plugin}.")))
        }
    }

    async fn validate_connector_config(
        &self,
        plugin: &str,
        config: ConfigMap,
    ) -> Result<ConfigInfos, ApiError> {
        self.state.lock().unwrap().validated_plugin = Some(plugin.to_string());
        let Some(class) = config.get("connector.class") else {
            return Err(ApiError::bad_request(format!(
                "Connector config {config:?} contains no connector type"
            )));
        };
        let def = config_def();
        let configs = def
            .keys()
            .iter()
            .zip(def.validate(&config))
            .map(|(key, value)| ConfigInfo {
                definition: Some(ConfigKeyInfo::from(key)),
                value: Some(ConfigValueInfo::from(value)),
            })
            .collect();
        Ok(ConfigInfos::new(class.clone(), def.groups(), configs))
    }

    async fn loggers(&self) -> Result<BTreeMap<String, LoggerLevel>, ApiError> {
        Ok(self.state.lock().unwrap().loggers.clone())
    }

    async fn logger(&self, name: &str) -> Result<Option<LoggerLevel>, ApiError> {
        Ok(self.state.lock().unwrap().loggers.get(name).cloned())
    }

    async fn set_worker_logger_level(
        &self,
        name: &str,
        level: &str,
    ) -> Result<Vec<String>, ApiError> {
        self.state.lock().unwrap().loggers.insert(
            name.to_string(),
            LoggerLevel {
                level: level.to_ascii_uppercase(),
                last_modified: Some(1_700_000_000_000),
            },
        );
        Ok(vec![name.to_string()])
    }

    async fn set_cluster_logger_level(&self, name: &str, level: &str) -> Result<(), ApiError> {
        self.state
            .lock()
            .unwrap()
            .cluster_levels
            .push((name.to_string(), level.to_string()));
        Ok(())
    }
}
