"""The operator console in a real browser (headless Chromium) against `taskline up --demo`.

Follows a task from the list to its timeline, approves a gated task and sees it commit,
redrives a dead letter and sees it processed (and a second redrive do nothing), and checks the
refusals: a POST without the CSRF token, a viewer's approval. One screenshot per page goes to
``test-artifacts/console/`` (not committed; docs/console/ holds copies for the README).

Chromium is Debian's ``chromium`` (``make test`` installs it when missing); the test fails,
never skips, without it.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from processors.models import DeadLetter
from streams.codec.serde import SchemaStore, Serde
from streams.console.auth import hash_password
from streams.runtime.kafka import KafkaClients
from streams.runtime.topics import DEAD_LETTERS, FORMED, RAW_EVENTS
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings
from tests.orchestration import KEY, OPS_PACK, PACKS, task

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
SHOTS = ROOT / "test-artifacts" / "console"
OPERATOR, VIEWER = ("olga", "operator-pass-1"), ("vera", "viewer-pass-1")


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is missing: `make test` installs it (apt-get install chromium)"
    return path


class Stack:
    """`taskline up --demo` in its own process, with the console on a free port."""

    def __init__(self, home: Path) -> None:
        packs = home.parent / "packs"
        shutil.copytree(PACKS, packs)
        shutil.copy(OPS_PACK, packs / "ops.yaml")
        users = {
            OPERATOR[0]: "operator:" + hash_password(OPERATOR[1]),
            VIEWER[0]: "viewer:" + hash_password(VIEWER[1]),
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLINE_")}
        env.update(
            TASKLINE_HOME=str(home),
            TASKLINE_PACKS_DIR=str(packs),
            TASKLINE_GOVERNANCE_KEY=KEY,
            TASKLINE_CONSOLE_PORT="0",
            TASKLINE_CONSOLE_USERS=json.dumps(users),
            TASKLINE_METRICS_PORT="0",
        )
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "up", "--demo"],
            env=env,
            cwd=home.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = self._wait_for(r"^console (http://\S+)", 90)
        self._wait_for(r"^demo: published", 90)
        runtime = json.loads((home / "runtime.json").read_text())
        assert runtime["console_url"] == self.url
        self.settings = Settings(
            bootstrap_servers=runtime["bootstrap_servers"], home=home, packs_dir=packs
        )
        self.serde = Serde(SchemaStore.load())
        self.producer = EventProducer(self.settings, runtime["bootstrap_servers"], self.serde)

    def _wait_for(self, pattern: str, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            self.lines.append(line)
            found = re.search(pattern, line)
            if found:
                return found.group(1) if found.groups() else line
        raise AssertionError(f"taskline up never printed {pattern!r}:\n{''.join(self.lines)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("console") / "home")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield p
    context.close()
    # a refusal answered on purpose (401, 403) is logged by Chromium as a failed resource
    assert [e for e in errors if not re.search(r"status of 40[13]", e)] == []


def sign_in(page: Page, stack: Stack, who: tuple[str, str], then: str = "/") -> None:
    page.goto(stack.url + then)
    assert "/login" in page.url  # reading needs a sign-in by default
    page.fill("input[name=user]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("button[type=submit]")
    page.wait_for_url(stack.url + then)
    assert page.inner_text("#who").startswith(who[0])


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def eventually(page: Page, url: str, check: Any, timeout: float = 40) -> None:
    """Reload ``url`` until ``check(page)`` holds (the index follows the topics)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if check(page):
            return
        assert time.monotonic() < deadline, f"{url} never showed what was expected"
        time.sleep(0.5)


def test_pages_timeline_approval_and_redrive(stack: Stack, page: Page) -> None:
    sign_in(page, stack, OPERATOR)

    # Pipeline: the stages' counters from the status endpoint, updated live over SSE
    assert page.inner_text("h1") == "Pipeline"
    page.wait_for_selector("#stages")
    stages = page.inner_text("#stages")
    for stage in ("router", "former", "scheduler", "executor", "completer", "ssot"):
        assert stage in stages
    # a selector, not wait_for_function: Playwright polls a function by eval, which the
    # console's Content-Security-Policy refuses (it passed only when already true at once)
    page.wait_for_selector("#pipeline[data-updated]", state="attached")
    shot(page, "pipeline")

    # Tasks: the demo's events, then one task's whole life as a timeline
    eventually(
        page, stack.url + "/tasks?status=committed", lambda p: p.locator("a.task-link").count() > 0
    )
    shot(page, "tasks")
    first = page.locator("a.task-link").first
    task_id = first.inner_text()
    first.click()
    page.wait_for_url(f"{stack.url}/tasks/{task_id}")
    timeline = page.inner_text("#timeline")
    for topic in ("raw-events", "routed", "formed", "scheduled", "executed", "ssot-writes"):
        assert topic in timeline, topic
    assert "candidate" in timeline and "state" in timeline
    assert page.inner_text("#task-status").startswith("committed")
    shot(page, "task")
    # search by the task id finds the same row
    page.goto(f"{stack.url}/tasks?q={task_id}")
    assert page.locator("a.task-link").first.inner_text() == task_id

    # Waiting: a gated task waits for an approval; the operator approves it and it commits
    gated = task("console-gate", intent="gated", patch=[{"op": "add", "path": "/gate", "value": 7}])
    stack.producer.publish(stack.settings.topic(FORMED), [(gated.task_id.encode(), gated)])
    eventually(
        page, stack.url + "/waiting", lambda p: "task-console-gate" in p.inner_text("#waiting")
    )
    assert "approval" in page.inner_text("#waiting")
    shot(page, "waiting")
    form = page.locator("#actions-task-console-gate")
    form.locator("input[name=reason]").fill("checked with the team")
    form.locator("button[name=approve]").click()
    page.wait_for_url(stack.url + "/waiting")
    assert "approve task-console-gate: applied" in page.inner_text("main")
    eventually(
        page,
        stack.url + "/tasks/task-console-gate",
        lambda p: p.inner_text("#task-status").startswith("committed"),
    )
    timeline = page.inner_text("#timeline")
    assert "approve by olga" in timeline and "checked with the team" in timeline
    assert "verdict: applied" in timeline

    # Projects: state at head and at a version, the log, a diff, the chain's status
    page.goto(stack.url + "/projects")
    assert "verified v1..v" in page.inner_text("#projects")
    shot(page, "projects")
    page.goto(stack.url + "/projects/atlas")
    assert '"gate": 7' in page.inner_text("#state")
    assert page.inner_text("#chain").startswith("verified")
    page.goto(stack.url + "/projects/home")
    head = int(re.search(r"head v(\d+)", page.inner_text("main")).group(1))  # type: ignore[union-attr]
    page.goto(f"{stack.url}/projects/home?a=0&b={head}")
    assert f"v0 → v{head}" in page.inner_text("#diff-summary")
    shot(page, "project")
    page.goto(f"{stack.url}/projects/home?version=1")
    assert "State at v1" in page.inner_text("main")

    # Dead letters: a real one (bytes that are not Avro), and one whose original is a good
    # event (a stage that failed on a good record): redriven, it is processed once
    raw = KafkaClients(stack.settings, stack.settings.bootstrap_servers or "").producer(
        "event-producer"
    )
    raw.produce(stack.settings.topic(RAW_EVENTS), value=b"not avro at all")
    assert raw.flush(10) == 0
    good = build_event({"text": "what is on the family calendar", "session_id": "console"})
    letter = DeadLetter(
        stage="router",
        reason="console test: a stage failed on a good record",
        error_type="RuntimeError",
        topic=stack.settings.topic(RAW_EVENTS),
        partition=0,
        offset=0,
        key=good.source_event_id.encode(),
        original=stack.serde.encode(good),
        failed_at=good.occurred_at,
    )
    stack.producer.publish(stack.settings.topic(DEAD_LETTERS), [(b"router", letter)])
    eventually(
        page,
        stack.url + "/dead-letters",
        lambda p: (
            "console test" in p.inner_text("#letters") and "not Avro" in p.inner_text("#letters")
        ),
    )
    shot(page, "dead-letters")
    page.locator("#letters a", has_text=":").first.click()  # newest first: ours
    assert "6e 6f 74" in page.inner_text("#original-hex") or "console test" in page.inner_text(
        "#reason"
    )
    page.goto(stack.url + "/dead-letters?reason=console+test")
    page.locator("#letters a", has_text=":").first.click()
    assert page.inner_text("#reason").startswith("console test")
    assert good.source_event_id in page.inner_text("#original-json")
    shot(page, "dead-letter")
    page.fill("input[name=reason]", "the router bug is fixed")
    page.click("#redrive")
    assert "redriven" in page.inner_text("main")
    assert "redriven" in page.inner_text("#mark")
    eventually(
        page,
        f"{stack.url}/tasks/{good.source_event_id}",
        lambda p: "routed" in p.inner_text("#timeline"),
    )
    # a second redrive (of every letter matching the filter) does nothing for this one
    page.goto(stack.url + "/dead-letters?reason=console+test")
    page.fill("#redrive-matching input[name=reason]", "again")
    page.click("#redrive-matching button")
    assert "already" in page.inner_text("main")
    time.sleep(2)  # a second copy would be routed within this time
    page.goto(f"{stack.url}/tasks/{good.source_event_id}")
    assert page.inner_text("#timeline").count("routed[") == 1

    # Audit: the same verdict as the CLI's `audit verify`, and a downloadable export
    page.goto(stack.url + "/audit")
    page.click("#run-verify")
    page.wait_for_selector("#audit-result", timeout=60_000)
    result = page.inner_text("#audit-result")
    cli = subprocess.run(
        [sys.executable, "-m", "streams.cli", "audit", "verify"],
        env={**os.environ, "TASKLINE_HOME": str(stack.settings.home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ("audit verify: ok" in result) == (cli.returncode == 0), (result, cli.stdout)
    assert "records" in page.inner_text("#audit-report")
    shot(page, "audit")
    download = page.request.get(stack.url + "/audit/export")
    assert download.status == 200
    with tarfile.open(fileobj=io.BytesIO(download.body()), mode="r:gz") as tar:
        assert any(n.endswith("manifest.json") for n in tar.getnames())


def test_refusals_csrf_and_viewer(stack: Stack, page: Page) -> None:
    # not signed in: a POST is refused (no CSRF token, no operator)
    anonymous = page.request.post(stack.url + "/tasks/x/approve", form={"reason": "r"})
    assert anonymous.status == 403
    sign_in(page, stack, VIEWER, "/waiting")
    # signed in, but the form lacks the CSRF token
    no_csrf = page.request.post(stack.url + "/tasks/x/approve", form={"reason": "r"})
    assert no_csrf.status == 403 and "CSRF" in no_csrf.text()
    # a viewer sees no approve buttons and is refused an approval even with a valid token
    assert page.locator("button[name=approve]").count() == 0
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(
        stack.url + "/tasks/x/approve", form={"reason": "r", "csrf": token or ""}
    )
    assert refused.status == 403 and "operator" in refused.text()
    # wrong password: refused with one clear message, no session
    page.request.post(stack.url + "/logout", form={"csrf": token or ""})
    page.goto(stack.url + "/login")
    page.fill("input[name=user]", OPERATOR[0])
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.inner_text("#error") == "wrong name or password"
    shot(page, "login")
    # no secret reaches a page: the governance key and the passwords are nowhere
    for path in ("/", "/tasks", "/audit"):
        page.goto(stack.url + path)
        assert KEY not in page.content() and OPERATOR[1] not in page.content()
