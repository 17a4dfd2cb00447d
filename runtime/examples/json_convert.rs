//! CPU cost of the JsonConverter (`schemas.enable=true`) on Debezium MySQL change events.
//!
//! Builds the records the MySQL connector emits for the benchmark table of `benches/mysql.rs`
//! (`id INT PRIMARY KEY, account BIGINT, qty INT, name VARCHAR(32), price DECIMAL(10,2),
//! score DOUBLE, created DATETIME(6), note VARCHAR(64)`): a key Struct and a version-2 envelope
//! Struct with `before`/`after`, the 17-field `io.debezium.connector.mysql.Source` block, `op`,
//! `ts_ms`/`ts_us`/`ts_ns` and a null `transaction`; two inserts for every update, as the
//! benchmark's load. The schemas mirror `connectors/src/mysql/envelope.rs`. Every record in the
//! pool has different values. The key and the value go through `from_connect_data` of two
//! converters configured as the worker configures them, and the process CPU time of the
//! conversion loop is printed per record, together with a hash of every output byte so runs
//! before and after a change can be checked for identical output.
//!
//! `cargo run --release -p strait-runtime --example json_convert -- [records] [pool]`

use std::collections::BTreeMap;
use std::time::Duration;

use strait_api::{logical, Converter, Decimal, Schema, SchemaBuilder, SchemaType, Struct, Value};
use strait_runtime::converters::JsonConverter;

const TOPIC: &str = "bench.db.t";

/// The schemas of one table version, shared by every record as the connector shares them.
struct Schemas {
    key: Schema,
    value: Schema,
    source: Schema,
    envelope: Schema,
}

fn schemas() -> Schemas {
    let decimal = logical::decimal(2)
        .parameter("connect.decimal.precision", "10")
        .build();
    let micro_ts = SchemaBuilder::new(SchemaType::Int64)
        .name("io.debezium.time.MicroTimestamp")
        .version(1)
        .build();
    let value = SchemaBuilder::struct_()
        .name(format!("{TOPIC}.Value"))
        .field("id", Schema::int32())
        .field("account", Schema::int64())
        .field("qty", Schema::int32())
        .field("name", Schema::string())
        .field("price", decimal)
        .field("score", Schema::float64())
        .field("created", micro_ts)
        .field("note", Schema::optional_string())
        .optional()
        .build();
    let key = SchemaBuilder::struct_()
        .name(format!("{TOPIC}.Key"))
        .field("id", Schema::int32())
        .build();
    let snapshot = SchemaBuilder::new(SchemaType::String)
        .name("io.debezium.data.Enum")
        .version(1)
        .parameter(
            "allowed",
            "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental",
        )
        .default_value(Value::String("false".into()))
        .optional()
        .build();
    let source = SchemaBuilder::struct_()
        .name("io.debezium.connector.mysql.Source")
        .version(1)
        .field("version", Schema::string())
        .field("connector", Schema::string())
        .field("name", Schema::string())
        .field("ts_ms", Schema::int64())
        .field("snapshot", snapshot)
        .field("db", Schema::string())
        .field("sequence", Schema::optional_string())
        .field("ts_us", Schema::optional_int64())
        .field("ts_ns", Schema::optional_int64())
        .field("table", Schema::optional_string())
        .field("server_id", Schema::int64())
        .field("gtid", Schema::optional_string())
        .field("file", Schema::string())
        .field("pos", Schema::int64())
        .field("row", Schema::int32())
        .field("thread", Schema::optional_int64())
        .field("query", Schema::optional_string())
        .build();
    let transaction = SchemaBuilder::struct_()
        .optional()
        .name("event.block")
        .version(1)
        .field("id", Schema::string())
        .field("total_order", Schema::int64())
        .field("data_collection_order", Schema::int64())
        .build();
    let envelope = SchemaBuilder::struct_()
        .name(format!("{TOPIC}.Envelope"))
        .version(2)
        .field("before", value.clone())
        .field("after", value.clone())
        .field("source", source.clone())
        .field("transaction", transaction)
        .field("op", Schema::string())
        .field("ts_ms", Schema::optional_int64())
        .field("ts_us", Schema::optional_int64())
        .field("ts_ns", Schema::optional_int64())
        .build();
    Schemas {
        key,
        value,
        source,
        envelope,
    }
}

/// The row the benchmark inserts as row `i` (`updated` = after its update).
fn row(s: &Schemas, i: i64, updated: bool) -> Value {
    let mut r = Struct::new(s.value.clone());
    r.put_index(0, Value::Int32(i as i32));
    r.put_index(1, Value::Int64(i * 7919));
    r.put_index(2, Value::Int32((i % 1000) as i32 + i32::from(updated)));
    r.put_index(3, Value::from(format!("customer-{i:08}")));
    r.put_index(
        4,
        Value::Decimal(Decimal::new((i % 10_000) * 100 + i % 100, 2)),
    );
    r.put_index(5, Value::Float64(i as f64 * 0.25));
    // 2024-05-01 12:34:56.xxxxxx in microseconds since the epoch.
    r.put_index(6, Value::Int64(1_714_566_896_000_000 + i % 1_000_000));
    let note = if updated {
        format!("updated {i}")
    } else {
        format!("note for row {i}")
    };
    r.put_index(7, Value::String(note.into()));
    Value::Struct(r)
}

/// The key and envelope of event `n`: rows are inserted, every third event updates a row.
fn record(s: &Schemas, n: i64) -> (Value, Value) {
    let update = n % 3 == 2;
    let id = if update { n / 3 + 1 } else { n - n / 3 + 1 };
    let mut key = Struct::new(s.key.clone());
    key.put_index(0, Value::Int32(id as i32));

    let ts_s = 1_714_566_896 + n / 1000;
    let ts_nanos = (n % 1000) * 1_000_000 + 123_456;
    let (ms, us, ns) = (
        ts_s * 1000 + ts_nanos / 1_000_000,
        ts_s * 1_000_000 + ts_nanos / 1000,
        ts_s * 1_000_000_000 + ts_nanos,
    );
    let mut source = Struct::new(s.source.clone());
    source.put_index(0, Value::String("3.6.3.Final".into()));
    source.put_index(1, Value::String("mysql".into()));
    source.put_index(2, Value::String("bench".into()));
    source.put_index(3, Value::Int64(ms));
    source.put_index(5, Value::String("db".into()));
    source.put_index(7, Value::Int64(us));
    source.put_index(8, Value::Int64(ns));
    source.put_index(9, Value::String("t".into()));
    source.put_index(10, Value::Int64(1));
    source.put_index(11, Value::from(format!("0-1-{}", 1000 + n / 100)));
    source.put_index(12, Value::String("mysql-bin.000003".into()));
    source.put_index(13, Value::Int64(4 + n * 37));
    source.put_index(14, Value::Int32((n % 100) as i32));

    let mut env = Struct::new(s.envelope.clone());
    if update {
        env.put_index(0, row(s, id, false));
    }
    env.put_index(1, row(s, id, update));
    env.put_index(2, Value::Struct(source));
    env.put_index(4, Value::String(if update { "u" } else { "c" }.into()));
    let now_ms = ms + 3;
    env.put_index(5, Value::Int64(now_ms));
    env.put_index(6, Value::Int64(now_ms * 1000 + 17));
    env.put_index(7, Value::Int64(now_ms * 1_000_000 + 17_042));
    (Value::Struct(key), Value::Struct(env))
}

/// A converter configured as `worker::converters::build` configures it.
fn converter(is_key: bool) -> Result<Box<dyn Converter>, strait_api::ConnectError> {
    let mut settings = BTreeMap::new();
    settings.insert("schemas.enable".to_string(), "true".to_string());
    let kind = if is_key { "key" } else { "value" };
    settings.insert("converter.type".to_string(), kind.to_string());
    let mut c: Box<dyn Converter> = Box::new(JsonConverter::default());
    c.configure(&settings, is_key)?;
    Ok(c)
}

/// The CPU time (user + system) this process has used, from `/proc/self/schedstat` (ns).
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// FNV-1a over all output bytes, to compare outputs across builds.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let records: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(300_000);
    let pool_size: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(4096);
    let hash_outputs = std::env::var_os("JSON_CONVERT_NO_HASH").is_none();

    let s = schemas();
    let pool: Vec<(Value, Value)> = (0..pool_size as i64).map(|n| record(&s, n)).collect();
    let key_conv = converter(true)?;
    let value_conv = converter(false)?;

    let mut bytes = 0usize;
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut convert_cpu = Duration::ZERO;
    let mut done = 0;
    while done < records {
        let batch = (records - done).min(pool.len());
        let start = cpu_time();
        let mut outputs = Vec::with_capacity(batch);
        for (key, value) in &pool[..batch] {
            let k = key_conv.from_connect_data(TOPIC, Some(&s.key), key)?;
            let v = value_conv.from_connect_data(TOPIC, Some(&s.envelope), value)?;
            outputs.push((k, v));
        }
        std::hint::black_box(&outputs);
        convert_cpu += cpu_time() - start;
        for (k, v) in &outputs {
            let (k, v) = (k.as_deref().unwrap_or(&[]), v.as_deref().unwrap_or(&[]));
            bytes += k.len() + v.len();
            if hash_outputs && done < pool.len() {
                fnv(&mut hash, k);
                fnv(&mut hash, v);
            }
        }
        done += batch;
    }
    let per_record = convert_cpu.as_nanos() as f64 / records as f64 / 1000.0;
    println!(
        "records {records}  pool {pool_size}  bytes/record {:.0}  cpu {:.3} s  {per_record:.3} µs/record  hash(first pool) {hash:016x}",
        bytes as f64 / records as f64,
        convert_cpu.as_secs_f64(),
    );
    Ok(())
}
