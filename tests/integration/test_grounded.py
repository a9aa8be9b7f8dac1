"""Formation v2 through the real pipeline: inventories seeded as commits, then requests in
four languages resolved against them, ambiguity, voice fragments and n-best, and a
model-backed expert and reviewer against a local server that plays a model."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from processors.models import Reply, TaskObject
from streams.audit.verify import replay
from streams.codec.serde import Serde
from streams.runtime.embedded import Endpoints
from streams.runtime.pipeline import Pipeline, build_environment, ssot_store
from streams.runtime.reader import read_topics
from streams.runtime.topics import ALL_TOPICS, FORMED, REPLIES
from streams.sdk.producer import EventProducer, build_event
from streams.settings import DATA_DIR, Settings
from streams.tools.seed import seed_events
from tests.conftest import read_topic, settle

pytestmark = pytest.mark.integration
BASE = datetime.fromisoformat("2026-12-01T09:00:00+01:00")


def _seed(settings: Settings, endpoints: Endpoints, serde: Serde, pipeline: Pipeline) -> None:
    seeds = seed_events(DATA_DIR / "inventories")
    EventProducer(settings, endpoints.bootstrap_servers, serde).send_many(seeds)
    store = ssot_store(settings, pipeline.redis)
    assert settle(
        lambda: (
            all("entities" in (store.head("home").state or {}) for _ in [0])
            and "tickets" in (store.head("taskline-dev").state or {})
            and "events" in (store.head("family-calendar").state or {})
        ),
        timeout=60,
    )
    time.sleep(settings.reindex_interval_s + 1.0)  # router and former index the new states


def _ev(event_id: str, text: str, seconds: float = 0.0, **kw: Any) -> Any:
    values = {
        "source_event_id": event_id,
        "session_id": kw.pop("session_id", event_id),
        "channel": "voice",
        "text": text,
        "occurred_at": (BASE + timedelta(seconds=seconds)).astimezone(UTC),
        **kw,
    }
    return build_event(values)


def _outputs(
    settings: Settings, serde: Serde, ids: set[str]
) -> tuple[dict[str, TaskObject], dict[str, Reply]]:
    tasks: dict[str, TaskObject] = {}
    replies: dict[str, Reply] = {}

    def seen() -> bool:
        for m in read_topic(settings, FORMED, until=lambda _: False, timeout=1):
            t = serde.decode(m.value(), TaskObject)
            tasks[t.source_event_id] = t
        for m in read_topic(settings, REPLIES, until=lambda _: False, timeout=1):
            r = serde.decode(m.value(), Reply)
            # the former's replies only: a task's result ("applied 1 op(s) …") comes after
            # its task, which a read of formed that timed out under load may not have seen
            # yet (the wait ended early, and the task was reported missing)
            if r.kind != "result":
                replies[r.source_event_id] = r
        return ids <= set(tasks) | set(replies)

    assert settle(seen, timeout=60), sorted(ids - set(tasks) - set(replies))
    return tasks, replies


def _patch(task: TaskObject) -> list[dict[str, Any]]:
    return [op.to_rfc() for op in task.patch or []]


def test_requests_resolve_against_seeded_inventories_in_four_languages(
    topics: Settings, endpoints: Endpoints, serde: Serde, pipeline: Pipeline
) -> None:
    settings = topics
    _seed(settings, endpoints, serde, pipeline)
    events = [
        _ev("home-en", "um can you turn on the uh porch light"),
        _ev("dev-en", "mark ticket one hundred and eighteen as done"),
        _ev("cal-en", "push the dentist back to friday at four"),
        _ev("home-fr", "éteins la lampe de chevet"),
        _ev("home-de", "mach das Licht im Flur an"),
        _ev("ambiguous", "switch the bedroom light on"),
        _ev("frag-1", "turn off the", session_id="frag"),
        _ev("frag-2", "kitchen ceiling light", seconds=1.5, session_id="frag"),
        _ev(
            "nbest",
            "lock the fruit door",
            asr_confidence=0.6,
            alternatives=[{"text": "lock the front door", "confidence": 0.35}],
        ),
    ]
    EventProducer(settings, endpoints.bootstrap_servers, serde).send_many(events)
    tasks, replies = _outputs(settings, serde, {e.source_event_id for e in events})
    # a request answered with a reply instead of a task says which reply (and why) on failure
    missing = {
        i: (replies[i].reason_code, replies[i].text)
        for i in ("home-en", "dev-en", "cal-en", "home-fr", "home-de", "frag-2", "nbest")
        if i not in tasks
    }
    assert not missing, missing

    assert _patch(tasks["home-en"]) == [
        {"op": "replace", "path": "/entities/light.porch/state", "value": "on"}
    ]
    assert _patch(tasks["dev-en"]) == [
        {"op": "replace", "path": "/tickets/TL-118/status", "value": "done"}
    ]
    assert _patch(tasks["cal-en"])[0] == {
        "op": "replace",
        "path": "/events/ev-dentist/start",
        "value": "2026-12-04T16:00:00+01:00",
    }
    assert _patch(tasks["home-fr"]) == [
        {"op": "replace", "path": "/entities/light.bedroom_lamp/state", "value": "off"}
    ]
    assert _patch(tasks["home-de"]) == [
        {"op": "replace", "path": "/entities/light.hallway/state", "value": "on"}
    ]
    ambiguous = replies["ambiguous"]
    assert "ambiguous" not in tasks and ambiguous.reason_code == "ambiguous_target"
    assert "bedroom lamp" in ambiguous.text and "bedroom ceiling light" in ambiguous.text
    assert "frag-1" in replies and "frag-1" not in tasks
    assert _patch(tasks["frag-2"]) == [
        {"op": "replace", "path": "/entities/light.kitchen_ceiling/state", "value": "off"}
    ]
    assert tasks["nbest"].slots["asr_text"] == "lock the front door"
    assert _patch(tasks["nbest"]) == [
        {"op": "replace", "path": "/entities/lock.front_door/state", "value": "locked"}
    ]
    # and the changes are committed to the projects' state
    store = ssot_store(settings, pipeline.redis)
    assert settle(
        lambda: (
            store.head("home").state["entities"]["light.porch"]["state"] == "on"
            and store.head("home").state["entities"]["light.hallway"]["state"] == "on"
            and store.head("taskline-dev").state["tickets"]["TL-118"]["status"] == "done"
        ),
        timeout=60,
    )


# --- a model-backed expert and reviewer -----------------------------------------------------

CALLS: list[dict[str, Any]] = []


class _Model(BaseHTTPRequestHandler):
    """Plays a model: a formation for the expert's prompt, a verdict for the reviewer's."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        CALLS.append(body)
        system = body["messages"][0]["content"]
        if system.startswith("You review"):
            answer: dict[str, Any] = {"outcome": "approve", "notes": ["the porch light it is"]}
        else:
            answer = {
                "decision": "stateful",
                "intent_id": "switch_light",
                "confidence": 0.9,
                "systems": ["lights"],
                "patch": [{"op": "replace", "path": "/entities/light.porch/state", "value": "on"}],
            }
        payload = {"choices": [{"message": {"role": "assistant", "content": json.dumps(answer)}}]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def model() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Model)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_a_model_formed_and_model_reviewed_task_commits_and_replays_without_the_model(
    topics: Settings, endpoints: Endpoints, serde: Serde, model: str
) -> None:
    settings = topics.model_copy(
        update={"expert_url": model, "expert_model": "fake", "review_with_model": True}
    )
    pipeline = Pipeline(settings, endpoints)
    pipeline.start()
    try:
        assert pipeline.wait_ready(60)
        _seed(settings, endpoints, serde, pipeline)
        CALLS.clear()
        event = _ev("model-1", "maybe turn on the porch light")  # hedged: the review fires
        EventProducer(settings, endpoints.bootstrap_servers, serde).send(event)
        tasks, _ = _outputs(settings, serde, {"model-1"})
        task = tasks["model-1"]
        assert task.former_version.endswith("chat-expert-v1/fake")
        assert task.review is not None and task.review.reviewer == "chat-reviewer-v1/fake"
        assert task.review.outcome == "approve"
        assert any(n.startswith("model answer: ") for n in task.review.notes)
        reviewer_prompt = next(c for c in CALLS if c["messages"][0]["content"].startswith("You r"))
        assert "light.porch" in reviewer_prompt["messages"][0]["content"]
        store = ssot_store(settings, pipeline.redis)
        assert settle(
            lambda: store.head("home").state["entities"]["light.porch"]["state"] == "on",
            timeout=60,
        )
        before = len(CALLS)
        records = read_topics(settings, endpoints.bootstrap_servers, list(ALL_TOPICS))
        outcomes = replay(records, serde, build_environment(settings))
        mine = [o for o in outcomes if o.task_id == task.task_id]
        assert mine and all(o.matched for o in outcomes), outcomes
        assert len(CALLS) == before  # the replay read the record and asked no model
    finally:
        pipeline.stop()
