"""Shutdown, overload and the security properties the README promises."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from processors.errors import PatchError
from processors.executor import MAX_STATE_BYTES, Executor, Snapshot
from processors.jsonpatch import apply_patch
from processors.models import PatchOp
from processors.scheduler import schedule
from streams.codec.serde import Serde
from streams.runtime.embedded import Endpoints
from streams.runtime.pipeline import Pipeline, ssot_store
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.tools.simulate import sample_events
from tests.conftest import settle
from tests.integration.test_cli import Up, cli_env
from tests.samples import STATEFUL, T0

pytestmark = pytest.mark.integration


def test_sigterm_drains_commits_and_exits_in_bounded_time(
    topics: Settings, endpoints: Endpoints, tmp_path: Path
) -> None:
    env = cli_env(tmp_path)
    env.update(
        {
            "TASKLINE_BOOTSTRAP_SERVERS": endpoints.bootstrap_servers,
            "TASKLINE_REDIS_URL": endpoints.redis_url,
            "TASKLINE_TOPIC_PREFIX": topics.topic_prefix,
            "TASKLINE_GROUP_PREFIX": topics.group_prefix,
            "TASKLINE_REDIS_PREFIX": topics.redis_prefix,
            "TASKLINE_METRICS_PORT": "-1",
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "worker", "router"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None and "consuming" in proc.stdout.readline()
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"no exit 20 s after SIGTERM; the worker said:\n{proc.stdout.read()}")
    assert code == 0
    assert time.monotonic() - started < 15


def test_a_burst_is_absorbed_with_bounded_memory(
    pipeline: Pipeline, settings: Settings, serde: Serde
) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    events = sample_events(3000, seed=5, start=T0, duplicates=0.0)
    EventProducer(settings, str(settings.bootstrap_servers), serde).send_many(events)  # all at once
    router = pipeline.runner("router")
    assert settle(lambda: router.stats.records_in >= len(events), timeout=120)
    former = pipeline.runner("former")
    assert settle(lambda: former.stats.records_in >= len(events), timeout=120)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 300, f"memory grew {grown_mib:.0f} MiB for a 3,000-event burst"
    store = ssot_store(settings, pipeline.redis)
    assert settle(lambda: store.projects() != [], timeout=60)


def test_embedded_services_bind_loopback_only(tmp_path: Path) -> None:
    stack = Up(tmp_path / ".taskline")
    try:
        ports = [
            int(stack.runtime["bootstrap_servers"].rsplit(":", 1)[1]),
            int(stack.runtime["redis_url"].rsplit(":", 1)[1].split("/")[0]),
        ]
        with open("/proc/net/tcp") as fh:
            listening = [line.split() for line in fh.readlines()[1:] if line.split()[3] == "0A"]
        for port in ports:
            local = [row[1] for row in listening if int(row[1].split(":")[1], 16) == port]
            assert local and all(addr.startswith("0100007F:") for addr in local), (port, local)
    finally:
        stack.proc.kill()
        stack.proc.wait(10)


def test_patches_stay_inside_their_project_state() -> None:
    state = {"a": 1}
    # ".." is a plain member name in JSON Pointer: there is no way out of the document
    with pytest.raises(PatchError):
        apply_patch(state, [{"op": "add", "path": "/../etc", "value": 1}])  # no member ".."
    out = apply_patch(state, [{"op": "add", "path": "/..", "value": {"x": 1}}])
    assert out == {"a": 1, "..": {"x": 1}}
    big = STATEFUL.model_copy(
        update={
            "patch": [
                PatchOp.from_rfc(
                    {"op": "add", "path": "/blob", "value": "x" * (MAX_STATE_BYTES + 1)}
                )
            ]
        }
    )
    result = Executor("x").execute(
        schedule(big, snapshot_version=0, now=T0), Snapshot("apollo", 0, {})
    )
    assert result.status == "failed" and "limit" in (result.error or "")


def test_secrets_never_show(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home")
    env["TASKLINE_REDIS_URL"] = "redis://:s3cret-pw@127.0.0.1:1/0"
    env["TASKLINE_KAFKA_SECRET_OPTIONS"] = '{"sasl.password": "hunter2"}'
    env["TASKLINE_KAFKA_OPTIONS"] = '{"message.timeout.ms": "1500"}'
    env["TASKLINE_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"
    result = subprocess.run(
        [sys.executable, "-m", "streams.cli", "send", "hello"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("taskline: error: ")]
    assert result.returncode == 1 and len(errors) == 1, result.stderr
    assert "not acknowledged" in errors[0]
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_what_the_embedded_broker_does_with_transactions(
    endpoints: Endpoints, settings: Settings
) -> None:
    """Why Taskline does not rest on Kafka transactions here: on the embedded broker a
    read_committed reader sees records of an *aborted* transaction. If this starts failing,
    the broker isolates transactions now and they can become an opt-in."""
    if os.environ.get("TASKLINE_BOOTSTRAP_SERVERS"):
        pytest.skip("measures the embedded broker only")
    topic = settings.topic("tx-probe")
    admin = AdminClient({"bootstrap.servers": endpoints.bootstrap_servers})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(10)
    producer = Producer(
        {
            "bootstrap.servers": endpoints.bootstrap_servers,
            "transactional.id": f"{settings.group_prefix}-probe",
        }
    )
    producer.init_transactions(10)
    producer.begin_transaction()
    producer.produce(topic, b"aborted")
    producer.flush(5)
    producer.abort_transaction(10)
    producer.begin_transaction()
    producer.produce(topic, b"committed")
    producer.commit_transaction(10)
    consumer = Consumer(
        {
            "bootstrap.servers": endpoints.bootstrap_servers,
            "group.id": f"{settings.group_prefix}-probe",
            "isolation.level": "read_committed",
            "fetch.wait.max.ms": 10,
        }
    )
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    seen: list[bytes] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(seen) < 2:
        msg = consumer.poll(0.2)
        if msg is not None and msg.error() is None:
            seen.append(msg.value())
    consumer.close()
    assert seen == [b"aborted", b"committed"]


def test_a_redis_error_that_retrying_cannot_heal_stops_the_stage_in_one_line(
    topics: Settings, endpoints: Endpoints, serde: Serde, tmp_path: Path
) -> None:
    """A Redis user that may read but not write (a wrong ACL): every batch would fail the
    same way, so the stage stops with one clear line and exit 1 instead of retrying forever."""
    admin = redis.Redis.from_url(endpoints.redis_url)
    user = f"ro-{topics.redis_prefix}"
    admin.acl_setuser(user, enabled=True, passwords=["+pw"], keys=["*"], commands=["+@read"])
    try:
        url = urlsplit(endpoints.redis_url)
        env = cli_env(tmp_path)
        env.update(
            {
                "TASKLINE_BOOTSTRAP_SERVERS": endpoints.bootstrap_servers,
                "TASKLINE_REDIS_URL": f"redis://{user}:pw@{url.hostname}:{url.port}/0",
                "TASKLINE_TOPIC_PREFIX": topics.topic_prefix,
                "TASKLINE_GROUP_PREFIX": topics.group_prefix,
                "TASKLINE_REDIS_PREFIX": topics.redis_prefix,
                "TASKLINE_METRICS_PORT": "-1",
            }
        )
        EventProducer(topics, endpoints.bootstrap_servers, serde).send_many(
            sample_events(5, seed=2, start=T0, duplicates=0.0)
        )
        done = subprocess.run(
            [sys.executable, "-m", "streams.cli", "worker", "router"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert done.returncode == 1, done.stderr[-2000:]
        errors = [line for line in done.stderr.splitlines() if line.startswith("taskline: error")]
        assert len(errors) == 1 and "NoPermissionError" in errors[0], done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        assert "pw@" not in done.stderr  # the URL's password is not printed
    finally:
        admin.acl_deluser(user)
        admin.close()
