"""The chat-endpoint expert against a local OpenAI-compatible HTTP server (loopback)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from processors.former import Former, PackExpert
from streams.connectors.chat_expert import ChatClient, ChatExpert
from streams.connectors.chat_reviewer import ChatReviewer
from streams.settings import DATA_DIR
from tests.samples import T0
from tests.unit.test_processors import PACKS, REGISTRY, routed

ANSWERS: list[str] = []
SEEN: list[dict[str, object]] = []


class _Completions(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        SEEN.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        SEEN[-1]["auth"] = self.headers.get("Authorization")
        answer = ANSWERS.pop(0)
        if answer == "SLEEP":  # a model that does not answer in time
            time.sleep(1.0)
            answer = "{}"
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Completions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_answer_is_validated_and_used(endpoint: str) -> None:
    ANSWERS.append(
        json.dumps(
            {
                "decision": "stateful",
                "intent_id": "set_scene",
                "confidence": 0.9,
                "systems": ["lights"],
                "patch": [{"op": "add", "path": "/scene", "value": "movie"}],
                "assumptions": ["scene exists"],
            }
        )
    )
    expert = ChatExpert(endpoint, "tiny", api_key="sk-test")
    formation = Former(REGISTRY, PACKS, min_confidence=0.5, expert=expert).form(
        routed("movie night scene in the living room", project_hint="home"), T0
    )
    assert formation.task is not None and formation.task.intent_id == "set_scene"
    assert [op.to_rfc() for op in formation.task.patch or []] == [
        {"op": "add", "path": "/scene", "value": "movie"}
    ]
    assert formation.task.former_version.endswith("chat-expert-v1/tiny")
    assert SEEN[-1]["model"] == "tiny" and SEEN[-1]["auth"] == "Bearer sk-test"


def test_invalid_answers_and_outages_fall_back(endpoint: str) -> None:
    fallback = PackExpert(PACKS)
    expert = ChatExpert(endpoint, "tiny", fallback=fallback)
    ANSWERS.append("this is not json")
    proposal = expert.propose(routed("lock the front door", project_hint="home"))
    assert proposal.intent_id == "lock_door"  # the packs answered
    ANSWERS.append(json.dumps({"decision": "launch_rockets"}))
    assert (
        expert.propose(routed("lock the front door", project_hint="home")).intent_id == "lock_door"
    )
    down = ChatExpert("http://127.0.0.1:9/v1", "tiny", timeout_s=0.5)
    fallback_free = down.propose(routed("lock the front door", project_hint="home"))
    assert (
        fallback_free.decision == "clarification"
        and fallback_free.reason_code == "expert_unavailable"
    )


def _grounded_former(reviewer_url: str, timeout_s: float = 5.0) -> Former:
    former = Former(REGISTRY, PACKS, min_confidence=0.5)
    home = json.loads((DATA_DIR / "inventories" / "home.json").read_text())
    former.observe("home", 1, home)
    assert former.grounded is not None
    client = ChatClient(reviewer_url, "tiny", timeout_s=timeout_s, concurrency=2)
    former.reviewer = ChatReviewer(client, candidates=former.grounded.candidates)
    return former


def test_model_reviewer_sees_the_state_and_its_verdict_is_recorded(endpoint: str) -> None:
    former = _grounded_former(endpoint)
    ANSWERS.append(json.dumps({"outcome": "approve", "notes": ["the porch light is meant"]}))
    formation = former.form(routed("maybe turn on the porch light", project_hint="home"), T0)
    assert formation.task is not None and formation.task.review is not None
    review = formation.task.review
    assert review.reviewer == "chat-reviewer-v1/tiny" and review.outcome == "approve"
    assert "ambiguous_wording" in review.triggers
    assert any(n.startswith("model answer: ") for n in review.notes)  # replay reads this
    prompt = str(SEEN[-1]["messages"][0]["content"])  # type: ignore[index]
    assert "light.porch" in prompt and "/entities/light.porch" in prompt


def test_model_reviewer_revisions_are_checked(endpoint: str) -> None:
    former = _grounded_former(endpoint)
    bad = {"outcome": "revise", "patch": [{"op": "replace", "path": "/owner", "value": "x"}]}
    ANSWERS.append(json.dumps(bad))
    formation = former.form(routed("maybe turn on the porch light", project_hint="home"), T0)
    assert formation.task is None and formation.reply is not None
    assert "protected path" in formation.reply.text


def test_model_reviewer_falls_back_to_policy_on_bad_answers_and_timeouts(endpoint: str) -> None:
    former = _grounded_former(endpoint, timeout_s=0.3)
    event = routed("maybe turn on the porch light", project_hint="home")
    assert former.grounded is not None
    proposal = former.grounded.propose(event)
    for answer in ("not json", json.dumps({"outcome": "launch"}), "SLEEP"):
        ANSWERS.append(answer)
        review, _ = former.reviewer.review(proposal, event, ["ambiguous_wording"], None)
        assert review.reviewer == "policy-reviewer-v1", answer
        assert review.outcome == "clarification_required"
        assert any("model reviewer unavailable" in n for n in review.notes)
