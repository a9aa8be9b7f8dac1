"""In-process record types. The ``.avsc`` files in ``schemas/`` are the wire truth; each model
names its schema in ``__avro_type__`` and its fields match the schema's one to one, so the
mapping between the two is ``model_dump()`` / ``model_validate()`` and nothing else.

>>> ev = RawEvent(source_event_id="e1", session_id="s1", channel="chat",
...               kind="user_action", text="what is the status of apollo?",
...               occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
>>> ev.occurred_at.year
2026
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# Timestamps: aware UTC, truncated to the precision the Avro logical type keeps, so that a
# model compares equal after a round trip through its schema.
_MIN_TS = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TS = datetime(9999, 12, 31, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    value = value.astimezone(UTC)
    if not _MIN_TS <= value < _MAX_TS:
        raise ValueError("timestamp out of range 1970..9999")
    return value


def millis(value: datetime) -> datetime:
    """What a ``Millis`` field keeps of ``value``: aware UTC, truncated to milliseconds."""
    # most values are already UTC milliseconds (re-validated, or made by now_millis): keep them
    if (
        type(value) is datetime
        and value.tzinfo is UTC
        and not value.microsecond % 1000
        and 1970 <= value.year < 9999
    ):
        return value
    value = _utc(value)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


Millis = Annotated[datetime, AfterValidator(millis)]
Micros = Annotated[datetime, AfterValidator(_utc)]
Id = Annotated[str, Field(min_length=1, max_length=200)]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
# a field the schemas write as Avro "int" (32 bits): a larger value would not be Avro
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]


def now_millis() -> datetime:
    """The current time as a millisecond-precision UTC datetime."""
    return millis(datetime.now(UTC))


_M = TypeVar("_M", bound=BaseModel)
_Layout = tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...]]
_LAYOUTS: dict[type[BaseModel], _Layout] = {}
_set = object.__setattr__


def _layout(cls: type[BaseModel]) -> _Layout:
    """The fields of ``cls`` in order with their defaults, and the fields with a factory."""
    if cls.__pydantic_post_init__ or cls.__private_attributes__:
        raise TypeError(f"{cls.__name__} needs its __init__")
    template: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, info in cls.model_fields.items():
        if isinstance(info.default, list | dict | set):
            raise TypeError(f"{cls.__name__}.{name}: validation copies a mutable default")
        template[name] = info.default  # PydanticUndefined when required: the caller sets it
        if info.default_factory is not None:
            # none of them takes the validated data
            factories.append((name, cast(Callable[[], Any], info.default_factory)))
    _LAYOUTS[cls] = layout = (template, tuple(factories))
    return layout


def trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """``cls(**values)`` without validation, for values Taskline computed itself.

    Only for values that validation would keep as they are (exact types, in range; timestamps
    through ``millis``): the caller does any coercion itself. Fields missing from ``values``
    take their defaults, and the model's field set is ``values``' keys, as with validation.
    """
    template, factories = _LAYOUTS.get(cls) or _layout(cls)
    fields = template.copy()  # in field order: update() keeps the position of existing keys
    fields.update(values)
    for name, factory in factories:
        if name not in values:
            fields[name] = factory()
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


class Record(BaseModel):
    """Base of every wire record: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    __avro_type__: ClassVar[str]


_MEMBERS = frozenset(("op", "path", "from", "value"))
_OPS = frozenset(("add", "remove", "replace", "move", "copy", "test"))
_SORTED_JSON = json.JSONEncoder(sort_keys=True)  # what json.dumps(..., sort_keys=True) uses


class PatchOp(BaseModel):
    """One RFC 6902 operation. ``value_json`` holds the JSON text of ``value``.

    >>> PatchOp.from_rfc({"op": "add", "path": "/status", "value": "green"}).to_rfc()
    {'op': 'add', 'path': '/status', 'value': 'green'}
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: Annotated[str, Field(max_length=1024)]
    from_path: Annotated[str, Field(max_length=1024)] | None = None
    value_json: str | None = None

    @classmethod
    def from_rfc(cls, op: dict[str, Any]) -> PatchOp:
        """Build from an RFC 6902 dict (``{"op", "path", "from"?, "value"?}``)."""
        if not _MEMBERS.issuperset(op):
            unknown = set(op) - _MEMBERS
            raise ValueError(f"unknown patch member(s): {sorted(unknown)}")
        if "op" not in op or "path" not in op:
            missing = {"op", "path"} - set(op)
            raise ValueError(f"patch operation without {' and '.join(sorted(missing))}")
        value_json = _SORTED_JSON.encode(op["value"]) if "value" in op else None
        kind, path, from_path = op["op"], op["path"], op.get("from")
        if (
            type(kind) is str
            and kind in _OPS
            and type(path) is str
            and len(path) <= 1024
            and path.isascii()  # a lone surrogate fails validation
            and (
                from_path is None
                or (type(from_path) is str and len(from_path) <= 1024 and from_path.isascii())
            )
        ):  # what validation would accept and keep as it is
            return trusted(
                cls, {"op": kind, "path": path, "from_path": from_path, "value_json": value_json}
            )
        return cls(op=kind, path=path, from_path=from_path, value_json=value_json)

    def to_rfc(self) -> dict[str, Any]:
        """The RFC 6902 dict form."""
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.from_path is not None:
            out["from"] = self.from_path
        if self.value_json is not None:
            out["value"] = json.loads(self.value_json)
        return out


def patch_to_rfc(patch: list[PatchOp] | None) -> list[dict[str, Any]]:
    """A whole patch as RFC 6902 dicts (empty for None)."""
    return [op.to_rfc() for op in patch or []]


class AsrAlternative(BaseModel):
    """Another hypothesis of the speech recogniser for a voice event (n-best)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    text: Annotated[str, Field(max_length=16_384)]
    confidence: Confidence


class RawEvent(Record):
    """An event from a voice or chat front end, as published on ``raw-events``.

    Voice front ends may add ``asr_confidence`` (the recogniser's confidence in ``text``) and
    ``alternatives`` (its other hypotheses); formation considers them all.
    """

    __avro_type__ = "raw_event"
    source_event_id: Id
    session_id: Id
    channel: Literal["voice", "chat"]
    kind: Literal["user_action", "model_proposal"]
    text: Annotated[str, Field(max_length=16_384)]
    occurred_at: Millis
    metadata: dict[str, str] = Field(default_factory=dict)
    project_hint: Id | None = None
    proposal: list[PatchOp] | None = None
    asr_confidence: Confidence | None = None
    alternatives: Annotated[list[AsrAlternative], Field(max_length=10)] | None = None

    @field_validator("proposal")
    @classmethod
    def _values_are_json(cls, ops: list[PatchOp] | None) -> list[PatchOp] | None:
        """A proposal's values are JSON texts: a producer's broken one is refused here, at the
        edge, not by the stage that reads it."""
        for n, op in enumerate(ops or ()):
            if op.value_json is not None:
                try:
                    json.loads(op.value_json)
                except (ValueError, RecursionError) as exc:
                    why = f"proposal op {n}: value_json is not JSON text: {exc}"
                    raise ValueError(why) from None
        return ops


class Candidate(BaseModel):
    """A project the router considered, with its score in [0, 1]."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    project_id: str
    score: Confidence


class RoutedEvent(Record):
    """A deduplicated event with its routing decision (Skyra §5)."""

    __avro_type__ = "routed_event"
    event: RawEvent
    domain_id: str | None
    project_id: str | None
    routing_confidence: Confidence
    top_candidates: list[Candidate]
    router_version: str
    routed_at: Millis
    session_hint: str | None = None  # the session's previous project, used as evidence
    language: str | None = None  # ISO 639-1 (or "und"), detected by the router
    language_confidence: Confidence | None = None


class WorkPlan(BaseModel):
    """The artifact of an ephemeral task (Skyra §4)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    goal: str
    inputs: dict[str, str]
    steps: list[str]
    tools_required: list[str]
    expected_output: str
    timeout_hint_ms: Int32
    risk_flags: list[str]


class TaskSheet(BaseModel):
    """The artifact of a stateful task (Skyra §4)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    project_id: str
    intent: str
    state_targets: list[str]
    constraints: list[str]
    validation_checks: list[str]
    commit_message_hint: str
    requires_patch: bool = True


class RoutingDecision(BaseModel):
    """Why a task belongs where it does: the router's output, kept on the task (Skyra §5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    domain_id: str | None
    project_id: str | None
    routing_confidence: Confidence
    top_candidates: list[Candidate]
    router_version: str
    session_hint: str | None = None


class Review(BaseModel):
    """The threshold review's verdict (Skyra §8)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    outcome: Literal["approve", "revise", "clarification_required", "reject"]
    triggers: list[str]
    reviewer: str
    notes: list[str] = Field(default_factory=list)


class DependencyPlan(BaseModel):
    """The cross-system dependency pass (Skyra §7)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    ordering: list[str]
    preconditions: list[str]
    constraints: list[str]
    rollback_hints: list[str]
    conflicts: list[str] = Field(default_factory=list)


class TaskObject(Record):
    """The canonical task object handed to the scheduler (Skyra §9).

    A task with a ``hold_reason`` (patch still pending, unresolved dependency conflict) is
    kept on ``formed`` as the durable record of the formation but not scheduled.
    """

    __avro_type__ = "task_object"
    task_id: Id
    source_event_id: Id
    session_id: Id
    task_type: Literal["ephemeral", "stateful"]
    project_id: str | None
    domain_id: str | None
    systems_affected: list[str]
    work_plan: WorkPlan | None = None
    task_sheet: TaskSheet | None = None
    patch: list[PatchOp] | None = None
    patch_status: Literal["ready", "pending", "not_required"]
    formation_confidence: Confidence
    routing_confidence: Confidence
    priority: Int32
    assumptions: list[str]
    occurred_at: Millis
    created_at: Millis
    intent_id: str | None = None
    slots: dict[str, str] = Field(default_factory=dict)
    routing: RoutingDecision | None = None
    review: Review | None = None
    dependencies: DependencyPlan | None = None
    hold_reason: str | None = None
    former_version: str = ""
    depends_on: list[str] = Field(default_factory=list)  # source_event_ids to complete first


FAILURE_MODES = (
    "safety_violation",
    "drift",
    "blocked_routing",
    "invalid_output",
    "forbidden_engine_call",
    "ssot_mismatch",
    "pipeline_deadlock",
    "timeout",
    "step_failed",
    "dependency_failed",
    "cancelled",
    "rejected",
)
"""Why a task failed: Prospera §9's modes first, then the operational ones."""


class PlanStep(BaseModel):
    """One atomic step of an execution plan (Prospera §4.3).

    ``engine`` is ``engine.module``. ``preconditions`` must hold and ``forbidden_states``
    must not, both evaluated on the snapshot (see :mod:`processors.safety`). A
    ``side_effect`` step changes the world outside the SSOT: it is checkpointed when done,
    never run twice, and undone by ``compensation`` when a later step fails.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    number: Int32
    engine: str
    args: dict[str, str] = Field(default_factory=dict)
    side_effect: bool = False
    compensation: str | None = None
    compensation_args: dict[str, str] = Field(default_factory=dict)
    preconditions: list[str] = Field(default_factory=list)
    forbidden_states: list[str] = Field(default_factory=list)
    systems: list[str] = Field(default_factory=list)
    timeout_ms: Int32 = 5000
    max_attempts: Int32 = 1
    gate: bool = False  # needs a governance approval of the task
    validator: str | None = None  # a JSON schema (inline JSON) the step's output must match
    parallel_group: str | None = None


class ScheduledTask(Record):
    """A task released to the serial executor: its plan, priority and the SSOT version it was
    scheduled with; ``disposition="fail"`` asks the executor to record a failure without
    running anything (cancelled, rejected, deadlocked, dependency failed)."""

    __avro_type__ = "scheduled_task"
    task: TaskObject
    snapshot_version: int
    scheduled_at: Millis
    plan: list[PlanStep] = Field(default_factory=list)
    priority: Int32 = 0
    disposition: Literal["run", "fail"] = "run"
    failure_mode: str | None = None
    failure_reason: str | None = None
    governance: list[str] = Field(default_factory=list)  # approvals/commands that touched it
    lane: Int32 = 0  # the partition of scheduled it was released to (processors.lanes)


class StepLog(BaseModel):
    """What one execution step did (Prospera §10)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    step: Int32
    engine: str
    module: str
    status: Literal["succeeded", "failed"]
    state_hash: str
    detail: str
    started_at: Micros
    finished_at: Micros
    kind: Literal["step", "compensation", "resume"] = "step"
    routing_path: str = ""
    safety: str = ""
    governance: str = ""
    attempts: Int32 = 1
    ssot_version: int = 0


class ExecutionResult(Record):
    """The outcome of one task's execution, emitted by the executor on ``executed``."""

    __avro_type__ = "execution_result"
    task_id: Id
    source_event_id: Id
    session_id: Id
    project_id: str | None
    task_type: Literal["ephemeral", "stateful"]
    status: Literal["succeeded", "failed"]
    error: str | None
    scheduled_snapshot_version: int
    snapshot_version: int
    patch: list[PatchOp] | None
    output: str
    state_hash: str
    steps: list[StepLog]
    executor_id: str
    occurred_at: Millis
    started_at: Micros
    finished_at: Micros
    failure_mode: str | None = None
    fencing_token: int = 0
    resumed_from_step: Int32 = 0
    lane: Int32 = 0  # the lane it ran in: execution is serial per lane
    # how state_hash and the steps' state hashes were computed: 1 (absent on the wire),
    # SHA-256 of the state's canonical JSON; 3, the lattice hash (processors.statehash)
    hash_version: Int32 = 1


class SsotCommit(Record):
    """One link of a project's hash chain on ``ssot-writes``."""

    __avro_type__ = "ssot_commit"
    commit_id: Id
    project_id: Id
    version: int
    parent_hash: str
    hash: str
    task_id: Id
    source_event_id: Id
    kind: Literal["state", "ledger"]
    outcome: Literal["succeeded", "rebased", "failed", "ssot_mismatch"]
    patch: list[PatchOp] | None
    state_hash: str
    message: str
    occurred_at: Millis
    committed_at: Millis
    hash_version: Int32 = 1  # absent on the wire (schema v1) means 1; see processors.ssot


class Reply(Record):
    """A message back to the session: no task, clarification, or a task's result."""

    __avro_type__ = "reply"
    reply_id: Id
    source_event_id: Id
    session_id: Id
    task_id: str | None
    kind: Literal["no_task", "clarification", "result"]
    text: str
    created_at: Millis
    reason_code: str = ""  # e.g. smalltalk, no_domain_match, missing_slot:room, rejected


class DeadLetter(Record):
    """A record a stage could not process, kept whole with the reason."""

    __avro_type__ = "dead_letter"
    stage: str
    reason: str
    error_type: str
    topic: str
    partition: Int32
    offset: int
    key: bytes | None
    original: bytes
    failed_at: Millis


class GovernanceCommand(Record):
    """A command on the ``governance`` topic (its processing arrives with orchestration)."""

    __avro_type__ = "governance_command"
    command_id: Id
    action: Literal[
        "approve", "reject", "reprioritize", "cancel", "set_safe_mode", "set_system_available"
    ]
    task_id: str | None
    argument: str | None
    actor: Id
    reason: str
    policy_version: str
    issued_at: Millis
    signature: str


ALL_MODELS: tuple[type[Record], ...] = (
    RawEvent,
    RoutedEvent,
    TaskObject,
    ScheduledTask,
    ExecutionResult,
    SsotCommit,
    Reply,
    DeadLetter,
    GovernanceCommand,
)
MODELS_BY_TYPE: dict[str, type[Record]] = {m.__avro_type__: m for m in ALL_MODELS}
