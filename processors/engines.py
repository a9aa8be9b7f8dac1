"""Engines and modules: what an execution step can do (Prospera §4.5).

An engine is named ``engine.module`` (``patch.apply``, ``http.call``). It receives a
:class:`StepContext` and returns a one-line detail for the step log; it may replace
``ctx.working`` (the working copy of the snapshot's state) unless it has side effects, and it
may set ``ctx.output`` (the task's answer) and ``ctx.value`` (what the step's validator
checks). Failures raise :class:`StepFailed` with a failure mode.

Built-ins (all deterministic and side-effect free):

=================  ==============================================================
``ssot.read``      load the snapshot's state as the working state
``ssot.query``     the value at ``args["pointer"]`` of the working state
``patch.apply``    apply the task's JSON Patch (a failing ``test`` op is *drift*)
``state.validate`` the working state is an object under the size limit and, with
                   ``args["schema"]`` (JSON Schema text), valid against it
``text.summarize`` a summary of the working state as the task's output
``text.retrieve``  the state entries that best match the task's goal words
=================  ==============================================================

Third-party engines register under the entry point group ``taskline.engines``: each entry
point names a zero-argument factory returning an :class:`Engine`.

>>> registry = EngineRegistry.builtin()
>>> sorted(registry.names())[:3]
['patch.apply', 'ssot.query', 'ssot.read']
"""

from __future__ import annotations

import heapq
import json
import logging
import random
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, Protocol

import jsonschema

from processors.errors import PatchError, ProcessorError
from processors.jsonpatch import (
    CanonicalCache,
    Written,
    apply_patch,
    canonical_json,
    get,
    parse_pointer,
)
from processors.models import PlanStep, ScheduledTask, patch_to_rfc

log = logging.getLogger("taskline.engines")

MAX_STATE_BYTES = 1_000_000
ENTRY_POINT_GROUP = "taskline.engines"


class StepFailed(ProcessorError):
    """A step that could not do its work.

    ``mode`` names the failure (Prospera §9 or an operational one); ``retryable`` steps are
    retried up to the step's ``max_attempts`` with a fixed backoff.
    """

    def __init__(self, message: str, *, mode: str = "step_failed", retryable: bool = False):
        super().__init__(message)
        self.mode = mode
        self.retryable = retryable


@dataclass
class StepContext:
    """What a step sees. ``now`` is the task's time and ``rng`` is seeded by its task id, so
    a step that needs a clock or randomness is still deterministic (Prospera §6.6)."""

    scheduled: ScheduledTask
    snapshot_state: dict[str, Any]
    snapshot_version: int
    working: Any
    step: PlanStep
    now: datetime
    rng: random.Random
    fencing_token: int = 0
    output: str = ""
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    # set when the executor gave up on this attempt (its timeout): an engine with side effects
    # checks it before acting, so an abandoned attempt cannot act after its retry started
    abandoned: threading.Event = field(default_factory=threading.Event)
    # the snapshot's canonical JSON, when the reader has it, and the texts of its parts
    # (a working state that a patch made from it is dumped re-using them)
    snapshot_text: str | None = None
    snapshot_canon: CanonicalCache | None = None
    # the UTF-8 size of snapshot_text, when known (the validator bounds a patched state's
    # size from it instead of dumping the whole state)
    snapshot_size: int | None = None

    @property
    def args(self) -> dict[str, str]:
        """The step's arguments."""
        return self.step.args

    def check_abandoned(self) -> None:
        """:class:`StepFailed` (timeout) if the executor gave up on this attempt."""
        if self.abandoned.is_set():
            raise StepFailed("abandoned after its timeout", mode="timeout")

    def working_text(self) -> str:
        """``canonical_json(self.working)``, computed once per working state: from the
        snapshot's text, or re-dumping only what ``patch.apply`` wrote into it."""
        working = self.working
        memo = self.extra.get("canonical")
        if memo is not None and memo[0] is working:
            return str(memo[1])
        if working is self.snapshot_state and self.snapshot_text is not None:
            text = self.snapshot_text
        else:
            made = self.extra.get("written")
            if made is not None and made[0] is working and self.snapshot_canon is not None:
                text = self.snapshot_canon.dump(working, made[1])
            else:
                text = canonical_json(working)
        self.extra["canonical"] = (working, text)
        return text


class Engine(Protocol):
    """One engine.module. ``inline`` engines are bounded pure code and run on the executor's
    thread; others run on a helper thread that the step's timeout can abandon."""

    @property
    def name(self) -> str: ...

    @property
    def side_effect(self) -> bool: ...

    @property
    def inline(self) -> bool: ...

    def run(self, ctx: StepContext) -> str: ...


@dataclass(frozen=True)
class FunctionEngine:
    """An engine from a plain function."""

    name: str
    fn: Callable[[StepContext], str]
    side_effect: bool = False
    inline: bool = True

    def run(self, ctx: StepContext) -> str:
        """Call the function."""
        return self.fn(ctx)


class EngineRegistry:
    """Engines by name."""

    def __init__(self, engines: Iterable[Engine] = ()) -> None:
        self._engines: dict[str, Engine] = {}
        for engine in engines:
            self.register(engine)

    def register(self, engine: Engine) -> None:
        """Add (or replace) an engine."""
        self._engines[engine.name] = engine

    def get(self, name: str) -> Engine | None:
        """The engine called ``name``, if registered."""
        return self._engines.get(name)

    def names(self) -> list[str]:
        """Every registered name."""
        return list(self._engines)

    @classmethod
    def builtin(cls) -> EngineRegistry:
        """The built-in engines."""
        return cls(FunctionEngine(name, fn) for name, fn in _BUILTINS.items())

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register third-party engines; returns their names. A broken plugin is logged and
        skipped (a missing engine then fails its steps as a forbidden engine call)."""
        loaded = []
        for ep in entry_points(group=group):
            try:
                engine = ep.load()()
                self.register(engine)
                loaded.append(engine.name)
            except Exception as exc:  # third-party code: report, never crash the executor
                log.error("engine plugin %s failed to load: %s", ep.name, exc)
        return loaded


def _read(ctx: StepContext) -> str:
    ctx.working = ctx.snapshot_state
    ctx.value = ctx.working
    project = ctx.scheduled.task.project_id or "-"
    return f"read {project} v{ctx.snapshot_version}: {len(ctx.working)} keys"


def _query(ctx: StepContext) -> str:
    pointer = ctx.args.get("pointer", "")
    try:
        ctx.value = get(ctx.working, pointer)
    except PatchError as exc:
        raise StepFailed(f"query {pointer!r}: {exc}", mode="invalid_output") from exc
    ctx.output = canonical_json(ctx.value)[:2000]
    return f"{pointer or '/'} = {ctx.output[:200]}"


def _apply(ctx: StepContext) -> str:
    patch = patch_to_rfc(ctx.scheduled.task.patch)
    if not patch:
        raise StepFailed("stateful task without a patch")
    for op in patch:
        if op["op"] == "test":
            # a test op states what the task was formed against: a mismatch is drift
            try:
                now = get(ctx.working, op["path"])
            except PatchError:
                now = None
            if canonical_json(now) != canonical_json(op.get("value")):
                raise StepFailed(
                    f"state drifted since formation: {op['path']} is {canonical_json(now)}, "
                    f"the task expected {canonical_json(op.get('value'))}",
                    mode="drift",
                )
    written: Written = {}
    before = ctx.working
    try:
        ctx.working = apply_patch(ctx.working, patch, written=written)
    except PatchError as exc:
        raise StepFailed(f"patch does not apply to v{ctx.snapshot_version}: {exc}") from exc
    ctx.extra["written"] = (ctx.working, written)  # what working_text re-dumps
    ctx.extra["patched"] = (before, ctx.working, patch)  # what the state hash is updated from
    ctx.value = ctx.working
    project = ctx.scheduled.task.project_id
    ctx.output = f"applied {len(patch)} op(s) to {project} v{ctx.snapshot_version}"
    return ctx.output


def _validate(ctx: StepContext) -> str:
    if not isinstance(ctx.working, dict):
        raise StepFailed("project state must stay a JSON object", mode="invalid_output")
    size, exact = _size_at_most(ctx), False
    if size is None or size > MAX_STATE_BYTES:
        # the exact size, dumped whole (a lone surrogate counted as _size_at_most counts it:
        # the completer, not the validator, refuses a value the chain cannot hash)
        size, exact = len(ctx.working_text().encode("utf-8", "surrogatepass")), True
    if size > MAX_STATE_BYTES:
        raise StepFailed(
            f"project state would be {size} bytes (limit {MAX_STATE_BYTES})", mode="invalid_output"
        )
    schema = ctx.args.get("schema")
    if schema:
        problem = schema_problem(schema, ctx.working)
        if problem:
            raise StepFailed(f"state breaks its schema: {problem}", mode="invalid_output")
    ctx.value = ctx.working
    said = f"{size} bytes" if exact else f"at most {size} bytes"
    return f"state valid ({said}{', schema ok' if schema else ''})"


def _size_at_most(ctx: StepContext) -> int | None:
    """An upper bound of the working state's canonical JSON size in bytes when patch.apply
    made it from the snapshot, whose size is known: the snapshot's, plus for each operation
    what it can insert (a member's key, separators and value). None when the working state
    came otherwise, or a move or copy is among the operations (dumped whole then)."""
    patched = ctx.extra.get("patched")
    if (
        ctx.snapshot_size is None
        or patched is None
        or patched[0] is not ctx.snapshot_state
        or patched[1] is not ctx.working
    ):
        return None
    size = ctx.snapshot_size
    for op in patched[2]:
        kind = op.get("op")
        if kind in ("remove", "test"):
            continue  # (a removal only shrinks the text)
        if kind not in ("add", "replace"):
            return None
        tokens = parse_pointer(op["path"])
        key = json.dumps(tokens[-1], ensure_ascii=False) if tokens else ""
        # '"key":', the value and a comma (an array element: the value and a comma)
        value = canonical_json(op.get("value"))
        size += len((key + value).encode("utf-8", "surrogatepass")) + 2
    return size


def _summarize(ctx: StepContext) -> str:
    state = ctx.working if isinstance(ctx.working, dict) else {}
    # the first 12 members by key (all keys are strings: no two compare equal), as the
    # snapshot's dump has them when it is the snapshot's state (a grown state is neither
    # sorted nor dumped again for each task)
    canon = ctx.snapshot_canon
    first = canon.first_members(state, 12) if canon is not None else None
    if first is None:
        first = [(k, canonical_json(state[k])) for k in heapq.nsmallest(12, state)]
    facts = [f"{k}={text[:60]}" for k, text in first]
    project = ctx.scheduled.task.project_id or "no project"
    body = "; ".join(facts) if facts else "no recorded state yet"
    ctx.output = f"{project} (v{ctx.snapshot_version}): {body}"
    ctx.value = ctx.output
    return f"summarized {len(facts)} facts"


_WORDS = re.compile(r"[a-z0-9]+")


def _retrieve(ctx: StepContext) -> str:
    state = ctx.working if isinstance(ctx.working, dict) else {}
    task = ctx.scheduled.task
    goal = ctx.args.get("query") or (task.work_plan.goal if task.work_plan else "")
    wanted = set(_WORDS.findall(goal.lower()))
    scored = []
    for key, value in state.items():
        text = f"{key} {canonical_json(value)}".lower()
        score = len(wanted & set(_WORDS.findall(text)))
        if score:
            scored.append((-score, key))
    top = [key for _, key in sorted(scored)[: int(ctx.args.get("k", "5"))]]
    ctx.value = {key: state[key] for key in top}
    ctx.output = "; ".join(f"{k}={canonical_json(state[k])[:80]}" for k in top) or "nothing matched"
    return f"retrieved {len(top)} of {len(state)} entries"


_BUILTINS: dict[str, Callable[[StepContext], str]] = {
    "ssot.read": _read,
    "ssot.query": _query,
    "patch.apply": _apply,
    "state.validate": _validate,
    "text.summarize": _summarize,
    "text.retrieve": _retrieve,
}


def schema_problem(schema_json: str, value: Any) -> str | None:
    """Why ``value`` breaks the JSON Schema in ``schema_json`` (None if it is valid)."""
    try:
        schema = json.loads(schema_json)
        validator = jsonschema.Draft202012Validator(schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    except (json.JSONDecodeError, jsonschema.exceptions.SchemaError) as exc:
        return f"the schema itself is invalid: {str(exc).splitlines()[0]}"
    if error is None:
        return None
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}"[:300]
