"""The chat-endpoint expert against a local OpenAI-compatible HTTP server (loopback)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from processors.former import Former, PackExpert
from streams.connectors.chat_expert import ChatExpert
from tests.samples import T0
from tests.unit.test_processors import PACKS, REGISTRY, routed

ANSWERS: list[str] = []
SEEN: list[dict[str, object]] = []


class _Completions(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        SEEN.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        SEEN[-1]["auth"] = self.headers.get("Authorization")
        body = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": ANSWERS.pop(0)}}]}
        )
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
