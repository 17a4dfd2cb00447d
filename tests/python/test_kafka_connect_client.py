"""A connector's whole life driven through kafka-connect-py, the PyPI client for Kafka Connect's
REST API, against a real Strait worker.

The client was written for Kafka Connect, so every call it makes succeeding (status codes, bodies
it parses) is the compatibility check; the test then looks at what the worker did with
confluent-kafka, an independent Kafka client: FileStreamSource lines must land in the topic as
JsonConverter envelopes, byte for byte, none lost or repeated across pause, resume and restarts.
"""

import json
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from kafka_connect import KafkaConnect
from requests.exceptions import HTTPError

from conftest import unique_name, wait_for

FILE_STREAM_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"

# Lines that exercise JSON escaping (quotes, backslash, non-ASCII, a tab) as well as plain text.
FIRST_LINES = [
    "first line",
    'a "quoted" word',
    "back\\slash and\ttab",
    "ünïcödé ✓ 日本",
    "last of the first batch",
]
# How long the topic is watched for records that must not come while the connector is paused.
PAUSED_QUIET_S = 3.0


def json_envelope(line):
    """The bytes Kafka's JsonConverter (schemas enabled) writes for a string value: compact JSON,
    `schema` before `payload`, non-ASCII characters as UTF-8 rather than escaped."""
    envelope = {"schema": {"type": "string", "optional": False}, "payload": line}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class TopicReader:
    """Reads one topic from offset 0 with an assigned (group-less) consumer, keeping every record
    seen so far, so that a test can ask "has it grown to N records?" at several points."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": unique_name("strait-py-reader"),
                "enable.auto.commit": False,
                "enable.partition.eof": False,
            }
        )
        self.records = []
        self.assigned = False

    def _assign(self):
        metadata = self.consumer.list_topics(self.topic, timeout=5)
        topic = metadata.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            return False
        partitions = sorted(topic.partitions)
        # One partition is asked for below (topic.creation.default.partitions=1): with more, the
        # lines would be spread by the default partitioner and their order lost.
        assert partitions == [0], f"{self.topic} has partitions {partitions}, expected only [0]"
        self.consumer.assign([TopicPartition(self.topic, 0, 0)])
        self.assigned = True
        return True

    def poll_for(self, seconds):
        """Collects whatever arrives within `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.assigned and not self._assign():
                time.sleep(0.2)
                continue
            for message in self.consumer.consume(num_messages=100, timeout=0.2):
                if message.error() is not None:
                    raise AssertionError(f"consuming {self.topic}: {message.error()}")
                self.records.append(message)

    def wait_for_count(self, count):
        """Reads until at least `count` records were seen (bounded by TEST_TIMEOUT_S)."""

        def enough():
            self.poll_for(0.5)
            return len(self.records) >= count

        wait_for(
            f"{count} records in {self.topic} (have {len(self.records)})",
            enough,
            interval_s=0,
        )

    def values(self):
        return [message.value() for message in self.records]

    def close(self):
        self.consumer.close()


def connector_state(client, name):
    """(connector state, [task states]) from GET /connectors/{name}/status."""
    status = client.get_connector_status(name)
    return status["connector"]["state"], [task["state"] for task in status["tasks"]]


def wait_for_state(client, name, state):
    """Waits until the connector and its one task are both in `state`."""
    return wait_for(
        f"connector {name} and its task reaching {state}",
        lambda: connector_state(client, name) == (state, [state]),
    )


@pytest.fixture
def reader(kafka_bootstrap):
    readers = []

    def open_reader(topic):
        r = TopicReader(kafka_bootstrap, topic)
        readers.append(r)
        return r

    yield open_reader
    for r in readers:
        r.close()


def append_lines(path, lines):
    with open(path, "a", encoding="utf-8") as f:
        f.writelines(f"{line}\n" for line in lines)


def test_file_source_lifecycle(strait_worker, reader, tmp_path):
    client = KafkaConnect(url=strait_worker.url)
    name = unique_name("py-file-source")
    topic = unique_name("py-file-lines")
    source = tmp_path / "input.txt"
    append_lines(source, FIRST_LINES)
    config = {
        "connector.class": FILE_STREAM_SOURCE,
        "tasks.max": "1",
        "file": str(source),
        "topic": topic,
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "1",
    }

    info = client.get_cluster_info()
    assert {"version", "commit", "kafka_cluster_id"} <= info.keys(), info

    # Create.
    created = client.create_connector({"name": name, "config": config})
    assert created["name"] == name
    assert created["config"] == {**config, "name": name}
    assert created["type"] == "source"
    with pytest.raises(HTTPError) as duplicate:
        client.create_connector({"name": name, "config": config})
    assert duplicate.value.response.status_code == 409

    # List, plain and expanded.
    assert client.list_connectors() == [name]
    assert client.list_connectors(pattern="py-file-source-.*") == [name]
    expanded = client.list_connectors(expand="info")
    assert expanded[name]["info"]["config"] == {**config, "name": name}
    assert expanded[name]["info"]["type"] == "source"

    # Status, tasks, topics.
    wait_for_state(client, name, "RUNNING")
    status = client.get_connector_status(name)
    assert status["name"] == name and status["type"] == "source", status
    assert [task["id"] for task in status["tasks"]] == [0], status
    assert client.list_connectors(state="running") == [name]
    tasks = client.list_connector_tasks(name)
    assert [task["id"] for task in tasks] == [{"connector": name, "task": 0}], tasks
    assert client.get_connector_task_status(name, 0)["state"] == "RUNNING"

    # The lines reach the topic as JsonConverter envelopes, with null keys.
    records = reader(topic)
    records.wait_for_count(len(FIRST_LINES))
    records.poll_for(1.0)  # anything extra (a duplicate) would arrive now
    assert records.values() == [json_envelope(line) for line in FIRST_LINES]
    assert all(message.key() is None for message in records.records)
    topics = wait_for(
        f"topic tracking to list {topic}",
        lambda: client.list_connector_topics(name).get(name, {}).get("topics") == [topic],
    )
    assert topics

    # Pause: both PAUSED, and a line appended meanwhile is not read until resume.
    assert client.pause_connector(name) is None
    wait_for_state(client, name, "PAUSED")
    assert client.list_connectors(state="paused") == [name]
    append_lines(source, ["written while paused"])
    records.poll_for(PAUSED_QUIET_S)
    assert len(records.records) == len(FIRST_LINES), records.values()

    # Resume: RUNNING again and the held-back line arrives.
    assert client.resume_connector(name) is None
    wait_for_state(client, name, "RUNNING")
    expected = FIRST_LINES + ["written while paused"]
    records.wait_for_count(len(expected))

    # Restart the connector alone (204, no body), then with its tasks (202 and a state body).
    assert client.restart_connector(name) is None
    wait_for_state(client, name, "RUNNING")
    restarting = client.restart_connector(name, include_tasks=True)
    assert restarting["name"] == name, restarting
    assert restarting["connector"]["state"] in {"RESTARTING", "RUNNING"}, restarting
    assert [task["id"] for task in restarting["tasks"]] == [0], restarting
    wait_for_state(client, name, "RUNNING")
    assert client.restart_connector_task(name, 0) is None
    wait_for_state(client, name, "RUNNING")

    # After the restarts the task goes on from its committed offset: new lines, no repeats.
    append_lines(source, ["after the restarts"])
    expected.append("after the restarts")
    records.wait_for_count(len(expected))
    records.poll_for(1.0)
    assert records.values() == [json_envelope(line) for line in expected]

    # Config round trip.
    assert client.get_connector_config(name) == {**config, "name": name}

    # Delete: gone from the list, and its status is a 404.
    assert client.delete_connector(name) is None
    wait_for(f"{name} leaving the connector list", lambda: name not in client.list_connectors())
    with pytest.raises(HTTPError) as gone:
        client.get_connector_status(name)
    assert gone.value.response.status_code == 404
    assert client.list_connectors() == []


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compressed_batches_decode_in_librdkafka(strait_worker, reader, tmp_path, codec):
    """`producer.override.compression.type`: the batches Strait compresses (kafka-protocol's
    codecs) must decode in librdkafka, an independent client, to the same bytes."""
    client = KafkaConnect(url=strait_worker.url)
    name = unique_name(f"py-{codec}-source")
    topic = unique_name(f"py-{codec}-lines")
    source = tmp_path / f"{codec}.txt"
    lines = FIRST_LINES + [f"{codec} line {i} " + "repeat " * (i % 9) for i in range(200)]
    append_lines(source, lines)
    config = {
        "connector.class": FILE_STREAM_SOURCE,
        "tasks.max": "1",
        "file": str(source),
        "topic": topic,
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "1",
        "producer.override.compression.type": codec,
    }
    client.create_connector({"name": name, "config": config})
    records = reader(topic)
    records.wait_for_count(len(lines))
    records.poll_for(0.5)
    assert records.values() == [json_envelope(line) for line in lines]
