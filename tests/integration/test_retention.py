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
from processors.ssot import Head, advance
from processors.statehash import Lattice
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


def _chain(
    project: str, n: int, *, at: datetime, every: timedelta = timedelta(0)
) -> list[tuple[SsotCommit, Head]]:
    """``n`` state commits of one project, each setting ``/count``, ``every`` apart."""
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
        commit, head = plan_commit(result, head, changed_paths=set(), now=at + i * every)
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


def _dump(client: redis.Redis, store: SsotStore) -> dict[str, tuple[object, int]]:
    """Every key of a store's namespace, by its name without the namespace: its value and
    its time to live (-1: none)."""
    out: dict[str, tuple[object, int]] = {}
    for key in client.scan_iter(f"{store._k('')}*", count=1000):
        name = key.decode().split(":", 1)[1]
        kind = client.type(key).decode()
        if kind == "hash":
            value: object = client.hgetall(key)
        elif kind == "list":
            value = client.lrange(key, 0, -1)
        else:
            value = client.smembers(key)
        out[name] = (value, client.ttl(key))
    return out


def test_a_head_keeps_its_lattice_beside_its_state(redis_client: redis.Redis) -> None:
    """The head is stored with its lattice in the same command (by a batch and by a reset),
    read back with it, and the next commit's state hash needs no whole-state hash; a head
    stored without one (hash version 2) is read without one."""
    store = SsotStore(redis_client, f"lat-{uuid.uuid4().hex[:8]}")
    chain = _chain("apollo", 4, at=datetime.now(UTC))
    store.apply_many(chain[:3])
    read = store.head("apollo")
    assert read.lattice is not None and read.lattice == Lattice.of(read.state)
    assert read.lattice == chain[2][1].lattice
    commit, _ = plan_commit(
        RESULT.model_copy(
            update={
                "task_id": "next",
                "project_id": "apollo",
                "status": "succeeded",
                "error": None,
                "snapshot_version": 3,
                "patch": [PatchOp(op="add", path="/more", value_json="1")],
            }
        ),
        read,
        changed_paths=set(),
        now=datetime.now(UTC),
    )
    assert advance(read, commit).known_lattice() == Lattice.of({**read.state, "more": 1})
    store.reset("apollo", [c for c, _ in chain], chain[-1][1])
    assert store.head("apollo").lattice == Lattice.of(chain[-1][1].state)
    old = Head("apollo", 4, chain[-1][1].hash, chain[-1][1].state, None)  # no lattice known
    store.reset("apollo", [c for c, _ in chain], old)
    assert store.head("apollo").lattice is None  # (not a stale one)
    # a writer from before hash version 3 moves the head and leaves the lattice as it was
    store.reset("apollo", [c for c, _ in chain], chain[-1][1])
    key = store._k("head", "apollo")
    redis_client.hset(key, mapping={"hash": chain[2][1].hash, "state": b'{"k0":3}'})
    assert store.head("apollo").lattice is None  # not taken for the newer state's
    store.drop()


def _same(one: dict[str, tuple[object, int]], other: dict[str, tuple[object, int]]) -> None:
    assert {k: v for k, (v, _) in one.items()} == {k: v for k, (v, _) in other.items()}
    for name, (_, ttl) in one.items():  # a second may pass between the two reads
        assert (ttl < 0) == (other[name][1] < 0) and abs(ttl - other[name][1]) <= 1, name


@pytest.mark.parametrize(
    ("retention", "window", "tombstones"),
    [(4, 1800, True), (0, 1800, True), (1, 0, True), (3, 1800, False), (100, 0, False)],
)
def test_a_batch_writes_what_its_commits_one_by_one_write(
    redis_client: redis.Redis, retention: int, window: int, tombstones: bool
) -> None:
    at = datetime.now(UTC)
    # one project's commits in several tombstone buckets (one already expired), interleaved
    # with another's, more of them than the log retains
    apollo = _chain("apollo", 6, at=at - timedelta(seconds=2 * window), every=timedelta(hours=1))
    atlas = _chain("atlas", 6, at=at, every=timedelta(minutes=5))
    # an event's first commit wins its tombstone: atlas's last names apollo's second's event
    last, head = atlas[-1]
    atlas[-1] = (last.model_copy(update={"source_event_id": apollo[1][0].source_event_id}), head)
    items = [item for pair in zip(apollo, atlas, strict=True) for item in pair]
    stores = []
    for name in ("one", "batch"):
        namespace = f"{name}-{uuid.uuid4().hex[:8]}"
        # a log longer than the store retains: what an earlier, larger retention left
        first = SsotStore(redis_client, namespace, retention=0, tombstone_window_s=window)
        for commit, head in items[:3]:
            first.apply(commit, head)
        store = SsotStore(
            redis_client,
            namespace,
            retention=retention,
            tombstone_window_s=window,
            tombstones=tombstones,
        )
        stores.append(store)
    one, batch = stores
    assert [one.apply(c, h).status for c, h in items[3:]] == ["ok"] * 9
    assert [r.status for r in batch.apply_many(items[3:])] == ["ok"] * 9
    _same(_dump(redis_client, batch), _dump(redis_client, one))
    assert batch.head("atlas") == atlas[-1][1]
    for store in stores:
        store.drop()


def test_a_batch_with_a_commit_that_does_not_apply_writes_nothing(
    redis_client: redis.Redis,
) -> None:
    store = SsotStore(redis_client, f"none-{uuid.uuid4().hex[:8]}", retention=0)
    apollo = _chain("apollo", 3, at=datetime.now(UTC))
    atlas = _chain("atlas", 2, at=datetime.now(UTC))
    store.apply(*apollo[0])
    before = _dump(redis_client, store)
    # atlas v2 without v1: atlas's head is v0, so nothing of the batch is written
    answers = store.apply_many([apollo[1], atlas[1], apollo[2]])
    assert [(a.status, a.version) for a in answers] == [
        ("conflict", 1),
        ("conflict", 0),
        ("conflict", 1),
    ]
    assert _dump(redis_client, store) == before
    # a commit applied before: a duplicate, and again nothing else is written
    answers = store.apply_many([apollo[0], apollo[1]])
    assert [(a.status, a.version) for a in answers] == [("duplicate", 1), ("conflict", 1)]
    assert _dump(redis_client, store) == before
    # the same commit twice in one batch (a result redelivered within it), planned again on
    # the head the first made: the second is a duplicate of the first, never a new version
    again = apollo[1][0].model_copy(update={"version": 3, "parent_hash": apollo[1][0].hash})
    answers = store.apply_many([apollo[1], (again, apollo[2][1])])
    assert [(a.status, a.version) for a in answers] == [("conflict", 1), ("duplicate", 2)]
    assert _dump(redis_client, store) == before
    assert [r.status for r in store.apply_many([apollo[1], atlas[0], apollo[2]])] == ["ok"] * 3
    assert store.head("apollo") == apollo[-1][1]
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
    first = _chain("apollo", 1, at=datetime.now(UTC))
    groups = {
        "ssot apply": store._batch(first)[0],
        "ssot apply, a batch": store._batch(
            _chain("atlas", 2, at=datetime.now(UTC), every=timedelta(days=1))
            + _chain("apollo", 1, at=datetime.now(UTC))
        )[0],
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
