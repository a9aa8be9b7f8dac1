"""The console's Starlette application: server-rendered pages, a few forms, one live stream.

Built by :func:`create_app` from a :class:`Console` (what the pages read and the actions use);
nothing is global. Every POST needs a signed-in operator (or, for sign-in itself, nobody) and
the session's CSRF token; reading needs a signed-in viewer or operator unless
``TASKLINE_CONSOLE_OPEN_READ`` is set.

>>> app = create_app(console)           # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1")  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from processors.errors import ChainError
from processors.jsonpatch import diff
from processors.models import GovernanceCommand, Record
from streams.audit.archive import export_topics
from streams.audit.verify import verify
from streams.console.auth import Accounts, new_token, same_token
from streams.console.index import ConsoleIndex
from streams.errors import TasklineError
from streams.runtime.deadletters import (
    Letter,
    Redriver,
    describe_original,
    parse_id,
    record_json,
)
from streams.runtime.embedded import Endpoints
from streams.runtime.pipeline import ssot_store
from streams.runtime.reader import TopicRecord, read_topics
from streams.runtime.topics import ALL_TOPICS, DEAD_LETTERS, GOVERNANCE
from streams.sdk.governance import signed
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.state.scheduler_book import SchedulerKeys, book_status, command_result

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
ACTIONS = ("approve", "reject", "cancel", "reprioritize")
VERDICT_WAIT_S = 10.0


@dataclass
class AuditRun:
    """The one `audit verify` the console runs at a time, and its last report."""

    running: bool = False
    records: int = 0
    started: float = 0.0
    finished: float = 0.0
    ok: bool | None = None
    lines: list[str] = field(default_factory=list)
    by: str = ""


class Console:
    """What the pages read and the actions use: settings, index, Redis, the status endpoints."""

    def __init__(
        self,
        settings: Settings,
        endpoints: Endpoints,
        index: ConsoleIndex,
        accounts: Accounts,
        *,
        status_urls: list[str],
    ) -> None:
        self.settings, self.endpoints, self.index, self.accounts = (
            settings,
            endpoints,
            index,
            accounts,
        )
        self.serde = index.serde  # one parsed schema store per console
        self.redis = redis.Redis.from_url(endpoints.redis_url, socket_timeout=5)
        self.store = ssot_store(settings, self.redis)
        self.keys = SchedulerKeys(settings.redis_prefix)
        self.redriver = Redriver(settings, endpoints.bootstrap_servers, self.redis, self.serde)
        self.status_urls = status_urls
        self.audit = AuditRun()
        self.closing = threading.Event()
        self._producer: EventProducer | None = None
        self._rates: tuple[float, dict[str, int]] | None = None

    def close(self) -> None:
        self.closing.set()
        self.redriver.close()
        self.redis.close()

    # --- data of the pipeline page --------------------------------------------------------

    def pipeline(self) -> dict[str, Any]:
        """Per-stage counters and rates, the executor, the scheduler's book, the index."""
        stages: dict[str, dict[str, Any]] = {}
        executors: list[dict[str, Any]] = []
        schedulers: list[dict[str, Any]] = []
        recent: list[dict[str, Any]] = []
        errors: list[str] = []
        for url in self.status_urls:
            try:
                with urllib.request.urlopen(url.rstrip("/") + "/status", timeout=2) as response:
                    status = json.loads(response.read())
            except (OSError, ValueError) as exc:
                errors.append(f"{url}: {exc}")
                continue
            for name, s in status.get("stages", {}).items():
                merged = stages.setdefault(name, {})
                for k, v in s.items():
                    if isinstance(v, bool):  # running, ready: all of the stage's instances
                        merged[k] = merged.get(k, True) and v
                    elif isinstance(v, int | float):
                        merged[k] = merged.get(k, 0) + v
            if status.get("executor"):
                executors.append(status["executor"])
            if status.get("scheduler"):
                schedulers.append(status["scheduler"])
            recent += status.get("recent", [])
        now = time.monotonic()
        counts = {n: int(s.get("records_in", 0)) for n, s in stages.items()}
        if self._rates is not None and now - self._rates[0] > 0.2:
            dt = now - self._rates[0]
            for n, s in stages.items():
                s["rate"] = max(0.0, (counts[n] - self._rates[1].get(n, counts[n])) / dt)
        if self._rates is None or now - self._rates[0] > 0.2:
            self._rates = (now, counts)
        try:
            book = book_status(self.redis, self.keys, self.serde)
        except (redis.RedisError, TasklineError) as exc:
            book = {"safe_mode": None, "unavailable": [], "inflight": 0, "pending": []}
            errors.append(f"redis: {exc}")
        recent.sort(key=lambda e: e.get("at", 0), reverse=True)
        return {
            "stages": stages,
            "executors": executors,
            "schedulers": schedulers,
            "recent": recent[:10],
            "book": book,
            "errors": errors,
            "index": {
                "records": self.index.records,
                "caught_up": self.index.caught_up.is_set(),
                "per_topic": dict(sorted(self.index.per_topic.items())),
                "dead_letters": self.index.letter_count(),
                "error": self.index.error,
            },
        }

    # --- actions --------------------------------------------------------------------------

    def govern(
        self, action: str, task_id: str | None, argument: str | None, actor: str, reason: str
    ) -> tuple[GovernanceCommand, dict[str, Any] | None]:
        """Sign and publish a governance command; wait briefly for the scheduler's verdict."""
        key = self.settings.governance_key
        if key is None:
            raise TasklineError("governance is off: set TASKLINE_GOVERNANCE_KEY on the server")
        command = signed(
            action,
            key.get_secret_value().encode(),
            actor=actor,
            reason=reason,
            policy_version=self.settings.governance_policy_version,
            task_id=task_id,
            argument=argument,
        )
        if self._producer is None:
            self._producer = EventProducer(
                self.settings, self.endpoints.bootstrap_servers, self.serde
            )
        self._producer.publish(
            self.settings.topic(GOVERNANCE), [(command.command_id.encode(), command)]
        )
        log.warning("console: %s sent %s %s: %s", actor, action, task_id or argument, reason)
        deadline = time.monotonic() + VERDICT_WAIT_S
        while time.monotonic() < deadline:
            result = command_result(self.redis, self.keys, command.command_id)
            if result is not None:
                return command, result
            time.sleep(0.1)
        return command, None

    def run_audit(self, actor: str) -> bool:
        """Start `audit verify` over the topics on a thread; False if one is running."""
        if self.audit.running:
            return False
        self.audit = AuditRun(running=True, started=time.time(), by=actor)
        run = self.audit

        def count(n: int) -> None:
            run.records = n

        def work() -> None:
            try:
                records = read_topics(
                    self.settings,
                    self.endpoints.bootstrap_servers,
                    list(ALL_TOPICS),
                    on_record=count,
                )
                report = verify(records, self.serde)
                run.lines, run.ok = report.lines(), report.ok
            except Exception as exc:  # shown on the page, the console stays up
                run.lines, run.ok = [f"ERROR {type(exc).__name__}: {exc}"], False
            finally:
                run.finished, run.running = time.time(), False

        threading.Thread(target=work, name="console-audit", daemon=True).start()
        log.warning("console: %s started audit verify", actor)
        return True

    def export(self) -> Path:
        """Every topic exported (as `taskline audit export`) into one .tar.gz."""
        work = Path(tempfile.mkdtemp(prefix="taskline-export-"))
        out = work / "export"
        records = read_topics(self.settings, self.endpoints.bootstrap_servers, list(ALL_TOPICS))
        export_topics(records, out, self.serde.store)
        archive = work / "taskline-export.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(out, arcname="taskline-export")
        shutil.rmtree(out)
        return archive


# --- presentation helpers ------------------------------------------------------------------


def _when(ms: Any) -> str:
    if not ms:
        return "-"
    if isinstance(ms, datetime):
        return ms.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return datetime.fromtimestamp(int(ms) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _hexdump(data: bytes, limit: int = 4096) -> str:
    lines = []
    for i in range(0, min(len(data), limit), 16):
        chunk = data[i : i + 16]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{i:06x}  {chunk.hex(' '):<47}  {text}")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes")
    return "\n".join(lines)


def _keytext(key: bytes | None) -> str:
    """A record key as text when it is UTF-8 (it nearly always is), else as hex."""
    if not key:
        return "-"
    try:
        return key.decode()
    except UnicodeDecodeError:
        return "hex " + key.hex()


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class TimelineEntry:
    """One record of a task's life, decoded for the page."""

    record: TopicRecord
    elapsed_ms: int
    value: Record | None
    error: str | None
    verdict: dict[str, Any] | None = None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("streams.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["hexdump"] = _hexdump
    env.filters["pretty"] = _pretty
    env.filters["record_json"] = record_json
    env.filters["oplines"] = lambda ops: "\n".join(
        f"{op['op']} {op['path'] or '/'}"
        + (f" {json.dumps(op['value'], ensure_ascii=False)}" if "value" in op else "")
        for op in ops
    )
    env.filters["keytext"] = _keytext
    env.filters["short"] = lambda s, n=12: (s or "")[:n]
    return env


# --- the application -----------------------------------------------------------------------

Handler = Callable[[Request], Awaitable[Response]]


def create_app(console: Console) -> Starlette:
    """The console's ASGI application."""
    env = _environment()
    for name in env.list_templates():  # compiled now, not on the first request of each page
        env.get_template(name)
    settings = console.settings
    secret = settings.console_secret.get_secret_value() if settings.console_secret else new_token()

    def session(request: Request) -> dict[str, Any]:
        s: dict[str, Any] = request.session
        if "csrf" not in s:
            s["csrf"] = new_token()
        return s

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
        s = session(request)
        flashes = s.pop("flash", [])
        html = env.get_template(template).render(
            request=request,
            user=s.get("user"),
            role=s.get("role"),
            csrf=s["csrf"],
            flashes=flashes,
            index=console.index,
            open_read=settings.console_open_read,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def flash(request: Request, text: str, kind: str = "info") -> None:
        session(request).setdefault("flash", []).append({"kind": kind, "text": text})

    def reader(fn: Callable[[Request], Awaitable[Response]]) -> Handler:
        """A read-only page: open to viewers and operators (or anyone, if configured)."""

        async def wrapped(request: Request) -> Response:
            if not settings.console_open_read and not session(request).get("user"):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={target}", 303)
            return await fn(request)

        return wrapped

    def action(fn: Callable[[Request, dict[str, Any]], Awaitable[Response]]) -> Handler:
        """A POST that changes state: signed-in operator and the session's CSRF token."""

        async def wrapped(request: Request) -> Response:
            form = dict(await request.form())
            s = session(request)
            if not same_token(str(form.get("csrf", "")), s.get("csrf")):
                log.warning(
                    "console: refused a POST to %s without a valid CSRF token", request.url.path
                )
                return page(request, "error.html", 403, message="CSRF token missing or wrong")
            if s.get("role") != "operator":
                log.warning(
                    "console: refused %s to %r (role %s)",
                    request.url.path,
                    s.get("user"),
                    s.get("role"),
                )
                return page(
                    request, "error.html", 403, message="only a signed-in operator may do this"
                )
            return await fn(request, form)

        return wrapped

    # --- sign in / out ---

    async def login(request: Request) -> Response:
        nxt = request.query_params.get("next", "/")
        return page(request, "login.html", next=nxt if _local(nxt) else "/")

    async def login_post(request: Request) -> Response:
        form = dict(await request.form())
        s = session(request)
        nxt = str(form.get("next", "/"))
        if not same_token(str(form.get("csrf", "")), s.get("csrf")):
            return page(request, "error.html", 403, message="CSRF token missing or wrong")
        name, password = str(form.get("user", "")), str(form.get("password", ""))
        role = await run_in_threadpool(console.accounts.sign_in, name, password)
        if role is None:
            log.warning("console: failed sign-in for %r", name)
            return page(
                request, "login.html", 401, next=nxt, error="wrong name or password", name=name
            )
        s.clear()
        s.update(user=name, role=role, csrf=new_token(), at=int(time.time()))
        log.warning("console: %s signed in (%s)", name, role)
        return RedirectResponse(nxt if _local(nxt) else "/", 303)

    async def logout(request: Request) -> Response:
        form = dict(await request.form())
        if not same_token(str(form.get("csrf", "")), session(request).get("csrf")):
            return page(request, "error.html", 403, message="CSRF token missing or wrong")
        request.session.clear()
        return RedirectResponse("/login", 303)

    # --- pipeline ---

    async def pipeline(request: Request) -> Response:
        data = await run_in_threadpool(console.pipeline)
        return page(request, "pipeline.html", data=data)

    async def pipeline_live(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            panel = env.get_template("_pipeline_panel.html")
            while not console.closing.is_set():
                data = await run_in_threadpool(console.pipeline)
                html = panel.render(data=data, role=session(request).get("role"))
                yield "event: panel\ndata: " + html.replace("\n", "\ndata: ") + "\n\n"
                for _ in range(10):
                    if console.closing.is_set() or await request.is_disconnected():
                        return
                    await asyncio.sleep(0.1)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    async def status_json(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(console.pipeline))

    # --- tasks ---

    async def tasks(request: Request) -> Response:
        p = request.query_params
        since, until = _time(p.get("since", "")), _time(p.get("until", ""))
        page_no = max(0, int(p.get("page", "0") or 0)) if p.get("page", "0").isdigit() else 0
        items = await run_in_threadpool(
            lambda: console.index.search(
                q=p.get("q", "").strip(),
                project=p.get("project", "").strip(),
                status=p.get("status", "").strip(),
                since_ms=since,
                until_ms=until,
                page=page_no,
            )
        )
        return page(request, "tasks.html", items=items, query=dict(p), page_no=page_no)

    def _timeline(ident: str) -> dict[str, Any] | None:
        item = console.index.item(ident)
        if item is None:
            return None
        records = console.index.timeline(item.event_id, item.task_id)
        start = records[0].timestamp_ms if records else 0
        entries = []
        for rec in records:
            try:
                value: Record | None = console.serde.decode_any(rec.value)
                error = None
            except TasklineError as exc:
                value, error = None, str(exc)
            verdict = None
            if isinstance(value, GovernanceCommand):
                verdict = command_result(console.redis, console.keys, value.command_id)
            entries.append(TimelineEntry(rec, rec.timestamp_ms - start, value, error, verdict))
        waiting = None
        if item.task_id:
            try:
                book = book_status(console.redis, console.keys, console.serde)
                waiting = next((p for p in book["pending"] if p["task_id"] == item.task_id), None)
            except (redis.RedisError, TasklineError):
                waiting = None
        return {"item": item, "entries": entries, "waiting": waiting}

    async def task(request: Request) -> Response:
        ident = request.path_params["ident"]
        found = await run_in_threadpool(_timeline, ident)
        if found is None:
            return page(request, "error.html", 404, message=f"no record names {ident}")
        return page(request, "task.html", **found)

    async def waiting(request: Request) -> Response:
        book = await run_in_threadpool(book_status, console.redis, console.keys, console.serde)
        return page(request, "waiting.html", book=book, actions=ACTIONS)

    @action
    async def govern(request: Request, form: dict[str, Any]) -> Response:
        task_id, verb = request.path_params["task_id"], request.path_params["verb"]
        reason = str(form.get("reason", "")).strip()
        back = str(form.get("back", f"/tasks/{task_id}"))
        back = back if _local(back) else f"/tasks/{task_id}"
        if verb not in ACTIONS:
            return page(request, "error.html", 404, message=f"no action {verb}")
        if not reason:
            flash(request, f"{verb}: a reason is required", "error")
            return RedirectResponse(back, 303)
        argument = None
        if verb == "reprioritize":
            try:
                argument = str(int(str(form.get("priority", ""))))
            except ValueError:
                flash(request, "reprioritize: the priority must be a whole number", "error")
                return RedirectResponse(back, 303)
        actor = session(request)["user"]
        try:
            command, result = await run_in_threadpool(
                console.govern, verb, task_id, argument, actor, reason
            )
        except TasklineError as exc:
            flash(request, str(exc), "error")
            return RedirectResponse(back, 303)
        if result is None:
            flash(request, f"{verb} sent as {command.command_id}; no verdict yet", "warn")
        else:
            kind = "ok" if result["status"] in ("applied", "duplicate") else "error"
            flash(request, f"{verb} {task_id}: {result['status']}: {result['detail']}", kind)
        return RedirectResponse(back, 303)

    # --- projects ---

    async def projects(request: Request) -> Response:
        def rows() -> list[dict[str, Any]]:
            names = sorted(set(console.store.projects()) | set(console.index.chains))
            out = []
            for name in names:
                head = console.store.head(name)
                chain = console.index.chains.get(name)
                out.append({"name": name, "head": head, "chain": chain})
            return out

        return page(request, "projects.html", projects=await run_in_threadpool(rows))

    async def project(request: Request) -> Response:
        name = request.path_params["project"]
        p = request.query_params

        def build() -> dict[str, Any]:
            head = console.store.head(name)
            chain = console.index.chains.get(name)
            version = _int(p.get("version"))
            version = head.version if version is None else version
            problems: list[str] = []
            shown = head
            if version != head.version:
                try:
                    shown = console.index.state_at(name, version)
                except ChainError as exc:
                    problems.append(str(exc))
            changes = None
            a, b = _int(p.get("a")), _int(p.get("b"))
            if a is not None and b is not None:
                try:
                    sa = head if a == head.version else console.index.state_at(name, a)
                    sb = head if b == head.version else console.index.state_at(name, b)
                    changes = diff(sa.state, sb.state)
                except ChainError as exc:
                    problems.append(str(exc))
            before = _int(p.get("before"))
            return {
                "name": name,
                "head": head,
                "shown": shown,
                "chain": chain,
                "commits": console.index.commits(name, before=before),
                "changes": changes,
                "a": a,
                "b": b,
                "problems": problems,
            }

        data = await run_in_threadpool(build)
        if data["head"].version == 0 and data["chain"] is None:
            return page(request, "error.html", 404, message=f"project {name} has no commits")
        return page(request, "project.html", **data)

    # --- dead letters ---

    def _filters(p: Any, prefix: str = "") -> dict[str, Any]:
        return {k: str(p.get(prefix + k, "")).strip() for k in ("stage", "reason", "topic")}

    async def letters(request: Request) -> Response:
        filters = _filters(request.query_params)

        def rows() -> tuple[list[Any], dict[str, Any]]:
            found = console.index.letters(**filters)
            return found, console.redriver.marks([r.id for r in found])

        found, marks = await run_in_threadpool(rows)
        return page(request, "letters.html", letters=found, marks=marks, filters=filters)

    async def letter(request: Request) -> Response:
        part, off = int(request.path_params["partition"]), int(request.path_params["offset"])

        def build() -> dict[str, Any] | None:
            rec = console.index.record(DEAD_LETTERS, part, off)
            if rec is None:
                return None
            try:
                value = console.serde.decode_any(rec.value)
            except TasklineError as exc:
                return {"rec": rec, "value": None, "error": str(exc)}
            original_type, original = describe_original(value, console.serde)  # type: ignore[arg-type]
            return {
                "rec": rec,
                "value": value,
                "error": None,
                "original_type": original_type,
                "original": original,
                "mark": console.redriver.marks([f"{part}:{off}"]).get(f"{part}:{off}"),
            }

        data = await run_in_threadpool(build)
        if data is None:
            return page(request, "error.html", 404, message=f"no dead letter {part}:{off}")
        return page(request, "letter.html", **data)

    @action
    async def redrive(request: Request, form: dict[str, Any]) -> Response:
        reason = str(form.get("reason", "")).strip()
        back = str(form.get("back", "/dead-letters"))
        back = back if _local(back) else "/dead-letters"
        if not reason:
            flash(request, "redrive: a reason is required", "error")
            return RedirectResponse(back, 303)
        ids = [i for i in str(form.get("ids", "")).split(",") if i]
        filters = _filters(form, "filter_") if form.get("matching") else None

        def run() -> list[Any]:
            if filters is not None:
                where = [
                    (r.partition, r.offset) for r in console.index.letters(**filters, limit=10_000)
                ]
            else:
                where = [parse_id(i) for i in ids]
            chosen: list[Letter] = []
            for partition, offset in where:
                rec = console.index.record(DEAD_LETTERS, partition, offset)
                if rec is None:
                    continue
                try:
                    value = console.serde.decode_any(rec.value)
                except TasklineError:
                    continue
                chosen.append(Letter(rec.partition, rec.offset, rec.timestamp_ms, value))  # type: ignore[arg-type]
            return console.redriver.redrive(chosen, actor=session(request)["user"], reason=reason)

        try:
            outcomes = await run_in_threadpool(run)
        except TasklineError as exc:  # a malformed id, a reason missing
            flash(request, f"redrive: {exc}", "error")
            return RedirectResponse(back, 303)
        if not outcomes:
            flash(request, "redrive: no dead letter matched", "warn")
        for o in outcomes:
            kind = {"redriven": "ok", "already": "warn"}.get(o.outcome, "error")
            flash(request, f"{o.id}: {o.outcome} ({o.detail})", kind)
        log.warning(
            "console: %s redrove %d letter(s): %s",
            session(request)["user"],
            sum(o.outcome == "redriven" for o in outcomes),
            reason,
        )
        return RedirectResponse(back, 303)

    # --- audit ---

    async def audit(request: Request) -> Response:
        return page(request, "audit.html", run=console.audit, now=time.time())

    async def audit_status(request: Request) -> Response:
        run = console.audit
        return JSONResponse(
            {"running": run.running, "records": run.records, "ok": run.ok, "lines": run.lines}
        )

    async def audit_run(request: Request) -> Response:
        # reading the topics changes nothing: a viewer may run it too (CSRF still applies)
        form = dict(await request.form())
        s = session(request)
        if not same_token(str(form.get("csrf", "")), s.get("csrf")):
            return page(request, "error.html", 403, message="CSRF token missing or wrong")
        if not s.get("user"):
            return page(request, "error.html", 403, message="sign in to run an audit")
        if not console.run_audit(s["user"]):
            flash(request, "an audit is already running", "warn")
        return RedirectResponse("/audit", 303)

    async def audit_export(request: Request) -> Response:
        archive = await run_in_threadpool(console.export)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return FileResponse(
            archive,
            media_type="application/gzip",
            filename=f"taskline-export-{stamp}.tar.gz",
            background=BackgroundTask(shutil.rmtree, archive.parent, True),
        )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "index_caught_up": console.index.caught_up.is_set()})

    routes = [
        Route("/", reader(pipeline)),
        Route("/healthz", healthz),
        Route("/login", login),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/pipeline/live", reader(pipeline_live)),
        Route("/status.json", reader(status_json)),
        Route("/tasks", reader(tasks)),
        Route("/tasks/{ident}", reader(task)),
        Route("/tasks/{task_id}/{verb}", govern, methods=["POST"]),
        Route("/waiting", reader(waiting)),
        Route("/projects", reader(projects)),
        Route("/projects/{project}", reader(project)),
        Route("/dead-letters", reader(letters)),
        Route("/dead-letters/redrive", redrive, methods=["POST"]),
        Route("/dead-letters/{partition:int}/{offset:int}", reader(letter)),
        Route("/audit", reader(audit)),
        Route("/audit/status.json", reader(audit_status)),
        Route("/audit/verify", audit_run, methods=["POST"]),
        Route("/audit/export", reader(audit_export)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie="taskline_console",
            max_age=settings.console_session_s,
            same_site="strict",
            https_only=False,
        ),
        Middleware(_SecurityHeaders),
    ]
    return Starlette(routes=routes, middleware=middleware)


class _SecurityHeaders:
    """No framing, no sniffing, no third-party anything (every asset is served from here)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _local(target: str) -> bool:
    """A redirect target on this site (no open redirects)."""
    return target.startswith("/") and not target.startswith("//") and "\\" not in target


def _int(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _time(text: str) -> int | None:
    """``2026-12-03T10:00`` (UTC unless it says otherwise) → epoch ms; blank → None."""
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return int(t.timestamp() * 1000)


__all__ = ["Console", "create_app"]
