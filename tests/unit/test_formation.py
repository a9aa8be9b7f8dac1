"""Routing and formation logic: session hints, re-indexing, packs, dependency pass, review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from processors.former import PackExpert, is_command, is_question
from processors.models import PatchOp
from processors.packs import DomainPack, MissingSlot, extract_slots, render_patch
from processors.router import render_state
from streams.cli.main import main
from streams.tools.evaluation import _value_matches, expected_calibration_error
from tests.samples import T0
from tests.unit.test_processors import FORMER, PACKS, ROUTER, event, routed


def test_session_hint_carries_a_follow_up() -> None:
    follow_up = event("and lock it too")
    alone = ROUTER.route(follow_up, T0)
    hinted = ROUTER.route(follow_up, T0, session_hint="home")
    assert hinted.project_id == "home" and hinted.session_hint == "home"
    assert hinted.routing_confidence > alone.routing_confidence


def test_reindex_on_state_change_moves_routing() -> None:
    question = event("is the zeppelin hangar ready")
    before = ROUTER.scores(question.text)
    index = [p.id for p in ROUTER.registry.projects].index("atlas")
    ROUTER.reindex("atlas", {"zeppelin_hangar": "ready for the zeppelin"})
    try:
        after = ROUTER.scores(question.text)
        assert after[index] > before[index]
    finally:
        ROUTER.reindex("atlas", {})
    assert "zeppelin hangar" in render_state({"zeppelin_hangar": "x"})


def test_slots_patch_templates_and_missing_slots() -> None:
    home = next(p for p in PACKS if p.domain == "smart_home")
    slots = extract_slots(home, "Set the Kids Room to 19.5 degrees")
    assert slots["room"] == "kids_room" and slots["temperature"] == 19.5
    intent = next(i for i in home.intents if i.id == "set_temperature")
    assert render_patch(intent.patch or [], slots) == [
        {"op": "add", "path": "/kids_room_target_celsius", "value": 19.5}
    ]
    with pytest.raises(MissingSlot):
        render_patch(intent.patch or [], {"temperature": 20})
    pack = DomainPack.model_validate(
        {
            "domain": "d",
            "slots": {"x": {"pattern": "(?P<x>a/b)"}},
            "intents": [{"id": "i", "task_type": "stateful", "examples": ["e"]}],
        }
    )
    assert render_patch(
        [{"op": "add", "path": "/{x}", "value": "{x}"}], extract_slots(pack, "a/b")
    ) == [
        {"op": "add", "path": "/a~1b", "value": "a/b"}  # slot values are escaped in pointers
    ]


def test_questions_prefer_read_only_intents_and_commands_changes() -> None:
    assert is_question("is the garage door locked") and is_question("what's up?")
    assert is_command("please set the status to red") and not is_command("the door is locked")
    expert = PackExpert(PACKS)
    asked = expert.propose(routed("is the garage door locked"))
    assert asked.decision == "ephemeral" and asked.intent_id == "home_status"
    told = expert.propose(routed("set the apollo status to red"))
    assert told.decision == "stateful" and told.patch == [
        {"op": "add", "path": "/status", "value": "red"}
    ]


def test_unknown_mutation_falls_back_to_read_only_investigation() -> None:
    proposal = PackExpert(PACKS).propose(routed("rename the flux capacitor", project_hint="home"))
    assert proposal.decision == "ephemeral" and proposal.intent_id is None
    assert proposal.risk_flags == [
        "mutation requested without a matching intent: investigating only"
    ]


def test_dependency_pass_orders_systems_and_finds_cycles() -> None:
    armed = FORMER.form(routed("arm the alarm"), T0).task
    assert armed is not None and armed.dependencies is not None
    assert armed.dependencies.ordering == ["locks", "alarm"]
    assert "locks is available before alarm is changed" in armed.dependencies.preconditions
    assert armed.dependencies.rollback_hints[0].startswith("alarm:")  # reverse order
    vacation = FORMER.form(routed("switch the cabin to vacation mode"), T0)
    assert vacation.task is not None and vacation.task.hold_reason
    assert vacation.reply is not None and vacation.reply.reason_code == "held"


@pytest.mark.parametrize(
    ("text", "kw", "outcome"),
    [
        ("give me a status of the house", {}, "approve"),
        ("maybe lock the front door", {}, "clarification_required"),
        (
            "x",
            {
                "kind": "model_proposal",
                "project_hint": "home",
                "proposal": [{"op": "replace", "path": "", "value": {}}],
            },
            "reject",
        ),
        (
            "x",
            {
                "kind": "model_proposal",
                "project_hint": "home",
                "proposal": [{"op": "add", "path": "bad", "value": 1}],
            },
            "revise",
        ),
    ],
)
def test_review_outcomes(text: str, kw: dict[str, object], outcome: str) -> None:
    from processors.models import PatchOp

    if "proposal" in kw:
        kw = {**kw, "proposal": [PatchOp.from_rfc(op) for op in kw["proposal"]]}  # type: ignore[union-attr]
    formation = FORMER.form(routed(text, **kw), T0)
    if outcome in ("approve", "revise"):
        assert formation.task is not None and formation.task.review is not None
        assert formation.task.review.outcome == outcome
    else:
        assert formation.task is None and formation.reply is not None
        assert formation.reply.reason_code == ("rejected" if outcome == "reject" else outcome)


def test_ece() -> None:
    assert expected_calibration_error([(0.9, True)] * 9 + [(0.9, False)]) == pytest.approx(0.0)
    assert expected_calibration_error([(1.0, False)]) == pytest.approx(1.0)


def test_eval_on_the_shipped_set_meets_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["events"] == 100
    assert figures["project_accuracy"] >= 0.95
    assert figures["abstain_rate"] <= 0.1
    assert figures["task_type_accuracy"] >= 0.9
    assert figures["ece"] <= 0.1


def test_hedge_pre_check_covers_every_hedge() -> None:
    """``_may_hedge`` rules a text out only when ``_HEDGES`` cannot match it: its words are
    the pattern's alternatives (lookaheads aside)."""
    import re

    from processors.former import _HEDGE_WORDS, _HEDGES, _may_hedge

    alternatives = re.fullmatch(r"\\b\((.*)\)\\b", _HEDGES.pattern)
    assert alternatives is not None
    said = [re.sub(r"\(\?!.*?\)", "", a) for a in alternatives.group(1).split("|")]
    assert said == list(_HEDGE_WORDS)
    for text in ["Maybe lock it", "I THINK so", "lock the door", "\u017fomehow", "Kind of warm"]:
        assert _may_hedge(text) or not _HEDGES.search(text)


def test_eval_reads_values_in_the_labels_vocabulary() -> None:
    def op(kind: str, path: str, value: object = None) -> PatchOp:
        return PatchOp.from_rfc(
            {"op": kind, "path": path, **({} if kind == "remove" else {"value": value})}
        )

    new_reminder = op(
        "add",
        "/reminders/rem-1",
        {"title": "buy milk", "due": "2026-12-01T18:30:00+01:00", "done": False},
    )
    assert _value_matches("2026-12-01T18:30", [new_reminder])
    assert not _value_matches("2026-12-01T18:00", [new_reminder])
    assert _value_matches("done", [op("replace", "/reminders/rem-1/done", True)])
    assert not _value_matches("done", [op("replace", "/reminders/rem-1/done", False)])
    assert _value_matches("cancelled", [op("remove", "/events/ev-1")])
    assert _value_matches("unassigned", [op("replace", "/tickets/TL-1/assignee", None)])
    assert not _value_matches("unassigned", [op("replace", "/tickets/TL-1/status", None)])


def test_eval_compares_its_misses_with_a_saved_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "before.json"
    assert main(["eval", "--save-errors", str(saved)]) == 0
    capsys.readouterr()
    run = json.loads(saved.read_text())
    # a miss the saved run had and this one has not: fixed; one it has and that had not: new
    fixed = "task type: 'made up' → no_task, expected stateful"
    dropped = run["errors"].pop() if run["errors"] else None
    saved.write_text(json.dumps({"errors": [*run["errors"], fixed]}))
    assert main(["eval", "--compare", str(saved)]) == 0
    out = capsys.readouterr().out
    assert f"FIXED  {fixed}" in out
    if dropped is not None:
        assert f"NEW    {dropped}" in out


def test_eval_compare_with_no_saved_run_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[]")
    assert main(["eval", "--compare", str(tmp_path / "bad.json")]) == 2
