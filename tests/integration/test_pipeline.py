"""The whole pipeline on a real broker and Redis: duplicates, chains, serial execution."""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from typing import cast

import pytest
import redis

from processors.completer import plan_commit
from processors.executor import Checkpoint
from processors.models import ExecutionResult, PatchOp, RawEvent, Reply, SsotCommit, TaskObject
from processors.ssot import Head, advance, state_hash
from streams.codec.serde import Serde
from streams.runtime.pipeline import Pipeline, build_handler, chain_store, ssot_store
from streams.runtime.topics import EXECUTED, FORMED, REPLIES, SSOT_WRITES
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.stages.executor import ExecutorStage
from streams.state.dedup import Deduplicator
from streams.state.ssot_store import Tombstone
from tests.conftest import at_least, decode_all, read_topic, settle
from tests.samples import RESULT, SCHEDULED, T0

pytestmark = pytest.mark.integration
PROJECTS = [
    ("apollo", "release"),
    ("atlas", "warehouse"),
    ("helios", "campaign"),
    ("orion", "invoice"),
]


def make_events(n_unique: int) -> tuple[list[RawEvent], set[str]]:
    """Unique events of every kind; returns them and the ids that must form a task."""
    events, task_ids = [], set()
    for i in range(n_unique):
        project, word = PROJECTS[i % len(PROJECTS)]
        common = {"source_event_id": f"evt-{i:04d}", "session_id": f"s{i % 7}", "occurred_at": T0}
        if i % 10 == 9:
            ev = RawEvent(channel="voice", kind="user_action", text="thanks", **common)
        elif i % 3 == 0:
            ev = RawEvent(
                channel="chat",
                kind="user_action",
                text=f"set the {project} field {i} to value-{i}",
                **common,
            )
        elif i % 3 == 1:
            ev = RawEvent(
                channel="voice",
                kind="user_action",
                text=f"summarize the {project} {word} status",
                **common,
            )
        else:
            ev = RawEvent(
                channel="chat",
                kind="model_proposal",
                text=f"proposal {i}",
                project_hint=project,
                proposal=[PatchOp.from_rfc({"op": "add", "path": f"/p{i}", "value": {"n": i}})],
                **common,
            )
        if i % 10 != 9:
            task_ids.add(ev.source_event_id)
        events.append(ev)
    return events, task_ids


def test_200_events_with_50_duplicates(
    pipeline: Pipeline, settings: Settings, serde: Serde
) -> None:
    unique, task_events = make_events(150)
    rng = random.Random(7)
    stream = list(unique)
    for _ in range(50):  # each duplicate repeats an earlier event, later in the stream
        j = rng.randrange(len(unique))
        stream.insert(rng.randrange(stream.index(unique[j]) + 1, len(stream) + 1), unique[j])
    assert len(stream) == 200
    EventProducer(settings, str(settings.bootstrap_servers), serde).send_many(stream)

    commits_msgs = read_topic(settings, SSOT_WRITES, until=at_least(len(task_events)), timeout=90)
    commits = [c for c in decode_all(serde, commits_msgs) if isinstance(c, SsotCommit)]
    assert len(commits) == len(task_events)

    # exactly one task object per unique source_event_id, none for chit-chat
    formed = decode_all(serde, read_topic(settings, FORMED, until=at_least(len(task_events))))
    per_event = Counter(t.source_event_id for t in formed if isinstance(t, TaskObject))
    assert set(per_event) == task_events
    assert set(per_event.values()) == {1}
    assert len({t.task_id for t in formed if isinstance(t, TaskObject)}) == len(task_events)

    # per project: versions contiguous from 1, every hash chains to its parent
    by_project: dict[str, list[SsotCommit]] = defaultdict(list)
    for c in commits:
        by_project[c.project_id].append(c)
    heads = {}
    for project, chain in by_project.items():
        assert [c.version for c in chain] == list(range(1, len(chain) + 1)), project
        head = Head.genesis(project)
        for c in chain:
            head = advance(head, c)  # raises on a broken link, hash or state
        heads[project] = head
    assert len({c.task_id for c in commits}) == len(commits)
    assert {c.source_event_id for c in commits} == task_events
    assert Counter(c.outcome for c in commits)["ssot_mismatch"] == 0

    # the executor's run intervals never overlap
    executed = [
        r
        for r in decode_all(serde, read_topic(settings, EXECUTED, until=at_least(len(task_events))))
        if isinstance(r, ExecutionResult)
    ]
    assert len(executed) == len(task_events)
    runs = sorted((r.started_at, r.finished_at) for r in executed)
    for (s1, f1), (s2, f2) in itertools.pairwise(runs):
        assert s1 <= f1 <= s2 <= f2
    assert all(r.status == "succeeded" for r in executed)

    # the materialized SSOT caught up with the chain on the topic
    store = ssot_store(settings, pipeline.redis)
    assert settle(lambda: all(store.head(p).version == h.version for p, h in heads.items()))
    for project, h in heads.items():
        assert store.head(project) == h

    # the router re-indexed every project whose SSOT moved
    router_stage = pipeline.runner("router").handler
    assert settle(
        lambda: (
            router_stage.reindex() >= 0 and set(heads) - {"_ledger"} <= set(router_stage._indexed)
        )
    )  # type: ignore[attr-defined]

    # the duplicates were dropped at the router, and the chit-chat got replies
    assert pipeline.runner("router").stats.duplicates == 50
    replies = decode_all(serde, read_topic(settings, REPLIES, until=at_least(150)))
    kinds = Counter(r.kind for r in replies if isinstance(r, Reply))
    assert kinds["no_task"] == 150 - len(task_events)
    assert kinds["result"] == len(task_events)


def test_the_executor_follows_its_own_commits_to_the_next_snapshot(
    pipeline: Pipeline, settings: Settings, serde: Serde
) -> None:
    """One stateful task at a time: each runs on the state its predecessor made (followed
    through the commits since, not read back), and every hash says so."""
    producer = EventProducer(settings, str(settings.bootstrap_servers), serde)
    for i in range(5):
        producer.send_many(
            [
                RawEvent(
                    source_event_id=f"follow-{i}",
                    session_id="s-follow",
                    channel="chat",
                    kind="model_proposal",
                    text=f"proposal {i}",
                    project_hint="orion",
                    proposal=[PatchOp.from_rfc({"op": "add", "path": f"/f{i}", "value": [i]})],
                    occurred_at=T0,
                )
            ]
        )
        read_topic(settings, SSOT_WRITES, until=at_least(i + 1), timeout=60)
    commits = sorted(
        (
            c
            for c in decode_all(serde, read_topic(settings, SSOT_WRITES, until=at_least(5)))
            if isinstance(c, SsotCommit)
        ),
        key=lambda c: c.version,
    )
    results = {
        r.task_id: r
        for r in decode_all(serde, read_topic(settings, EXECUTED, until=at_least(5)))
        if isinstance(r, ExecutionResult)
    }
    head = Head.genesis("orion")
    for commit in commits:
        result = results[commit.task_id]
        assert result.snapshot_version == head.version  # ran on the state just before
        assert result.steps[0].state_hash == state_hash(head.state, 3)
        head = advance(head, commit)
        # the executor hashes states as the commits of hash version 3 name them
        assert (result.hash_version, commit.hash_version) == (3, 3)
        assert result.state_hash == commit.state_hash == state_hash(head.state, 3)
    assert head.state == {f"f{i}": [i] for i in range(5)}
    reads = pipeline.runner("executor").handler.snapshot_reads  # type: ignore[attr-defined]
    assert reads["followed"] >= 3 and reads["read"] <= 2, reads


def _moved_head(settings: Settings, redis_client: redis.Redis, serde: Serde) -> ExecutorStage:
    """An executor whose batch read orion at v1, after which v2 landed."""
    executor = cast(ExecutorStage, build_handler("executor", settings, redis_client, serde))
    chain = chain_store(settings, redis_client)
    head = Head.genesis("orion")
    for i in (1, 2):
        result = RESULT.model_copy(
            update={
                "task_id": f"moved-{i}",
                "source_event_id": f"moved-{i}",
                "project_id": "orion",
                "status": "succeeded",
                "error": None,
                "snapshot_version": head.version,
                "patch": [PatchOp.from_rfc({"op": "add", "path": f"/m{i}", "value": i})],
            }
        )
        commit, head = plan_commit(result, head, changed_paths=set(), now=T0)
        assert chain.apply(commit, head).status == "ok"
    executor._versions = {"orion": 1}  # as the batch read them, before v2 landed
    return executor


_ORION_TASK = SCHEDULED.model_copy(
    update={"task": SCHEDULED.task.model_copy(update={"project_id": "orion"})}
)


def test_a_batch_reads_a_head_that_moved_under_it_once(
    settings: Settings, redis_client: redis.Redis, serde: Serde
) -> None:
    """The batch read the versions at v1, and v2 landed before its first task read the
    head: the batch's later tasks of the project run on that v2 snapshot, not on a head
    read again for each of them (which, under load, cost a whole state read per task)."""
    executor = _moved_head(settings, redis_client, serde)
    snapshots = [executor._snapshot(_ORION_TASK, None) for _ in range(3)]
    assert [s.version for s in snapshots] == [2, 2, 2]
    assert snapshots[0].state == {"m1": 1, "m2": 2}
    assert all(s is snapshots[0] for s in snapshots)
    assert executor.snapshot_reads == {"read": 1}


def test_a_task_resumes_on_its_checkpoint_version_when_the_head_moved(
    settings: Settings, redis_client: redis.Redis, serde: Serde
) -> None:
    """A task checkpointed on v1 resumes on v1, whether it comes first in a batch that read
    v1 while the head moved to v2, or after a task of the batch read the moved head."""
    executor = _moved_head(settings, redis_client, serde)
    resume = Checkpoint("moved-3", 1, {}, "", [], [0], T0, 1, "exec-a", 1)
    first = executor._snapshot(_ORION_TASK, resume)
    assert (first.version, first.state) == (1, {"m1": 1})
    assert executor._snapshot(_ORION_TASK, None).version == 2  # the batch's other tasks
    later = executor._snapshot(_ORION_TASK, resume)
    assert (later.version, later.state) == (1, {"m1": 1})


def test_redelivered_record_is_processed_but_duplicate_is_not(
    settings: Settings, redis_client: redis.Redis
) -> None:
    chain = chain_store(settings, redis_client)
    dedup = Deduplicator(
        redis_client, f"{settings.redis_prefix}:dedup", window_s=60, tombstones=chain
    )
    owns = dedup.claim([("e1", "raw/0/5"), ("e2", "raw/1/9"), ("e1", "raw/2/1")])
    assert [c.own for c in owns] == [True, True, False]
    # after a crash the same records come again: the owners are processed again
    assert [c.own for c in dedup.claim([("e1", "raw/0/5"), ("e2", "raw/1/9")])] == [True, True]
    assert [c.own for c in dedup.claim([("e2", "raw/0/6")])] == [False]
    assert dedup.owner("e1") == "raw/0/5"
    ttl = redis_client.pttl(dedup.key("e1"))
    assert 0 < ttl <= 60_000
    # past the window, the ledger's tombstone still names the task and version
    redis_client.delete(dedup.key("e1"))
    redis_client.hset(chain.tombstone_keys()[-2], "e1", "task-9 apollo 4")
    (claim,) = dedup.claim([("e1", "raw/3/3")])
    assert not claim.own and claim.tombstone == Tombstone("task-9", "apollo", 4)
    # the router's claim reads its sessions' hints in the same round trip
    redis_client.set(f"{settings.redis_prefix}:hint:s1", "apollo")
    keys = [f"{settings.redis_prefix}:hint:s1", f"{settings.redis_prefix}:hint:s2"]
    claims, values = dedup.claim_getting([("e3", "raw/0/7"), ("e1", "raw/3/4")], keys)
    assert [(c.own, c.tombstone) for c in claims] == [
        (True, None),
        (False, Tombstone("task-9", "apollo", 4)),
    ]
    assert values == [b"apollo", None]
    assert dedup.claim_getting([], keys)[1] == [b"apollo", None]
    bare = Deduplicator(redis_client, f"{settings.redis_prefix}:bare", window_s=60, tombstones=None)
    assert [c.own for c in bare.claim_getting([("e9", "raw/0/1")], keys)[0]] == [True]


def script_calls(client: redis.Redis) -> int:
    stats = client.info("commandstats")
    return int(stats.get("cmdstat_script", {}).get("calls", 0))


def test_claims_in_a_pipeline_ask_no_script_questions_and_survive_a_script_flush(
    settings: Settings, redis_client: redis.Redis
) -> None:
    """redis-py asks SCRIPT EXISTS before every pipeline with a Script in it (a round trip of
    its own); a claim does not, and still works after the server forgot its scripts."""
    chain = chain_store(settings, redis_client)
    dedup = Deduplicator(
        redis_client, f"{settings.redis_prefix}:dedup", window_s=60, tombstones=chain
    )
    assert [c.own for c in dedup.claim([("s1", "raw/0/1")])] == [True]  # loads the scripts
    before = script_calls(redis_client)
    assert [c.own for c in dedup.claim([("s2", "raw/0/2"), ("s1", "raw/0/3")])] == [True, False]
    assert script_calls(redis_client) == before
    redis_client.script_flush()
    assert [c.own for c in dedup.claim([("s3", "raw/0/4"), ("s2", "raw/0/2")])] == [True, True]
