mod common;

// The REST API of a real distributed worker process, through its socket, against the test broker:
// creating a FileStream connector streams the file's lines into the topic as Kafka's
// JsonConverter bytes; every read endpoint answers in Kafka's shapes; pause, resume, stop,
// restart and delete do what Kafka's do; bad requests get Kafka's status codes and messages and
// change nothing; a failing task is FAILED with its trace while the worker keeps serving.
// Each test has its own worker, internal topics, connector, topic and file.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::unique_name;
use common::worker::{
    append_lines, file_source_config, json_string_envelope, numbered_lines, Reply, Topics, Worker,
};

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The submitted config with `name` added, as the worker stores it.
fn stored_config(config: &Value, name: &str) -> Value {
    let mut c = config.clone();
    c["name"] = json!(name);
    c
}

#[test]
fn create_streams_lines_as_json_converter_bytes_and_answers_in_kafka_shapes() {
    let worker = Worker::distributed("rest_create");
    let topics = Topics::connect();
    let name = unique_name("file_create");
    let topic = unique_name("lines_create");
    let file = worker.dir().join("input.txt");
    append_lines(&file, &["first line", "second \"quoted\" line", "third"]);

    // KIP-158 topic creation: the worker creates the topic with one partition.
    let mut config = file_source_config(&file, &topic);
    config["topic.creation.default.replication.factor"] = json!("1");
    config["topic.creation.default.partitions"] = json!("1");

    let created = worker.create_connector(&name, &config);
    assert_eq!(
        created.header("location"),
        Some(worker.url(&format!("/connectors/{name}")).as_str()),
        "Location of the created connector"
    );
    assert_eq!(
        keys(&created.body),
        set(&["name", "config", "tasks", "type"])
    );
    assert_eq!(created.body["name"], json!(name));
    assert_eq!(created.body["config"], stored_config(&config, &name));
    assert_eq!(created.body["type"], json!("source"));
    for (i, t) in created.body["tasks"]
        .as_array()
        .expect("tasks is an array")
        .iter()
        .enumerate()
    {
        assert_eq!(t, &json!({"connector": name, "task": i}));
    }

    // The records: exactly JsonConverter's bytes, null keys, in file order.
    topics.wait_for_payloads(&worker, &topic, 3);
    append_lines(&file, &["fourth", "fifth ünïcödé"]);
    topics.wait_for_payloads(&worker, &topic, 5);
    assert_eq!(
        topics.partition_count(&topic),
        Some(1),
        "topic.creation.default.partitions"
    );
    let records = topics.records(&topic);
    let expected = [
        "first line",
        "second \"quoted\" line",
        "third",
        "fourth",
        "fifth ünïcödé",
    ];
    assert_eq!(records.len(), expected.len(), "no record twice");
    for (record, line) in records.iter().zip(expected) {
        assert_eq!(record.key, None, "FileStream records have no key");
        assert_eq!(
            String::from_utf8_lossy(record.value.as_deref().unwrap_or_default()),
            String::from_utf8_lossy(&json_string_envelope(line)),
            "value bytes of {line:?}"
        );
    }

    // GET /connectors
    let list = worker.get("/connectors");
    assert_eq!(list.status, 200);
    assert_eq!(list.body, json!([name]));

    // GET /connectors/{c}
    let info = worker.get(&format!("/connectors/{name}"));
    assert_eq!(info.status, 200);
    assert_eq!(
        info.body,
        json!({
            "name": name,
            "config": stored_config(&config, &name),
            "tasks": [{"connector": name, "task": 0}],
            "type": "source"
        })
    );
    assert_eq!(keys(&info.body), set(&["name", "config", "tasks", "type"]));

    // GET /connectors/{c}/config: the raw stored map.
    let cfg = worker.get(&format!("/connectors/{name}/config"));
    assert_eq!(cfg.status, 200);
    assert_eq!(cfg.body, stored_config(&config, &name));
    assert_eq!(keys(&cfg.body), keys(&stored_config(&config, &name)));

    // GET /connectors/{c}/status: RUNNING/RUNNING with this worker's id, no trace.
    let status = worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    let worker_id = worker.worker_id();
    assert_eq!(
        status,
        json!({
            "name": name,
            "connector": {"state": "RUNNING", "worker_id": worker_id},
            "tasks": [{"id": 0, "state": "RUNNING", "worker_id": worker_id}],
            "type": "source"
        })
    );
    assert_eq!(keys(&status["connector"]), set(&["state", "worker_id"]));
    assert_eq!(
        keys(&status["tasks"][0]),
        set(&["id", "state", "worker_id"])
    );

    // GET /connectors/{c}/tasks/0/status
    let task_status = worker.get(&format!("/connectors/{name}/tasks/0/status"));
    assert_eq!(task_status.status, 200);
    assert_eq!(
        task_status.body,
        json!({"id": 0, "state": "RUNNING", "worker_id": worker_id})
    );

    // GET /connectors/{c}/topics: the destination topic is tracked.
    let active = worker.get(&format!("/connectors/{name}/topics"));
    assert_eq!(active.status, 200);
    assert_eq!(active.body, json!({ name.as_str(): {"topics": [topic]} }));

    // GET /connectors?expand=status&expand=info
    let expanded = worker.get("/connectors?expand=status&expand=info");
    assert_eq!(expanded.status, 200);
    assert_eq!(keys(&expanded.body), set(&[&name]));
    assert_eq!(keys(&expanded.body[&name]), set(&["status", "info"]));
    assert_eq!(expanded.body[&name]["status"], status);
    assert_eq!(expanded.body[&name]["info"], info.body);
    let only_status = worker.get("/connectors?expand=status");
    assert_eq!(
        only_status.body,
        json!({ name.as_str(): {"status": status} })
    );

    // GET /connectors/{c}/tasks: one task. Kafka's worker adds `task.class` to every task
    // config it stores (Worker.connectorTaskConfigs), and a Java worker reading the config
    // topic needs it to start the task, so the task config is the connector config plus it.
    let tasks = worker.get(&format!("/connectors/{name}/tasks"));
    assert_eq!(tasks.status, 200);
    let tasks = tasks.body.as_array().expect("tasks is an array").clone();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(keys(&tasks[0]), set(&["id", "config"]));
    assert_eq!(tasks[0]["id"], json!({"connector": name, "task": 0}));
    let mut expected_task_config = stored_config(&config, &name);
    expected_task_config["task.class"] =
        json!("org.apache.kafka.connect.file.FileStreamSourceTask");
    // Kafka's worker adds `task.class`; a Java worker taking over the topics needs it.
    assert_eq!(
        tasks[0]["config"], expected_task_config,
        "task config as a Kafka worker stores it"
    );
}

#[test]
fn pause_resume_stop_restart_and_delete() {
    let worker = Worker::distributed("rest_lifecycle");
    let topics = Topics::connect();
    let name = unique_name("file_lifecycle");
    let topic = unique_name("lines_lifecycle");
    topics.create(&topic, 1);
    let file = worker.dir().join("input.txt");
    let lines = numbered_lines("life", 0..10);
    append_lines(&file, &lines[0..3]);
    worker.create_connector(&name, &file_source_config(&file, &topic));
    topics.wait_for_payloads(&worker, &topic, 3);
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));

    // Pause: 202, PAUSED for connector and task, and nothing new is read.
    let r = worker.put_empty(&format!("/connectors/{name}/pause"));
    assert_eq!((r.status, r.raw.as_str()), (202, ""), "pause");
    worker.wait_for_state(&name, "PAUSED", Some("PAUSED"));
    append_lines(&file, &lines[3..5]);
    let quiet_until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < quiet_until {
        let seen = topics.payloads(&topic);
        assert_eq!(
            seen,
            lines[0..3],
            "lines appended while paused must not arrive"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // Resume: 202, RUNNING again, the held-back lines arrive.
    let r = worker.put_empty(&format!("/connectors/{name}/resume"));
    assert_eq!((r.status, r.raw.as_str()), (202, ""), "resume");
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    topics.wait_for_payloads(&worker, &topic, 5);

    // Stop: 204, STOPPED without tasks (status, info and task list), nothing read.
    let r = worker.put_empty(&format!("/connectors/{name}/stop"));
    assert_eq!((r.status, r.raw.as_str()), (204, ""), "stop");
    let stopped = worker.wait_for_state(&name, "STOPPED", None);
    assert_eq!(stopped["tasks"], json!([]));
    let info = worker.get(&format!("/connectors/{name}"));
    assert_eq!(
        info.body["tasks"],
        json!([]),
        "tasks of a stopped connector"
    );
    let task_list = worker.get(&format!("/connectors/{name}/tasks"));
    assert_eq!((task_list.status, task_list.body.clone()), (200, json!([])));
    append_lines(&file, &lines[5..6]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        topics.payloads(&topic),
        lines[0..5],
        "nothing is read while stopped"
    );

    // Resume from STOPPED: tasks come back and continue where they were.
    let r = worker.put_empty(&format!("/connectors/{name}/resume"));
    assert_eq!(r.status, 202, "resume after stop: {}", r.raw);
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    topics.wait_for_payloads(&worker, &topic, 6);

    // Plain restart: 204 without a body; still RUNNING after.
    let r = worker.post_empty(&format!("/connectors/{name}/restart"));
    assert_eq!((r.status, r.raw.as_str()), (204, ""), "plain restart");
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));

    // KIP-745 restart: 202 with the plan, everything RESTARTING, then RUNNING again.
    let r = worker.post_empty(&format!("/connectors/{name}/restart?includeTasks=true"));
    assert_eq!(r.status, 202, "restart?includeTasks=true: {}", r.raw);
    let worker_id = worker.worker_id();
    assert_eq!(
        r.body,
        json!({
            "name": name,
            "connector": {"state": "RESTARTING", "worker_id": worker_id},
            "tasks": [{"id": 0, "state": "RESTARTING", "worker_id": worker_id}],
            "type": "source"
        })
    );
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    append_lines(&file, &lines[6..7]);
    topics.wait_for_payloads(&worker, &topic, 7);

    // Task restart: 204; the task runs again and keeps reading.
    let r = worker.post_empty(&format!("/connectors/{name}/tasks/0/restart"));
    assert_eq!((r.status, r.raw.as_str()), (204, ""), "task restart");
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    append_lines(&file, &lines[7..8]);
    let seen = topics.wait_for_payloads(&worker, &topic, 8);
    // Every stop above was graceful and committed its offsets: nothing is read twice.
    assert_eq!(seen, lines[0..8], "records after pause/stop/restarts");

    // Delete: 204, then Kafka's 404s; the topic's records stay.
    let r = worker.delete(&format!("/connectors/{name}"));
    assert_eq!((r.status, r.raw.as_str()), (204, ""), "delete");
    let r = worker.get(&format!("/connectors/{name}"));
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        json!({"error_code": 404, "message": format!("Connector {name} not found")})
    );
    let r = worker.get(&format!("/connectors/{name}/status"));
    assert_eq!(r.status, 404);
    assert_eq!(r.message(), format!("No status found for connector {name}"));
    assert_eq!(worker.get("/connectors").body, json!([]));
    append_lines(&file, &lines[8..10]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        topics.payloads(&topic),
        lines[0..8],
        "deleting a connector leaves its topic alone and stops reading"
    );

    // Offsets outlive the connector (Kafka never deletes them with it): the same connector
    // created again resumes after the last line it committed.
    worker.create_connector(&name, &file_source_config(&file, &topic));
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    topics.wait_for_payloads(&worker, &topic, 10);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        topics.payloads(&topic),
        lines[0..10],
        "re-created connector resumes from its committed offset"
    );
}

#[test]
fn initial_state_and_config_updates_take_effect() {
    let worker = Worker::distributed("rest_update");
    let topics = Topics::connect();
    let name = unique_name("file_update");
    let [first, second, third] = ["lines_first", "lines_second", "lines_third"].map(unique_name);
    for t in [&first, &second, &third] {
        topics.create(t, 1);
    }
    let file = worker.dir().join("input.txt");
    let lines = numbered_lines("upd", 0..9);
    append_lines(&file, &lines[0..3]);

    // Created STOPPED (KIP-875 initial_state): no tasks, nothing read.
    let config = file_source_config(&file, &first);
    let r = worker.post(
        "/connectors",
        &json!({"name": name, "config": config, "initial_state": "STOPPED"}),
    );
    assert_eq!(r.status, 201, "{}", r.raw);
    worker.wait_for_state(&name, "STOPPED", None);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        topics.payloads(&first).is_empty(),
        "a STOPPED connector reads nothing"
    );
    assert_eq!(
        worker
            .put_empty(&format!("/connectors/{name}/resume"))
            .status,
        202
    );
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    topics.wait_for_payloads(&worker, &first, 3);

    // PUT an updated config: 200 (not 201), the new config is stored and used, and the task
    // continues from its offset into the new topic.
    let mut updated = config.clone();
    updated["topic"] = json!(second);
    let r = worker.put(&format!("/connectors/{name}/config"), &updated);
    assert_eq!(
        r.status, 200,
        "PUT an existing connector's config: {}",
        r.raw
    );
    assert_eq!(r.header("location"), None, "no Location for an update");
    assert_eq!(r.body["name"], json!(name));
    assert_eq!(r.body["config"], stored_config(&updated, &name));
    assert_eq!(r.body["type"], json!("source"));
    assert_eq!(
        worker.get(&format!("/connectors/{name}/config")).body,
        stored_config(&updated, &name)
    );
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    append_lines(&file, &lines[3..5]);
    assert_eq!(topics.wait_for_payloads(&worker, &second, 2), lines[3..5]);

    // PATCH (KIP-477): only the given keys change.
    let r = worker.patch(
        &format!("/connectors/{name}/config"),
        &json!({"topic": third}),
    );
    assert_eq!(r.status, 200, "PATCH config: {}", r.raw);
    let mut patched = stored_config(&updated, &name);
    patched["topic"] = json!(third);
    assert_eq!(r.body["config"], patched);
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    append_lines(&file, &lines[5..7]);
    assert_eq!(topics.wait_for_payloads(&worker, &third, 2), lines[5..7]);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        topics.payloads(&first),
        lines[0..3],
        "first topic untouched after the update"
    );
    assert_eq!(
        topics.payloads(&second),
        lines[3..5],
        "second topic untouched after the patch"
    );

    // PUT config of a new name creates it: 201 + Location.
    let other = unique_name("file_update_other");
    let other_file = worker.dir().join("other.txt");
    append_lines(&other_file, &["x"]);
    let other_topic = unique_name("lines_other");
    topics.create(&other_topic, 1);
    let r = worker.put(
        &format!("/connectors/{other}/config"),
        &file_source_config(&other_file, &other_topic),
    );
    assert_eq!(r.status, 201, "PUT config of a new connector: {}", r.raw);
    assert_eq!(
        r.header("location"),
        Some(worker.url(&format!("/connectors/{other}")).as_str())
    );
    assert_eq!(topics.wait_for_payloads(&worker, &other_topic, 1), ["x"]);
}

/// What must not change when a request is rejected.
#[derive(Debug, PartialEq)]
struct Snapshot {
    connectors: Value,
    config: Value,
    connector_state: Value,
    task_states: Vec<Value>,
}

fn snapshot(worker: &Worker, name: &str) -> Snapshot {
    let status = worker.status(name);
    Snapshot {
        connectors: worker.get("/connectors").body,
        config: worker.get(&format!("/connectors/{name}/config")).body,
        connector_state: status["connector"]["state"].clone(),
        task_states: status["tasks"]
            .as_array()
            .map(|ts| ts.iter().map(|t| t["state"].clone()).collect())
            .unwrap_or_default(),
    }
}

/// The keys of the config topic's records.
fn config_topic_keys(topics: &Topics, worker: &Worker) -> Vec<String> {
    topics
        .key_values(&worker.internal_topics().config)
        .into_iter()
        .filter_map(|(k, _)| k)
        .collect()
}

#[test]
fn bad_requests_are_rejected_with_kafkas_answers_and_change_nothing() {
    let worker = Worker::distributed("rest_bad");
    let topics = Topics::connect();
    let keep = unique_name("keep");
    let topic = unique_name("lines_bad");
    topics.create(&topic, 1);
    let file = worker.dir().join("input.txt");
    append_lines(&file, &["one"]);
    let keep_config = file_source_config(&file, &topic);
    worker.create_connector(&keep, &keep_config);
    worker.wait_for_state(&keep, "RUNNING", Some("RUNNING"));
    topics.wait_for_payloads(&worker, &topic, 1);
    let before = snapshot(&worker, &keep);
    let config_keys_before = config_topic_keys(&topics, &worker);

    // Each case: a request, the expected status, a check of the message.
    let mut problems: Vec<String> = Vec::new();
    let mut expect = |what: &str, r: Reply, status: u16, check: &dyn Fn(&str) -> bool| {
        let shape_ok = r.body.get("error_code") == Some(&json!(status));
        if r.status != status || !shape_ok || !check(r.message()) {
            problems.push(format!(
                "{what}: expected {status} with a matching message, got {} {}",
                r.status, r.raw
            ));
        }
    };
    let create = |name: &str, config: Value| {
        worker.post("/connectors", &json!({"name": name, "config": config}))
    };

    // Malformed JSON: Jackson's failure reaches Kafka's exception mapper as a 500.
    expect(
        "malformed JSON",
        worker.post_raw("/connectors", r#"{"name": "broken", "config": {"#),
        500,
        &|m| !m.is_empty(),
    );

    let unknown_class = unique_name("unknown_class");
    let mut c = file_source_config(&file, &topic);
    c["connector.class"] = json!("com.example.NoSuchConnector");
    expect(
        "unknown connector class",
        create(&unknown_class, c),
        400,
        &|m| m.contains("com.example.NoSuchConnector"),
    );

    let missing_topic = unique_name("missing_topic");
    let mut c = file_source_config(&file, &topic);
    c.as_object_mut().map(|o| o.remove("topic"));
    expect(
        "missing required topic",
        create(&missing_topic, c),
        400,
        &|m| {
            m == "Connector configuration is invalid and contains the following 1 error(s):\n\
                  Missing required configuration \"topic\" which has no default value.\n\
                  You can also find the above list of errors at the endpoint \
                  `/connector-plugins/{connectorType}/config/validate`"
        },
    );

    let bad_tasks = unique_name("bad_tasks_max");
    let mut c = file_source_config(&file, &topic);
    c["tasks.max"] = json!("many");
    expect("tasks.max not a number", create(&bad_tasks, c), 400, &|m| {
        m.contains("Invalid value many for configuration tasks.max: Not a number of type INT")
    });

    let bad_smt = unique_name("bad_smt");
    let mut c = file_source_config(&file, &topic);
    c["transforms"] = json!("x");
    c["transforms.x.type"] = json!("com.example.NoSuchTransform");
    expect("unknown SMT", create(&bad_smt, c), 400, &|m| {
        m.contains(
            "Invalid value com.example.NoSuchTransform for configuration transforms.x.type: \
             Class com.example.NoSuchTransform could not be found.",
        )
    });

    // PUT with a different name in the body than in the URL.
    let mut c = stored_config(&keep_config, "other");
    c["file"] = json!("/elsewhere");
    expect(
        "name mismatch",
        worker.put(&format!("/connectors/{keep}/config"), &c),
        400,
        &|m| {
            m == format!(
                "Connector name configuration (other) doesn't match connector name in the URL ({keep})"
            )
        },
    );

    // An invalid update of the existing connector keeps the old config running.
    let mut c = stored_config(&keep_config, &keep);
    c["tasks.max"] = json!("-x");
    expect(
        "invalid update",
        worker.put(&format!("/connectors/{keep}/config"), &c),
        400,
        &|m| m.contains("tasks.max"),
    );

    // Creating an existing connector.
    expect(
        "already exists",
        create(&keep, keep_config.clone()),
        409,
        &|m| m == format!("Connector {keep} already exists"),
    );

    // Operations on a connector that does not exist, with Kafka's (distributed) messages.
    let ghost = unique_name("ghost");
    let not_found = format!("Connector {ghost} not found");
    let unknown = format!("Unknown connector {ghost}");
    let unknown_colon = format!("Unknown connector: {ghost}");
    let no_status = format!("No status found for connector {ghost}");
    let cases: Vec<(&str, Reply, &str)> = vec![
        (
            "GET ghost",
            worker.get(&format!("/connectors/{ghost}")),
            not_found.as_str(),
        ),
        (
            "GET ghost/config",
            worker.get(&format!("/connectors/{ghost}/config")),
            not_found.as_str(),
        ),
        (
            "GET ghost/tasks",
            worker.get(&format!("/connectors/{ghost}/tasks")),
            not_found.as_str(),
        ),
        (
            "DELETE ghost",
            worker.delete(&format!("/connectors/{ghost}")),
            not_found.as_str(),
        ),
        (
            "GET ghost/status",
            worker.get(&format!("/connectors/{ghost}/status")),
            no_status.as_str(),
        ),
        (
            "PUT ghost/pause",
            worker.put_empty(&format!("/connectors/{ghost}/pause")),
            unknown.as_str(),
        ),
        (
            "PUT ghost/resume",
            worker.put_empty(&format!("/connectors/{ghost}/resume")),
            unknown.as_str(),
        ),
        (
            "POST ghost/restart",
            worker.post_empty(&format!("/connectors/{ghost}/restart")),
            unknown_colon.as_str(),
        ),
        (
            "POST ghost/restart?includeTasks=true",
            worker.post_empty(&format!("/connectors/{ghost}/restart?includeTasks=true")),
            unknown_colon.as_str(),
        ),
        (
            "GET ghost/offsets",
            worker.get(&format!("/connectors/{ghost}/offsets")),
            not_found.as_str(),
        ),
        // DistributedHerder.stopConnector answers 404 "Unknown connector <c>".
        (
            "PUT ghost/stop",
            worker.put_empty(&format!("/connectors/{ghost}/stop")),
            unknown.as_str(),
        ),
    ];
    for (what, reply, message) in cases {
        expect(what, reply, 404, &|m| m == message);
    }

    // Nothing changed: the connector list, the existing connector's config and states, and no
    // record for any rejected connector in the config topic.
    std::thread::sleep(Duration::from_secs(1));
    let after = snapshot(&worker, &keep);
    if after != before {
        problems.push(format!("state changed: before {before:?}, after {after:?}"));
    }
    let config_keys_after = config_topic_keys(&topics, &worker);
    for name in [&unknown_class, &missing_topic, &bad_tasks, &bad_smt, &ghost] {
        for key in &config_keys_after {
            if key.ends_with(name.as_str()) {
                problems.push(format!(
                    "config topic has a record {key} for rejected {name}"
                ));
            }
        }
    }
    if config_keys_after != config_keys_before {
        problems.push(format!(
            "config topic changed: before {config_keys_before:?}, after {config_keys_after:?}"
        ));
    }
    // The surviving connector still streams.
    append_lines(&file, &["two"]);
    topics.wait_for_payloads(&worker, &topic, 2);
    assert_eq!(topics.payloads(&topic), ["one", "two"]);

    // Every mismatch with Kafka, listed with its endpoint, expected and actual answer.
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn failing_task_is_failed_with_its_trace_and_the_worker_keeps_serving() {
    let worker = Worker::distributed("rest_fail");
    let topics = Topics::connect();
    let good = unique_name("good");
    let bad = unique_name("bad");
    let good_topic = unique_name("lines_good");
    let bad_topic = unique_name("lines_bad");
    topics.create(&good_topic, 1);
    topics.create(&bad_topic, 1);
    let good_file = worker.dir().join("good.txt");
    let bad_file = worker.dir().join("bad.txt");
    append_lines(&good_file, &["g1"]);
    append_lines(&bad_file, &["b1"]);
    worker.create_connector(&good, &file_source_config(&good_file, &good_topic));
    topics.wait_for_payloads(&worker, &good_topic, 1);

    // ByteArrayConverter cannot convert the STRING values the file source produces; with the
    // default errors.tolerance=none the task must fail (Kafka: "Tolerance exceeded in error
    // handler" caused by "Invalid schema type for ByteArrayConverter: STRING").
    let mut config = file_source_config(&bad_file, &bad_topic);
    config["value.converter"] = json!("org.apache.kafka.connect.converters.ByteArrayConverter");
    config["errors.tolerance"] = json!("none");
    worker.create_connector(&bad, &config);
    let status = worker.wait_for_state(&bad, "RUNNING", Some("FAILED"));
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        !trace.trim().is_empty(),
        "a FAILED task has a trace: {status}"
    );
    assert!(
        trace.contains("ByteArrayConverter"),
        "the trace names the failing converter: {trace}"
    );
    assert_eq!(status["tasks"][0]["worker_id"], json!(worker.worker_id()));
    let task = worker.get(&format!("/connectors/{bad}/tasks/0/status"));
    assert_eq!(task.status, 200);
    assert_eq!(task.body["state"], json!("FAILED"));
    assert!(task.body["trace"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        topics.payloads(&bad_topic).is_empty(),
        "nothing reaches the topic"
    );

    // The worker keeps serving and the other connector keeps running.
    assert_eq!(worker.get("/").status, 200);
    worker.wait_for_state(&good, "RUNNING", Some("RUNNING"));
    append_lines(&good_file, &["g2"]);
    assert_eq!(
        topics.wait_for_payloads(&worker, &good_topic, 2),
        ["g1", "g2"]
    );
    let listed: BTreeSet<String> = worker
        .get("/connectors")
        .body
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(listed, set(&[&good, &bad]));

    // KIP-745: restart only what failed → the plan restarts the task, not the connector; the
    // task fails again for the same reason.
    let r = worker.post_empty(&format!(
        "/connectors/{bad}/restart?includeTasks=true&onlyFailed=true"
    ));
    assert_eq!(r.status, 202, "{}", r.raw);
    assert_eq!(r.body["connector"]["state"], json!("RUNNING"));
    assert_eq!(r.body["tasks"][0]["state"], json!("RESTARTING"));
    let status = worker.wait_for_state(&bad, "RUNNING", Some("FAILED"));
    assert!(status["tasks"][0]["trace"]
        .as_str()
        .is_some_and(|t| t.contains("ByteArrayConverter")));
}
