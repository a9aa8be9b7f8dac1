"""Planning and decomposition (Prospera §4.2-4.3): a task's artifact → an execution plan of
atomic steps, each naming its engine and module, preconditions, forbidden states, systems,
timeout, retries, governance gate and compensation.

Plans are serial. A step may name a ``parallel_group`` only where its pack explicitly allows
it; the executor still runs such steps one after the other (serial is always a valid
schedule of a parallel group), so the flag documents independence rather than changing order.

>>> from tests import samples                                             # doctest: +SKIP
>>> [s.engine for s in plan_for(samples.STATEFUL, None)]                   # doctest: +SKIP
['ssot.read', 'patch.apply', 'state.validate']
"""

from __future__ import annotations

import functools
import json
from typing import Any

from processors.errors import ProcessorError
from processors.models import PlanStep, TaskObject
from processors.packs import IntentSpec, MissingSlot, render_template

SAFE_ENGINES = frozenset(
    {"ssot.read", "ssot.query", "patch.apply", "state.validate", "text.summarize", "text.retrieve"}
)
"""Engines every domain may call; others (e.g. ``http.call``) need the pack's ``engines``."""


class PlanError(ProcessorError, ValueError):
    """A pack's plan template that cannot become a plan for this task."""


def plan_for(task: TaskObject, intent: IntentSpec | None) -> list[PlanStep]:
    """The task's execution plan.

    An intent's ``plan`` is rendered with the task's slots. A stateful plan always reads the
    snapshot first and applies the task's patch (then validates the state) exactly once; a
    plan that does not say where, gets them at the end.
    """
    raw: list[dict[str, Any]]
    if intent is not None and intent.plan:
        try:
            raw = [dict(render_template(step, dict(task.slots))) for step in intent.plan]
        except MissingSlot as exc:
            raise PlanError(f"plan of intent {intent.id!r} needs slot {exc.slot!r}") from exc
    elif task.task_type == "ephemeral":
        steps = task.work_plan.steps if task.work_plan else ["ssot.read"]
        raw = [{"engine": name} for name in steps]
    else:
        raw = []
    if task.task_type == "stateful":
        engines = [step.get("engine") for step in raw]
        if "ssot.read" not in engines:
            raw.insert(0, {"engine": "ssot.read"})
        if "patch.apply" not in engines:
            raw += [{"engine": "patch.apply"}, {"engine": "state.validate"}]
    try:
        key = json.dumps(raw, sort_keys=True)
    except (TypeError, ValueError):  # (a template value JSON cannot hold: validated below)
        return list(_steps(raw, list(task.systems_affected)))
    return list(_plan_of(key, tuple(task.systems_affected)))


@functools.lru_cache(maxsize=4096)
def _plan_of(raw: str, systems: tuple[str, ...]) -> tuple[PlanStep, ...]:
    """The steps of a plan (JSON) for a task's systems, validated once: the same plans
    repeat across tasks (an intent's, a work plan's), and steps are immutable."""
    return _steps(json.loads(raw), list(systems))


def _steps(raw: list[dict[str, Any]], systems: list[str]) -> tuple[PlanStep, ...]:
    plan = []
    for number, step in enumerate(raw, start=1):
        fields = {k: v for k, v in step.items() if k != "number"}
        for key in ("args", "compensation_args"):
            if key in fields:
                fields[key] = {str(k): str(v) for k, v in fields[key].items()}
        if fields.get("engine") == "patch.apply" or fields.get("side_effect"):
            fields.setdefault("systems", systems)
        try:
            plan.append(PlanStep(number=number, **fields))
        except (TypeError, ValueError) as exc:
            raise PlanError(f"step {number}: {exc}") from exc
    return tuple(plan)
