"""Bounded Redis: a project's log keeps its last commits, tombstones expire by window, and
every multi-key script's keys share one Cluster slot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.crc import key_slot

from processors.completer import plan_commit
from processors.models import ExecutionResult, PatchOp, SsotCommit
from processors.ssot import Head
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.lease import lease_key
from streams.runtime.reader import TopicRecord
from streams.runtime.recovery import LogChains, heal_results, heal_store
from streams.settings import Settings
from streams.state.dedup import Deduplicator
from streams.state.executor_keys import ExecutorKeys
from streams.state.scheduler_book import SchedulerKeys
from streams.state.ssot_store import SsotStore, TombstoneBuckets
from tests.samples import RESULT

pytestmark = pytest.mark.integration


def _chain(project: str, n: int, *, at: datetime) -> list[tuple[SsotCommit, Head]]:
    """``n`` state commits of one project, each setting ``/count``."""
    head, out = Head.genesis(project), []
    for i in range(1, n + 1):
        result: ExecutionResult = RESULT.model_copy(
            update={
                "task_id": f"task-{project}-{i}",
                "source_event_id": f"evt-{project}-{i}",
                "project_id": project,
                "status": "succeeded",
                "error": None,
                "snapshot_version": head.version,
                "patch": [PatchOp(op="add", path=f"/k{i % 3}", value_json=str(i))],
            }
        )
        commit, head = plan_commit(result, head, changed_paths=set(), now=at)
        out.append((commit, head))
    return out


def test_the_log_keeps_the_last_commits_and_forgets_their_ids(redis_client: redis.Redis) -> None:
    store = SsotStore(redis_client, f"ret-{datetime.now().timestamp()}", retention=3)
    chain = _chain("apollo", 5, at=datetime.now(UTC))
    results = [store.apply(c, h) for c, h in chain[:2]]
    redis_client.script_flush()  # a pipeline of applies loads what the server forgot
    results += store.apply_many(chain[2:])
    assert [r.status for r in results] == ["ok"] * 5
    assert store.head("apollo") == chain[-1][1]
    assert store.first_retained("apollo") == 3
    assert [c.version for c in store.log("apollo")] == [3, 4, 5]
    assert store.commit_at("apollo", 2) is None
    assert store.commit_at("apollo", 4) == chain[3][0]
    # what an executor reads to follow the head: every commit since, or None when trimmed
    assert store.commits_between("apollo", 2, 5) == [c for c, _ in chain[2:]]
    assert store.commits_between("apollo", 3, 4) == [chain[3][0]]
    assert store.commits_between("apollo", 1, 5) is None
    assert store.commits_between("apollo", 4, 7) is None  # not there yet
    assert store.applied_version(chain[0][0].commit_id) is None  # trimmed with its commit
    assert store.applied_version(chain[4][0].commit_id) == 5
    # a redelivery of a retained commit is still a duplicate; of a trimmed one, a conflict
    assert store.apply(*chain[3]).status == "duplicate"
    assert store.apply(*chain[0]).status == "conflict"
    # what changed since a trimmed version cannot be told: None, never a partial answer
    assert store.changed_paths_since("apollo", 1) is None
    assert store.changed_paths_since("apollo", 3) == {"/k1", "/k2"}
    # tombstones outlive the log: every event still names its commit
    assert [t.version if t else None for t in store.tombstones_of(["evt-apollo-1", "x"])] == [
        1,
        None,
    ]
    store.drop()


def test_heal_keeps_the_retention_and_never_moves_back(redis_client: redis.Redis) -> None:
    store = SsotStore(redis_client, f"heal-{datetime.now().timestamp()}", retention=4)
    chain = _chain("atlas", 10, at=datetime.now(UTC))
    chains = LogChains(commits={"atlas": [c for c, _ in chain]}, heads={"atlas": chain[-1][1]})
    assert heal_store(store, chains) == ["atlas"]  # an empty (wiped) store
    assert store.head("atlas") == chain[-1][1]
    assert [c.version for c in store.log("atlas")] == [7, 8, 9, 10]
    assert store.first_retained("atlas") == 7
    assert store.tombstone("evt-atlas-2") is not None
    # the log read earlier (v5) is behind the store by more than it retains: left alone
    old = LogChains(commits={"atlas": [c for c, _ in chain[:5]]}, heads={"atlas": chain[4][1]})
    assert heal_store(store, old) == []
    assert store.head("atlas").version == 10
    store.drop()


def test_tombstones_live_a_window_in_expiring_buckets(redis_client: redis.Redis) -> None:
    window = 3600
    store = SsotStore(
        redis_client, f"tomb-{datetime.now().timestamp()}", retention=0, tombstone_window_s=window
    )
    now = datetime.now(UTC)
    recent = _chain("apollo", 2, at=now)
    for c, h in recent:
        store.apply(c, h)
    bucket, expires = store.tombstones.key_for(int(now.timestamp() * 1000))
    ttl = redis_client.ttl(bucket)
    assert window <= ttl <= window + store.tombstones.span_s
    assert expires == pytest.approx(now.timestamp() + ttl, abs=2)
    # commits older than the window get no tombstone when the store is reset from the log
    stale = _chain("atlas", 2, at=now - timedelta(seconds=2 * window))
    store.reset("atlas", [c for c, _ in stale], stale[-1][1])
    assert store.tombstones_of(["evt-atlas-1", "evt-apollo-1"])[0] is None
    assert store.tombstone("evt-apollo-1") is not None
    # only the buckets of one window (and one ahead) are ever read
    keys = store.tombstone_keys(now.timestamp())
    assert len(keys) == window // store.tombstones.span_s + 2
    store.drop()


def test_forever_is_one_hash_without_expiry() -> None:
    forever = TombstoneBuckets("{t:chain}:events", window_s=0)
    assert forever.key_for(123) == ("{t:chain}:events", 0)
    assert forever.keys_at(1e9) == ["{t:chain}:events"]


def test_every_multi_key_script_stays_in_one_cluster_slot(
    settings: Settings, redis_client: redis.Redis
) -> None:
    store = SsotStore(redis_client, f"{settings.redis_prefix}:chain", tombstone_window_s=86400)
    commit, _ = _chain("apollo", 1, at=datetime.now(UTC))[0]
    groups = {
        "ssot apply": store._keys(commit),
        "commit at": [store._k("head", "apollo"), store._k("log", "apollo")],
        "tombstones": store.tombstone_keys(),
        "dedup claims": [
            Deduplicator(redis_client, "p:dedup", window_s=1, tombstones=None).key(e)
            for e in ("a", "b", "c")
        ],
        "scheduler book": [
            lease_key("p", "scheduler"),
            *(getattr(SchedulerKeys("p"), k) for k in ("entries", "released", "inflight", "meta")),
            SchedulerKeys("p").unavailable,
            SchedulerKeys("p").seen("g-1"),
        ],
        "executor": [
            lease_key("p", "executor"),
            ExecutorKeys("p").result("t1"),
            ExecutorKeys("p").progress("t2"),
        ],
    }
    spread = {name: {key_slot(k.encode()) for k in keys} for name, keys in groups.items()}
    assert {name: len(slots) for name, slots in spread.items()} == dict.fromkeys(groups, 1)


def test_results_restored_from_the_log_keep_only_what_is_left_of_their_window(
    redis_client: redis.Redis,
) -> None:
    serde, now, tag = Serde(SchemaStore.load()), datetime.now(UTC), uuid.uuid4().hex[:8]
    window = 3600

    def executed(task_id: str, finished: datetime) -> TopicRecord:
        result = RESULT.model_copy(update={"task_id": task_id, "finished_at": finished})
        return TopicRecord("executed", 0, 0, 0, None, serde.encode(result))

    records = [
        executed("fresh", now - timedelta(seconds=600)),
        executed("expired", now - timedelta(seconds=2 * window)),
    ]
    restored, _ = heal_results(
        redis_client,
        records,
        serde,
        result_key=lambda t: f"{{res{tag}}}:{t}",
        token_key=f"{{res{tag}}}:token",
        ttl_s=window,
    )
    assert restored == 1
    assert redis_client.exists(f"{{res{tag}}}:expired") == 0
    assert window - 600 - 5 <= redis_client.ttl(f"{{res{tag}}}:fresh") <= window - 600
    redis_client.delete(f"{{res{tag}}}:fresh", f"{{res{tag}}}:token")
