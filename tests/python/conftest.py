"""Fixtures for the Python checker tests: a real Strait worker and the broker it talks to.

The checkers are third-party clients (kafka-connect-py, confluent-kafka) that know how a Kafka
Connect worker behaves; pointing them at a real `strait` process is how we find out whether we
are a drop-in replacement. So the fixture starts the worker binary exactly as a user would
(`strait distributed worker.properties`), with internal topics of its own so that runs never see
each other's connectors, and stops it with SIGTERM the way a service manager does.

Like the Rust integration tests, a broker that does not answer is a failure that says how to start
it (`bash scripts/services.sh up`), never a skip: in CI a skipped checker would pass silently.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Upper bound for any single wait (worker start, a state change, reading a topic).
TEST_TIMEOUT_S = 60.0
# How long the worker gets to stop after SIGTERM before it is killed.
STOP_TIMEOUT_S = 30.0
LOG_TAIL_LINES = 60


def unique_name(prefix):
    """A name unique to this test run, for connectors, topics and the worker's group."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_for(what, check, timeout_s=TEST_TIMEOUT_S, interval_s=0.2):
    """Polls `check()` until it returns something truthy and returns that; fails after the
    timeout with the last value seen (or the last exception) in the message."""
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        try:
            last = check()
            if last:
                return last
        except Exception as err:  # a transient error is retried until the deadline
            last = err
        if time.monotonic() >= deadline:
            pytest.fail(f"{what} did not happen within {timeout_s:.0f}s (last seen: {last!r})")
        time.sleep(interval_s)


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """The broker's `host:port`, checked to answer."""
    bootstrap = os.environ.get("STRAIT_TEST_KAFKA", "127.0.0.1:39092")
    host, _, port = bootstrap.rpartition(":")
    problem = None
    try:
        with socket.create_connection((host, int(port)), timeout=5):
            pass
    except (OSError, ValueError) as err:
        problem = err
    if problem is not None:
        pytest.fail(
            f"Kafka (tansu) is not reachable at {bootstrap}: {problem}. Start the test services "
            "with `bash scripts/services.sh up` (or run the whole suite with "
            "`bash scripts/test.sh`).",
            pytrace=False,
        )
    return bootstrap


def free_port():
    """A TCP port nobody listens on right now (the worker binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_properties(bootstrap, port, group):
    """A distributed worker's settings: its own group and internal topics, replication factor 1
    (one broker), a short offset flush interval, JSON with schemas for keys and values."""
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "config.storage.topic": f"{group}-configs",
        "offset.storage.topic": f"{group}-offsets",
        "status.storage.topic": f"{group}-status",
        "config.storage.replication.factor": "1",
        "offset.storage.replication.factor": "1",
        "status.storage.replication.factor": "1",
        "offset.storage.partitions": "1",
        "status.storage.partitions": "1",
        "offset.flush.interval.ms": "500",
        "listeners": f"http://127.0.0.1:{port}",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "true",
        "value.converter.schemas.enable": "true",
    }


@dataclass
class Worker:
    """A running `strait distributed` process."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines=LOG_TAIL_LINES):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as err:
            return f"(cannot read {self.log_path}: {err})"
        return "\n".join(text.splitlines()[-lines:])


def answers_200(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_worker(work_dir, bootstrap):
    binary = Path(os.environ.get("STRAIT_BIN", REPO_ROOT / "target" / "debug" / "strait"))
    if not binary.is_file():
        pytest.fail(
            f"no worker binary at {binary}: build it with `cargo build --bin strait` "
            "(or set STRAIT_BIN)",
            pytrace=False,
        )
    port = free_port()
    props = worker_properties(bootstrap, port, unique_name("strait-py"))
    props_path = work_dir / "worker.properties"
    props_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    log_path = work_dir / "worker.log"
    env = dict(os.environ)
    env.setdefault("STRAIT_LOG", "info")
    env.setdefault("NO_COLOR", "1")  # plain text in the log tails shown on failure
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(binary), "distributed", str(props_path)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    worker = Worker(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)

    def ready():
        if process.poll() is not None:
            pytest.fail(
                f"the worker exited with status {process.returncode} before it answered on "
                f"{worker.url}; last lines of {log_path}:\n{worker.log_tail()}",
                pytrace=False,
            )
        # `GET /` answers as soon as the REST server is up; `/health` only once the herder has
        # read its internal topics, which is when connector requests are served.
        return answers_200(f"{worker.url}/") and answers_200(f"{worker.url}/health")

    deadline = time.monotonic() + TEST_TIMEOUT_S
    while not ready():
        if time.monotonic() >= deadline:
            stop_worker(worker)
            pytest.fail(
                f"the worker did not answer on {worker.url} within {TEST_TIMEOUT_S:.0f}s; "
                f"last lines of {log_path}:\n{worker.log_tail()}",
                pytrace=False,
            )
        time.sleep(0.2)
    return worker


def stop_worker(worker):
    """SIGTERM, then SIGKILL if the worker has not stopped within STOP_TIMEOUT_S. Returns the
    exit status, or None if it had to be killed."""
    process = worker.process
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
        return None


@pytest.fixture
def strait_worker(tmp_path, kafka_bootstrap):
    """A fresh distributed worker on a free port, stopped after the test. If it does not stop
    on SIGTERM within STOP_TIMEOUT_S the test fails (after the worker has been killed)."""
    worker = start_worker(tmp_path, kafka_bootstrap)
    try:
        yield worker
    finally:
        status = stop_worker(worker)
    if status is None:
        pytest.fail(
            f"the worker did not stop within {STOP_TIMEOUT_S:.0f}s of SIGTERM and was killed; "
            f"last lines of {worker.log_path}:\n{worker.log_tail()}",
            pytrace=False,
        )
