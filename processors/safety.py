"""Safety conditions on an SSOT snapshot: step preconditions and forbidden states (Prospera
§4.1, §6.4, §8.3).

A condition is one line:

- ``exists /path`` / ``absent /path``
- ``/path == JSON`` / ``/path != JSON``
- ``/path in [JSON, ...]``

A precondition must hold; a forbidden state must not. Either failing is a *safety violation*
and the step does not run. A malformed condition is itself a violation (fail closed).

>>> state = {"alarm": "armed", "doors": {"front": "locked"}}
>>> holds("/alarm == \\"armed\\"", state), holds("exists /doors/back", state)
(True, False)
>>> violations(["exists /alarm"], ["/doors/front == \\"open\\""], state)
[]
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from processors.errors import PatchError, ProcessorError
from processors.jsonpatch import get

_EXISTS = re.compile(r"^(exists|absent)\s+(/\S*)$")
_COMPARE = re.compile(r"^(/\S*)\s*(==|!=|in)\s*(.+)$")


class ConditionError(ProcessorError, ValueError):
    """A condition that does not parse."""


def _lookup(state: Any, pointer: str) -> tuple[bool, Any]:
    try:
        return True, get(state, pointer)
    except PatchError:
        return False, None


def holds(condition: str, state: Any) -> bool:
    """Whether ``condition`` is true of ``state``; :class:`ConditionError` if malformed."""
    text = condition.strip()
    m = _EXISTS.match(text)
    if m:
        found, _ = _lookup(state, m.group(2))
        return found if m.group(1) == "exists" else not found
    m = _COMPARE.match(text)
    if not m:
        raise ConditionError(f"not a condition: {condition!r}")
    pointer, op, raw = m.groups()
    try:
        expected = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConditionError(f"{condition!r}: right side is not JSON: {exc.msg}") from exc
    found, value = _lookup(state, pointer)
    if op == "==":
        return found and value == expected
    if op == "!=":
        return not found or value != expected
    if not isinstance(expected, list):
        raise ConditionError(f"{condition!r}: 'in' needs a JSON list")
    return found and value in expected


def violations(preconditions: Sequence[str], forbidden: Sequence[str], state: Any) -> list[str]:
    """Every unmet precondition and every present forbidden state, as readable lines."""
    out: list[str] = []
    for cond in preconditions:
        try:
            if not holds(cond, state):
                out.append(f"precondition not met: {cond}")
        except ConditionError as exc:
            out.append(f"malformed precondition: {exc}")
    for cond in forbidden:
        try:
            if holds(cond, state):
                out.append(f"forbidden state present: {cond}")
        except ConditionError as exc:
            out.append(f"malformed forbidden state: {exc}")
    return out
