//! Log levels changed at run time (`/admin/loggers`), over a `tracing` reload handle.
//!
//! Kafka names loggers after Java packages and levels after log4j; Strait's loggers are Rust
//! module paths (`strait_runtime::worker`, `strait_connectors::mysql`), and `root` is the
//! default level. Levels accept log4j's names: `FATAL` maps to `error` and `OFF` silences the
//! logger. Only loggers whose level was set explicitly are listed, with the time it was set,
//! as Kafka does.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tracing_subscriber::{reload, EnvFilter, Registry};

/// The level of one logger, as `/admin/loggers` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggerLevel {
    /// Upper-case log4j level name.
    pub level: String,
    /// Epoch milliseconds of the last change, if it was changed at run time.
    pub last_modified: Option<i64>,
}

/// Why a level change was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoggerError {
    #[error("invalid log level '{0}'.")]
    InvalidLevel(String),
    #[error("Logger {0} not found.")]
    NotFound(String),
    #[error("failed to apply log level: {0}")]
    Apply(String),
}

/// Reads and changes log levels.
pub trait LogLevels: Send + Sync {
    /// Every logger with an explicit level, including `root`.
    fn loggers(&self) -> BTreeMap<String, LoggerLevel>;
    /// One logger's level.
    fn logger(&self, name: &str) -> Result<LoggerLevel, LoggerError>;
    /// Sets a logger's level; returns the affected logger names.
    fn set_level(&self, name: &str, level: &str) -> Result<Vec<String>, LoggerError>;
}

/// Normalizes a log4j level name; `None` when invalid.
pub fn normalize_level(level: &str) -> Option<&'static str> {
    Some(match level.to_ascii_uppercase().as_str() {
        "OFF" => "OFF",
        "FATAL" => "FATAL",
        "ERROR" => "ERROR",
        "WARN" => "WARN",
        "INFO" => "INFO",
        "DEBUG" => "DEBUG",
        "TRACE" => "TRACE",
        _ => return None,
    })
}

fn directive_level(level: &str) -> &'static str {
    match level {
        "OFF" => "off",
        "FATAL" | "ERROR" => "error",
        "WARN" => "warn",
        "INFO" => "info",
        "DEBUG" => "debug",
        _ => "trace",
    }
}

/// [`LogLevels`] over a reloadable `EnvFilter`.
pub struct ReloadableLevels {
    handle: reload::Handle<EnvFilter, Registry>,
    levels: Mutex<BTreeMap<String, LoggerLevel>>,
}

impl ReloadableLevels {
    /// Wraps a reload handle; `root_level` is the starting default level (log4j name).
    pub fn new(handle: reload::Handle<EnvFilter, Registry>, root_level: &str) -> Self {
        let mut levels = BTreeMap::new();
        let root = normalize_level(root_level).unwrap_or("INFO");
        levels.insert(
            "root".to_string(),
            LoggerLevel {
                level: root.to_string(),
                last_modified: None,
            },
        );
        Self {
            handle,
            levels: Mutex::new(levels),
        }
    }

    fn apply(&self, levels: &BTreeMap<String, LoggerLevel>) -> Result<(), LoggerError> {
        let mut spec = String::new();
        for (name, l) in levels {
            if !spec.is_empty() {
                spec.push(',');
            }
            if name == "root" {
                spec.push_str(directive_level(&l.level));
            } else {
                spec.push_str(&format!("{name}={}", directive_level(&l.level)));
            }
        }
        let filter = EnvFilter::try_new(&spec).map_err(|e| LoggerError::Apply(e.to_string()))?;
        self.handle
            .reload(filter)
            .map_err(|e| LoggerError::Apply(e.to_string()))
    }
}

impl LogLevels for ReloadableLevels {
    fn loggers(&self) -> BTreeMap<String, LoggerLevel> {
        self.levels.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn logger(&self, name: &str) -> Result<LoggerLevel, LoggerError> {
        self.loggers()
            .get(name)
            .cloned()
            .ok_or_else(|| LoggerError::NotFound(name.to_string()))
    }

    fn set_level(&self, name: &str, level: &str) -> Result<Vec<String>, LoggerError> {
        let level =
            normalize_level(level).ok_or_else(|| LoggerError::InvalidLevel(level.to_string()))?;
        let mut levels = self
            .levels
            .lock()
            .map_err(|e| LoggerError::Apply(e.to_string()))?;
        let mut next = levels.clone();
        let now = chrono::Utc::now().timestamp_millis();
        next.insert(
            name.to_string(),
            LoggerLevel {
                level: level.to_string(),
                last_modified: Some(now),
            },
        );
        self.apply(&next)?;
        *levels = next;
        Ok(vec![name.to_string()])
    }
}
