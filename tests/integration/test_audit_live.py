"""SSOT and audit commands against a real pipeline run of 1,000+ mixed tasks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from confluent_kafka import Message

from processors.jsonpatch import apply_patch
from processors.models import SsotCommit, TaskObject
from streams.audit.archive import read_archive
from streams.cli.main import main
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.embedded import Endpoints
from streams.runtime.pipeline import Pipeline, ssot_store
from streams.runtime.topics import FORMED, ROUTED, SSOT_WRITES
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.tools.simulate import sample_events, simulate
from tests.conftest import at_least, produce, read_topic, settle
from tests.forgery import forge_commit

pytestmark = pytest.mark.integration


def distinct_commits(serde: Serde, n: int) -> Callable[[list[Message]], bool]:
    """Until ``n`` distinct (project, version) commits were read (a record may repeat)."""

    def enough(messages: list[Message]) -> bool:
        seen = set()
        for m in messages:
            commit = serde.decode(m.value(), SsotCommit)
            seen.add((commit.project_id, commit.version))
        return len(seen) >= n

    return enough


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, endpoints: Endpoints
) -> Iterator[tuple[Settings, int]]:
    """One pipeline run shared by this module's tests (it is the expensive part)."""
    tag = uuid.uuid4().hex[:10]
    settings = Settings(
        bootstrap_servers=endpoints.bootstrap_servers,
        redis_url=endpoints.redis_url,
        topic_prefix=f"a{tag}.",
        group_prefix=f"a{tag}",
        redis_prefix=f"a{tag}",
        partitions=3,
        home=tmp_path_factory.mktemp("audit-home"),
    )
    events = sample_events(1700, seed=11, start=datetime.now(UTC), duplicates=0.1)
    pipeline = Pipeline(settings, endpoints)
    pipeline.start()
    try:
        assert pipeline.wait_ready(60)
        serde = Serde(SchemaStore.load())
        EventProducer(settings, endpoints.bootstrap_servers, serde).send_many(events)
        # every formed task that is not held reaches exactly one commit
        router, former = pipeline.runner("router"), pipeline.runner("former")
        routed_topic = settings.topic(ROUTED)

        def router_done() -> bool:
            return router.stats.out[routed_topic] + router.stats.duplicates >= len(events)

        assert settle(router_done, timeout=90)
        routed = router.stats.out[routed_topic]
        # done = every routed record's batch produced, acknowledged and committed (records_in
        # would count a batch still being processed, and a quiet spell is no proof on a busy
        # machine)
        assert settle(lambda: former.stats.records_done >= routed, timeout=90)
        produced = former.stats.out[settings.topic(FORMED)]
        formed = read_topic(settings, FORMED, until=at_least(produced))
        # at-least-once: a redelivered batch (a rebalance) repeats records, never tasks
        assert len(formed) >= produced
        by_task = {}
        for m in formed:
            task = serde.decode(m.value(), TaskObject)
            assert by_task.setdefault(task.task_id, task.source_event_id) == task.source_event_id
            if task.hold_reason is not None:
                by_task[task.task_id] = None
        tasks = sum(1 for source in by_task.values() if source is not None)
        commits = read_topic(
            settings, SSOT_WRITES, until=distinct_commits(serde, tasks), timeout=120
        )
        versions = {}
        for m in commits:
            commit = serde.decode(m.value(), SsotCommit)
            key = (commit.project_id, commit.version)
            assert versions.setdefault(key, commit.commit_id) == commit.commit_id  # no fork
        assert len(versions) == tasks >= 1000
        store = ssot_store(settings, pipeline.redis)
        total = lambda: sum(store.head(p).version for p in store.projects())  # noqa: E731
        assert settle(lambda: total() == tasks, timeout=30)
    finally:
        pipeline.stop()
    yield settings, tasks


@pytest.fixture
def cli_env(run: tuple[Settings, int], monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings, _ = run
    for name in ("bootstrap_servers", "topic_prefix", "group_prefix", "redis_prefix"):
        monkeypatch.setenv(f"TASKLINE_{name.upper()}", str(getattr(settings, name)))
    assert settings.redis_url is not None
    monkeypatch.setenv("TASKLINE_REDIS_URL", settings.redis_url.get_secret_value())
    return settings


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    return code, capsys.readouterr().out.splitlines()


def test_rebuild_reproduces_every_head(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "ssot", "rebuild")
    assert code == 0, out
    rows = [line for line in out if line.startswith(("ok", "DIFF"))]
    assert rows and all(line.startswith("ok ") for line in rows)
    assert "0 differ" in out[-1]


serde_ = Serde(SchemaStore.load())


def test_verify_export_replay_and_tamper(
    cli_env: Settings, run: tuple[Settings, int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, tasks = run
    code, out = cli(capsys, "audit", "verify")
    assert code == 0, out
    assert f"commits: {tasks:,}" in "\n".join(out)
    code, out = cli(capsys, "audit", "export", "--out", str(tmp_path / "exp"))
    assert code == 0 and (tmp_path / "exp" / "manifest.json").exists()
    code, out = cli(capsys, "audit", "verify", "--archive", str(tmp_path / "exp"))
    assert code == 0, out
    code, out = cli(capsys, "audit", "replay", "--archive", str(tmp_path / "exp"))
    assert code == 0, out
    assert f"{tasks} tasks re-executed, {tasks} match, 0 diverge" in out[-1]
    code, live = cli(capsys, "ssot", "rebuild", "--archive", str(tmp_path / "exp"))
    assert code == 0, live
    some = next(r for r in read_archive(tmp_path / "exp", ["formed"]))
    task_id = Serde(SchemaStore.load()).decode(some.value, TaskObject).task_id
    code, shown = cli(capsys, "task", "show", task_id, "--archive", str(tmp_path / "exp"))
    assert code == 0 and any("step 1 ssot.read succeeded" in line for line in shown)
    assert any(" ssot-writes[" in line for line in shown)

    # tamper with one commit in a copy of the export
    rows = sum(1 for _ in read_archive(tmp_path / "exp", ["ssot-writes"]))
    where = forge_commit(tmp_path / "exp", tmp_path / "forged", serde_, rows // 2, "nothing to see")
    code, out = cli(capsys, "audit", "verify", "--archive", str(tmp_path / "forged"))
    assert code == 1
    named = [line for line in out if line.startswith("VIOLATION")]
    assert any(where in line and "hash does not match" in line for line in named), named
    assert any("archive digest" in line for line in named)


def test_tampered_commit_on_a_live_topic_fails_verify(
    topics: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A simulated honest history on fresh topics verifies; one forged commit is named."""
    for name in ("bootstrap_servers", "topic_prefix", "group_prefix", "redis_prefix"):
        monkeypatch.setenv(f"TASKLINE_{name.upper()}", str(getattr(topics, name)))
    monkeypatch.setenv("TASKLINE_REDIS_URL", "redis://127.0.0.1:1/0")  # verify needs no Redis
    history = simulate(60, seed=5)
    for topic in {r.topic for r in history}:
        produce(topics, topic, [(r.key, r.value) for r in history if r.topic == topic])
    code, out = cli(capsys, "audit", "verify")
    assert code == 0, out
    serde = Serde(SchemaStore.load())
    last = serde.decode([r for r in history if r.topic == SSOT_WRITES][-1].value, SsotCommit)
    forged = last.model_copy(update={"version": last.version + 1, "parent_hash": last.hash})
    produce(topics, SSOT_WRITES, [(last.project_id.encode(), serde.encode(forged))])
    code, out = cli(capsys, "audit", "verify")
    assert code == 1
    named = [line for line in out if line.startswith("VIOLATION")]
    label = f"{last.project_id} v{forged.version}"
    assert any("[hash chain]" in v and label in v and "hash does not match" in v for v in named)
    assert any("[one completion per task]" in v and label in v for v in named)  # same task again
    assert len(named) == 2


def test_task_show_has_every_stage(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    msgs = read_topic(cli_env, SSOT_WRITES, until=at_least(1))
    commit = Serde(SchemaStore.load()).decode(msgs[0].value(), SsotCommit)
    code, out = cli(capsys, "task", "show", "--event", commit.source_event_id, "--json")
    assert code == 0
    topics = [json.loads(line)["topic"] for line in out]
    for topic in (
        "raw-events",
        "routed",
        "formed",
        "scheduled",
        "executed",
        "replies",
        "ssot-writes",
    ):
        assert topic in topics, (topic, topics)
    code, by_task = cli(capsys, "task", "show", commit.task_id)
    assert code == 0 and by_task[-1].startswith(f"{len(out)} records over")


def test_ssot_show_log_diff(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "ssot", "show", "apollo", "--json")
    assert code == 0
    head = json.loads(out[0])
    assert head["version"] >= 2 and isinstance(head["state"], dict)
    code, log = cli(capsys, "ssot", "log", "apollo")
    assert code == 0 and len(log) == head["version"] and log[0].startswith("v1 ")
    code, out = cli(capsys, "ssot", "show", "apollo", "--version", "1", "--json")
    first = json.loads(out[0])
    assert first["version"] == 1
    code, ops = cli(capsys, "ssot", "diff", "apollo", "0", str(head["version"]), "--json")
    assert code == 0
    assert apply_patch({}, json.loads(ops[0])) == head["state"]
    code, _ = cli(capsys, "ssot", "show", "nope")
    assert code == 2
    code, _ = cli(capsys, "ssot", "show", "apollo", "--version", "999999")
    assert code == 2
