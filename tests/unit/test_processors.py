"""Pure stage logic: routing, formation, scheduling, execution, completion and the chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from processors.completer import commit_id_for, plan_commit
from processors.errors import ChainError
from processors.executor import Executor, Snapshot
from processors.former import Former, task_id_for, validate_patch
from processors.jsonpatch import CanonicalCache, apply_patch, canonical_json, touched_paths
from processors.models import (
    ExecutionResult,
    PatchOp,
    RawEvent,
    RoutedEvent,
    SsotCommit,
    TaskObject,
    patch_to_rfc,
)
from processors.router import Calibration, ProjectRegistry, Router
from processors.scheduler import schedule
from processors.ssot import GENESIS_HASH, Head, advance, commit_hash, state_hash
from streams.runtime.pipeline import read_packs
from streams.settings import DATA_DIR
from tests.samples import T0, T1

REGISTRY = ProjectRegistry.from_json((DATA_DIR / "projects.json").read_text())
PACKS = read_packs(DATA_DIR / "packs")
CALIBRATION = Calibration.from_json((DATA_DIR / "calibration.json").read_text())
ROUTER = Router(REGISTRY, PACKS, calibration=CALIBRATION)
FORMER = Former(REGISTRY, PACKS, min_confidence=0.5)


def event(text: str, **kw: object) -> RawEvent:
    values: dict[str, object] = {
        "source_event_id": "evt-1",
        "session_id": "s",
        "channel": "chat",
        "kind": "user_action",
        "text": text,
        "occurred_at": T0,
    }
    values.update(kw)
    return RawEvent.model_validate(values)


def routed(text: str, **kw: object) -> RoutedEvent:
    return ROUTER.route(event(text, **kw), T0)


# --- router -----------------------------------------------------------------------------


def test_router_picks_the_project_by_keywords() -> None:
    r = routed("what is the atlas warehouse inventory?")
    assert (r.project_id, r.domain_id) == ("atlas", "operations")
    assert 0.5 <= r.routing_confidence <= 1.0
    assert r.top_candidates[0].project_id == "atlas"
    assert r.router_version.startswith("route-v2/hash-tfidf")


def test_router_scores_what_was_said_not_the_metadata() -> None:
    plain = routed("what is the atlas warehouse inventory?")
    noisy = routed(
        "what is the atlas warehouse inventory?",
        metadata={"device_id": "helios-budget-7", "previous_turn": "raise the helios budget"},
    )
    assert noisy.top_candidates == plain.top_candidates
    assert noisy.routing_confidence == plain.routing_confidence


def test_router_hint_wins_and_no_match_is_zero() -> None:
    r = routed("raise it a bit", project_hint="helios")
    assert (r.project_id, r.routing_confidence) == ("helios", 1.0)
    none = routed("book me a table somewhere nice")
    assert none.project_id is None and none.routing_confidence < 0.5


def test_router_is_less_confident_when_projects_compete() -> None:
    clear = routed("apollo release build")
    mixed = routed("apollo release and atlas warehouse")
    assert mixed.routing_confidence < clear.routing_confidence


def test_registry_rejects_malformed_files() -> None:
    with pytest.raises(ValueError, match="JSON list"):
        ProjectRegistry.from_json("{}")
    with pytest.raises(ValueError, match="unique"):
        ProjectRegistry.from_json('[{"id": "a", "domain": "d"}, {"id": "a", "domain": "d"}]')
    with pytest.raises(ValueError, match="malformed"):
        ProjectRegistry.from_json('[{"domain": "d"}]')


# --- former -----------------------------------------------------------------------------


def test_former_set_command_is_stateful_with_a_patch() -> None:
    f = FORMER.form(routed("set the apollo release date to 2026-12-15"), T1)
    assert f.decision == "stateful" and f.reply is None and f.task is not None
    assert f.task.task_type == "stateful" and f.task.patch_status == "ready"
    assert [op.to_rfc() for op in f.task.patch or []] == [
        {"op": "add", "path": "/release_date", "value": "2026-12-15"}
    ]
    assert f.task.task_sheet is not None and f.task.task_sheet.project_id == "apollo"
    assert f.task.task_id == task_id_for("evt-1", "stateful")
    assert f.task.created_at == T1.replace(microsecond=456000) and f.task.occurred_at == T0


def test_former_proposal_is_stateful_and_question_is_ephemeral() -> None:
    proposal = [PatchOp.from_rfc({"op": "add", "path": "/budget", "value": 5})]
    f = FORMER.form(
        routed("raise budget", kind="model_proposal", project_hint="helios", proposal=proposal), T1
    )
    assert f.task is not None and f.task.patch == proposal and f.task.task_type == "stateful"
    q = FORMER.form(routed("summarize the orion invoices"), T1)
    assert q.task is not None and q.task.task_type == "ephemeral" and q.task.work_plan is not None
    assert q.task.work_plan.steps == ["ssot.read", "text.summarize"]


def test_former_replies_instead_of_tasks() -> None:
    hello = FORMER.form(routed("hello"), T1)
    assert hello.task is None and hello.reply is not None and hello.reply.kind == "no_task"
    unclear = FORMER.form(routed("book me a table"), T1)
    assert unclear.task is None and unclear.reply is not None
    assert unclear.reply.kind == "clarification"
    # a proposal without a patch keeps its TaskSheet, held with the patch pending (§11)
    empty = FORMER.form(routed("x", kind="model_proposal", project_hint="helios"), T1)
    assert empty.task is not None and empty.task.patch_status == "pending"
    assert empty.task.hold_reason and empty.task.task_sheet is not None
    assert empty.task.review is not None and empty.task.review.outcome == "revise"
    assert empty.reply is not None and empty.reply.reason_code == "held"


def test_task_ids_are_stable_and_distinct() -> None:
    a = FORMER.form(routed("summarize the atlas inventory"), T0)
    b = FORMER.form(routed("summarize the atlas inventory"), T1)
    assert a.task is not None and b.task is not None and a.task.task_id == b.task.task_id
    assert task_id_for("evt-1", "stateful") != task_id_for("evt-2", "stateful")
    assert task_id_for("evt-1", "stateful") != task_id_for("evt-1", "ephemeral")


# --- scheduler and executor -------------------------------------------------------------


def test_executor_applies_the_patch_and_hashes_every_step() -> None:
    task = FORMER.form(routed("set the apollo status to green"), T0).task
    assert task is not None
    scheduled = schedule(task, snapshot_version=2, now=T1)
    result = Executor("x").execute(scheduled, Snapshot("apollo", 2, {"owner": "ann"}))
    assert result.status == "succeeded" and result.error is None
    assert [s.engine + "." + s.module for s in result.steps] == [
        "ssot.read",
        "patch.apply",
        "state.validate",
    ]
    # as the SSOT commits of hash version 3 name states: their lattice hashes
    assert result.hash_version == 3
    assert result.state_hash == state_hash({"owner": "ann", "status": "green"}, 3)
    assert result.steps[0].state_hash == state_hash({"owner": "ann"}, 3)
    assert result.started_at <= result.steps[0].started_at <= result.finished_at
    assert (result.scheduled_snapshot_version, result.snapshot_version) == (2, 2)
    # an executor of hash version 2 (and the replay of its records): SHA-256 of the state
    old = Executor("x", hash_version=2).execute(scheduled, Snapshot("apollo", 2, {"owner": "ann"}))
    assert old.hash_version == 2
    assert old.state_hash == state_hash({"owner": "ann", "status": "green"})
    assert old.steps[0].state_hash == state_hash({"owner": "ann"})
    again = Executor("x").execute(
        scheduled, Snapshot("apollo", 2, {"owner": "ann"}), replay=old.steps, hash_version=2
    )
    assert [s.state_hash for s in again.steps] == [s.state_hash for s in old.steps]


def bad_proposal() -> TaskObject:
    """A stateful task whose patch removes a member that is not there."""
    remove = [PatchOp.from_rfc({"op": "remove", "path": "/missing"})]
    task = FORMER.form(
        routed("x", kind="model_proposal", project_hint="atlas", proposal=remove), T0
    )
    assert task.task is not None
    return task.task


def test_executor_fails_whole_task_on_bad_patch_or_unknown_engine() -> None:
    task = bad_proposal()
    result = Executor("x").execute(
        schedule(task, snapshot_version=0, now=T0), Snapshot("atlas", 0, {})
    )
    assert result.status == "failed" and "patch does not apply" in (result.error or "")
    assert [s.status for s in result.steps] == ["succeeded", "failed"]
    eph = FORMER.form(routed("summarize atlas"), T0).task
    assert eph is not None and eph.work_plan is not None
    bad = eph.model_copy(
        update={"work_plan": eph.work_plan.model_copy(update={"steps": ["shell.exec"]})}
    )
    r2 = Executor("x").execute(schedule(bad, snapshot_version=0, now=T0), Snapshot("atlas", 0, {}))
    assert r2.status == "failed" and "forbidden engine call" in (r2.error or "")


# --- completer and chain ----------------------------------------------------------------


def result_for(text: str, snapshot: Snapshot) -> ExecutionResult:
    task = FORMER.form(routed(text, source_event_id=text[:30]), T0).task
    assert task is not None
    return Executor("x").execute(
        schedule(task, snapshot_version=snapshot.version, now=T0), snapshot
    )


def test_completer_builds_a_verifiable_chain() -> None:
    head = Head.genesis("apollo")
    r1 = result_for("set the apollo status to green", Snapshot("apollo", 0, {}))
    c1, h1 = plan_commit(r1, head, changed_paths=set(), now=T1)
    assert (c1.version, c1.parent_hash, c1.kind, c1.outcome) == (
        1,
        GENESIS_HASH,
        "state",
        "succeeded",
    )
    assert c1.hash == commit_hash(c1) and c1.commit_id == commit_id_for(r1.task_id)
    assert h1.state == {"status": "green"}
    r2 = result_for("what is the apollo status?", Snapshot("apollo", 1, h1.state))
    c2, h2 = plan_commit(r2, h1, changed_paths=set(), now=T1)
    assert (c2.version, c2.kind, c2.parent_hash) == (2, "ledger", c1.hash)
    assert h2.state == h1.state
    replayed = advance(advance(Head.genesis("apollo"), c1), c2)
    assert replayed == h2


def test_completer_rebases_disjoint_and_refuses_overlapping_stale_patches() -> None:
    r_owner = result_for("set the apollo owner to ann", Snapshot("apollo", 0, {}))
    r_status = result_for("set the apollo status to red", Snapshot("apollo", 0, {}))
    r_owner2 = result_for("set the apollo owner to bob", Snapshot("apollo", 0, {}))
    _, h1 = plan_commit(r_owner, Head.genesis("apollo"), changed_paths=set(), now=T1)
    c2, h2 = plan_commit(r_status, h1, changed_paths={"/owner"}, now=T1)
    assert (c2.kind, c2.outcome) == ("state", "rebased")
    c3, h3 = plan_commit(r_owner2, h2, changed_paths={"/owner", "/status"}, now=T1)
    assert (c3.kind, c3.outcome) == ("ledger", "ssot_mismatch")
    assert h3.state == {"owner": "ann", "status": "red"}


def test_failed_tasks_get_ledger_entries() -> None:
    bad = bad_proposal()
    r = Executor("x").execute(schedule(bad, snapshot_version=0, now=T0), Snapshot("atlas", 0, {}))
    c, h = plan_commit(r, Head.genesis("atlas"), changed_paths=set(), now=T1)
    assert (c.kind, c.outcome, c.patch) == ("ledger", "failed", None)
    assert h.state == {}


# values RFC 8785 (the commit hash's canonical form) refuses: they could never be committed
NOT_I_JSON = ["NaN", '{"at": [1, -Infinity]}', str(2**53 + 1), '"\\ud800 lone"']


@pytest.mark.parametrize("value_json", NOT_I_JSON)
def test_a_proposal_the_chain_cannot_hash_is_held_and_fails_with_an_entry(value_json: str) -> None:
    op = PatchOp(op="add", path="/x", value_json=value_json)
    formed = FORMER.form(
        routed("x", kind="model_proposal", project_hint="atlas", proposal=[op]), T0
    )
    assert formed.task is not None and formed.task.hold_reason is not None
    assert "op 0: the value is not I-JSON" in formed.task.hold_reason
    assert formed.task.patch is None  # never passed on to be applied
    # approved anyway: it fails for want of a patch, and the chain records that
    r = Executor("x").execute(
        schedule(formed.task, snapshot_version=0, now=T0), Snapshot("atlas", 0, {})
    )
    c, h = plan_commit(r, Head.genesis("atlas"), changed_paths=set(), now=T1)
    assert (r.status, c.kind, c.outcome, h.state) == ("failed", "ledger", "failed", {})


def test_a_patch_value_is_checked_as_the_patch_stores_it() -> None:
    # a template's integer keys are stored as JSON text has them (strings): not refused
    assert validate_patch([{"op": "add", "path": "/x", "value": {1: "a", 2: [{3: None}]}}]) is None
    refused = validate_patch([{"op": "add", "path": "/x", "value": {1: float("nan")}}])
    assert refused is not None and "not I-JSON" in refused
    assert "not I-JSON" in (validate_patch([{"op": "add", "path": "/x", "value": {1, 2}}]) or "")
    # keys of mixed types cannot be sorted as the patch stores them: refused, not a crash
    mixed = validate_patch([{"op": "add", "path": "/x", "value": {1: "a", "b": 2}}])
    assert mixed is not None and "not I-JSON" in mixed
    for path in ("/\ud800", "/" + "x" * 1024):
        assert "not Unicode text of 1,024" in (
            validate_patch([{"op": "add", "path": path, "value": 1}]) or ""
        )


@pytest.mark.parametrize("value_json", NOT_I_JSON)
def test_a_result_the_chain_cannot_hash_is_committed_as_failed(value_json: str) -> None:
    # formed before formation refused such values: the completer records the outcome
    task = bad_proposal()
    op = PatchOp(op="add", path="/x", value_json=value_json)
    task = task.model_copy(update={"patch": [op], "patch_status": "ready", "hold_reason": None})
    r = Executor("x").execute(schedule(task, snapshot_version=0, now=T0), Snapshot("atlas", 0, {}))
    c, h = plan_commit(r, Head.genesis("atlas"), changed_paths=set(), now=T1)
    assert (c.kind, c.outcome, c.patch) == ("ledger", "failed", None)
    assert c.message.startswith("patch not committed: a value is not I-JSON")
    assert c.hash == commit_hash(c) and h.state == {} and h.version == 1


def test_tampering_breaks_the_chain() -> None:
    r = result_for("set the apollo status to green", Snapshot("apollo", 0, {}))
    c1, _ = plan_commit(r, Head.genesis("apollo"), changed_paths=set(), now=T1)
    with pytest.raises(ChainError, match="hash does not match"):
        advance(Head.genesis("apollo"), c1.model_copy(update={"message": "forged"}))
    with pytest.raises(ChainError, match="parent_hash"):
        advance(Head("apollo", 0, "1" * 64, {}), c1)
    with pytest.raises(ChainError, match="does not follow"):
        advance(Head("apollo", 5, GENESIS_HASH, {}), c1)
    forged = c1.model_copy(update={"state_hash": "0" * 64})
    with pytest.raises(ChainError):
        advance(Head.genesis("apollo"), forged.model_copy(update={"hash": commit_hash(forged)}))


def test_a_snapshot_follows_a_commit_to_the_state_it_names() -> None:
    executor = Executor("x")
    base = Snapshot("apollo", 0, {"owner": "ann"}, '{"owner":"ann"}', CanonicalCache())
    task = FORMER.form(routed("set the apollo status to green", source_event_id="f-1"), T0).task
    assert task is not None
    result = executor.execute(schedule(task, snapshot_version=0, now=T0), base)
    head = Head("apollo", 0, GENESIS_HASH, base.state, base.canonical)
    commit, after = plan_commit(result, head, changed_paths=set(), now=T1)
    assert commit.hash_version == 3 and commit.state_hash == state_hash(after.state, 3)
    patched = base.follow([commit])
    assert patched is not None and patched.state == after.state
    assert patched.canonical == canonical_json(after.state)
    assert (patched.version, patched.state_hash) == (1, state_hash(after.state))  # the SHA
    assert patched.lattice is not None and patched.lattice.digest() == commit.state_hash
    # a ledger commit keeps the state; a gap or a wrong state hash sends the caller to the head
    eph = FORMER.form(routed("what is the apollo status?", source_event_id="f-2"), T0).task
    assert eph is not None
    asked = executor.execute(schedule(eph, snapshot_version=1, now=T0), patched)
    ledger, _ = plan_commit(asked, after, changed_paths=set(), now=T1)
    assert ledger.kind == "ledger"
    kept = base.follow([commit, ledger])
    assert kept is not None and (kept.version, kept.state) == (2, after.state)
    assert patched.follow([ledger]) is not None
    assert base.follow([ledger]) is None
    # a ledger commit keeps the snapshot's own state: it is checked against it
    diverged = Snapshot("apollo", 1, {"owner": "bob"}, '{"owner":"bob"}', CanonicalCache())
    assert diverged.follow([ledger]) is None
    assert base.follow([commit.model_copy(update={"state_hash": "0" * 64})]) is None


def test_a_snapshot_follows_commits_of_hash_version_2_by_their_sha256() -> None:
    base = Snapshot("apollo", 0, {"owner": "ann"}, '{"owner":"ann"}', CanonicalCache())
    patch = [{"op": "add", "path": "/apollo_status", "value": "green"}]
    state = apply_patch(base.state, patch)
    commit = SsotCommit.model_validate(
        {
            "commit_id": "c",
            "project_id": "apollo",
            "version": 1,
            "parent_hash": GENESIS_HASH,
            "hash": "",
            "task_id": "t",
            "source_event_id": "e",
            "kind": "state",
            "outcome": "succeeded",
            "patch": [PatchOp.from_rfc(op) for op in patch],
            "state_hash": state_hash(state, 2),
            "message": "",
            "occurred_at": T0,
            "committed_at": T1,
            "hash_version": 2,
        }
    )
    followed = base.follow([commit])
    assert followed is not None and followed.state == state and followed.lattice is None
    assert followed.state_hash == commit.state_hash
    assert base.follow([commit.model_copy(update={"state_hash": state_hash(state, 3)})]) is None


def test_a_snapshot_follows_a_batch_of_rebased_commits_to_the_state_they_end_on() -> None:
    """An executor ran a batch's tasks on one snapshot; the completer committed them one on
    the other (rebased). Following the commits gives the head's very state and text."""
    executor = Executor("x")
    base = Snapshot("apollo", 0, {"owner": "ann"}, '{"owner":"ann"}', CanonicalCache())
    texts = [
        "set the apollo status to green",
        "what is the apollo status?",
        "set the apollo owner to bob",
        "set the apollo budget to 12",
    ]
    results = []
    for n, text in enumerate(texts):
        task = FORMER.form(routed(text, source_event_id=f"b-{n}"), T0).task
        assert task is not None
        results.append(executor.execute(schedule(task, snapshot_version=0, now=T0), base))
    head = Head("apollo", 0, GENESIS_HASH, base.state, base.canonical)
    commits = []
    for result in results:
        changed = {p for c in commits for p in touched_paths(patch_to_rfc(c.patch))}
        commit, head = plan_commit(result, head, changed_paths=changed, now=T1)
        commits.append(commit)
    assert [c.kind for c in commits] == ["state", "ledger", "state", "state"]
    followed = base.follow(commits)
    assert followed is not None and followed.version == 4
    assert followed.state == head.state and followed.canonical == canonical_json(head.state)
    assert followed.state_hash == state_hash(head.state)
    assert base.follow(commits[:2]) is not None and base.follow(commits[1:]) is None  # a gap
    forged = commits[-1].model_copy(update={"state_hash": "0" * 64})
    assert base.follow([*commits[:-1], forged]) is None
    assert base.state == {"owner": "ann"}  # the snapshot itself is never changed


def test_a_working_state_is_dumped_once_and_from_the_snapshot_parts() -> None:
    rooms = {f"room{i}": {"light": i % 2 == 0, "name": f"Room {i}"} for i in range(50)}
    canon = CanonicalCache()
    text = canon.dump(rooms)
    written: dict[int, tuple[object, object]] = {}
    v1 = apply_patch(rooms, [{"op": "add", "path": "/room7/light", "value": True}], written=written)
    canon.dump(v1, written)  # the cache now holds v1's parts, member by member
    base = Snapshot("home", 1, v1, canonical_json(v1), canon)
    task = FORMER.form(
        routed(
            "x",
            kind="model_proposal",
            project_hint="apollo",
            proposal=[
                PatchOp.from_rfc({"op": "replace", "path": "/room9/light", "value": True}),
                PatchOp.from_rfc({"op": "add", "path": "/room60", "value": {"light": False}}),
            ],
        ),
        T0,
    ).task
    assert task is not None and text != base.canonical
    result = Executor("x").execute(schedule(task, snapshot_version=1, now=T0), base)
    expected = apply_patch(v1, patch_to_rfc(task.patch))
    assert result.status == "succeeded", result.error
    assert result.state_hash == state_hash(expected, 3) == result.steps[-1].state_hash
    # the validator bounded the state's size from the snapshot's instead of dumping it
    assert "at most" in result.steps[-1].detail
    assert len(canonical_json(expected).encode()) <= int(
        result.steps[-1].detail.split("at most ")[1].split()[0]
    )


def test_registry_file_shipped_is_valid() -> None:
    assert {"apollo", "atlas", "helios", "orion", "home", "taskline-dev"} <= {
        p.id for p in REGISTRY.projects
    }
    assert Path(DATA_DIR / "demo_events.jsonl").exists()


def test_a_hashing_index_is_the_transposed_encoding() -> None:
    import numpy as np

    from processors.embeddings import HashingEncoder, VectorIndex

    texts = [*[u for p in PACKS for i in p.intents for u in i.utterances][:300], "", "!!"]
    for dim in (4096, 100):
        enc = HashingEncoder(dim)
        enc.fit(texts)
        rows = enc.encode(texts)
        expected = np.ascontiguousarray(rows.T)
        for index in (VectorIndex(rows), VectorIndex.of(enc, texts)):
            assert np.array_equal(index._by_feature, expected)
            assert index._by_feature.flags.c_contiguous
        assert VectorIndex.of(enc, [])._by_feature.shape == (dim, 0)


def test_a_sparse_query_scores_as_its_dense_row() -> None:
    import numpy as np

    from processors.embeddings import HashingEncoder, VectorIndex

    texts = [u for p in PACKS for i in p.intents for u in i.utterances][:400]
    enc = HashingEncoder()
    enc.fit(texts)
    index = VectorIndex.of(enc, texts)
    queries = [*texts[:40], "turn of the ligths in the office", "", "!!", " ".join(texts[:60])]
    for text in queries:
        sparse, dense = enc.sparse(text), enc.encode([text])[0]
        assert np.array_equal(sparse.dense(enc.dim), dense)
        for span in (None, (10, 250)):
            got, want = index.similarities(sparse, span), index.similarities(dense, span)
            assert got.shape == want.shape and got.dtype == np.float32
            assert np.allclose(got, want, atol=1e-6)
    index.set_row(3, enc.encode(["book a dentist appointment"])[0])  # posting lists follow
    q = enc.sparse("book a dentist appointment")
    assert np.isclose(index.similarities(q)[3], 1.0, atol=1e-5)


def test_packs_read_twice_are_equal_and_not_shared(tmp_path: Path) -> None:
    from streams.errors import ConfigurationError

    again = read_packs(DATA_DIR / "packs")
    assert again == PACKS
    assert all(a is not b and a.intents is not b.intents for a, b in zip(again, PACKS, strict=True))
    (tmp_path / "a.yaml").write_text((DATA_DIR / "packs" / "generic.yaml").read_text())
    assert read_packs(tmp_path)[0] == next(p for p in PACKS if "marketing" in p.domains)
    (tmp_path / "a.yaml").write_text("intents: [")  # an edited file is parsed again
    with pytest.raises(ConfigurationError, match=r"a\.yaml"):
        read_packs(tmp_path)
