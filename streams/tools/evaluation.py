"""Offline evaluation of routing and formation on labelled events (no Kafka), and the fit of
the routing calibration.

A labelled row: ``{"text", "expected_project", "expected_task_type", "expected_intent"?,
"session_id"?, "kind"?, "project_hint"?, "proposal"?}``; ``expected_task_type`` is one of
no_task, ephemeral, stateful, clarification. Rows sharing a ``session_id`` run in order, so
the session hint works as in the pipeline.

>>> result = evaluate(router, former, rows)          # doctest: +SKIP
>>> result.project_accuracy >= 0.95                   # doctest: +SKIP
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.former import Former
from processors.packs import DomainPack
from processors.router import Calibration, ProjectRegistry, Router, fit_calibration
from streams.sdk.producer import build_event

REFERENCE_TIME = datetime.fromisoformat("2026-12-01T09:00:00+01:00")
"""The time the shipped labelled sets were written for ("tomorrow" is 2026-12-02)."""
TASK_TYPES = ("stateful", "ephemeral", "no_task", "clarification")


@dataclass
class EvalResult:
    """The figures ``taskline eval`` prints (for all rows, and per language)."""

    events: int = 0
    answered: int = 0
    project_correct: int = 0
    abstained: int = 0
    expected_projects: int = 0
    task_type_correct: int = 0
    intent_total: int = 0
    intent_correct: int = 0
    target_total: int = 0
    target_correct: int = 0
    candidates_total: int = 0
    candidates_correct: int = 0
    value_total: int = 0
    value_correct: int = 0
    ece: float = 0.0
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    points: list[tuple[float, bool]] = field(default_factory=list)

    @property
    def project_accuracy(self) -> float:
        """Right project among events the router answered (routed with confidence)."""
        return self.project_correct / self.answered if self.answered else 0.0

    @property
    def abstain_rate(self) -> float:
        """Events with a project that the router left unresolved."""
        return self.abstained / self.expected_projects if self.expected_projects else 0.0

    @property
    def task_type_accuracy(self) -> float:
        """Right decision: no_task, ephemeral, stateful or clarification."""
        return self.task_type_correct / self.events if self.events else 0.0

    @property
    def intent_accuracy(self) -> float:
        """Right intent among events labelled with one."""
        return self.intent_correct / self.intent_total if self.intent_total else 0.0

    @property
    def target_accuracy(self) -> float:
        """Stateful rows naming an item whose patch targets exactly the labelled item(s)."""
        return self.target_correct / self.target_total if self.target_total else 0.0

    @property
    def candidates_accuracy(self) -> float:
        """Ambiguous rows whose clarification names exactly the labelled candidates."""
        return self.candidates_correct / self.candidates_total if self.candidates_total else 0.0

    @property
    def value_accuracy(self) -> float:
        """Stateful rows with a labelled value whose patch carries that value."""
        return self.value_correct / self.value_total if self.value_total else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Figures and errors as plain data."""
        return {
            **{k: v for k, v in asdict(self).items() if k not in ("errors", "points")},
            "project_accuracy": round(self.project_accuracy, 4),
            "abstain_rate": round(self.abstain_rate, 4),
            "task_type_accuracy": round(self.task_type_accuracy, 4),
            "intent_accuracy": round(self.intent_accuracy, 4),
            "target_accuracy": round(self.target_accuracy, 4),
            "candidates_accuracy": round(self.candidates_accuracy, 4),
            "value_accuracy": round(self.value_accuracy, 4),
            "ece": round(self.ece, 4),
            "errors": self.errors,
        }


@dataclass
class Evaluation:
    """An evaluation: all rows together, and per language (``lang`` of the rows)."""

    overall: EvalResult
    by_language: dict[str, EvalResult]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            **self.overall.as_dict(),
            "by_language": {
                lang: {k: v for k, v in r.as_dict().items() if k != "errors"}
                for lang, r in sorted(self.by_language.items())
            },
        }


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Labelled rows of a JSONL file (blank lines and ``#`` lines skipped)."""
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
    return rows


def read_states(directory: Path) -> dict[str, Any]:
    """``<project>.json`` files of a directory: each project's state for the evaluation."""
    states = {}
    for path in sorted(directory.glob("*.json")):
        try:
            states[path.stem] = json.loads(path.read_text())
        except ValueError as exc:
            raise ValueError(f"{path}: not JSON: {exc}") from exc
    return states


# the ids formation makes for new items and events: another run makes others
_GENERATED_ID = re.compile(r"\b(?:rem|ev|TL-new|evt|ticket)-[0-9a-f]{8}\b")


def comparable_errors(errors: Sequence[str]) -> list[str]:
    """``errors`` sorted, with the ids formation generates made alike, so that two runs can be
    compared row by row (:func:`compare_errors`).

    >>> comparable_errors(["value: 'add x' → ['ev-0123abcd'], expected 'y'"])
    ["value: 'add x' → ['ev-…'], expected 'y'"]
    """
    return sorted(
        _GENERATED_ID.sub(lambda m: m.group().rsplit("-", 1)[0] + "-…", e) for e in errors
    )


def compare_errors(before: Sequence[str], after: Sequence[str]) -> tuple[list[str], list[str]]:
    """The misses ``after`` has and ``before`` had not (new), and the other way (fixed).

    >>> compare_errors(["a", "b"], ["b", "c"])
    (['c'], ['a'])
    """
    old, new = set(comparable_errors(before)), set(comparable_errors(after))
    return sorted(new - old), sorted(old - new)


def expected_calibration_error(points: Sequence[tuple[float, bool]], bins: int = 10) -> float:
    """ECE over equal-width confidence bins: sum of |bin| / n * |accuracy - mean confidence|."""
    if not points:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in points if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            accuracy = sum(ok for _, ok in inside) / len(inside)
            confidence = sum(c for c, _ in inside) / len(inside)
            total += len(inside) / len(points) * abs(accuracy - confidence)
    return total


def _patched_items(patch: Sequence[Any]) -> set[str]:
    """Item ids a patch touches: the second segment of ``/<collection>/<id>/...``."""
    ids = set()
    for op in patch:
        parts = str(op.path).split("/")
        if len(parts) >= 3:
            ids.add(parts[2].replace("~1", "/").replace("~0", "~"))
    return ids


def _value_matches(expected: Any, patch: Sequence[Any]) -> bool:
    """Whether ``patch`` writes the labelled value, in the labels' vocabulary (the test
    set's README): an event's start or a reminder's due time for a new item, ``"done"`` for
    a reminder ticked off, ``"cancelled"`` for an event removed, ``"unassigned"`` for an
    assignee cleared."""
    want = str(expected).strip().rstrip("%").lower()
    for op in patch:
        rfc = op.to_rfc()
        value, path = rfc.get("value"), str(rfc.get("path", ""))
        if (
            (want == "cancelled" and rfc["op"] == "remove")
            or (want == "done" and value is True and path.endswith("/done"))
            or (want == "unassigned" and value is None and path.endswith("/assignee"))
        ):
            return True
        if isinstance(value, dict):
            value = value.get("start") or value.get("due") or value.get("title")
        got = str(value).lower()
        if got == want or got.startswith(want):
            return True
        try:
            if float(got) == float(want):
                return True
        except ValueError:
            pass
    return False


def evaluate(
    router: Router,
    former: Former,
    rows: Sequence[dict[str, Any]],
    *,
    states: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """Route and form every row against ``states`` (project → state); compare with labels."""
    for project, state in (states or {}).items():
        router.reindex(project, state)
        former.observe(project, 1, state)
    overall = EvalResult()
    by_language: dict[str, EvalResult] = {}
    hints: dict[str, str] = {}
    at = now or REFERENCE_TIME
    for n, row in enumerate(rows):
        values = {k: row[k] for k in ("text", "kind", "project_hint", "proposal") if k in row}
        values["session_id"] = row.get("session_id", f"eval-{n}")
        values["occurred_at"] = at.astimezone(UTC)
        if row.get("lang"):
            values["metadata"] = {"lang": str(row["lang"])}
        event = build_event(values)
        routed = router.route(event, at, hints.get(event.session_id))
        if routed.project_id is not None:
            hints[event.session_id] = routed.project_id
        formation = former.form(routed, at)
        lang = str(row.get("lang") or "all")
        for result in (overall, by_language.setdefault(lang, EvalResult())):
            _score(result, row, routed, formation, former.min_confidence)
    overall.ece = expected_calibration_error(overall.points)
    for result in by_language.values():
        result.ece = expected_calibration_error(result.points)
    return Evaluation(overall, by_language)


def _score(
    result: EvalResult, row: dict[str, Any], routed: Any, formation: Any, min_confidence: float
) -> None:
    expected = row.get("expected_project")
    resolved = (
        routed.project_id
        if routed.project_id is not None and routed.routing_confidence >= min_confidence
        else None
    )
    # calibration: is the top project (routed or not) the right one, as often as claimed?
    top = routed.project_id or (
        routed.top_candidates[0].project_id if routed.top_candidates else None
    )
    result.points.append((routed.routing_confidence, top is not None and top == expected))
    result.events += 1
    if expected is not None:
        result.expected_projects += 1
        if resolved is None:
            result.abstained += 1
    if resolved is not None:
        result.answered += 1
        if resolved == expected:
            result.project_correct += 1
        else:
            result.errors.append(f"project: {row['text']!r} → {resolved}, expected {expected}")
    decision = formation.task.task_type if formation.task is not None else formation.decision
    wanted = row.get("expected_task_type")
    result.confusion.setdefault(str(wanted), {}).setdefault(str(decision), 0)
    result.confusion[str(wanted)][str(decision)] += 1
    if decision == wanted:
        result.task_type_correct += 1
    else:
        reason = formation.reply.reason_code if formation.reply is not None else ""
        result.errors.append(f"task type: {row['text']!r} → {decision} {reason}, expected {wanted}")
    if row.get("expected_intent") is not None and "expected_intent" in row:
        result.intent_total += 1
        if formation.intent_id == row["expected_intent"]:
            result.intent_correct += 1
    target = row.get("expected_target")
    task = formation.task
    if wanted == "stateful" and target:
        result.target_total += 1
        want = set(target) if isinstance(target, list) else {target}
        got = _patched_items(task.patch or []) if task is not None else set()
        if got == want:
            result.target_correct += 1
        else:
            result.errors.append(
                f"target: {row['text']!r} → {sorted(got)}, expected {sorted(want)}"
            )
    if wanted == "stateful" and row.get("expected_value") is not None:
        result.value_total += 1
        if task is not None and _value_matches(row["expected_value"], task.patch or []):
            result.value_correct += 1
        else:
            patch = [op.to_rfc().get("value") for op in task.patch or []] if task else None
            result.errors.append(
                f"value: {row['text']!r} → {patch}, expected {row['expected_value']!r}"
            )
    if row.get("expected_candidates"):
        result.candidates_total += 1
        named = set(str(formation.slots.get("candidates", "")).split(",")) - {""}
        if named == set(row["expected_candidates"]):
            result.candidates_correct += 1
        else:
            result.errors.append(
                f"candidates: {row['text']!r} → {sorted(named)}, "
                f"expected {sorted(row['expected_candidates'])}"
            )


def calibration_rows(
    registry: ProjectRegistry,
    packs: Sequence[DomainPack],
    negatives: Sequence[str],
    dev: Sequence[tuple[str, str | None]] = (),
) -> list[tuple[str, str | None]]:
    """Labelled texts for the calibration fit: a dev set (never the eval set), pack examples
    of one-project domains, project keyword mentions, and out-of-domain sentences ("none")."""
    rows: list[tuple[str, str | None]] = list(dev) * 6  # paraphrases weigh more than examples
    for pack in packs:
        for domain in pack.covers:
            projects = [p for p in registry.projects if p.domain == domain]
            if len(projects) == 1:
                rows += [(ex, projects[0].id) for i in pack.intents for ex in i.utterances]
    for project in registry.projects:
        rows += [(f"what about the {kw}", project.id) for kw in project.keywords[:4]]
    rows += [(text, None) for text in negatives]
    return rows


def calibrate(
    router: Router,
    registry: ProjectRegistry,
    packs: Sequence[DomainPack],
    negatives: Sequence[str],
    dev: Sequence[tuple[str, str | None]],
    version: str,
) -> Calibration:
    """Fit the router's temperature and none-score on :func:`calibration_rows`."""
    return fit_calibration(router, calibration_rows(registry, packs, negatives, dev), version)
