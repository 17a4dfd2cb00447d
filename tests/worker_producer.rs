mod common;

// The worker's producer settings on a real worker and broker: `producer.compression.type` on the
// worker and `producer.override.compression.type` per connector decide the codec of the batches
// that reach the topic (read back with the batch's codec), the records stay byte-identical, and
// `connector.client.config.override.policy` refuses overrides with Kafka's message.

use serde_json::Value;

use common::unique_name;
use common::worker::{append_lines, file_source_config, Topics, Worker};
use strait_runtime::kafka::CompressionType;

fn lines(prefix: &str) -> Vec<String> {
    (0..40)
        .map(|i| format!("{prefix} line {i:03} {}", "x".repeat(i % 23)))
        .collect()
}

/// Runs a file source with `extra` connector keys; returns its topic's payloads and codecs.
fn run_file_source(
    worker: &Worker,
    topics: &Topics,
    name: &str,
    extra: &[(&str, &str)],
) -> (Vec<String>, Vec<CompressionType>, Vec<String>) {
    let file = worker.dir().join(format!("{name}.txt"));
    let topic = unique_name(name);
    let written = lines(name);
    append_lines(&file, &written);
    let mut config = file_source_config(&file, &topic);
    for (k, v) in extra {
        config[*k] = Value::from(*v);
    }
    worker.create_connector(&unique_name(name), &config);
    let payloads = topics.wait_for_payloads(worker, &topic, written.len());
    let codecs = topics
        .records(&topic)
        .iter()
        .map(|r| r.compression)
        .collect();
    (payloads, codecs, written)
}

#[test]
fn batches_use_the_worker_codec_or_the_connector_override() {
    let worker = Worker::distributed_with("producer", &[("producer.compression.type", "gzip")]);
    let topics = Topics::connect();

    let (payloads, codecs, written) = run_file_source(&worker, &topics, "by_worker", &[]);
    assert_eq!(payloads, written);
    assert!(
        codecs.iter().all(|c| *c == CompressionType::Gzip),
        "{codecs:?}"
    );

    for codec in ["lz4", "zstd", "snappy", "none"] {
        let key = "producer.override.compression.type";
        let (payloads, codecs, written) = run_file_source(
            &worker,
            &topics,
            &format!("override_{codec}"),
            &[(key, codec)],
        );
        assert_eq!(payloads, written, "{codec}");
        let want = CompressionType::parse(codec).unwrap();
        assert!(codecs.iter().all(|c| *c == want), "{codec}: {codecs:?}");
    }
}

#[test]
fn bad_or_refused_overrides_are_config_errors_naming_the_key() {
    let worker = Worker::distributed("producer_bad");
    let file = worker.dir().join("in.txt");
    append_lines(&file, &["a"]);
    for (key, value, expected) in [
        (
            "producer.override.compression.type",
            "LZ4",
            "Invalid value LZ4 for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd",
        ),
        (
            "producer.override.linger.ms",
            "5",
            "producer.override.linger.ms is not supported by Strait yet",
        ),
    ] {
        let mut config = file_source_config(&file, "unused_topic");
        config[key] = Value::from(value);
        let name = unique_name("bad_override");
        let r = worker.post(
            "/connectors",
            &serde_json::json!({"name": name, "config": config}),
        );
        assert_eq!(r.status, 400, "{key}: {}", r.raw);
        assert_eq!(r.body["error_code"], 400, "{}", r.raw);
        assert!(r.message().contains(expected), "{key}: {}", r.raw);
        assert_eq!(worker.get(&format!("/connectors/{name}")).status, 404);
    }

    let strict = Worker::distributed_with(
        "producer_none",
        &[("connector.client.config.override.policy", "None")],
    );
    let mut config = file_source_config(&file, "unused_topic");
    config["producer.override.compression.type"] = Value::from("lz4");
    config["name"] = Value::from("validated");
    let r = strict.put(
        "/connector-plugins/FileStreamSource/config/validate",
        &config,
    );
    assert_eq!(r.status, 200, "{}", r.raw);
    assert_eq!(r.body["error_count"], 1, "{}", r.raw);
    let errors: Vec<&Value> = r.body["configs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["value"]["name"] == "producer.override.compression.type")
        .collect();
    assert_eq!(
        errors[0]["value"]["errors"],
        serde_json::json!([
            "The 'None' policy does not allow 'compression.type' to be overridden in the connector configuration."
        ]),
        "{}",
        r.raw
    );
}
