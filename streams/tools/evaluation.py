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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.former import Former
from processors.packs import DomainPack
from processors.router import Calibration, ProjectRegistry, Router, fit_calibration
from streams.sdk.producer import build_event


@dataclass
class EvalResult:
    """The figures ``taskline eval`` prints."""

    events: int = 0
    answered: int = 0
    project_correct: int = 0
    abstained: int = 0
    expected_projects: int = 0
    task_type_correct: int = 0
    intent_total: int = 0
    intent_correct: int = 0
    ece: float = 0.0
    errors: list[str] = field(default_factory=list)

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

    def as_dict(self) -> dict[str, Any]:
        """Figures and errors as plain data."""
        return {
            **{k: v for k, v in asdict(self).items() if k != "errors"},
            "project_accuracy": round(self.project_accuracy, 4),
            "abstain_rate": round(self.abstain_rate, 4),
            "task_type_accuracy": round(self.task_type_accuracy, 4),
            "intent_accuracy": round(self.intent_accuracy, 4),
            "ece": round(self.ece, 4),
            "errors": self.errors,
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


def evaluate(router: Router, former: Former, rows: Sequence[dict[str, Any]]) -> EvalResult:
    """Route and form every row; compare with its labels."""
    result = EvalResult()
    hints: dict[str, str] = {}
    points: list[tuple[float, bool]] = []
    now = datetime.now(UTC)
    for n, row in enumerate(rows):
        values = {k: row[k] for k in ("text", "kind", "project_hint", "proposal") if k in row}
        values["session_id"] = row.get("session_id", f"eval-{n}")
        event = build_event(values)
        routed = router.route(event, now, hints.get(event.session_id))
        if routed.project_id is not None:
            hints[event.session_id] = routed.project_id
        formation = former.form(routed, now)
        expected = row.get("expected_project")
        resolved = (
            routed.project_id
            if routed.project_id is not None and routed.routing_confidence >= former.min_confidence
            else None
        )
        # calibration: is the top project (routed or not) the right one, as often as claimed?
        top = routed.project_id or (
            routed.top_candidates[0].project_id if routed.top_candidates else None
        )
        points.append((routed.routing_confidence, top is not None and top == expected))
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
        decision = "clarification" if decision == "clarification" else decision
        if decision == row.get("expected_task_type"):
            result.task_type_correct += 1
        else:
            result.errors.append(
                f"task type: {row['text']!r} → {decision}, expected {row.get('expected_task_type')}"
            )
        if "expected_intent" in row:
            result.intent_total += 1
            if formation.intent_id == row["expected_intent"]:
                result.intent_correct += 1
            else:
                wanted = row["expected_intent"]
                result.errors.append(
                    f"intent: {row['text']!r} → {formation.intent_id}, expected {wanted}"
                )
    result.ece = expected_calibration_error(points)
    return result


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
                rows += [(ex, projects[0].id) for i in pack.intents for ex in i.examples]
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
