//! Opening connections and asking the server the few questions every other module needs: which
//! server it is, where its binlog is now, which files it still has.
//!
//! Errors are classified once here: a server that cannot be reached or drops the connection is
//! *retriable* (the task stays RUNNING and reconnects with backoff), a refused login is a
//! *config* problem, and a binlog position the server no longer has is *fatal* with a message
//! telling the user how to recover.

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Row};
use strait_api::ConnectError;

use super::config::ConnectionConfig;

/// `ER_ACCESS_DENIED_ERROR`.
pub const ACCESS_DENIED: u16 = 1045;
/// `ER_MASTER_FATAL_ERROR_READING_BINLOG`: the requested position or GTID is gone.
pub const FATAL_READING_BINLOG: u16 = 1236;

/// Connection options for a config.
pub fn opts(config: &ConnectionConfig) -> Opts {
    OptsBuilder::default()
        .ip_or_hostname(config.hostname.clone())
        .tcp_port(config.port)
        .user(Some(config.user.clone()))
        .pass(config.password.clone())
        .prefer_socket(false)
        .tcp_nodelay(true)
        .tcp_keepalive(Some(Duration::from_secs(60)))
        .into()
}

/// Describes a connection error with the endpoint, classified for the worker.
pub fn classify_error(
    config: &ConnectionConfig,
    what: &str,
    e: mysql_async::Error,
) -> ConnectError {
    let endpoint = format!("{}:{}", config.hostname, config.port);
    match &e {
        mysql_async::Error::Server(s) if s.code == ACCESS_DENIED => ConnectError::config(
            super::config::USER,
            format!("{what} at {endpoint} failed: {s}; check database.user and database.password"),
        ),
        mysql_async::Error::Server(_) => {
            ConnectError::fatal_from(format!("{what} at {endpoint} failed"), e)
        }
        _ => ConnectError::retriable_from(format!("{what} at {endpoint} failed"), e),
    }
}

/// Opens a query connection within `connect.timeout.ms`, running `database.initial.statements`
/// when `initial` is set.
///
/// # Errors
/// Retriable when the server is unreachable, config when the login is refused.
pub async fn connect(config: &ConnectionConfig, initial: bool) -> Result<Conn, ConnectError> {
    let opts = opts(config);
    let attempt = tokio::time::timeout(
        config.connect_timeout.max(Duration::from_millis(1)),
        Conn::new(opts),
    )
    .await;
    let mut conn = match attempt {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return Err(classify_error(config, "connecting to MySQL", e)),
        Err(_) => {
            return Err(ConnectError::retriable(format!(
                "connecting to MySQL at {}:{} timed out after {:?} (connect.timeout.ms)",
                config.hostname, config.port, config.connect_timeout
            )))
        }
    };
    if initial {
        for statement in &config.initial_statements {
            conn.query_drop(statement).await.map_err(|e| {
                classify_error(
                    config,
                    &format!("running initial statement '{statement}'"),
                    e,
                )
            })?;
        }
    }
    Ok(conn)
}

/// What the connector needs to know about the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    pub version: String,
    pub mariadb: bool,
    /// MySQL `@@gtid_mode` is ON (MariaDB always has GTIDs).
    pub gtid_mode: bool,
    /// The server appends CRC32 checksums to binlog events.
    pub checksums: bool,
    pub server_id: u32,
}

fn text(row: &Row, i: usize) -> Option<String> {
    match row.as_ref(i) {
        Some(mysql_async::Value::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        Some(mysql_async::Value::Int(n)) => Some(n.to_string()),
        Some(mysql_async::Value::UInt(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// One global variable as text.
///
/// # Errors
/// The server's error.
pub async fn variable(conn: &mut Conn, name: &str) -> Result<Option<String>, mysql_async::Error> {
    let row: Option<Row> = conn
        .query_first(format!("SHOW GLOBAL VARIABLES LIKE '{name}'"))
        .await?;
    Ok(row.and_then(|r| text(&r, 1)))
}

/// Reads the server's identity and binlog settings.
///
/// # Errors
/// The server's error.
pub async fn server_info(conn: &mut Conn) -> Result<ServerInfo, mysql_async::Error> {
    let version = variable(conn, "version").await?.unwrap_or_default();
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    let gtid_mode = if mariadb {
        true
    } else {
        variable(conn, "gtid_mode")
            .await?
            .is_some_and(|m| m.eq_ignore_ascii_case("ON"))
    };
    let checksums = variable(conn, "binlog_checksum")
        .await?
        .is_some_and(|c| !c.eq_ignore_ascii_case("NONE"));
    let server_id = variable(conn, "server_id")
        .await?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(ServerInfo {
        version,
        mariadb,
        gtid_mode,
        checksums,
        server_id,
    })
}

/// The current end of the binlog: file, position and executed GTIDs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinlogPosition {
    pub file: String,
    pub pos: u64,
    pub gtids: Option<String>,
}

/// Reads the current binlog position (`SHOW MASTER STATUS`, or `SHOW BINARY LOG STATUS` on
/// MySQL 8.4+), with MariaDB's `gtid_binlog_pos` or MySQL's executed GTID set.
///
/// # Errors
/// The server's error, or a fatal error when binary logging is off.
pub async fn binlog_position(
    conn: &mut Conn,
    info: &ServerInfo,
) -> Result<BinlogPosition, ConnectError> {
    let status: Option<Row> = match conn.query_first("SHOW MASTER STATUS").await {
        Ok(row) => row,
        Err(_) => conn
            .query_first("SHOW BINARY LOG STATUS")
            .await
            .map_err(|e| ConnectError::retriable_from("reading the binlog position failed", e))?,
    };
    let status = status.ok_or_else(|| {
        ConnectError::fatal("the server reports no binlog position: enable binary logging (log_bin) and restart the connector")
    })?;
    let file = text(&status, 0).unwrap_or_default();
    let pos = text(&status, 1).and_then(|p| p.parse().ok()).unwrap_or(4);
    let gtids = if info.mariadb {
        variable(conn, "gtid_binlog_pos")
            .await
            .map_err(|e| ConnectError::retriable_from("reading gtid_binlog_pos failed", e))?
    } else if info.gtid_mode {
        text(&status, 4)
    } else {
        None
    };
    Ok(BinlogPosition {
        file,
        pos,
        gtids: gtids
            .map(|g| g.replace(['\n', '\r'], ""))
            .filter(|g| !g.trim().is_empty()),
    })
}

/// The binlog files the server still has, oldest first.
///
/// # Errors
/// The server's error.
pub async fn binary_logs(conn: &mut Conn) -> Result<Vec<String>, mysql_async::Error> {
    let rows: Vec<Row> = conn.query("SHOW BINARY LOGS").await?;
    Ok(rows.iter().filter_map(|r| text(r, 0)).collect())
}

/// The current time on the server as epoch seconds (Debezium stamps snapshot records with
/// the database's `CURRENT_TIMESTAMP`, read per table).
///
/// # Errors
/// The server's error.
pub async fn server_time(conn: &mut Conn) -> Result<i64, mysql_async::Error> {
    let row: Option<Row> = conn.query_first("SELECT UNIX_TIMESTAMP()").await?;
    Ok(row
        .and_then(|r| text(&r, 0))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}
