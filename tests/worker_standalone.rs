mod common;

// Standalone mode as Kafka's `connect-standalone.sh` runs it: `strait standalone
// worker.properties connector.properties`, offsets in `offset.storage.file.filename`. Records
// arrive; after a graceful stop (SIGTERM) and a start with more lines in the file, the worker
// resumes from the offsets file: nothing lost, nothing read twice.

use std::collections::BTreeMap;

use serde_json::json;

use common::unique_name;
use common::worker::{append_lines, numbered_lines, Topics, Worker, FILE_SOURCE};

#[test]
fn standalone_resumes_from_its_offsets_file_after_a_graceful_restart() {
    let topics = Topics::connect();
    let name = unique_name("standalone_file");
    let topic = unique_name("lines_standalone");
    topics.create(&topic, 1);
    let input_dir = tempfile::tempdir().expect("temp dir for the input file");
    let file = input_dir.path().join("input.txt");
    let lines = numbered_lines("alone", 0..12);
    append_lines(&file, &lines[0..5]);
    let connector: BTreeMap<String, String> = [
        ("name", name.clone()),
        ("connector.class", FILE_SOURCE.to_string()),
        ("tasks.max", "1".to_string()),
        ("file", file.display().to_string()),
        ("topic", topic.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();

    let mut worker = Worker::standalone(&[connector]);
    topics.wait_for_payloads(&worker, &topic, 5);
    let status = worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    assert_eq!(status["connector"]["worker_id"], json!(worker.worker_id()));
    assert_eq!(worker.get("/connectors").body, json!([name]));
    let position = 5 * ("alone".len() as u64 + 6);
    worker.wait_until("the offset of the whole file over REST", || {
        let r = worker.get(&format!("/connectors/{name}/offsets"));
        let expected = json!({"offsets": [{
            "partition": {"filename": file.display().to_string()},
            "offset": {"position": position}
        }]});
        (r.body == expected).then_some(())
    });

    // Graceful stop: exit code 0 and an offsets file on disk.
    let exit = worker.stop();
    assert!(exit.success(), "SIGTERM exit status: {exit}");
    let offsets = std::fs::metadata(worker.offsets_file())
        .unwrap_or_else(|e| panic!("offsets file {}: {e}", worker.offsets_file().display()));
    assert!(offsets.len() > 0, "the offsets file is not empty");

    // More lines while the worker is down; start again: they arrive, nothing twice.
    append_lines(&file, &lines[5..9]);
    worker.restart();
    topics.wait_for_payloads(&worker, &topic, 9);
    worker.wait_for_state(&name, "RUNNING", Some("RUNNING"));
    append_lines(&file, &lines[9..12]);
    topics.wait_for_payloads(&worker, &topic, 12);
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(topics.payloads(&topic), lines, "every line once, in order");
    assert!(worker.stop().success(), "second SIGTERM");
}
