"""Audits over topic records (live or archived): verify, task history, replay and rebuild.

Everything here consumes :class:`~streams.runtime.reader.TopicRecord` iterators, so the same code
checks live topics and exports made with ``taskline audit export``.

>>> verifier = Verifier(serde)                                   # doctest: +SKIP
>>> for rec in records: verifier.feed(rec)                       # doctest: +SKIP
>>> report = verifier.finish(); report.ok                         # doctest: +SKIP
True
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from processors.errors import ChainError, PatchError
from processors.executor import Environment, Executor, Snapshot
from processors.jsonpatch import apply_patch
from processors.models import ExecutionResult, Record, ScheduledTask, SsotCommit
from processors.ssot import (
    GENESIS_HASH,
    LATTICE_VERSION,
    Head,
    advance,
    commit_hash_fields,
    patch_fields_to_rfc,
    state_hash,
)
from processors.statehash import Lattice
from streams.codec.serde import Serde
from streams.errors import TasklineError
from streams.runtime.reader import TopicRecord
from streams.runtime.topics import EXECUTED, FORMED, RAW_EVENTS, SCHEDULED, SSOT_WRITES, TOPIC_TYPES
from streams.state.ssot_store import SsotStore

CHECKS = (
    "decodable",
    "hash chain",
    "contiguous versions",
    "one task per source event",
    "one completion per task",
    "serial execution",
    "traceable commits",
)


# Raw events and task objects start with their ids: audits decode only those.
_LEADING = {RAW_EVENTS: ("source_event_id",), FORMED: ("task_id", "source_event_id")}


@dataclass(frozen=True)
class Violation:
    """One broken rule, naming the record that breaks it."""

    check: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"VIOLATION [{self.check}] {self.where}: {self.detail}"


@dataclass
class Report:
    """What :class:`Verifier` found."""

    records: int = 0
    by_topic: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    violations: list[Violation] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    skipped_checks: list[str] = field(default_factory=list)
    redelivered: int = 0
    lanes: set[int] = field(default_factory=set)  # the execution lanes seen on executed

    @property
    def ok(self) -> bool:
        """No violation."""
        return not self.violations

    def lines(self) -> list[str]:
        """The report as text lines."""
        out = [
            f"read {self.records:,} records: "
            + ", ".join(f"{t} {n:,}" for t, n in sorted(self.by_topic.items()))
        ]
        failed = {v.check for v in self.violations}
        for check in CHECKS:
            if check in self.skipped_checks:
                out.append(f"  -  {check}: not checked (topics missing)")
            else:
                n = sum(1 for v in self.violations if v.check == check)
                scope = ""
                if check == "serial execution" and len(self.lanes) > 1:
                    scope = f" (per lane, lanes {', '.join(map(str, sorted(self.lanes)))})"
                out.append(
                    f"  {'FAIL' if check in failed else 'ok  '} {check}{scope}"
                    + (f": {n} violation(s)" if n else "")
                )
        commits = sum(v for v, _ in self.heads.values())
        out.append(
            f"projects: {len(self.heads)}; commits: {commits:,}; repeated records "
            f"(redeliveries): {self.redelivered:,}; pending tasks: {len(self.pending):,}"
        )
        out += [str(v) for v in self.violations[:200]]
        if len(self.violations) > 200:
            out.append(f"... and {len(self.violations) - 200} more violations")
        return out


@dataclass
class _Chain:
    version: int = 0
    hash: str = GENESIS_HASH
    state: Any = field(default_factory=dict)
    state_known: bool = True
    sha: str | None = None  # the state's SHA-256 (hash versions 1, 2), once computed
    lattice: Lattice | None = None  # its lattice (version 3), updated commit by commit

    def apply(self, patch: list[dict[str, Any]]) -> None:
        """Apply ``patch`` in place (:class:`PatchError` if it does not apply: the state is
        then unknown), the lattice updated from what it wrote."""
        change = self.lattice.begin(self.state, patch) if self.lattice is not None else None
        self.state = apply_patch(self.state, patch, in_place=True)
        self.sha = None
        self.lattice = change.finish(self.state) if change is not None else None

    def state_hash(self, hash_version: int) -> str:
        """The state hash a commit of ``hash_version`` names for the replayed state."""
        if hash_version >= LATTICE_VERSION:
            if self.lattice is None:
                self.lattice = Lattice.of(self.state)  # once: then updated by each patch
            return self.lattice.digest()
        if self.sha is None:
            self.sha = state_hash(self.state)
        return self.sha


class Verifier:
    """Feeds on records of any topics and checks Taskline's invariants over them.

    Records after ``to_ms`` are ignored; records before ``from_ms`` give context (chains need
    their history) but violations are reported only for records inside the window.
    """

    def __init__(
        self, serde: Serde, *, from_ms: int | None = None, to_ms: int | None = None
    ) -> None:
        self.serde = serde
        self.from_ms = from_ms
        self.to_ms = to_ms
        self.report = Report()
        self._topics: set[str] = set()
        self._events: set[str] = set()
        self._tasks_by_event: dict[str, dict[str, str]] = defaultdict(dict)
        self._tasks: set[str] = set()
        # task id → (start, end, lane) of each distinct run → where it was first seen
        self._executions: dict[str, dict[tuple[int, int, int], str]] = defaultdict(dict)
        self._chains: dict[str, _Chain] = {}
        self._seen_commits: dict[tuple[str, int], str] = {}
        self._completions: dict[str, dict[tuple[str, int], str]] = defaultdict(dict)
        self._commit_refs: list[tuple[str, str, str, bool]] = []

    def _violate(self, check: str, rec: TopicRecord, detail: str) -> None:
        if self.from_ms is None or rec.timestamp_ms >= self.from_ms:
            self.report.violations.append(Violation(check, rec.where, detail))

    def feed(self, rec: TopicRecord) -> None:
        """Take one record into account."""
        if self.to_ms is not None and rec.timestamp_ms > self.to_ms:
            return
        self.report.records += 1
        self.report.by_topic[rec.topic] += 1
        self._topics.add(rec.topic)
        if rec.topic not in (RAW_EVENTS, FORMED, EXECUTED, SSOT_WRITES):
            return
        try:
            if rec.topic in (RAW_EVENTS, FORMED):
                writer, ids = self.serde.leading_fields(rec.value, _LEADING[rec.topic])
                fields = dict(zip(_LEADING[rec.topic], ids, strict=True))
            else:
                writer, fields = self.serde.read_fields(rec.value)
        except TasklineError as exc:
            if rec.topic != RAW_EVENTS:  # bad input is the router's business (dead letters)
                self._violate("decodable", rec, str(exc))
            return
        if writer.type_name != TOPIC_TYPES[rec.topic]:
            if rec.topic != RAW_EVENTS:
                self._violate("decodable", rec, f"a {writer.type_name} record on {rec.topic}")
            return
        if rec.topic == RAW_EVENTS:
            self._events.add(fields["source_event_id"])
        elif rec.topic == FORMED:
            self._formed(rec, fields)
        elif rec.topic == EXECUTED:
            lane = int(fields.get("lane") or 0)
            key = (_micros(fields["started_at"]), _micros(fields["finished_at"]), lane)
            self._executions[fields["task_id"]].setdefault(key, rec.where)
            self.report.lanes.add(lane)
        else:
            self._commit(rec, fields)

    def _formed(self, rec: TopicRecord, fields: dict[str, Any]) -> None:
        task_id, source = fields["task_id"], fields["source_event_id"]
        self._tasks.add(task_id)
        known = self._tasks_by_event[source]
        if task_id not in known:
            if known:
                first = next(iter(known.items()))
                self._violate(
                    "one task per source event",
                    rec,
                    f"event {source} formed task {task_id}, but also {first[0]} at {first[1]}",
                )
            known[task_id] = rec.where

    def _commit(self, rec: TopicRecord, c: dict[str, Any]) -> None:
        project, version = c["project_id"], c["version"]
        seen = self._seen_commits.get((project, version))
        if seen is not None and seen == c["hash"]:
            self.report.redelivered += 1  # the same commit record again: harmless
            return
        chain = self._chains.setdefault(project, _Chain())
        label = f"{project} v{version} (task {c['task_id']})"
        if seen is not None:
            self._violate(
                "hash chain", rec, f"{label}: a second, different commit for this version"
            )
            return
        self._seen_commits[(project, version)] = c["hash"]
        if version != chain.version + 1:
            self._violate("contiguous versions", rec, f"{label} follows v{chain.version}")
        if c["parent_hash"] != chain.hash:
            self._violate(
                "hash chain", rec, f"{label}: parent_hash does not match v{chain.version}'s hash"
            )
        if commit_hash_fields(c) != c["hash"]:
            self._violate("hash chain", rec, f"{label}: hash does not match the commit's content")
        if chain.state_known:
            if c["kind"] == "state":
                try:
                    chain.apply(patch_fields_to_rfc(c["patch"]))
                except PatchError as exc:
                    chain.state_known = False
                    self._violate("hash chain", rec, f"{label}: patch does not apply: {exc}")
            hash_version = c.get("hash_version") or 1
            if chain.state_known and chain.state_hash(hash_version) != c["state_hash"]:
                self._violate(
                    "hash chain", rec, f"{label}: state_hash does not match the replayed state"
                )
        chain.version, chain.hash = version, c["hash"]
        completions = self._completions[c["task_id"]]
        if completions and (project, version) not in completions:
            (first_project, first_version), first_where = next(iter(completions.items()))
            self._violate(
                "one completion per task",
                rec,
                f"task {c['task_id']} completed again as {label}; first as "
                f"{first_project} v{first_version} at {first_where}",
            )
        completions.setdefault((project, version), rec.where)
        self._commit_refs.append(
            (rec.where, c["source_event_id"], c["task_id"], self._in_window(rec))
        )

    def _in_window(self, rec: TopicRecord) -> bool:
        return self.from_ms is None or rec.timestamp_ms >= self.from_ms

    def finish(self) -> Report:
        """Run the whole-history checks and return the report."""
        report = self.report
        runs: dict[int, list[tuple[int, int, str]]] = defaultdict(list)  # lane → its runs
        for task_id, executions in self._executions.items():
            if len(executions) > 1:
                wheres = ", ".join(executions.values())
                report.violations.append(
                    Violation(
                        "serial execution",
                        next(iter(executions.values())),
                        f"task {task_id} executed {len(executions)} times ({wheres})",
                    )
                )
            for (start, end, lane), where in executions.items():
                runs[lane].append((start, end, where))
        # strictly serial within each lane (one lane, the default: globally serial)
        for lane, lane_runs in sorted(runs.items()):
            lane_runs.sort()
            named = f" in lane {lane}" if len(runs) > 1 or lane else ""
            for (s1, e1, w1), (s2, e2, w2) in itertools.pairwise(lane_runs):
                if s2 < e1:
                    report.violations.append(
                        Violation(
                            "serial execution",
                            w2,
                            f"run [{s2}, {e2}]{named} overlaps {w1} [{s1}, {e1}]",
                        )
                    )
        if {RAW_EVENTS, FORMED} <= self._topics:
            for where, source, task_id, in_window in self._commit_refs:
                if not in_window:
                    continue
                if source not in self._events:
                    report.violations.append(
                        Violation(
                            "traceable commits",
                            where,
                            f"source event {source} is not on raw-events",
                        )
                    )
                if task_id not in self._tasks:
                    report.violations.append(
                        Violation("traceable commits", where, f"task {task_id} was never formed")
                    )
        else:
            report.skipped_checks.append("traceable commits")
        if FORMED not in self._topics:
            report.skipped_checks.append("one task per source event")
        if EXECUTED not in self._topics:
            report.skipped_checks.append("serial execution")
        if SSOT_WRITES not in self._topics:
            report.skipped_checks += [
                "hash chain",
                "contiguous versions",
                "one completion per task",
            ]
        completed = set(self._completions)
        report.pending = sorted(self._tasks - completed)
        report.heads = {p: (c.version, c.hash) for p, c in self._chains.items()}
        return report


def _micros(value: Any) -> int:
    return value if isinstance(value, int) else round(value.timestamp() * 1_000_000)


def verify(
    records: Iterable[TopicRecord],
    serde: Serde,
    *,
    from_ms: int | None = None,
    to_ms: int | None = None,
) -> Report:
    """Verify every record; see :class:`Verifier`."""
    verifier = Verifier(serde, from_ms=from_ms, to_ms=to_ms)
    for rec in records:
        verifier.feed(rec)
    return verifier.finish()


# --- task history -----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One record in the life of an event or task."""

    record: TopicRecord
    value: Record | None
    error: str | None = None


def _ids_of(value: Record) -> tuple[str | None, str | None]:
    data = value.model_dump()
    source = data.get("source_event_id")
    task = data.get("task_id")
    if "event" in data and isinstance(data["event"], dict):
        source = data["event"].get("source_event_id")
    if "task" in data and isinstance(data["task"], dict):
        source, task = data["task"].get("source_event_id"), data["task"].get("task_id")
    return source, task


def history(
    records: Iterable[TopicRecord], serde: Serde, *, event_ids: set[str], task_ids: set[str]
) -> list[HistoryEntry]:
    """Every record that names one of the events or tasks, in time order.

    Dead letters are included when their original bytes decode to a record naming one.
    """
    found = []
    for rec in records:
        try:
            value = serde.decode_any(rec.value)
        except TasklineError:
            continue
        source, task = _ids_of(value)
        if rec.topic == "dead-letters" and hasattr(value, "original"):
            try:
                source, task = _ids_of(serde.decode_any(value.original))
            except TasklineError:
                continue
        if (source is not None and source in event_ids) or (task is not None and task in task_ids):
            found.append(HistoryEntry(rec, value))
    found.sort(key=lambda e: (e.record.timestamp_ms, _STAGE_ORDER.get(e.record.topic, 99)))
    return found


_STAGE_ORDER = {
    "raw-events": 0,
    "dead-letters": 1,
    "routed": 2,
    "formed": 3,
    "governance": 4,
    "scheduled": 5,
    "executed": 6,
    "replies": 7,
    "ssot-writes": 8,
}


def tasks_of_events(
    records: Iterable[TopicRecord], serde: Serde, event_ids: set[str]
) -> tuple[set[str], set[str]]:
    """Resolve ids from ``formed``: the task ids of these events, plus events of those ids."""
    tasks: set[str] = set()
    events = set(event_ids)
    for rec in records:
        try:
            _, fields = serde.read_fields(rec.value)
        except TasklineError:
            continue
        if fields.get("source_event_id") in events or fields.get("task_id") in event_ids:
            tasks.add(fields["task_id"])
            events.add(fields["source_event_id"])
    return tasks, events


# --- replay -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayOutcome:
    """One task re-executed from the log."""

    task_id: str
    project_id: str | None
    matched: bool
    detail: str


def replay(
    records: Iterable[TopicRecord], serde: Serde, env: Environment | None = None
) -> list[ReplayOutcome]:
    """Re-execute every finished task against the snapshot it ran on; compare state hashes.

    ``env`` should hold the deployment's engines and domain policy (see
    :func:`streams.runtime.pipeline.build_environment`); side-effecting steps are not performed
    again: their recorded outcome stands in.
    """
    scheduled: dict[str, ScheduledTask] = {}
    results: dict[str, ExecutionResult] = {}
    commits: dict[str, list[SsotCommit]] = defaultdict(list)
    for rec in records:
        if rec.topic not in (SCHEDULED, EXECUTED, SSOT_WRITES):
            continue
        try:
            value = serde.decode_any(rec.value)
        except TasklineError:
            continue
        if isinstance(value, ScheduledTask):
            scheduled.setdefault(value.task.task_id, value)
        elif isinstance(value, ExecutionResult):
            results.setdefault(value.task_id, value)
        elif isinstance(value, SsotCommit) and (
            not commits[value.project_id] or commits[value.project_id][-1].version < value.version
        ):
            commits[value.project_id].append(value)
    needed: dict[str, set[int]] = defaultdict(set)
    for result in results.values():
        if result.project_id is not None:
            needed[result.project_id].add(result.snapshot_version)
    # each snapshot's state with its lattice (replayed steps update it, not hash it whole)
    states: dict[tuple[str, int], tuple[dict[str, Any], Lattice | None]] = {}
    chain_errors: dict[str, str] = {}
    for project, versions in needed.items():
        head = Head.genesis(project)
        if 0 in versions:
            states[(project, 0)] = ({}, None)
        try:
            for commit in commits.get(project, []):
                head = advance(head, commit)
                if head.version in versions:
                    states[(project, head.version)] = (head.state, head.lattice)
        except ChainError as exc:
            chain_errors[project] = str(exc)
    outcomes = []
    for task_id, result in sorted(results.items()):
        task = scheduled.get(task_id)
        task_project = result.project_id
        if task is None:
            outcomes.append(
                ReplayOutcome(task_id, task_project, False, "no scheduled record to replay from")
            )
            continue
        state = (
            ({}, None)
            if task_project is None
            else states.get((task_project, result.snapshot_version))
        )
        if state is None:
            why = chain_errors.get(
                task_project or "", f"no v{result.snapshot_version} in the commit log"
            )
            outcomes.append(
                ReplayOutcome(task_id, task_project, False, f"snapshot unavailable: {why}")
            )
            continue

        again = _replayed(result, task, state, env, result.hash_version)  # as it was recorded
        outcome = _compare(result, again)
        if not outcome.matched and result.resumed_from_step:
            # resumed by an executor of another version during an upgrade: its steps hash
            # the same states by either version's hash (each one binds the state)
            other = 1 if result.hash_version >= LATTICE_VERSION else LATTICE_VERSION
            outcome = _compare(result, again, _replayed(result, task, state, env, other))
        outcomes.append(outcome)
    return outcomes


def _replayed(
    result: ExecutionResult,
    task: ScheduledTask,
    state: tuple[dict[str, Any], Lattice | None],
    env: Environment | None,
    hash_version: int,
) -> ExecutionResult:
    """``result``'s task run again on its snapshot's state (and lattice, when known), side
    effects taken from the record, states hashed by ``hash_version``."""
    snapshot = Snapshot(result.project_id, result.snapshot_version, state[0], lattice=state[1])
    return Executor(result.executor_id, env=env).execute(
        task, snapshot, replay=result.steps, hash_version=hash_version
    )


def _compare(
    recorded: ExecutionResult, again: ExecutionResult, other: ExecutionResult | None = None
) -> ReplayOutcome:
    """Whether a replay ``again`` did what ``recorded`` says, step by step; with ``other``
    (the same replay hashed by the other hash version), a step's hash may be either's."""
    # a resumed run logs where it resumed; a replay runs straight through
    steps = [s for s in recorded.steps if s.kind != "resume"]
    recorded = recorded.model_copy(update={"steps": steps})
    alternatives = other.steps if other is not None else again.steps
    for old, new, alt in zip(recorded.steps, again.steps, alternatives, strict=False):
        if (old.engine, old.module, old.status) != (new.engine, new.module, new.status) or (
            old.state_hash not in (new.state_hash, alt.state_hash)
        ):
            return ReplayOutcome(
                recorded.task_id,
                recorded.project_id,
                False,
                f"diverged at step {old.step} ({old.engine}.{old.module}): recorded {old.status} "
                f"{old.state_hash[:12]}, replayed {new.status} {new.state_hash[:12]}",
            )
    final = (again.state_hash, other.state_hash if other is not None else again.state_hash)
    if len(recorded.steps) != len(again.steps) or recorded.state_hash not in final:
        return ReplayOutcome(
            recorded.task_id,
            recorded.project_id,
            False,
            f"recorded {len(recorded.steps)} steps ending {recorded.state_hash[:12]}, "
            f"replayed {len(again.steps)} ending {again.state_hash[:12]}",
        )
    return ReplayOutcome(
        recorded.task_id, recorded.project_id, True, f"{len(again.steps)} steps match"
    )


# --- rebuild ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildRow:
    """One project's rebuilt head against the live store's."""

    project_id: str
    rebuilt: tuple[int, str]
    live: tuple[int, str]

    @property
    def matches(self) -> bool:
        """Same version and head hash."""
        return self.rebuilt == self.live


def rebuild(
    records: Iterable[TopicRecord], serde: Serde, fresh: SsotStore, live: SsotStore
) -> list[RebuildRow]:
    """Apply every commit into the empty store ``fresh``; compare each head with ``live``."""
    heads: dict[str, Head] = {}
    for rec in records:
        if rec.topic != SSOT_WRITES:
            continue
        commit = serde.decode(rec.value, SsotCommit)
        head = heads.get(commit.project_id) or Head.genesis(commit.project_id)
        if commit.version <= head.version:
            continue  # a redelivered record
        head = advance(head, commit)
        if fresh.apply(commit, head).status == "conflict":
            raise ChainError(f"rebuild namespace {fresh.namespace} is not empty")
        heads[commit.project_id] = head
    projects = sorted(set(heads) | set(live.projects()))
    rows = []
    for project in projects:
        rebuilt = fresh.head(project)
        current = live.head(project)
        rows.append(
            RebuildRow(project, (rebuilt.version, rebuilt.hash), (current.version, current.hash))
        )
    return rows
