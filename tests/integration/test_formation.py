"""Formation through the real pipeline: every §11 branch and every review outcome (Skyra)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from processors.models import RawEvent, Reply, TaskObject
from streams.codec.serde import Serde
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.pipeline import Pipeline
from streams.runtime.topics import FORMED, REPLIES, SCHEDULED, ensure_topics
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings
from tests.conftest import read_topic, settle

pytestmark = pytest.mark.integration


@pytest.fixture
def short_window(settings: Settings, endpoints: Endpoints) -> Iterator[Pipeline]:
    s = settings.model_copy(update={"dedup_window_s": 1})
    ensure_topics(KafkaClients(s, endpoints.bootstrap_servers).admin(), s)
    pipeline = Pipeline(s, endpoints)
    pipeline.start()
    assert pipeline.wait_ready(60)
    yield pipeline
    pipeline.stop()


def ev(event_id: str, text: str, **kw: object) -> RawEvent:
    return build_event({"source_event_id": event_id, "text": text, "session_id": event_id, **kw})


CASES = [
    ev("no-domain", "order a pizza with extra cheese"),
    ev("no-domain-question", "what's the weather like in lisbon"),
    ev("missing-slot", "turn on the lights"),
    ev(
        "invalid-patch",
        "proposal",
        kind="model_proposal",
        project_hint="home",
        proposal=[{"op": "add", "path": "no-leading-slash", "value": 1}],
    ),
    ev("conflict", "switch the cabin to vacation mode"),
    ev("approve", "give me a status of the house"),
    ev("ambiguous", "maybe lock the front door"),
    ev(
        "reject",
        "proposal",
        kind="model_proposal",
        project_hint="home",
        proposal=[{"op": "add", "path": "/owner", "value": "mallory"}],
    ),
    ev("plain", "lock the back door"),
]


def test_every_branch_and_review_outcome(
    short_window: Pipeline, settings: Settings, serde: Serde
) -> None:
    EventProducer(settings, str(settings.bootstrap_servers), serde).send_many(CASES)
    expected_replies = {
        "no-domain",
        "missing-slot",
        "invalid-patch",
        "conflict",
        "ambiguous",
        "reject",
    }
    replies: dict[str, Reply] = {}
    tasks: dict[str, TaskObject] = {}

    def collect() -> bool:
        for r in (
            serde.decode_any(m.value())
            for m in read_topic(settings, REPLIES, until=lambda _: False, timeout=1)
        ):
            if isinstance(r, Reply) and r.kind != "result":
                replies[r.source_event_id] = r
        for t in (
            serde.decode_any(m.value())
            for m in read_topic(settings, FORMED, until=lambda _: False, timeout=1)
        ):
            if isinstance(t, TaskObject):
                tasks[t.source_event_id] = t
        return expected_replies <= set(replies) and {
            "no-domain-question",
            "approve",
            "plain",
            "invalid-patch",
            "conflict",
        } <= set(tasks)

    assert settle(collect, timeout=60), (sorted(replies), sorted(tasks))

    # §11 no domain match: a clarification request, or the conservative read-only path
    assert (
        replies["no-domain"].kind == "clarification"
        # (an order is outside every project: the reply says what kind of request it is)
        and replies["no-domain"].reason_code == "out_of_scope:order"
    )
    assert "no-domain" not in tasks
    conservative = tasks["no-domain-question"]
    assert conservative.project_id is None and conservative.task_type == "ephemeral"
    assert conservative.work_plan is not None and any(
        "no_domain_match" in f for f in conservative.work_plan.risk_flags
    )
    # §11 insufficient context for a mutation: no stateful task, ask for the missing slot
    assert (
        replies["missing-slot"].reason_code == "missing_slot:room" and "missing-slot" not in tasks
    )
    # §11 invalid patch: TaskSheet kept, patch pending, back to review (revise), held
    held = tasks["invalid-patch"]
    assert held.task_sheet is not None and held.patch_status == "pending" and held.patch is None
    assert (
        held.review is not None
        and held.review.outcome == "revise"
        and "invalid_patch" in held.review.triggers
    )
    assert held.hold_reason and replies["invalid-patch"].reason_code == "held"
    # §11 conflicting system dependencies: dependency pass finds the cycle, task held, clarify
    conflict = tasks["conflict"]
    assert conflict.dependencies is not None and conflict.dependencies.conflicts
    assert "circular dependency" in conflict.dependencies.conflicts[0]
    assert conflict.hold_reason and replies["conflict"].kind == "clarification"
    # review outcomes: approve, clarification required, reject (revise above)
    approved = tasks["approve"]
    assert approved.review is not None and approved.review.outcome == "approve"
    assert "many_systems" in approved.review.triggers
    assert approved.dependencies is not None and approved.dependencies.ordering
    assert replies["ambiguous"].reason_code == "clarification_required" and "ambiguous" not in tasks
    assert replies["reject"].reason_code == "rejected" and "reject" not in tasks
    assert "protected path" in replies["reject"].text
    # the plain task carries its routing decision, versions and the expert's assumptions
    plain = tasks["plain"]
    assert plain.intent_id == "lock_door" and [op.to_rfc() for op in plain.patch or []] == [
        {"op": "add", "path": "/back_door", "value": "locked"}
    ]
    assert plain.routing is not None and plain.routing.top_candidates[0].project_id == "home"
    assert plain.routing.router_version.startswith("route-v2/hash-tfidf")
    assert any(a.startswith("matched intent lock_door") for a in plain.assumptions)
    assert plain.former_version.startswith("form-v2/pack-expert")

    # held tasks are not scheduled; the others are
    def scheduled_ids() -> set[str]:
        msgs = read_topic(settings, SCHEDULED, until=lambda _: False, timeout=1)
        return {serde.decode_any(m.value()).task.task_id for m in msgs}  # type: ignore[attr-defined]

    assert settle(lambda: {approved.task_id, plain.task_id} <= scheduled_ids(), timeout=30)
    assert not {held.task_id, conflict.task_id} & scheduled_ids()
    assert short_window.runner("scheduler").stats.held >= 2

    # §11 duplicates at the task object boundary: the router's 1 s window has passed and the
    # held task has no commit (no tombstone), so only the former's task claim stops it
    time.sleep(2.5)
    EventProducer(settings, str(settings.bootstrap_servers), serde).send_many([CASES[4]])
    assert settle(lambda: short_window.runner("former").stats.duplicates >= 1, timeout=30)
    formed = [
        serde.decode_any(m.value())
        for m in read_topic(settings, FORMED, until=lambda _: False, timeout=1)
    ]
    assert (
        sum(1 for t in formed if isinstance(t, TaskObject) and t.source_event_id == "conflict") == 1
    )
