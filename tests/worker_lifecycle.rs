mod common;

// What a distributed worker's state in its internal topics is worth, tested on real processes:
// after `kill -9` mid-stream a restarted worker brings the connector back from the config topic
// and resumes from the last committed offset (at-least-once, no loss, duplicates only of lines
// after that offset); and the KIP-875 offsets endpoints read, alter and reset the committed
// offsets so that the connector — and another worker on the same topics — sees the change.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use common::unique_name;
use common::worker::{append_lines, file_source_config, numbered_lines, Topics, Worker};

/// Bytes per line written by these tests: `<prefix>-NNNN\n`.
fn line_len(prefix: &str) -> u64 {
    prefix.len() as u64 + 6
}

/// The index in `numbered_lines` of a payload such as `kill-0042`.
fn index_of(payload: &str) -> usize {
    payload
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected payload {payload:?}"))
}

/// The last position committed for `connector`'s file in the offsets topic (Kafka's format:
/// key `["<connector>",{"filename":"<file>"}]`, value `{"position":N}`, null = reset).
fn committed_position(topics: &Topics, offsets_topic: &str, connector: &str) -> Option<u64> {
    let mut last = None;
    for (key, value) in topics.key_values(offsets_topic) {
        let Some(key) = key else { continue };
        let key: Value = serde_json::from_str(&key).unwrap_or(Value::Null);
        if key[0] != json!(connector) {
            continue;
        }
        last = value.map(|v| {
            let v: Value = serde_json::from_str(&v)
                .unwrap_or_else(|e| panic!("offset value is not JSON ({e}): {v}"));
            v["position"]
                .as_u64()
                .unwrap_or_else(|| panic!("offset without a position: {v}"))
        });
    }
    last
}

#[test]
fn kill_9_mid_stream_loses_nothing_and_replays_only_after_the_committed_offset() {
    let mut worker = Worker::distributed("life_kill");
    let topics = Topics::connect();
    let name = unique_name("file_kill");
    let topic = unique_name("lines_kill");
    topics.create(&topic, 1);
    let file = worker.dir().join("input.txt");
    let prefix = "kill";
    append_lines(&file, &numbered_lines(prefix, 0..20));
    let config = file_source_config(&file, &topic);
    worker.create_connector(&name, &config);

    // A writer appends a line every few milliseconds for the whole test.
    let written = Arc::new(AtomicUsize::new(20));
    let stop_writing = Arc::new(AtomicBool::new(false));
    let writer = {
        let (written, stop, file) = (written.clone(), stop_writing.clone(), file.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let i = written.load(Ordering::SeqCst);
                append_lines(&file, &numbered_lines(prefix, i..i + 1));
                written.store(i + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(8));
            }
        })
    };

    // Streaming, with at least one offset commit behind us: kill -9.
    topics.wait_for_payloads(&worker, &topic, 100);
    // Offsets are committed periodically while streaming (offset.flush.interval.ms=500), not
    // only once: wait until the committed position is past the first 60 lines.
    worker.wait_until("a committed offset past line 60", || {
        let r = worker.get(&format!("/connectors/{name}/offsets"));
        let p = r.body["offsets"][0]["offset"]["position"].as_u64()?;
        (p >= 60 * line_len(prefix)).then_some(p)
    });
    worker.kill();
    let offsets_topic = worker.internal_topics().offsets.clone();
    let committed = committed_position(&topics, &offsets_topic, &name)
        .expect("the killed worker had committed an offset");
    assert_eq!(
        committed % line_len(prefix),
        0,
        "a committed position is at a line boundary"
    );
    let produced_before_restart = topics.payloads(&topic).len();
    std::thread::sleep(Duration::from_millis(1500));

    // Restart: the connector comes back from the config topic and continues.
    worker.restart();
    let status = worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    assert_eq!(status["connector"]["worker_id"], json!(worker.worker_id()));
    assert_eq!(worker.get("/connectors").body, json!([name]));
    let mut stored = config.clone();
    stored["name"] = json!(name);
    assert_eq!(
        worker.get(&format!("/connectors/{name}/config")).body,
        stored
    );
    std::thread::sleep(Duration::from_secs(1));
    stop_writing.store(true, Ordering::SeqCst);
    writer.join().expect("writer thread");
    let total = written.load(Ordering::SeqCst);

    // Every line arrives.
    let payloads = worker.wait_until("every line in the topic", || {
        let p = topics.payloads(&topic);
        let mut seen = vec![false; total];
        for s in &p {
            if let Some(slot) = seen.get_mut(index_of(s)) {
                *slot = true;
            }
        }
        seen.iter().all(|s| *s).then_some(p)
    });

    // The record sequence is the file order, possibly replayed once from the committed
    // offset: lines[0..k] ++ lines[m..total] with m = committed / line length ≤ k.
    let indexes: Vec<usize> = payloads.iter().map(|p| index_of(p)).collect();
    assert!(indexes.iter().all(|i| *i < total), "no unknown lines");
    let breaks: Vec<usize> = (1..indexes.len())
        .filter(|&i| indexes[i] != indexes[i - 1] + 1)
        .collect();
    assert_eq!(indexes[0], 0, "starts at the first line");
    assert_eq!(
        *indexes.last().unwrap_or(&0),
        total - 1,
        "ends at the last line"
    );
    let first_replayed = (committed / line_len(prefix)) as usize;
    eprintln!(
        "{total} lines, {} records, committed position {committed} (line {first_replayed}), \
         {produced_before_restart} records before the kill, breaks at {breaks:?}",
        indexes.len()
    );
    match breaks.as_slice() {
        [] => {}
        [at] => {
            assert_eq!(
                indexes[*at], first_replayed,
                "the replay starts right after the committed offset {committed} \
                 (records before the kill: {produced_before_restart})"
            );
            assert!(
                indexes[*at] <= indexes[*at - 1],
                "a break in the sequence is a replay, never a gap: {} then {}",
                indexes[*at - 1],
                indexes[*at]
            );
        }
        more => panic!(
            "the sequence breaks file order more than once (at {more:?}): {:?}",
            more.iter()
                .map(|&i| (indexes[i - 1], indexes[i]))
                .collect::<Vec<_>>()
        ),
    }
    assert!(
        first_replayed <= produced_before_restart,
        "the committed offset never runs ahead of what was produced"
    );
}

/// `{"offsets":[{"partition":{"filename":file},"offset":{"position":p}}]}`.
fn offsets_body(file: &str, position: u64) -> Value {
    json!({"offsets": [{"partition": {"filename": file}, "offset": {"position": position}}]})
}

#[test]
fn offsets_endpoints_read_alter_and_reset_committed_offsets() {
    let worker = Worker::distributed("life_offsets");
    let topics = Topics::connect();
    let name = unique_name("file_offsets");
    let topic = unique_name("lines_offsets");
    topics.create(&topic, 1);
    let file = worker.dir().join("input.txt");
    let file_name = file.display().to_string();
    let prefix = "off";
    let lines = numbered_lines(prefix, 0..5);
    let len = line_len(prefix);
    append_lines(&file, &lines);
    worker.create_connector(&name, &file_source_config(&file, &topic));
    topics.wait_for_payloads(&worker, &topic, 5);

    // GET /offsets: Kafka's FileStream partition and offset, once flushed.
    let end = 5 * len;
    worker.wait_until("the offsets of the whole file", || {
        let r = worker.get(&format!("/connectors/{name}/offsets"));
        (r.status == 200 && r.body == offsets_body(&file_name, end)).then_some(())
    });

    // Modifying offsets of a running connector: 400 with Kafka's message.
    let must_stop = format!(
        "Connectors must be in the STOPPED state before their offsets can be modified. This can \
         be done for the specified connector by issuing a 'PUT' request to the \
         '/connectors/{name}/stop' endpoint"
    );
    let r = worker.patch(
        &format!("/connectors/{name}/offsets"),
        &offsets_body(&file_name, 0),
    );
    assert_eq!(
        (r.status, r.body.clone()),
        (400, json!({"error_code": 400, "message": must_stop})),
        "PATCH offsets while running"
    );
    let r = worker.delete(&format!("/connectors/{name}/offsets"));
    assert_eq!(
        (r.status, r.body.clone()),
        (400, json!({"error_code": 400, "message": must_stop})),
        "DELETE offsets while running"
    );
    assert_eq!(
        worker.get(&format!("/connectors/{name}/offsets")).body,
        offsets_body(&file_name, end),
        "rejected requests change nothing"
    );

    // Stop, then alter to the start of the third line: 200 with Kafka's message.
    assert_eq!(
        worker.put_empty(&format!("/connectors/{name}/stop")).status,
        204
    );
    worker.wait_for_state(&name, "STOPPED", None);
    let altered = 2 * len;
    let r = worker.patch(
        &format!("/connectors/{name}/offsets"),
        &offsets_body(&file_name, altered),
    );
    assert_eq!(
        (r.status, r.body.clone()),
        (
            200,
            json!({"message": "The offsets for this connector have been altered successfully"})
        ),
        "PATCH offsets while stopped"
    );
    assert_eq!(
        worker.get(&format!("/connectors/{name}/offsets")).body,
        offsets_body(&file_name, altered)
    );

    // Another worker started later on the same internal topics reads the altered offset.
    {
        let second = Worker::distributed_on(worker.internal_topics());
        second.wait_until("the second worker to see the altered offset", || {
            let r = second.get(&format!("/connectors/{name}/offsets"));
            (r.status == 200 && r.body == offsets_body(&file_name, altered)).then_some(())
        });
        second.wait_for_state(&name, "STOPPED", None);
    }

    // Resume: the lines after the altered position are emitted again.
    assert_eq!(
        worker
            .put_empty(&format!("/connectors/{name}/resume"))
            .status,
        202
    );
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    let mut expected: Vec<String> = lines.clone();
    expected.extend_from_slice(&lines[2..]);
    let seen = topics.wait_for_payloads(&worker, &topic, expected.len());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        topics.payloads(&topic),
        expected,
        "replay after PATCH ({seen:?})"
    );
    worker.wait_until("the offsets of the whole file again", || {
        let r = worker.get(&format!("/connectors/{name}/offsets"));
        (r.body == offsets_body(&file_name, end)).then_some(())
    });

    // Stop and reset: 200, no offsets left.
    assert_eq!(
        worker.put_empty(&format!("/connectors/{name}/stop")).status,
        204
    );
    worker.wait_for_state(&name, "STOPPED", None);
    let r = worker.delete(&format!("/connectors/{name}/offsets"));
    assert_eq!(
        (r.status, r.body.clone()),
        (
            200,
            json!({"message": "The offsets for this connector have been reset successfully"})
        ),
        "DELETE offsets while stopped"
    );
    assert_eq!(
        worker.get(&format!("/connectors/{name}/offsets")).body,
        json!({"offsets": []}),
        "offsets after a reset"
    );
    {
        let second = Worker::distributed_on(worker.internal_topics());
        second.wait_until("the second worker to see the reset", || {
            let r = second.get(&format!("/connectors/{name}/offsets"));
            (r.status == 200 && r.body == json!({"offsets": []})).then_some(())
        });
    }

    // Resume: the whole file again.
    assert_eq!(
        worker
            .put_empty(&format!("/connectors/{name}/resume"))
            .status,
        202
    );
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    expected.extend_from_slice(&lines);
    topics.wait_for_payloads(&worker, &topic, expected.len());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(topics.payloads(&topic), expected, "replay after DELETE");
}

#[test]
fn target_states_and_offsets_survive_a_graceful_restart() {
    let mut worker = Worker::distributed("life_graceful");
    let topics = Topics::connect();
    let lines = numbered_lines("grace", 0..5);
    let mut connectors = Vec::new();
    for role in ["running", "paused", "stopped"] {
        let name = unique_name(&format!("file_{role}"));
        let topic = unique_name(&format!("lines_{role}"));
        topics.create(&topic, 1);
        let file = worker.dir().join(format!("{role}.txt"));
        append_lines(&file, &lines[0..3]);
        worker.create_connector(&name, &file_source_config(&file, &topic));
        topics.wait_for_payloads(&worker, &topic, 3);
        connectors.push((role, name, topic, file));
    }
    let [(_, running, running_topic, _), (_, paused, paused_topic, _), (_, stopped, stopped_topic, _)] =
        &connectors[..]
    else {
        unreachable!("three connectors")
    };
    assert_eq!(
        worker
            .put_empty(&format!("/connectors/{paused}/pause"))
            .status,
        202
    );
    worker.wait_for_state(paused, "PAUSED", Some("PAUSED"));
    assert_eq!(
        worker
            .put_empty(&format!("/connectors/{stopped}/stop"))
            .status,
        204
    );
    worker.wait_for_state(stopped, "STOPPED", None);

    // SIGTERM: a clean exit that commits offsets.
    let exit = worker.stop();
    assert!(exit.success(), "SIGTERM exit status: {exit}");
    for (_, _, _, file) in &connectors {
        append_lines(file, &lines[3..5]);
    }

    // Each connector comes back in its target state.
    worker.restart();
    worker.wait_for_state(running, "RUNNING", Some("RUNNING"));
    worker.wait_for_state(paused, "PAUSED", Some("PAUSED"));
    worker.wait_for_state(stopped, "STOPPED", None);
    assert_eq!(
        topics.wait_for_payloads(&worker, running_topic, 5),
        lines,
        "the running connector continues from its committed offset, nothing twice"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(topics.payloads(running_topic), lines, "nothing twice");
    assert_eq!(
        topics.payloads(paused_topic),
        lines[0..3],
        "paused stays paused"
    );
    assert_eq!(
        topics.payloads(stopped_topic),
        lines[0..3],
        "stopped stays stopped"
    );

    // Resumed, each continues where it was.
    for name in [paused, stopped] {
        assert_eq!(
            worker
                .put_empty(&format!("/connectors/{name}/resume"))
                .status,
            202
        );
        worker.wait_for_state(name, "RUNNING", Some("RUNNING"));
    }
    for topic in [paused_topic, stopped_topic] {
        topics.wait_for_payloads(&worker, topic, 5);
    }
    std::thread::sleep(Duration::from_secs(2));
    for topic in [paused_topic, stopped_topic] {
        assert_eq!(topics.payloads(topic), lines, "{topic} after resume");
    }
}

#[test]
fn sigterm_mid_stream_commits_what_was_sent_so_nothing_is_read_twice() {
    let mut worker = Worker::distributed("life_term");
    let topics = Topics::connect();
    let name = unique_name("file_term");
    let topic = unique_name("lines_term");
    topics.create(&topic, 1);
    let file = worker.dir().join("input.txt");
    let prefix = "term";
    worker.create_connector(&name, &file_source_config(&file, &topic));

    let written = Arc::new(AtomicUsize::new(0));
    let stop_writing = Arc::new(AtomicBool::new(false));
    let writer = {
        let (written, stop, file) = (written.clone(), stop_writing.clone(), file.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let i = written.load(Ordering::SeqCst);
                append_lines(&file, &numbered_lines(prefix, i..i + 1));
                written.store(i + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    topics.wait_for_payloads(&worker, &topic, 100);
    let exit = worker.stop();
    assert!(exit.success(), "SIGTERM exit status: {exit}");
    std::thread::sleep(Duration::from_millis(500));
    worker.restart();
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    std::thread::sleep(Duration::from_millis(500));
    stop_writing.store(true, Ordering::SeqCst);
    writer.join().expect("writer thread");
    let total = written.load(Ordering::SeqCst);
    let expected = numbered_lines(prefix, 0..total);
    topics.wait_for_payloads(&worker, &topic, total);
    std::thread::sleep(Duration::from_secs(2));
    let payloads = topics.payloads(&topic);
    if payloads != expected {
        let indexes: Vec<usize> = payloads.iter().map(|p| index_of(p)).collect();
        let breaks: Vec<(usize, usize)> = (1..indexes.len())
            .filter(|&i| indexes[i] != indexes[i - 1] + 1)
            .map(|i| (indexes[i - 1], indexes[i]))
            .collect();
        panic!(
            "after a graceful stop every line should arrive exactly once in order: {total} lines, \
             {} records, breaks in the sequence (previous, next): {breaks:?}",
            payloads.len()
        );
    }
}
