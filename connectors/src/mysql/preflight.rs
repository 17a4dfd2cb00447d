//! Live prechecks run by `validate`: can the connector reach the server with these credentials,
//! and is the server set up for row-based change capture?
//!
//! Each problem names the configuration key it belongs to (connection problems on
//! `database.hostname`/`database.user`, server settings on `database.hostname`, privileges on
//! `database.user`, replica id clashes on `database.server.id`, keyless tables on
//! `table.include.list`, an unreachable or compacted schema history topic on the
//! `schema.history.internal.kafka.*` keys) and says how to fix it, so `PUT .../config/validate` shows everything
//! at once, as Kafka Connect does for its own checks.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use super::config::{self, HistoryStorage, LockingMode, MySqlSourceConfig, SnapshotMode};
use super::connection::{self, ServerInfo, ACCESS_DENIED};
use super::history::SchemaHistoryTopic;
use super::schema::load_tables;
use super::types::Kind;

/// A problem: the key it belongs to and what to do.
pub type Problem = (String, String);

fn problem(key: &str, message: impl Into<String>) -> Problem {
    (key.to_string(), message.into())
}

/// Runs every precheck against the server.
pub async fn check(config: &MySqlSourceConfig) -> Vec<Problem> {
    let mut problems = history_topic(config).await;
    let mut conn = match connect(config).await {
        Ok(conn) => conn,
        Err(p) => {
            problems.push(p);
            return problems;
        }
    };
    let info = match connection::server_info(&mut conn).await {
        Ok(i) => i,
        Err(e) => {
            problems.push(problem(
                config::HOSTNAME,
                format!("cannot read the server settings: {e}"),
            ));
            return problems;
        }
    };
    problems.extend(server_settings(&mut conn, &info).await);
    problems.extend(privileges(&mut conn, config).await);
    problems.extend(server_id(&mut conn, config, &info).await);
    problems.extend(tables(&mut conn, config, &info).await);
    let _ = conn.disconnect().await;
    problems
}

/// How long the history's Kafka cluster gets to answer a precheck.
const HISTORY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The schema history topic: its cluster is reachable, and an existing topic is not compacted
/// (its records have no key, which a compacted topic refuses: the connector would fail at its
/// first DDL statement).
async fn history_topic(config: &MySqlSourceConfig) -> Vec<Problem> {
    let HistoryStorage::Kafka {
        topic,
        bootstrap_servers,
    } = &config.history.storage
    else {
        return Vec::new();
    };
    let checked = tokio::time::timeout(HISTORY_TIMEOUT, async {
        let history = SchemaHistoryTopic::connect(bootstrap_servers, topic).await?;
        history.configs().await
    })
    .await;
    match checked {
        Ok(Ok(None)) => Vec::new(),
        Ok(Ok(Some(configs))) => match configs.get("cleanup.policy") {
            Some(policy) if policy.contains("compact") => vec![problem(
                config::SCHEMA_HISTORY_TOPIC,
                format!(
                    "the schema history topic '{topic}' has cleanup.policy={policy}: its records \
                     have no key, which a compacted topic refuses. Use a topic with \
                     cleanup.policy=delete and unlimited retention (retention.ms=-1), as the \
                     connector creates it when the topic does not exist"
                ),
            )],
            _ => Vec::new(),
        },
        Ok(Err(e)) => vec![problem(
            config::SCHEMA_HISTORY_BOOTSTRAP,
            format!("cannot use the schema history topic '{topic}' at {bootstrap_servers}: {e}"),
        )],
        Err(_) => vec![problem(
            config::SCHEMA_HISTORY_BOOTSTRAP,
            format!(
                "the schema history's Kafka cluster at {bootstrap_servers} did not answer within \
                 {} s",
                HISTORY_TIMEOUT.as_secs()
            ),
        )],
    }
}

async fn connect(config: &MySqlSourceConfig) -> Result<Conn, Problem> {
    let c = &config.connection;
    let attempt = tokio::time::timeout(c.connect_timeout, Conn::new(connection::opts(c))).await;
    match attempt {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(mysql_async::Error::Server(s))) if s.code == ACCESS_DENIED => Err(problem(
            config::USER,
            format!(
                "the server at {}:{} refused user '{}': {}; check database.user and database.password",
                c.hostname, c.port, c.user, s.message
            ),
        )),
        Ok(Err(e)) => Err(problem(
            config::HOSTNAME,
            format!("cannot connect to {}:{}: {e}; check database.hostname and database.port", c.hostname, c.port),
        )),
        Err(_) => Err(problem(
            config::HOSTNAME,
            format!(
                "connecting to {}:{} timed out after {:?}; check database.hostname, database.port and connect.timeout.ms",
                c.hostname, c.port, c.connect_timeout
            ),
        )),
    }
}

async fn server_settings(conn: &mut Conn, info: &ServerInfo) -> Vec<Problem> {
    let mut problems = Vec::new();
    let var = |v: Result<Option<String>, mysql_async::Error>| v.ok().flatten().unwrap_or_default();
    let log_bin = var(connection::variable(conn, "log_bin").await);
    if !log_bin.eq_ignore_ascii_case("ON") && log_bin != "1" {
        problems.push(problem(
            config::HOSTNAME,
            format!(
                "binary logging is off on the server (log_bin={log_bin}); start it with --log-bin"
            ),
        ));
    }
    let format = var(connection::variable(conn, "binlog_format").await);
    if !format.eq_ignore_ascii_case("ROW") {
        problems.push(problem(
            config::HOSTNAME,
            format!("binlog_format is '{format}' but must be ROW; run SET GLOBAL binlog_format='ROW' and set it in the server configuration"),
        ));
    }
    let image = var(connection::variable(conn, "binlog_row_image").await);
    if !image.is_empty() && !image.eq_ignore_ascii_case("FULL") {
        problems.push(problem(
            config::HOSTNAME,
            format!("binlog_row_image is '{image}' but must be FULL; run SET GLOBAL binlog_row_image='FULL' and set it in the server configuration"),
        ));
    }
    if info.mariadb {
        let compress = var(connection::variable(conn, "log_bin_compress").await);
        if compress.eq_ignore_ascii_case("ON") {
            problems.push(problem(
                config::HOSTNAME,
                "log_bin_compress is ON; compressed binlog events cannot be read: set log_bin_compress=OFF",
            ));
        }
    } else {
        let partial = var(connection::variable(conn, "binlog_row_value_options").await);
        if partial.to_ascii_uppercase().contains("PARTIAL_JSON") {
            problems.push(problem(
                config::HOSTNAME,
                "binlog_row_value_options=PARTIAL_JSON writes partial JSON updates, which cannot be captured; set it to ''",
            ));
        }
    }
    match connection::binary_logs(conn).await {
        Ok(files) if files.is_empty() => problems.push(problem(
            config::HOSTNAME,
            "the server lists no binary logs (SHOW BINARY LOGS); enable binary logging",
        )),
        Ok(_) => {}
        Err(e) => problems.push(problem(
            config::USER,
            format!(
                "SHOW BINARY LOGS failed ({e}); grant REPLICATION CLIENT (MariaDB: BINLOG MONITOR)"
            ),
        )),
    }
    problems
}

/// Checks the grants of the current user for what capture needs.
async fn privileges(conn: &mut Conn, config: &MySqlSourceConfig) -> Vec<Problem> {
    let rows: Vec<Row> = match conn.query("SHOW GRANTS FOR CURRENT_USER()").await {
        Ok(r) => r,
        Err(e) => {
            return vec![problem(
                config::USER,
                format!("cannot read the user's grants: {e}"),
            )]
        }
    };
    let grants: Vec<String> = rows
        .iter()
        .filter_map(|r| match r.as_ref(0) {
            Some(mysql_async::Value::Bytes(b)) => {
                Some(String::from_utf8_lossy(b).to_ascii_uppercase())
            }
            _ => None,
        })
        .collect();
    let global: Vec<&String> = grants.iter().filter(|g| g.contains(" ON *.* ")).collect();
    let has = |privilege: &str| {
        global
            .iter()
            .any(|g| g.contains("ALL PRIVILEGES") || g.contains(privilege))
    };
    let mut missing = Vec::new();
    if !has("REPLICATION SLAVE") && !has("REPLICATION REPLICA") {
        missing.push("REPLICATION SLAVE");
    }
    if !has("REPLICATION CLIENT") && !has("BINLOG MONITOR") {
        missing.push("REPLICATION CLIENT (MariaDB 10.5+: BINLOG MONITOR)");
    }
    let selects = has("SELECT")
        || grants
            .iter()
            .any(|g| g.contains("GRANT SELECT") || g.contains("ALL PRIVILEGES"));
    if !selects && config.snapshot_mode.snapshots_data() {
        missing.push("SELECT");
    }
    if config.snapshot_mode != SnapshotMode::Never
        && config.locking_mode != LockingMode::None
        && !has("RELOAD")
        && !has("LOCK TABLES")
    {
        missing.push("RELOAD (or LOCK TABLES, or snapshot.locking.mode=none)");
    }
    if missing.is_empty() {
        return Vec::new();
    }
    vec![problem(
        config::USER,
        format!(
            "user '{}' lacks {}; grant them with GRANT ... ON *.* TO '{}'",
            config.connection.user,
            missing.join(", "),
            config.connection.user
        ),
    )]
}

async fn server_id(conn: &mut Conn, config: &MySqlSourceConfig, info: &ServerInfo) -> Vec<Problem> {
    let mut problems = Vec::new();
    if info.server_id == config.server_id {
        problems.push(problem(
            config::SERVER_ID,
            format!(
                "database.server.id={} is the server's own server_id; choose an id no other server or replica uses",
                config.server_id
            ),
        ));
    }
    let rows: Vec<Row> = match conn.query("SHOW SLAVE HOSTS").await {
        Ok(r) => r,
        Err(_) => conn.query("SHOW REPLICAS").await.unwrap_or_default(),
    };
    for row in rows {
        let id: Option<u32> = row.get_opt::<u32, _>(0).and_then(Result::ok);
        let host: String = row
            .get_opt::<String, _>(1)
            .and_then(Result::ok)
            .unwrap_or_default();
        // Binlog clients such as this connector register without a host; only real replicas
        // (which report one) are a conflict, so re-validating a running connector passes.
        if id == Some(config.server_id) && !host.is_empty() {
            problems.push(problem(
                config::SERVER_ID,
                format!(
                    "database.server.id={} is used by the replica at {host}; choose an id no other replica uses",
                    config.server_id
                ),
            ));
        }
    }
    problems
}

async fn tables(conn: &mut Conn, config: &MySqlSourceConfig, info: &ServerInfo) -> Vec<Problem> {
    let defs = match load_tables(conn, &config.filters, info.mariadb, None).await {
        Ok(d) => d,
        Err(e) => {
            return vec![problem(
                config::USER,
                format!("cannot read information_schema: {e}"),
            )]
        }
    };
    let mut problems = Vec::new();
    let mut keyless = Vec::new();
    for def in &defs {
        for col in &def.columns {
            if let Err(e) = Kind::of(col, &config.values) {
                problems.push(problem(
                    config::TABLE_INCLUDE,
                    format!(
                        "table {}: {e}; exclude the table or the column (column.exclude.list)",
                        def.id
                    ),
                ));
            }
        }
        let names = def.column_names();
        let has_key = !def.primary_key.is_empty()
            || config
                .key_columns
                .key_for(&def.id.db, &def.id.table, &names)
                .is_some();
        if !has_key {
            keyless.push(def.id.to_string());
        }
    }
    if !keyless.is_empty() {
        problems.push(problem(
            config::MESSAGE_KEY_COLUMNS,
            format!(
                "captured tables without a primary key, a NOT NULL unique index or a \
                 message.key.columns entry: {}; their records would have no key (and no \
                 ordering per row in Kafka): add a primary key, set message.key.columns, or \
                 exclude them",
                keyless.join(", ")
            ),
        ));
    }
    problems
}
