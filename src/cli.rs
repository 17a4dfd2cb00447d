//! The command line, mirroring Kafka's `connect-distributed.sh` and `connect-standalone.sh`.
//!
//! ```text
//! strait distributed <worker.properties>
//! strait standalone <worker.properties> [connector.properties|connector.json ...]
//! strait --version
//! ```
//! Connector files are `.properties` files or JSON in the shape of a `POST /connectors` body
//! (`{"name": ..., "config": {...}}`) or of a `PUT /connectors/{name}/config` body (a flat map
//! with `name`), as Kafka's standalone worker accepts them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use strait_runtime::worker::config::WorkerMode;
use strait_runtime::worker::properties;

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Version,
    Help,
    Run {
        mode: WorkerMode,
        worker_file: PathBuf,
        connector_files: Vec<PathBuf>,
    },
}

/// A command-line or config-file problem, shown to the user as is.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {reason}")]
    Parse { path: String, reason: String },
}

/// The usage text.
pub const USAGE: &str = "usage:\n  strait distributed <worker.properties>\n  strait standalone <worker.properties> [connector.properties|connector.json ...]\n  strait --version";

/// Parses the arguments after the program name.
///
/// # Errors
/// A usage error naming what is missing.
pub fn parse_args(args: &[String]) -> Result<Command, CliError> {
    match args.first().map(String::as_str) {
        Some("--version" | "-V" | "version") => Ok(Command::Version),
        Some("--help" | "-h" | "help") => Ok(Command::Help),
        Some(mode @ ("distributed" | "standalone")) => {
            let worker_file = args.get(1).ok_or_else(|| {
                CliError::Usage(format!("{mode} needs a worker properties file\n{USAGE}"))
            })?;
            let connector_files: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
            let mode = if mode == "distributed" {
                WorkerMode::Distributed
            } else {
                WorkerMode::Standalone
            };
            if mode == WorkerMode::Distributed && !connector_files.is_empty() {
                return Err(CliError::Usage(format!(
                    "distributed mode takes only the worker properties file\n{USAGE}"
                )));
            }
            Ok(Command::Run {
                mode,
                worker_file: PathBuf::from(worker_file),
                connector_files,
            })
        }
        Some(other) => Err(CliError::Usage(format!("unknown command {other}\n{USAGE}"))),
        None => Err(CliError::Usage(USAGE.to_string())),
    }
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Reads a `.properties` file.
///
/// # Errors
/// When the file cannot be read or parsed.
pub fn read_properties(path: &Path) -> Result<BTreeMap<String, String>, CliError> {
    properties::parse(&read(path)?).map_err(|reason| CliError::Parse {
        path: path.display().to_string(),
        reason,
    })
}

/// Reads a connector config file (`.json` or `.properties`), returning its config with `name`.
///
/// # Errors
/// When the file cannot be read or parsed, or names no connector.
pub fn read_connector_file(path: &Path) -> Result<BTreeMap<String, String>, CliError> {
    let bad = |reason: String| CliError::Parse {
        path: path.display().to_string(),
        reason,
    };
    let mut config = if path.extension().is_some_and(|e| e == "json") {
        let v: serde_json::Value =
            serde_json::from_str(&read(path)?).map_err(|e| bad(e.to_string()))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("expected a JSON object".into()))?;
        let (name, map) = match obj.get("config") {
            Some(serde_json::Value::Object(c)) => (
                obj.get("name").and_then(|n| n.as_str()).map(str::to_string),
                c.clone(),
            ),
            _ => (None, obj.clone()),
        };
        let mut config = BTreeMap::new();
        for (k, v) in map {
            let s = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            config.insert(k, s);
        }
        if let Some(n) = name {
            config.insert("name".to_string(), n);
        }
        config
    } else {
        read_properties(path)?
    };
    let name = config
        .get("name")
        .map(|n| n.trim().to_string())
        .unwrap_or_default();
    if name.is_empty() {
        return Err(bad("the connector config has no name".into()));
    }
    config.insert("name".to_string(), name);
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_kafka_style_commands() {
        assert_eq!(parse_args(&args(&["--version"])).unwrap(), Command::Version);
        assert_eq!(
            parse_args(&args(&[
                "standalone",
                "w.properties",
                "a.json",
                "b.properties"
            ]))
            .unwrap(),
            Command::Run {
                mode: WorkerMode::Standalone,
                worker_file: "w.properties".into(),
                connector_files: vec!["a.json".into(), "b.properties".into()]
            }
        );
        assert!(
            matches!(parse_args(&args(&["distributed"])), Err(CliError::Usage(m)) if m.contains("worker properties"))
        );
        assert!(parse_args(&args(&["distributed", "w", "extra"])).is_err());
        assert!(parse_args(&args(&["nope"])).is_err());
    }

    #[test]
    fn reads_both_connector_json_shapes() {
        let dir = std::env::temp_dir().join(format!("strait-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.json");
        std::fs::write(
            &a,
            r#"{"name":"a","config":{"connector.class":"X","tasks.max":1}}"#,
        )
        .unwrap();
        let b = dir.join("b.json");
        std::fs::write(&b, r#"{"name":"b","connector.class":"Y"}"#).unwrap();
        let c = dir.join("c.properties");
        std::fs::write(&c, "connector.class=Z\n").unwrap();
        let ca = read_connector_file(&a).unwrap();
        assert_eq!((ca["name"].as_str(), ca["tasks.max"].as_str()), ("a", "1"));
        assert_eq!(read_connector_file(&b).unwrap()["connector.class"], "Y");
        assert!(
            matches!(read_connector_file(&c), Err(CliError::Parse { reason, .. }) if reason.contains("no name"))
        );
    }
}
