"""Formation v2: language, values, inventory resolution and the grounded expert (pure logic)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from processors.former import (
    _EXPLAINED,
    HOLD_NO_PATCH,
    HOLD_PATCH,
    Formation,
    Former,
    explained,
)
from processors.fuzzy import Choices
from processors.inventory import CollectionSpec, Inventory
from processors.language import clean, detect
from processors.models import RawEvent
from processors.router import Router
from processors.values import (
    bare_number,
    colour,
    delta,
    percent,
    span,
    status,
    subject,
    switch,
    temperature,
    when,
)
from streams.settings import DATA_DIR
from tests.unit.test_processors import CALIBRATION, PACKS, REGISTRY

BASE = datetime.fromisoformat("2026-12-01T09:00:00+01:00")  # a Tuesday
STATES = {
    p.stem: json.loads(p.read_text()) for p in sorted((DATA_DIR / "inventories").glob("*.json"))
}
HOME_SPECS = [
    CollectionSpec(path="/areas", role="area"),
    CollectionSpec(path="/entities", area="area", kind="kind"),
]


def _grounded() -> tuple[Router, Former]:
    router = Router(REGISTRY, PACKS, calibration=CALIBRATION)
    former = Former(REGISTRY, PACKS, min_confidence=0.5)
    for project, state in STATES.items():
        router.reindex(project, state)
        former.observe(project, 1, state)
    return router, former


ROUTER, FORMER = _grounded()


def form_event(text: str, n: int = 1) -> RawEvent:
    """A voice event saying ``text``, the ``n``-th of its own session."""
    return RawEvent.model_validate(
        {
            "source_event_id": f"evt-{n}",
            "session_id": f"s-{n}",
            "channel": "voice",
            "kind": "user_action",
            "text": text,
            "occurred_at": BASE,
        }
    )


def form(text: str, n: int = 1) -> Formation:
    return FORMER.form(ROUTER.route(form_event(text, n), BASE), BASE)


def patch_of(formation: Formation) -> list[dict[str, Any]]:
    assert formation.task is not None, formation.reply
    return [op.to_rfc() for op in formation.task.patch or []]


# --- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("turn on the porch light", "en"),
        ("lock the front door", "en"),  # lingua alone says Dutch
        ("welche Tickets hat Marco", "de"),  # lingua alone says English
        ("allume la lumière de la cuisine", "fr"),
        ("enciende la luz del pasillo", "es"),
        ("mach das Licht in der Küche an", "de"),
        ("accendi la luce della cucina", "it"),
        ("merci", "fr"),
        ("ok", "und"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect(text).lang == lang


@pytest.mark.parametrize(
    ("text", "hint", "lang"),
    [
        # lingua reads the units as Swedish or German; the letters and function words say not
        ("¿cuántos grados fahrenheit son treinta celsius?", None, "es"),
        ("¿cuántos grados fahrenheit son treinta celsius?", "es", "es"),
        ("what's 20 celsius in fahrenheit", "en", "en"),  # one function word each: the hint
        ("mach das Licht in der Küche an", "en", "de"),  # a hint is no more than a tie-break
    ],
)
def test_language_detection_with_letters_and_a_hint(text: str, hint: str | None, lang: str) -> None:
    assert detect(text, hint=hint).lang == lang


def test_cleaning_drops_fillers_repetitions_and_retracted_words() -> None:
    assert clean("um can you uh switch the the porch light on", "en").text == (
        "can you switch the porch light on"
    )
    corrected = clean("turn on the uh kitchen no wait the bedroom ceiling light", "en")
    assert corrected.text == "turn on the bedroom ceiling light" and corrected.corrected
    assert clean("ticket one hundred and eighteen is done", "en").numeric == "ticket 118 is done"
    assert clean("one on one with marco", "en").numeric == "one on one with marco"
    # German "ein" is a particle here, not the number one; "um" is a word, not a filler
    assert clean("schalte die Kaffeemaschine ein", "de").numeric.endswith(" ein")
    assert "um 3" in clean("morgen um drei", "de").numeric


def test_a_phones_shorthand_and_emoji_are_written_out() -> None:
    assert clean("kaffeemaschine an bidde ☕", "de").text == "kaffeemaschine an bitte"
    assert clean("n eteins pas encore le porche stp", "fr").text.startswith("n'eteins pas")
    assert clean("cambia lo de mñn a las 4 d la tarde", "es").text == (
        "cambia lo de mañana a las 4 de la tarde"
    )
    assert clean("whos on tl-94", "en").text == "who's on tl-94"
    # a word of one language is not shorthand in another: "is" stays English, "pa" French
    assert clean("is the porch light on", "en").text == "is the porch light on"
    assert clean("pa de problème", "fr").text == "pa de problème"


def test_chat_messages_form_like_the_words_they_stand_for() -> None:
    nightlight = form("nachtlicht fuer leo an 🌙", 370)
    assert nightlight.decision == "stateful"
    assert patch_of(nightlight)[0]["path"].startswith("/entities/light.kids_nightlight")
    assert form("bin daheim mach das verandalicht an bt", 371).decision == "stateful"
    assert form("n eteins pas encore le porche", 372).decision == "no_task"
    assert form("a q hora es el cumple de la abuela", 373).decision == "ephemeral"


@pytest.mark.parametrize(
    ("text", "event", "at"),
    [
        ("ping me 15 min before yoga", "ev-yoga", "2026-12-02T18:45"),
        ("previens moi 30 min avant le yoga", "ev-yoga", "2026-12-02T18:30"),
        ("Erinnere mich eine Stunde vor dem Zahnarzt", "ev-dentist", "2026-12-03T14:00"),
        ("Erinnere mich am Vortag um 18 Uhr an Omas Geburtstag", "ev-grandma-birthday", None),
        ("avísame del cumple de la abuela el día antes a las 7 de la tarde", "ev-grandma-birthday",
         None),
        ("euh… rappelle-moi, genre, un quart d'heure avant le yoga", "ev-yoga", "2026-12-02T18:45"),
        ("rappelle-moi le yoga 2h avant", "ev-yoga", "2026-12-02T17:00"),
    ],
)  # fmt: skip
def test_a_reminder_before_an_event_is_kept_on_the_event(
    text: str, event: str, at: str | None
) -> None:
    formation = form(text, 380)
    op = patch_of(formation)[0]
    assert formation.intent_id == "remind_event" and op["path"] == f"/events/{event}/reminder"
    if at is not None:
        assert op["value"].startswith(at)


def test_praise_and_a_bare_yes_change_nothing() -> None:
    for n, text in enumerate(
        [
            "Das neue Thermostat schaut super aus",
            "Il est vraiment beau, le nouveau thermostat",
            "¡Qué bonito quedó el termostato nuevo!",
            "ja",
            "oui",
        ]
    ):
        assert form(text, 390 + n).decision == "no_task", text
    # a question about it still asks: "¿qué temperatura marca el termostato nuevo?"
    assert form("¿qué temperatura marca el termostato nuevo?", 396).decision == "ephemeral"


def test_regional_switch_words() -> None:
    off = form("Dreh die Stehlampe ab", 400)
    assert patch_of(off)[0]["path"] == "/entities/light.living_floor_lamp/state"
    assert patch_of(off)[0]["value"] == "off"
    assert patch_of(form("dreh das licht im flur auf", 401))[0]["value"] == "on"
    assert form("Decime si la tira led está prendida", 402).decision == "ephemeral"


def test_an_appointment_named_by_its_day_asks_among_that_days_events() -> None:
    for n, text in enumerate(
        ["move my appointment tomorrow to 11", "Verschieb den Termin morgen auf 11 Uhr"]
    ):
        asked = form(text, 410 + n)
        assert asked.decision == "clarification", text
        assert set(asked.slots["candidates"].split(",")) == {"ev-1on1-marco", "ev-yoga"}, text
    # a new day after "to"/"à" names no event: the class is still asked about by name
    course = form("Déplace le cours à lundi 18 h", 412)
    assert course.decision == "clarification"


def test_a_reminder_marked_as_done_asks_which_in_every_language() -> None:
    for n, text in enumerate(
        [
            "mark the reminder as done",
            "marque le rappel comme fait",
            "Marca el recordatorio como hecho",
            "markier die Erinnerung als erledigt",
        ]
    ):
        asked = form(text, 420 + n)
        assert asked.decision == "clarification", text
        assert set(asked.slots["candidates"].split(",")) == {"rem-bins", "rem-pharmacy"}, text


def test_someone_taking_a_ticket_over_assigns_it_and_asking_who_does_not() -> None:
    for n, (text, person) in enumerate(
        [
            ("Que Sofía se encargue del modo oscuro", "sofia"),
            ("priya should take over the dark mode ticket", "priya"),
            ("c'est léa qui s'occupe du mode sombre", "lea"),
        ]
    ):
        op = patch_of(form(text, 430 + n))[0]
        assert op == {"op": "replace", "path": "/tickets/TL-57/assignee", "value": person}, text
    for n, text in enumerate(["qui s'occupe du tl-94", "who's handling tl-94"]):
        assert form(text, 435 + n).decision == "ephemeral", text


def test_a_cancellation_of_an_event_is_no_small_talk() -> None:
    for n, text in enumerate(["annule le cours", "cancela la clase"]):
        asked = form(text, 440 + n)
        assert asked.decision == "clarification", text
        assert set(asked.slots["candidates"].split(",")) == {"ev-yoga", "ev-piano"}, text
    yoga = form("cancel yoga tomorrow evening", 442)  # "evening" is no greeting here
    assert patch_of(yoga)[0]["path"].startswith("/events/ev-yoga")
    for n, text in enumerate(["cancel that", "annule ça", "forget it"]):
        assert form(text, 443 + n).decision == "no_task", text


def test_putting_a_light_on_is_switching_it_on() -> None:
    for n, text in enumerate(["Mets le ruban LED derrière la télé", "Pon la tira led de la tele"]):
        op = patch_of(form(text, 450 + n))[0]
        assert op["path"] == "/entities/light.tv_strip/state" and op["value"] == "on", text
    assert form("mets la lampe de chevet à 30 %", 452).intent_id == "dim_light"


def test_the_big_light_in_other_words() -> None:
    big = patch_of(form("enciende la luz grande de la sala", 460))
    assert [op["path"] for op in big] == ["/entities/light.living_ceiling/state"]
    # "eine große Hilfe" thanks: no light is named
    assert form("Vielen herzlichen Dank, Sie sind wirklich eine große Hilfe.", 462).task is None


def test_a_request_passed_on_and_called_off_changes_nothing() -> None:
    for n, text in enumerate(
        [
            "my husband told me to turn the heating up but i wont",
            "ma femme voulait que je te demande d'allumer le chauffage mais bon",
            "mi mujer dice que apague las luces pero ya lo hago yo",
            "meine frau meint ich soll dich bitten das licht auszumachen aber egal",
        ]
    ):
        assert form(text, 470 + n).task is None, text
    # passed on and not called off: it is asked for
    passed = form("my husband wants me to ask you to turn the porch light on", 475)
    assert passed.decision == "stateful"


def test_polite_questions_that_ask_for_a_change_make_it() -> None:
    piano = form("Any chance Emma's piano lesson could start at 5:30 instead?", 480)
    assert piano.intent_id != "cancel_event"  # it asks; it cancelled the lesson once
    for n, text in enumerate(
        [
            "Est-ce que tu pourrais assigner le crash de la photo de profil à Jonas ?",
            "Tu sais allumer la lampe de chevet ?",
            "¿Se podría mover la clase de piano de Emma al jueves a las 17:00?",
        ]
    ):
        assert form(text, 481 + n).decision == "stateful", text
    for n, text in enumerate(
        ["est-ce que tu sais si la porte est fermée ?", "Tu sais si TL-88 a été relu ?"]
    ):
        assert form(text, 485 + n).decision == "ephemeral", text


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("is it possible to move the dentist to friday?", "ev-dentist"),
        ("could the kitchen light be a bit dimmer?", "light.kitchen_ceiling"),
        ("can the porch light go off now?", "light.porch"),
        ("mind turning off the kitchen light?", "light.kitchen_ceiling"),
        ("serait-il possible d'éteindre la lumière de la cuisine ?", "light.kitchen_ceiling"),
        ("ce serait possible de baisser le chauffage ?", "climate.living_room"),
        ("¿es posible mover el dentista al viernes?", "ev-dentist"),
        ("¿sería posible apagar la luz de la cocina?", "light.kitchen_ceiling"),
        ("ist es möglich, den Zahnarzt auf Freitag zu verschieben?", "ev-dentist"),
        ("wäre es möglich, das Küchenlicht auszumachen?", "light.kitchen_ceiling"),
        ("kann das Licht in der Küche aus?", "light.kitchen_ceiling"),
    ],
)
def test_asking_whether_a_change_can_be_done_asks_for_it(text: str, target: str) -> None:
    """ "Is it possible to …", "serait-il possible de …", "¿se puede …?", "wäre es möglich,
    … zu …": a request; "is it possible that …", "ist es möglich, dass …": a question."""
    f = form(text, 490 + len(text))
    assert f.decision == "stateful", (text, f.reply)
    assert _targets(f) == {target}


@pytest.mark.parametrize(
    "text",
    [
        "is it possible that the front door is unlocked?",
        "ist es möglich, dass die Haustür offen ist?",
        "est-ce possible que la porte soit ouverte ?",
        "¿se puede saber si la puerta está cerrada?",
    ],
)
def test_asking_whether_something_may_be_so_is_a_question(text: str) -> None:
    assert form(text, 495 + len(text)).decision == "ephemeral", text


@pytest.mark.parametrize(
    ("text", "event", "start"),
    [
        ("Das Einzelgespräch mit Marco bitte eine Viertelstunde später", "ev-1on1-marco",
         "2026-12-02T10:15"),
        ("Zieh das Einzelgespräch mit Marco um eine Viertelstunde vor", "ev-1on1-marco",
         "2026-12-02T09:45"),
        ("push the vet back three quarters of an hour", "ev-vet", "2026-12-11T16:45"),
        ("retrasa el veterinario un cuarto de hora", "ev-vet", "2026-12-11T16:15"),
        ("cambia la clase de piano a las cinco y cuarto", "ev-piano", "2026-12-04T17:15"),
    ],
)  # fmt: skip
def test_quarter_hours(text: str, event: str, start: str) -> None:
    op = patch_of(form(text, 490))[0]
    assert op["path"] == f"/events/{event}/start" and op["value"].startswith(start)


def test_spanish_cuarto_is_a_room_or_a_quarter_not_a_fourth() -> None:
    assert clean("el cuarto de los niños", "es").numeric == "el cuarto de los niños"


def test_a_dash_ends_the_request_and_a_microphone_test_is_no_task() -> None:
    bug = form("File a bug - the audit page spinner never stops on Safari", 495)
    assert bug.decision == "stateful"  # "never" is the bug's, not the request's
    for n, text in enumerate(["testing testing one two three", "probando probando uno dos tres"]):
        assert form(text, 496 + n).decision == "no_task", text


def test_or_not_asks_whether_it_is_so() -> None:
    for n, text in enumerate(
        ["alarmanlage scharf oder nich", "euh le lampadaire il est allumé ou pas"]
    ):
        assert form(text, 500 + n).decision == "ephemeral", text


def test_ticking_off_a_named_reminder_completes_it() -> None:
    for n, text in enumerate(
        [
            "I picked up the prescription, tick that reminder off",
            "J'ai récupéré l'ordonnance, coche le rappel de la pharmacie",
        ]
    ):
        done = form(text, 505 + n)
        assert done.intent_id == "complete_reminder", text
        assert patch_of(done)[0]["path"].startswith("/reminders/rem-pharmacy"), text


@pytest.mark.parametrize(
    ("text", "lang", "folded"),
    [
        ("mets le chauffage à vingt et un et demi", "fr", "mets le chauffage a 21,5"),
        ("pon la calefacción a veintiuno y medio", "es", "pon la calefaccion a 21,5"),
        ("set the heating to twenty one and a half", "en", "set the heating to 21,5"),
        ("Heizung auf zwanzigeinhalb Grad", "de", "heizung auf 20,5 grad"),
        # a duration and half past stay what they are
        ("move it by two and a half hours", "en", "move it by 2 and a half hours"),
        ("à trois heures et demie", "fr", "a 3 heures et demie"),
    ],
)
def test_a_half_after_a_number(text: str, lang: str, folded: str) -> None:
    assert clean(text, lang).folded == folded


def test_outside_lights_and_both_radiators_in_other_words() -> None:
    both = patch_of(form("Súbeles un grado a los dos radiadores", 511))
    assert {op["path"].split("/")[2] for op in both} == {"climate.bedroom", "climate.kids_room"}
    porch = patch_of(form("Schalt das Aussenlicht ein", 512))
    assert porch[0]["path"] == "/entities/light.porch/state"
    # the weather outside names no light
    assert form("draußen ist es heute saukalt", 513).task is None


@pytest.mark.parametrize(
    "text",
    [
        # a cancellation taken back
        "cancel the piano... no, never mind",
        "annule le piano, non laisse tomber",
        "borra el fútbol, mejor no",
        "streich Klavier, ach nee, vergiss es",
        # questions that only sound polite
        "any chance the garage door is unlocked?",
        "any chance ticket 42 is closed?",
        "tu sais pourquoi le chauffage est à 22 ?",
        "tu sais depuis quand la porte du garage est déverrouillée ?",
        "¿se podría saber por qué la calefacción está a 22?",
        "tu sais pas si la porte est fermée ?",
        # the item first, then its verb negated
        "yoga tomorrow - don't cancel it",
        "ticket 42 - don't close it yet",
        "the heating - don't turn it down",
        "das Verandalicht - bitte nicht ausschalten",
        # words that name no item of the home
        "enciende la luz del armario",
        "enciende la luz debajo de la cama",
        "éteins la lumière de la pièce",
        "sube el volumen del salón",
        # a level said with "mets": no switching on
        "mets la veilleuse à zéro",
        # "dreieinhalb Stunden" is no "um 3"
        "verschieb den Yogakurs um dreieinhalb Stunden nach hinten",
    ],
)
def test_what_a_review_found_changes_nothing_unasked(text: str) -> None:
    """Each was a change nobody asked for in a review of this session's rules."""
    formation = form(text, 520)
    assert formation.decision != "stateful", (text, formation.task and patch_of(formation))


@pytest.mark.parametrize(
    "text",
    [
        "my husband wants me to unlock the front door, but never mind, thanks",
        "my husband told me to turn the heating up, but it's already warm enough",
        "mi marido quiere que suba la calefacción, pero ya hace calor",
        "cancel the piano lesson... no, never mind",
        "sag die Klavierstunde ab... nein, vergiss es",
        "turn off the floor lamp, actually don't",
        "the bedroom feels so cosy, especially with the heating at 22",
        "the living room feels so cosy, with the lights on",
        "¿se podría confirmar que la puerta trasera está cerrada?",
        "tu sais notre chauffage est à combien ?",
        "verschieb Yoga um zweieinhalb Std",
    ],
)
def test_what_a_second_review_found_changes_nothing_unasked(text: str) -> None:
    formation = form(text, 560)
    assert formation.decision != "stateful", (text, formation.task and patch_of(formation))


def test_what_a_second_review_found_is_done_right() -> None:
    for n, (text, path) in enumerate(
        [
            ("cancel the piano on Saturday", "/events/ev-piano"),  # not Saturday's football
            ("cancel Leo's football on Friday", "/events/ev-football"),
            ("the porch light, leave it on tonight", "/entities/light.porch/state"),
            ("the heating, turn it up so we don't freeze",
             "/entities/climate.living_room/attributes/target_celsius"),
            ("any chance we could lock the back door?", "/entities/lock.back_door/state"),
            ("mets le plafonnier du salon, on a 2 invités", "/entities/light.living_ceiling/state"),
        ]
    ):  # fmt: skip
        assert patch_of(form(text, 570 + n))[0]["path"] == path, text
    yoga = patch_of(form("move yoga two and a half hrs later", 580))[0]
    assert yoga["value"].startswith("2026-12-02T21:30")
    assert form("cancela la clase, no puede ir", 581).decision == "clarification"


def test_spanish_no_before_an_article_corrects_only_when_said_as_one() -> None:
    cases = [
        ("cierra la puerta principal, no la trasera", "lock.front_door"),  # not the back one
        ("cierra la puerta principal, no, la trasera", "lock.back_door"),  # a correction
        ("cierra la puerta trasera eh no la principal", "lock.front_door"),  # spoken
    ]
    for n, (text, item) in enumerate(cases):
        assert patch_of(form(text, 590 + n))[0]["path"] == f"/entities/{item}/state", text
    assert clean("quítale el TL-137 a Jonas, que no le da tiempo", "es").corrected is False


def test_feeling_cold_never_lowers_the_heating_and_a_number_said_wins() -> None:
    for n, text in enumerate(["sube la calefacción, tengo frío", "mets le chauffage, j'ai froid"]):
        op = patch_of(form(text, 600 + n))[0]
        assert op["value"] > 20.5, text  # the living room is at 20.5
    assert patch_of(form("set the heating to 22 so we're not cold", 603))[0]["value"] == 22
    assert patch_of(form("pon la calefacción más fría", 604))[0]["value"] < 20.5


def test_the_request_clause_says_on_or_off_not_the_reason_after_it() -> None:
    cases = [
        ("turn off the porch light, it's been on all day", "off"),
        ("apaga la luz del baño, que está encendida desde ayer", "off"),
        ("turn off the porch light, no, on", "on"),  # corrected
    ]
    for n, (text, value) in enumerate(cases):
        assert patch_of(form(text, 610 + n))[0]["value"] == value, text


def test_phrases_for_the_under_cabinet_and_worktop_lights() -> None:
    for n, text in enumerate(
        [
            "enciende las luces de debajo de los armarios de la cocina",
            "Tu peux allumer les lumières sous les placards de la cuisine ?",
            "allume les lumières du plan de travail",
        ]
    ):
        ops = patch_of(form(text, 620 + n))
        assert [op["path"] for op in ops] == ["/entities/light.kitchen_counter/state"], text
    # the words alone name no light
    for n, text in enumerate(["enciende la luz del armario", "enciende la luz debajo de la cama"]):
        assert form(text, 625 + n).task is None, text


def test_a_correction_to_another_id_or_that_one_of() -> None:
    cases = [
        ("Ferme TL-42… attends, non, TL-94, c'est corrigé.", "/tickets/TL-94/status"),
        ("Cierra TL-57… uy, no, TL-118, el de la checklist.", "/tickets/TL-118/status"),
        ("Éteins le plafonnier du salon… non, celui de la cuisine.",
         "/entities/light.kitchen_ceiling/state"),
    ]  # fmt: skip
    for n, (text, path) in enumerate(cases):
        assert [op["path"] for op in patch_of(form(text, 630 + n))] == [path], text


def test_a_short_state_said_back_asks_and_arms_nothing() -> None:
    for n, text in enumerate(["alarm on or not", "alarm on?", "Alarmanlage an oder nicht"]):
        assert form(text, 640 + n).decision == "ephemeral", text


def test_what_a_review_found_is_done_right() -> None:
    assert form("cancel Emma's lesson on Saturday", 530).task is not None
    assert patch_of(form("cancel Emma's lesson on Saturday", 531))[0]["path"] == "/events/ev-piano"
    hall = patch_of(form("mach das Licht in der Küche an, ne warte, im Flur", 532))
    assert hall[0]["path"] == "/entities/light.hallway/state"
    assert patch_of(form("stell die Heizung auf 23 ne warte auf 21", 533))[0]["value"] == 21
    told = form("remind me to call the vet the day before grandma's birthday", 534)
    assert told.intent_id == "create_reminder"
    # a reported request with a filler after "but" is still a request
    passed = form("mi madre dice que enciendas la luz del pasillo, pero ya", 535)
    assert patch_of(passed)[0]["path"] == "/entities/light.hallway/state"
    # a compliment, then a request: the request
    brighter = form("schaut super aus, mach die Stehlampe heller", 536)
    assert brighter.decision == "stateful"
    garage = form("il est beau le temps, ouvre la porte du garage", 537)
    assert patch_of(garage)[0]["path"] == "/entities/lock.garage/state"


def test_a_light_level_without_percent_and_a_state_asked_verb_first() -> None:
    lamp = patch_of(form("floor lamp down to 30 pls", 540))
    assert lamp == [
        {"op": "replace", "path": "/entities/light.living_floor_lamp/attributes/brightness",
         "value": 30}
    ]  # fmt: skip
    # "at 8" is a time (asked for later: not done now), "to 21" for the heating a
    # temperature: no levels
    at_8 = form("turn on the porch light at 8", 541)
    assert at_8.task is None and at_8.reply is not None
    assert at_8.reply.reason_code == "deferred_request"
    heat = patch_of(form("set the heating to 21", 542))[0]
    assert heat["path"].endswith("/target_celsius") and heat["value"] == 21
    assert form("läuft die kaffeemaschine", 543).decision == "ephemeral"


def test_chat_shorthand_says_the_language_and_quita_la_alarma_disarms() -> None:
    coffee = form("kaffeemaschiene an bidde ☕", 550)  # no language hint: "bidde" says German
    assert patch_of(coffee)[0] == {
        "op": "replace", "path": "/entities/switch.coffee_machine/state", "value": "on"
    }  # fmt: skip
    alarm = patch_of(form("quita la alarma porfa", 551))[0]
    assert alarm["value"] == "disarmed"


# --- values ---------------------------------------------------------------------------------


def test_values_in_four_languages() -> None:
    assert switch(clean("éteins la lampe de chevet", "fr")) == "off"
    assert switch(clean("apaga la luz", "es")) == "off"
    assert switch(clean("mach das Licht im Flur an", "de")) == "on"
    assert switch(clean("move the yoga class half an hour later", "en")) is None
    assert percent(clean("dim the reading lamp to thirty percent", "en")) == 30
    assert percent(clean("put the floor lamp at half brightness", "en")) == 50
    assert temperature(clean("mets vingt et un degrés", "fr")) == 21.0
    assert temperature(clean("stell die Heizung auf einundzwanzig Grad", "de")) == 21.0
    # "and a half", before or after the unit; the feminine forms are half past an hour
    assert temperature(clean("twenty one and a half degrees", "en")) == 21.5
    assert temperature(clean("a veintidós grados y medio", "es")) == 22.5
    assert temperature(clean("vingt-deux degrés et demi", "fr")) == 22.5
    assert temperature(clean("auf einundzwanzig einhalb Grad", "de")) == 21.5
    assert bare_number(clean("ponla a veinte y medio", "es")) == 20.5
    assert bare_number(clean("set it to twenty", "en")) == 20.0
    up = delta(clean("bump the thermostat up 2 degrees", "en"))
    assert up is not None and up.sign == 1 and up.amount == 2.0
    down = delta(clean("a bit dimmer", "en"))
    assert down is not None and down.sign == -1 and down.amount is None
    assert colour(clean("mets le ruban led en rouge", "fr")) == "red"
    assert status(clean("close issue 42 it was fixed", "en")) == "done"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("push the dentist back to friday at four", "en", "2026-12-04T16:00"),
        ("next tuesday at ten", "en", "2026-12-08T10:00"),
        ("tomorrow at 7am", "en", "2026-12-02T07:00"),
        ("vendredi à 15h", "fr", "2026-12-04T15:00"),
        ("el jueves a las cinco", "es", "2026-12-03T17:00"),
        ("morgen um drei", "de", "2026-12-02T15:00"),
        ("on saturday the twelfth", "en", "2026-12-12T09:00"),
        # in N hours: "heures" and "horas" also name a time of day ("à 3 heures")
        ("rappelle-moi dans trois heures", "fr", "2026-12-01T12:00"),
        ("recuérdame dentro de dos horas", "es", "2026-12-01T11:00"),
        ("in zwei Stunden", "de", "2026-12-01T11:00"),
        ("el jueves a las tres y media", "es", "2026-12-03T15:30"),
        # in N days or weeks (they read as today before)
        ("call the plumber in two days at ten", "en", "2026-12-03T10:00"),
        ("dinner in a week", "en", "2026-12-08T09:00"),
        ("mets un rendez-vous dans trois jours à 8 heures", "fr", "2026-12-04T08:00"),
        ("dans huit jours", "fr", "2026-12-08T09:00"),  # a week, as French says it
        ("dentro de dos semanas", "es", "2026-12-15T09:00"),
        ("en dos días a las diez", "es", "2026-12-03T10:00"),
        ("in einer Woche um neun", "de", "2026-12-08T09:00"),
        # a weekday of next week (they read as this week's before)
        ("thursday next week at half past four", "en", "2026-12-10T16:30"),
        ("jeudi de la semaine prochaine à 16h", "fr", "2026-12-10T16:00"),
        ("el miércoles de la semana que viene a las nueve", "es", "2026-12-09T09:00"),
        ("nächste Woche Mittwoch um acht Uhr morgens", "de", "2026-12-09T08:00"),
        # minutes after the hour's word (the minutes were dropped before)
        ("demain à 18 h 30", "fr", "2026-12-02T18:30"),
        ("ce soir à dix-huit heures trente", "fr", "2026-12-01T18:30"),
        ("morgen um siebzehn Uhr fünfundvierzig", "de", "2026-12-02T17:45"),
        # a day taken back: the one said after it counts
        ("lunch saturday no wait sunday at noon", "en", "2026-12-06T12:00"),
        ("un déjeuner samedi euh non dimanche à midi", "fr", "2026-12-06T12:00"),
        ("el sábado, no, mejor el domingo a mediodía", "es", "2026-12-06T12:00"),
        ("am Samstag, nein, am Sonntag um zwölf", "de", "2026-12-06T12:00"),
        # a part of the day said with its day stands for its hour (it was 9:00)
        ("remind me to charge the car tonight", "en", "2026-12-01T20:00"),
        ("move the dentist to friday afternoon", "en", "2026-12-04T15:00"),
        ("annule le yoga de demain soir", "fr", "2026-12-02T19:00"),
        ("mañana por la tarde", "es", "2026-12-02T15:00"),
        ("snooze the bins reminder till 9 tonight", "en", "2026-12-01T21:00"),
        ("thursday, six in the evening", "en", "2026-12-03T18:00"),
        # "de la mañana" is the morning, not tomorrow
        ("pasa el dentista al lunes que viene por la mañana", "es", "2026-12-07T09:00"),
        ("el jueves a las once de la mañana", "es", "2026-12-03T11:00"),
        # a weekday and its day of the month: that date (it was this week's weekday)
        ("cambia el veterinario al sábado 12 a las 10 de la mañana", "es", "2026-12-12T10:00"),
        ("mets la réunion au jeudi 10 à 18 h", "fr", "2026-12-10T18:00"),
        ("leg die Inspektion auf Montag, den 14., 7:30 Uhr", "de", "2026-12-14T07:30"),
        # a number after a weekday that is no date of it: an hour or a count (third review)
        ("move the car service to friday 8 30", "en", "2026-12-04T08:30"),
        ("friday 2 people", "en", "2026-12-04T09:00"),
        (
            "Verschieb den Tierarzt auf Donnerstag, äh, nein, auf Mittwoch, den 16.",
            "de",
            "2026-12-16T09:00",
        ),
        # two days said, neither taken back: the first, as before
        ("verschieb den Zahnarzt auf Freitag, Donnerstag ist Release", "de", "2026-12-04T09:00"),
        ("saturday or sunday at noon", "en", "2026-12-05T12:00"),
    ],
)
def test_dates_and_times_resolve_against_the_event_time(
    text: str, lang: str, expected: str
) -> None:
    found = when(clean(text, lang), BASE, "Europe/Paris")
    assert found is not None and found.at is not None
    assert found.at.strftime("%Y-%m-%dT%H:%M") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("remind me to buy nappies tomorrow at six in the evening", "en", "buy nappies"),
        ("remind me tomorrow at 6 to call the bank", "en", "call the bank"),
        ("uh schedule a call with Marco um in two days at ten", "en", "call with Marco"),
        ("book a dentist appointment on friday at ten", "en", "dentist appointment"),
        ("the school concert is on the 17th at 6pm, stick it in the calendar", "en",
         "school concert"),
        ("set a reminder for Friday: order the turkey", "en", "order the turkey"),
        ("remind me to buy 2 cartons of milk", "en", "buy 2 cartons of milk"),
        ("rappelle-moi d'acheter du lait ce soir à dix-huit heures trente", "fr",
         "acheter du lait"),
        ("euh note un déjeuner avec les cousins samedi euh non dimanche à midi", "fr",
         "déjeuner avec les cousins"),
        ("mets dans l'agenda le repas chez les voisins samedi soir à vingt heures", "fr",
         "repas chez les voisins"),
        ("recuérdame llamar al seguro mañana a las diez", "es", "llamar al seguro"),
        ("apúntame peluquería el jueves a las cinco y media de la tarde", "es", "peluquería"),
        ("Apunta la cena de Navidad de la empresa el 18 de diciembre a las 21:00", "es",
         "cena de Navidad de la empresa"),
        ("erinnere mich morgen um sieben Uhr abends an die Geschenke", "de", "Geschenke"),
        ("Trag mir Friseur am Donnerstag um siebzehn Uhr fünfundvierzig ein", "de", "Friseur"),
        ("Weihnachtsmarkt mit Sam am Samstag, den 19., um zwei Uhr nachmittags eintragen", "de",
         "Weihnachtsmarkt mit Sam"),
        ("schedule release 3.1 for friday", "en", "release 3.1"),
    ],
)  # fmt: skip
def test_a_new_item_is_titled_by_what_it_is_about(text: str, lang: str, expected: str) -> None:
    # the request and every time said are taken out; the speaker's own case is kept
    assert subject(clean(text, lang), text) == expected


def test_nothing_left_of_a_request_is_no_title() -> None:
    assert subject(clean("remind me tomorrow at six", "en"), "remind me tomorrow at six") is None


def test_a_new_reminder_is_titled_by_its_subject() -> None:
    patch = patch_of(form("remind me to call the plumber tomorrow at 6pm", 7001))
    assert patch[0]["value"]["title"] == "call the plumber"
    assert patch[0]["value"]["due"] == "2026-12-02T18:00:00+01:00"


def test_a_relative_shift_is_not_a_point_in_time() -> None:
    found = when(clean("move it half an hour later", "en"), BASE, "Europe/Paris")
    assert found is not None and found.at is None and found.shift is not None
    assert found.shift.total_seconds() == 1800


# --- inventory ------------------------------------------------------------------------------


def test_inventory_resolution_is_typo_tolerant_and_multilingual() -> None:
    inv = Inventory.from_state(STATES["home"], HOME_SPECS)
    assert inv.resolve("tunr on the bedsdie lamp").best[0].item.id == "light.bedroom_lamp"
    assert inv.resolve("schalte die stehlampe aus").best[0].item.id == "light.living_floor_lamp"
    assert inv.resolve("turn on the porch light").best[0].item.id == "light.porch"
    tie = {m.item.id for m in inv.resolve("switch the bedroom light on").best}
    assert tie == {"light.bedroom_lamp", "light.bedroom_ceiling"}
    area = inv.resolve("kill all the lights in the kitchen")
    assert area.plural and area.areas == ["kitchen"]


def test_a_new_version_keeps_the_word_lookups_only_while_the_names_are_the_same() -> None:
    old = Inventory.from_state(STATES["home"], HOME_SPECS)
    said = "tunr on the bedsdie lamp"
    assert old.resolve(said).best[0].item.id == "light.bedroom_lamp"
    state = json.loads(json.dumps(STATES["home"]))
    state["entities"]["light.bedroom_lamp"]["state"] = "on"  # a new version, same names
    same = Inventory.from_state(state, HOME_SPECS).keep_lookups(old)
    assert same._word_hits is old._word_hits
    found = same.resolve(said).best[0]
    assert found.item.id == "light.bedroom_lamp" and found.item.data["state"] == "on"
    state["entities"]["light.bedroom_lamp"]["aliases"] = ["lava lamp"]  # renamed: look up again
    renamed = Inventory.from_state(state, HOME_SPECS).keep_lookups(old)
    assert renamed._word_hits is not old._word_hits
    assert renamed.resolve("switch the lava lamp on").best[0].item.id == "light.bedroom_lamp"


# --- the grounded expert through the former -------------------------------------------------


def test_a_state_grounded_patch_targets_the_items_real_path() -> None:
    f = form("um can you turn on the uh the porch light")
    assert f.decision == "stateful"
    assert patch_of(f) == [{"op": "replace", "path": "/entities/light.porch/state", "value": "on"}]


def test_french_spanish_and_german_requests_form_tasks() -> None:
    fr = patch_of(form("éteins la lampe de chevet", 2))
    assert fr == [{"op": "replace", "path": "/entities/light.bedroom_lamp/state", "value": "off"}]
    es = patch_of(form("pon la calefacción a veintidós grados", 3))
    assert es[0]["path"] == "/entities/climate.living_room/attributes/target_celsius"
    assert es[0]["value"] == 22.0
    de = patch_of(form("mach das Licht im Flur an", 4))
    assert de == [{"op": "replace", "path": "/entities/light.hallway/state", "value": "on"}]


def test_an_area_request_acts_on_each_matching_item() -> None:
    paths = {op["path"] for op in patch_of(form("kill all the lights in the kitchen", 5))}
    assert paths == {
        "/entities/light.kitchen_ceiling/state",
        "/entities/light.kitchen_counter/state",
    }


def test_equally_good_matches_ask_which_one_by_name() -> None:
    f = form("switch the bedroom light on", 6)
    assert f.decision == "clarification" and f.reply is not None
    assert f.reply.reason_code == "ambiguous_target"
    assert "bedroom lamp" in f.reply.text and "bedroom ceiling light" in f.reply.text
    assert set(f.slots["candidates"].split(",")) == {"light.bedroom_lamp", "light.bedroom_ceiling"}


@pytest.mark.parametrize(
    ("text", "n"), [("unlock the door", 60), ("ouvre la porte", 61), ("schließ die Tür auf", 62)]
)
def test_a_verb_before_a_kind_word_is_not_an_unknown_item(text: str, n: int) -> None:
    """ "unlock the door" with three doors asks which one by name; only a word said with the
    kind word ("the cellar door") names an item the state lacks."""
    f = form(text, n)
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target"
    assert set(f.slots["candidates"].split(",")) == {
        "lock.front_door",
        "lock.back_door",
        "lock.garage",
    }
    cellar = form("unlock the cellar door", n + 10)
    assert cellar.reply is not None and cellar.reply.reason_code == "missing_slot:target"
    assert "can't find" in cellar.reply.text


def _targets(f: Formation) -> set[str]:
    return {op["path"].split("/")[2] for op in patch_of(f)}


_LIGHTS = {
    i for i, e in STATES["home"]["entities"].items() if e.get("kind") == "light"
}  # every light of the demo home


@pytest.mark.parametrize(
    "text",
    [
        "turn every light in the house off",
        "coupe toutes les lumières de la maison",
        "apaga todas las luces de la casa",
        "alle Lichter im ganzen Haus aus",
    ],
)
def test_every_light_in_the_house_is_one_change_to_every_light(text: str) -> None:
    """The same change to each item of a kind is one change for the review policy: the
    whole home's lights are switched without asking to confirm it in parts."""
    f = form(text, 80 + len(text))
    assert f.decision == "stateful", f.reply
    assert _targets(f) == _LIGHTS and len(_LIGHTS) > 5


def test_a_place_the_state_lacks_does_not_widen_all_to_the_whole_home() -> None:
    f = form("turn off all the lights in the den", 90)
    assert f.decision == "clarification"
    assert _targets(form("éteins toutes les lumières de la véranda", 91)) == {"light.porch"}


def test_every_room_acts_on_each_item_of_the_intents_kind() -> None:
    f = form("turn the heating down one degree in every room", 92)
    assert _targets(f) == {"climate.living_room", "climate.bedroom", "climate.kids_room"}
    # each one relative to its own setting
    assert len({op["value"] for op in patch_of(f)}) > 1


@pytest.mark.parametrize(
    "text", ["cancel yoga and the team lunch", "annule le yoga et le déjeuner d'équipe"]
)
def test_items_named_on_both_sides_of_and_are_both_targets(text: str) -> None:
    f = form(text, 93 + len(text))
    assert f.decision == "stateful", f.reply
    assert _targets(f) == {"ev-yoga", "ev-team-lunch"}


@pytest.mark.parametrize(
    "text",
    [
        "assign both ci bugs to jonas",
        "asigna los dos bugs de CI a Jonas",
        "mets les deux tickets de la CI dans le sprint 49",
        "die beiden CI-Bugs bitte Jonas zuweisen",
    ],
)
def test_items_described_by_their_labels_are_found(text: str) -> None:
    f = form(text, 100 + len(text))
    assert f.decision == "stateful", f.reply
    assert _targets(f) == {"TL-63", "TL-120"}


def test_a_label_that_fits_several_items_asks_which_by_name() -> None:
    f = form("close the auth bug, it's fixed", 140)
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target"
    assert set(f.slots["candidates"].split(",")) == {"TL-42", "TL-94"}


def _span_iso(text: str, lang: str) -> tuple[str, str] | None:
    """The span ``text`` says, as local minutes (None: none)."""
    found = span(clean(text, lang), BASE, "Europe/Paris")
    return found and (found.start.isoformat()[:16], found.end.isoformat()[:16])


def _values_written(text: str) -> list[Any]:
    """The values the task formed from ``text`` writes (none without a task)."""
    task = form(text).task
    return [op.to_rfc().get("value") for op in task.patch or []] if task else []


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("passe le quatre-vingt-quatorze en terminé", "TL-94"),
        ("I'm starting on ticket one eighteen, put it in progress", "TL-118"),
    ],
)
def test_a_tickets_number_said_in_words_routes_and_targets_it(text: str, ticket: str) -> None:
    f = form(text, 141 + len(text))
    assert f.task is not None and f.task.project_id == "taskline-dev", f.reply
    assert _targets(f) == {ticket}


def test_un_veinte_por_ciento_is_a_percentage_not_ticket_120() -> None:
    f = form("la tira led, eh, súbela un veinte por ciento", 150)
    assert f.task is not None and f.task.project_id == "home", f.reply


@pytest.mark.parametrize(
    ("text", "both"),
    [
        ("turn both radiators down by one degree", {"climate.bedroom", "climate.kids_room"}),
        ("marque les deux rappels comme faits", {"rem-bins", "rem-pharmacy"}),
        ("hak beide erinnerungen ab", {"rem-bins", "rem-pharmacy"}),
    ],
)
def test_both_of_two_matching_items_are_targets(text: str, both: set[str]) -> None:
    f = form(text, 160 + len(text))
    assert f.decision == "stateful", f.reply
    assert _targets(f) == both


def test_all_of_a_kind_said_with_a_day_is_every_one_that_day() -> None:
    f = form("cancel all my appointments tomorrow", 170)
    assert _targets(f) == {"ev-1on1-marco", "ev-yoga"}


def test_a_bare_kind_word_with_few_items_asks_which_by_name() -> None:
    f = form("mark the reminder as done", 171)
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target"
    assert set(f.slots["candidates"].split(",")) == {"rem-bins", "rem-pharmacy"}


def test_a_yes_no_question_about_a_state_changes_nothing() -> None:
    f = form("is the alarm on", 172)
    assert f.decision == "ephemeral"


def test_a_mass_change_that_is_not_bulk_is_confirmed_in_parts() -> None:
    """Switching every light is one change; reassigning every ticket is not a bulk intent."""
    f = form("assign all the tickets to sofia", 173)
    assert f.decision == "clarification" and f.reply is not None
    assert f.reply.reason_code == "clarification_required"


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        ("küchenlichter aus bitte", {"light.kitchen_ceiling", "light.kitchen_counter"}),
        ("gartenbeleuchtung an!", {"light.porch", "light.garden_path"}),
        ("mach das verandalicht an nee warte die weglichter im garten", {"light.garden_path"}),
    ],
)
def test_german_compound_plurals_and_a_retracted_object_keep_the_verb(
    text: str, targets: set[str]
) -> None:
    f = form(text, 180 + len(text))
    assert _targets(f) == targets
    assert {op["value"] for op in patch_of(f)} <= {"on", "off"}


def test_of_two_close_matches_the_one_explaining_all_that_is_said_wins() -> None:
    """ "Deckenlampe im Schlafzimmer": the bedside lamp leaves "ceiling" unexplained."""
    f = form("deckenlampe im schlafzimmer um zwanzig prozent dunkler", 190)
    assert _targets(f) == {"light.bedroom_ceiling"}
    tie = form("switch the bedroom light on", 191)  # both explain all of it: still asked
    assert tie.reply is not None and tie.reply.reason_code == "ambiguous_target"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        (
            "Would you be so kind as to set the living room heating to twenty-one degrees? "
            "I do feel the cold these days.",
            "climate.living_room",
        ),
        (
            "Auriez-vous l'amabilité de régler le chauffage du salon sur vingt-deux degrés ?",
            "climate.living_room",
        ),
        (
            "Je vais me coucher. Pourriez-vous lancer le mode bonne nuit, s'il vous plaît ?",
            "scene.good_night",
        ),
        ("um, could you, er, lock the back door? I think the kids left it open", "lock.back_door"),
    ],
)
def test_polite_wordy_requests_are_requests(text: str, target: str) -> None:
    """A polite opener in any sentence is a request; a hedge in a later sentence (a reason
    given) does not make the request itself uncertain."""
    f = form(text, 200 + len(text))
    assert f.decision == "stateful", f.reply
    assert _targets(f) == {target}


@pytest.mark.parametrize(
    "text",
    [
        "every single light off pls we r leaving",
        "apaga tdas las luces d la casa q me voy",
        "eteins tt les lumieres de la maison jsuis parti",
    ],
)
def test_chat_spellings_of_all(text: str) -> None:
    assert _targets(form(text, 260 + len(text))) == _LIGHTS


def test_everywhere_in_the_house_one_degree_up_each_from_its_own_setting() -> None:
    f = form("Könnten Sie überall im Haus die Heizung um ein Grad höher stellen?", 270)
    assert _targets(f) == {"climate.living_room", "climate.bedroom", "climate.kids_room"}
    before = {i: STATES["home"]["entities"][i]["attributes"]["target_celsius"] for i in _targets(f)}
    for op in patch_of(f):
        assert op["value"] == before[op["path"].split("/")[2]] + 1


@pytest.mark.parametrize(
    ("text", "target", "value"),
    [
        ("push ticket one-oh-one to sprint forty-nine", "TL-101", "sprint-49"),
        ("le bug du login qui expire au bout de 30 secondes, c'est bon, clos-le", "TL-42", "done"),
        ("TL-131 wieder aufmachen, die Zeitzone stimmt immer noch nicht", "TL-131", "open"),
    ],
)
def test_ticket_numbers_and_statuses_as_people_say_them(text: str, target: str, value: str) -> None:
    f = form(text, 280 + len(text))
    assert _targets(f) == {target}
    assert {op["value"] for op in patch_of(f)} == {value}


def test_a_request_after_an_inverted_question_mark_is_a_request() -> None:
    f = form("la clase de yoga, eh, ¿la puedes adelantar, eh, media hora?", 290)
    assert f.decision == "stateful" and _targets(f) == {"ev-yoga"}


@pytest.mark.parametrize(
    "text",
    [
        "Can we move football practice to 11?",
        "¿Te importa asignarle TL-63 a Sofía?",
        "Ça te dérange d'assigner TL-120 à Jonas ?",
    ],
)
def test_asking_whether_we_can_is_a_request(text: str) -> None:
    assert form(text, 300 + len(text)).decision == "stateful"


@pytest.mark.parametrize(
    "text",
    [
        "Dis-moi si la porte du garage est fermée à clé.",
        "¿Me dices si TL-101 sigue abierto?",
        "Würdest du mir sagen, ob die Alarmanlage scharf ist?",
        "Kannst du nachsehen, ob die Haustür zu ist?",
    ],
)
def test_tell_me_whether_is_a_question_that_changes_nothing(text: str) -> None:
    assert form(text, 340 + len(text)).decision == "ephemeral"


@pytest.mark.parametrize(
    "text",
    [
        "I was going to ask you to switch off the porch light, but Sam already did it.",
        "Je voulais te demander de fermer le garage, mais je l'ai fait moi-même.",
        "Iba a pedirte que apagaras la cafetera, pero ya la he apagado yo.",
        "Ich wollte dich bitten, die Hintertür abzuschließen, aber Sam hat das schon gemacht.",
        "Scratch that, don't move the dentist after all.",
    ],
)
def test_a_request_told_not_made_changes_nothing(text: str) -> None:
    assert form(text, 380 + len(text)).decision == "no_task"


def test_a_count_of_the_things_is_not_their_value() -> None:
    f = form("Mets les deux radiateurs à 18.", 420)
    assert _targets(f) == {"climate.bedroom", "climate.kids_room"}
    assert {op["value"] for op in patch_of(f)} == {18}


@pytest.mark.parametrize(
    "text",
    [
        "Honestly, the new thermostat looks great on that wall.",
        "Die Stehlampe macht abends echt schönes Licht.",
        "Me encanta cómo queda la tira led detrás de la tele.",
        "Il est vraiment chouette, le nouveau thermostat.",
    ],
)
def test_a_compliment_about_a_thing_changes_nothing(text: str) -> None:
    f = form(text, 430 + len(text))
    assert f.decision == "no_task" and f.reply is not None
    assert f.reply.reason_code == "praise"


def test_a_compliment_with_a_request_is_the_request() -> None:
    f = form("the floor lamp looks great but it's too bright, dim it to 30 percent", 480)
    assert f.decision == "stateful" and _targets(f) == {"light.living_floor_lamp"}


def test_a_polite_question_to_a_project_without_inventory_asks_for_the_change() -> None:
    f = form("Could you push the Apollo app store submission to Friday at 2 pm?", 481)
    assert f.decision == "stateful"


@pytest.mark.parametrize(
    ("text", "event", "at"),
    [
        ("Remind me about the vet an hour before", "ev-vet", "2026-12-11T15:00"),
        ("Rappelle-moi le véto la veille à 19 h", "ev-vet", "2026-12-10T19:00"),
        ("Erinnere mich am Vortag um 18 Uhr an den Tierarzt", "ev-vet", "2026-12-10T18:00"),
        (
            "Recuérdame la reunión de padres dos horas antes",
            "ev-parents-evening",
            "2026-12-08T16:30",
        ),
    ],
)
def test_a_reminder_of_an_event_is_kept_on_the_event(text: str, event: str, at: str) -> None:
    """ "Remind me about the vet an hour before": a reminder on the event, from its start."""
    f = form(text, 500 + len(text))
    assert f.intent_id == "remind_event" and _targets(f) == {event}
    (op,) = patch_of(f)
    assert op["path"] == f"/events/{event}/reminder" and op["value"].startswith(at)


@pytest.mark.parametrize(
    "text",
    [
        "remind me to call the dentist tomorrow at 9",
        "erinnere mich in einer Stunde an die Wäsche",
        "the team lunch is at 1 now",
    ],
)
def test_a_to_do_or_a_move_is_no_reminder_on_an_event(text: str) -> None:
    assert form(text, 560 + len(text)).intent_id != "remind_event"


# --- a review's cases: nothing changes that was not asked for -----------------------------


@pytest.mark.parametrize(
    ("text", "target", "value"),
    [
        ("turn the porch light off, no wait, the hallway light on", "light.hallway", "on"),
        ("mach das Verandalicht aus, nee warte, das Flurlicht an", "light.hallway", "on"),
        ("schalte das Licht im Flur ein, nein warte, aus", "light.hallway", "off"),
    ],
)
def test_a_correction_keeps_its_own_switch_word(text: str, target: str, value: str) -> None:
    f = form(text, 600 + len(text))
    assert _targets(f) == {target}
    assert {op["value"] for op in patch_of(f)} == {value}


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("turn off the porch light, there's nobody in the house", "light.porch"),
        ("lock the front door, I'm the last one in the house", "lock.front_door"),
        ("turn up the bedroom heating, it's freezing in the house", "climate.bedroom"),
    ],
)
def test_the_house_in_a_reason_does_not_widen_the_request(text: str, target: str) -> None:
    assert _targets(form(text, 650 + len(text))) == {target}


@pytest.mark.parametrize(
    "text",
    [
        "can we find out if the front door is locked?",
        "on peut savoir si la lumière de la cuisine est allumée ?",
        "¿podemos saber si la luz de la cocina está encendida?",
        "können wir sehen, ob die Haustür zu ist?",
        "¿te importa si dejo la luz de la cocina encendida?",
        "Bonne nuit. Les lumières de la cuisine sont éteintes ?",
    ],
)
def test_questions_that_look_like_requests_change_nothing(text: str) -> None:
    assert form(text, 700 + len(text)).decision != "stateful"


def test_a_hedge_in_a_later_sentence_still_asks() -> None:
    f = form("I'm home. Perhaps unlock the back door, or something.", 760)
    assert f.decision == "clarification"


def test_a_las_dos_is_a_time_not_both() -> None:
    f = form("apaga la luz del dormitorio a las dos", 761)
    assert f.decision == "clarification"


def test_a_second_request_after_and_names_nothing_to_cancel() -> None:
    assert _targets(form("cancel yoga and tell sam the team lunch is still on", 762)) == {"ev-yoga"}


def test_a_reminder_at_nine_is_at_nine() -> None:
    f = form("set a reminder for the yoga class at 9", 763)
    (op,) = patch_of(f)
    assert op["value"].startswith("2026-12-02T09:00")


def test_a_relative_change_applies_to_the_items_current_value() -> None:
    ops = patch_of(form("bump the thermostat up 2 degrees", 7))
    assert ops[0]["path"] == "/entities/climate.living_room/attributes/target_celsius"
    assert ops[0]["value"] == 22.5  # 20.5 in the state


def test_calendar_and_tracker_requests_resolve_items_and_values() -> None:
    moved = patch_of(form("push the dentist back to friday at four", 8))
    assert moved[0] == {
        "op": "replace",
        "path": "/events/ev-dentist/start",
        "value": "2026-12-04T16:00:00+01:00",
    }
    assert moved[1]["value"] == "2026-12-04T16:45:00+01:00"  # the appointment keeps its length
    closed = patch_of(form("mark ticket one hundred and eighteen as done", 9))
    assert closed == [{"op": "replace", "path": "/tickets/TL-118/status", "value": "done"}]
    created = patch_of(form("create a ticket to fix the login timeout", 10))
    assert created[0]["op"] == "add" and created[0]["path"].startswith("/tickets/TL-new-")
    assert created[0]["value"]["title"] == "fix the login timeout"


def test_a_missing_value_is_a_named_missing_slot() -> None:
    f = form("move my dentist appointment", 11)
    assert f.decision == "clarification" and f.reply is not None
    assert f.reply.reason_code == "missing_slot:when"


def test_small_talk_and_cancellations_in_four_languages_form_no_task() -> None:
    for n, text in enumerate(["never mind", "merci beaucoup", "olvídalo", "vergiss es", "cool"]):
        f = form(text, 20 + n)
        assert f.decision == "no_task", text
    assert form("merci", 30).reply.text == "Avec plaisir."  # type: ignore[union-attr]


def test_an_unsupported_language_gets_a_clear_reply_and_a_reason() -> None:
    f = form("accendi la luce della cucina per favore", 31)
    assert f.task is None and f.reply is not None
    assert f.reply.reason_code == "unsupported_language:it"


# --- voice: language on the routed event, n-best, ASR confidence, fragments -----------------


def voice(
    text: str, n: int, session: str | None = None, seconds: float = 0.0, **kw: Any
) -> Formation:
    event = RawEvent.model_validate(
        {
            "source_event_id": f"v-{n}",
            "session_id": session or f"vs-{n}",
            "channel": "voice",
            "kind": "user_action",
            "text": text,
            "occurred_at": BASE + timedelta(seconds=seconds),
            **kw,
        }
    )
    routed = ROUTER.route(event, BASE)
    return FORMER.form(routed, BASE)


def test_the_router_records_the_language() -> None:
    event = RawEvent.model_validate(
        {"source_event_id": "l", "session_id": "l", "channel": "chat", "kind": "user_action",
         "text": "allume la lampe de chevet", "occurred_at": BASE}
    )  # fmt: skip
    routed = ROUTER.route(event, BASE)
    assert routed.language == "fr" and (routed.language_confidence or 0) > 0.3


def test_n_best_alternatives_are_considered_and_the_one_used_is_recorded() -> None:
    f = voice(
        "turn on the torch",
        40,
        asr_confidence=0.55,
        alternatives=[{"text": "turn on the porch light", "confidence": 0.4}],
    )
    assert f.task is not None and f.task.slots["asr_text"] == "turn on the porch light"
    assert any(a.startswith("asr: formed from hypothesis 1") for a in f.task.assumptions)


def test_low_asr_confidence_asks_before_changing_state() -> None:
    f = voice("unlock the front door", 41, asr_confidence=0.3)
    assert f.task is None and f.reply is not None
    assert f.reply.reason_code == "clarification_required" and "misheard" in f.reply.text
    sure = voice("unlock the front door", 42, asr_confidence=0.95)
    assert sure.task is not None and sure.task.formation_confidence > 0


def test_a_review_is_explained_in_the_events_language_and_recorded_in_english() -> None:
    cases = [
        ("déverrouille la porte d'entrée", "j'ai peut-être mal entendu : avez-vous dit"),
        ("entsperr die Haustür", "vielleicht habe ich mich verhört: haben Sie"),
        ("abre la puerta principal", "puede que le haya oído mal: ¿ha dicho"),
    ]
    for n, (text, heard) in enumerate(cases, start=43):
        f = voice(text, n, asr_confidence=0.3)
        assert f.reply is not None and f.reply.reason_code == "clarification_required"
        assert heard in f.reply.text and repr(text) in f.reply.text, f.reply.text
        assert "misheard" not in f.reply.text


@pytest.mark.parametrize("template", sorted(_EXPLAINED))
def test_every_review_note_and_hold_reason_has_all_three_translations(template: str) -> None:
    note = template.replace("{x}", "/alarm; 'x'")
    assert explained(note, "en") == note
    assert explained(note, "it") == note  # no Italian replies: as recorded
    for lang in ("fr", "es", "de"):
        said = explained(note, lang)
        assert said != note and ("{x}" not in template or "/alarm; 'x'" in said)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("règle le thermostat du salon", "Quelle valeur (température)"),
        ("stell das Thermostat im Wohnzimmer ein", "Welchen Wert (Temperatur)"),
        ("pon el termostato del salón", "¿Qué valor (temperatura)"),
        ("set the living room thermostat", "What temperature"),
    ],
)
def test_a_missing_value_is_named_in_the_events_language(text: str, named: str) -> None:
    f = form(text, 60)
    assert f.reply is not None and f.reply.reason_code == "missing_slot:temperature"
    assert f.reply.text.startswith(named), f.reply.text


def test_a_hold_without_a_patch_says_so_in_the_events_language() -> None:
    assert explained(HOLD_NO_PATCH, "de") == "Änderung wird noch erstellt: noch keine Änderung"
    assert explained(HOLD_PATCH.format(x="bad path"), "de").endswith(": bad path")


@pytest.mark.parametrize(
    ("text", "ticket", "title"),
    [
        ("rename ticket 42 to login timeout on safari", "TL-42", "login timeout on safari"),
        ("renomme le ticket 63 en recherche lente", "TL-63", "recherche lente"),
        ("renombra la incidencia 94 a correos duplicados", "TL-94", "correos duplicados"),
        ("benenne Ticket 57 um in Kafka-Update", "TL-57", "kafka-update"),
        ("rename ticket 42 to crash on ios 17", "TL-42", "crash on ios 17"),
    ],
)
def test_a_ticket_is_renamed_not_commented_nor_made_anew(
    text: str, ticket: str, title: str
) -> None:
    f = form(text, 70)
    assert f.intent_id == "rename_ticket", (f.intent_id, f.reply)
    assert patch_of(f) == [{"op": "replace", "path": f"/tickets/{ticket}/title", "value": title}]


def test_a_note_of_no_known_template_is_kept_as_the_reviewer_wrote_it() -> None:
    assert explained("the model says the alarm stays armed", "fr") == (
        "the model says the alarm stays armed"
    )


def test_fragments_of_one_utterance_merge_within_the_window() -> None:
    first = voice("turn off the", 43, session="frag")
    assert first.task is None  # a clarification, and the fragment is kept
    second = voice("kitchen ceiling light", 44, session="frag", seconds=1.5)
    assert patch_of(second) == [
        {"op": "replace", "path": "/entities/light.kitchen_ceiling/state", "value": "off"}
    ]
    assert any("merged with fragment v-43" in a for a in second.task.assumptions)  # type: ignore[union-attr]
    # too late: formed alone
    voice("turn off the", 45, session="late")
    alone = voice("kitchen ceiling light", 46, session="late", seconds=30)
    assert alone.task is None or "merged" not in " ".join(alone.task.assumptions)


# --- what people say around a request -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "leave the porch light on, Sam's coming home late",
        "don't turn off the floor lamp, I'm still reading",
        "pas besoin de toucher à l'alarme, Sam s'en occupe",
        "no apagues la luz del pasillo",
    ],
)
def test_negated_or_deferred_requests_change_nothing(text: str) -> None:
    f = form(text, 60 + len(text))
    assert f.task is None and f.reply is not None and f.decision == "no_task"
    assert f.reply.reason_code == "negated_request"


def test_a_negation_in_a_reason_clause_does_not_cancel_the_request() -> None:
    f = form("ça caille dans la chambre des enfants, les petits n'arrivent pas à dormir", 70)
    assert f.task is not None and f.task.task_type == "stateful"
    assert patch_of(f)[0]["path"] == "/entities/climate.kids_room/attributes/target_celsius"


def test_small_talk_that_opens_an_utterance_with_nothing_asked_after_it() -> None:
    assert form("thanks a lot, the porch light looks great now", 71).decision == "no_task"
    assert form("gracias por arreglar la calefacción antes", 72).decision == "no_task"
    asked = form("thanks, and lock the front door please", 73)
    assert (
        asked.task is not None and patch_of(asked)[0]["path"] == "/entities/lock.front_door/state"
    )


def test_an_event_named_by_its_day_and_hour() -> None:
    ops = patch_of(form("my ten o'clock meeting tomorrow, push it to eleven", 74))
    assert ops[0]["path"] == "/events/ev-1on1-marco/start"
    assert ops[0]["value"] == "2026-12-02T11:00:00+01:00"


def test_an_area_said_by_its_longer_name_wins() -> None:
    ops = patch_of(form("mets le radiateur de la chambre des enfants à vingt-deux degrés", 75))
    assert ops == [
        {"op": "replace", "path": "/entities/climate.kids_room/attributes/target_celsius",
         "value": 22.0}
    ]  # fmt: skip


def test_ids_without_their_separator_and_unknown_names() -> None:
    assert patch_of(form("close tl118 please", 76))[0]["path"] == "/tickets/TL-118/status"
    # a door the state does not know: asked about, never guessed, and no other door offered
    cellar = form("unlock the cellar door for the plumber", 77)
    assert cellar.task is None and cellar.reply is not None
    assert cellar.reply.reason_code == "missing_slot:target" and "can't find" in cellar.reply.text
    assert "candidates" not in cellar.slots
    beyond = form("move tl-310 to in review", 78)  # a ticket the state does not list
    assert beyond.task is None and beyond.reply is not None
    assert beyond.reply.reason_code == "missing_slot:target"


def test_out_of_scope_requests_route_to_no_project() -> None:
    for n, text in enumerate(["order a large pizza for tonight", "envoie un mail à mon chef"]):
        f = form(text, 80 + n)
        assert f.task is None or f.task.project_id is None, text


def test_advice_and_requests_that_only_brush_the_inventory_route_to_no_project() -> None:
    # advice about a kind of thing, not this home's: a named door or lamp is no evidence
    for n, text in enumerate(
        [
            "how do I clean the garage door",
            "comment on nettoie la lampe du salon",
            "¿cómo se limpia la puerta del garaje?",
            "wie putze ich die Haustür am besten",
            "when should I water the garden plants",
        ]
    ):
        routed = ROUTER.route(form_event(text, 90 + n), BASE)
        assert routed.project_id is None or routed.routing_confidence < 0.6, text
    # what the home is asked to do, or asked about, still goes to it
    for n, text in enumerate(
        [
            "is the garage door locked?",
            "how warm is it in the kids room",
            "switch the bedroom lamp on",
        ]
    ):
        routed = ROUTER.route(form_event(text, 95 + n), BASE)
        assert routed.project_id == "home" and routed.routing_confidence > 0.9, text


@pytest.mark.parametrize(
    ("text", "project"),
    [
        # a wake-up alarm, how one cleans a thing: no project's
        ("wake me up at half past six", None),
        ("mets un réveil à sept heures", None),
        ("stell mir einen Wecker auf sechs", None),
        ("wie entkalkt man einen Wasserkocher", None),
        # what a review found these rules took away once: each still goes to its project
        ("set the alarm to night mode", "home"),
        ("pon la alarma a las 11 en modo noche", "home"),
        ("how do I turn on the porch light", "home"),
        ("comment on dark mode: approved by design", "taskline-dev"),
        ("¿cuándo se cierra el sprint 48?", "taskline-dev"),
        ("remind me to buy tickets for the football match", "family-calendar"),
        ("gib die Übersetzung an Priya", "taskline-dev"),
        ("wake me up at 7 by turning on the bedroom ceiling light", "home"),
        ("dejalo así y cierra la puerta principal", "home"),
    ],
)
def test_wake_up_alarms_and_how_tos_route_to_no_project(text: str, project: str | None) -> None:
    routed = ROUTER.route(form_event(text, 120), BASE)
    assert (routed.project_id if routed.routing_confidence >= 0.6 else None) == project


@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("what have I got on friday?", "family-calendar"),
        ("qu'est-ce que j'ai jeudi ?", "family-calendar"),
        ("¿qué tengo el viernes?", "family-calendar"),
        ("was hab ich am Montag", "family-calendar"),
        ("what's the weather like on saturday", None),
    ],
)
def test_what_a_day_holds_asked_is_the_calendars(text: str, project: str | None) -> None:
    routed = ROUTER.route(form_event(text, 125), BASE)
    assert (routed.project_id if routed.routing_confidence >= 0.6 else None) == project


@pytest.mark.parametrize(
    "text",
    [
        "Why's it called a Christmas cactus?",
        "How cold can a poinsettia get before it drops its leaves?",
        "Pourquoi les feuilles du poinsettia deviennent rouges ?",
        "¿Por qué se llama flor de Pascua?",
        "Warum heißt der Weihnachtsstern eigentlich so?",
        "What's actually the difference between a yoga mat and a pilates mat?",
    ],
)
def test_what_a_kind_of_thing_is_called_or_stands_is_asked_of_no_project(text: str) -> None:
    routed = ROUTER.route(form_event(text, 126), BASE)
    assert routed.project_id is None or routed.routing_confidence < 0.6, routed.project_id


@pytest.mark.parametrize(
    "text",
    [
        "Bof, laisse, je m'en occupe.",
        "Bah, da igual, ya lo hago yo.",
        "Ach, egal, mach ich selber.",
        "Non, annule, j'ai rien dit.",
        "The wind's been howling all night.",
        "Morning! Bit nippy out there today, isn't it?",
        "in Freiburg schneit's, schreibt meine Schwester",
        "¡qué helada ha caído esta noche!",
        "Leo's curled up on the sofa again, the little monkey.",
        "El gato se ha vuelto a dormir encima de la cafetera.",
        "We sold the last of the christmas trees yesterday, can you believe it.",
        "On a vendu tous les sapins en deux jours, c'est fou.",
        "Die Tannen sind fast alle weg, Wahnsinn.",
    ],
)
def test_told_news_weather_and_call_offs_are_no_task(text: str) -> None:
    f = form(text, 127)
    assert f.task is None and f.decision == "no_task", (text, f.decision, f.reply)


def test_news_told_with_a_request_after_it_is_still_made() -> None:
    assert form("il neige, allume la lumière du porche", 128).decision == "stateful"
    assert form("egal, mach das Licht in der Küche an", 129).decision == "stateful"


@pytest.mark.parametrize(
    "text",
    [
        "we're all off to the coast this afternoon, there'll be nobody minding the house",
        "On part tous au marché cet aprèm, y aura personne à la maison.",
        "Nos vamos todos al pueblo esta tarde y la casa se queda sola.",
        "Wir fahren heute Mittag alle zur Oma, das Haus ist dann leer.",
    ],
)
def test_everyone_leaving_the_place_empty_today_arms_the_alarm(text: str) -> None:
    assert _targets(form(text, 131)) == {"alarm.house"}


def test_a_grandparent_locked_out_is_let_in() -> None:
    f = form("Grandpa's stood outside the front door, he's forgotten his keys", 132)
    assert patch_of(f) == [
        {"op": "replace", "path": "/entities/lock.front_door/state", "value": "unlocked"}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "kitchen light please",
        "lumière de la cuisine stp",
        "luz de la cocina porfa",
        "Küchenlicht bitte",
        "the coffee machine please",
    ],
)
def test_a_thing_that_is_off_named_alone_is_switched_on(text: str) -> None:
    f = form(text, 133)
    assert f.decision == "stateful", f.reply
    assert [op["value"] for op in patch_of(f)] == ["on"]


@pytest.mark.parametrize(
    "text",
    [
        "floor lamp please",  # on already: off, or brighter? asked
        "me he dejado la cafetera encendida",
        "lampadaire à fond",
    ],
)
def test_a_thing_named_with_more_said_is_not_switched_on_alone(text: str) -> None:
    f = form(text, 134)
    assert f.task is None or [op.get("value") for op in patch_of(f)] != ["on"], text


@pytest.mark.parametrize(
    "text",
    [
        # what a review found the rules of this kind took too far
        "Grandpa's friend is at the front door",
        "the grandpa from next door is at the front door",
        "der Opa von nebenan steht vor der Tür",
        "la amiga de la abuela está en la puerta principal",
        "the shop is empty, it's dead quiet today",
        "der Laden ist leer, kein einziger Kunde heute",
        "ist das Büro zu kalt, um zu arbeiten?",
        "can the kids go out on the terrace?",
        "¿se puede revisar si la alarma está puesta?",
        "the front door's been unlocked all day, can you believe it",
    ],
)
def test_near_misses_of_the_told_and_polite_rules_change_nothing(text: str) -> None:
    f = form(text, 135)
    assert f.task is None or not f.task.patch, patch_of(f)


def test_a_request_after_a_day_asked_about_is_made() -> None:
    f = form("what have I got on friday, move the dentist there", 136)
    assert f.intent_id == "move_event", f.reply
    assert form("ça caille dans le salon", 137).decision == "stateful"
    question = ROUTER.route(
        form_event("what's the difference between the floor lamp and the big light?", 138), BASE
    )
    assert question.project_id == "home"


def test_a_request_called_off_in_its_first_words_changes_nothing_anywhere() -> None:
    for n, text in enumerate(["sorry, wrong button", "oops, ignore that", "olvídalo"]):
        f = form(text, 130 + n)
        assert f.task is None and f.decision == "no_task", text
    # called off, then asked for: the request
    asked = form("never mind, just turn off the hallway light", 135)
    assert patch_of(asked)[0]["path"] == "/entities/light.hallway/state"
    instead = form("forget it, lock the back door instead", 136)
    assert patch_of(instead)[0]["path"] == "/entities/lock.back_door/state"


@pytest.mark.parametrize(
    ("text", "ticket", "comment"),
    [
        ("on 88 write that the csv needs utf-8", "TL-88", "the csv needs utf-8"),
        ("comenta en el 63 que solo falla de noche", "TL-63", "solo falla de noche"),
        ("ajoute sur le 120 que le runner est revenu", "TL-120", "le runner est revenu"),
    ],
)
def test_what_a_comment_says_after_the_verb_that_writes_it(
    text: str, ticket: str, comment: str
) -> None:
    assert patch_of(form(text, 140)) == [
        {"op": "add", "path": f"/tickets/{ticket}/last_comment", "value": comment}
    ]


def test_wishes_or_a_compliment_then_a_request_is_the_request() -> None:
    locked = patch_of(form("feliz año nuevo, cierra la puerta del garaje", 145))
    assert locked == [{"op": "replace", "path": "/entities/lock.garage/state", "value": "locked"}]
    assert form("looks really good, close it", 146).reply.reason_code != "praise"  # type: ignore[union-attr]
    # "close 63 and 120 can wait": 120 stays open
    assert [op["path"] for op in patch_of(form("close 63 and 120 can wait", 147))] == [
        "/tickets/TL-63/status"
    ]


def test_a_compliment_is_no_projects_business_and_a_request_after_it_is() -> None:
    for n, text in enumerate(
        [
            "j'adore la lumière du salon le soir",
            "qué bonito queda el pasillo",
            "das Wohnzimmer sieht richtig gut aus",
        ]
    ):
        f = form(text, 110 + n)
        assert f.task is None and f.reply is not None and f.reply.reason_code == "praise", text
        assert ROUTER.route(form_event(text, 110 + n), BASE).project_id is None, text
    asked = form("the porch light looks great, now lock the front door", 115)
    assert patch_of(asked) == [
        {"op": "replace", "path": "/entities/lock.front_door/state", "value": "locked"}
    ]


# --- this session's requests: labels, sprints, reminders, alarms, negation, "it" ------------


def test_ticket_labels_sprints_and_unassigning() -> None:
    assert patch_of(form("please tag ticket 112 as bug", 300)) == [
        {"op": "add", "path": "/tickets/TL-112/labels/-", "value": "bug"}
    ]
    spoken = patch_of(form("move ticket TL one oh one to in progress", 304))  # digit by digit
    assert spoken == [{"op": "replace", "path": "/tickets/TL-101/status", "value": "in_progress"}]
    assert patch_of(form("añade la etiqueta ui al TL-101", 301))[0]["value"] == "ui"
    assert patch_of(form("punt the kafka upgrade to next sprint", 302)) == [
        {"op": "add", "path": "/tickets/TL-71/sprint", "value": "sprint-49"}
    ]
    unassigned = patch_of(form("take marco off TL-94 and leave it unassigned", 303))
    assert unassigned == [{"op": "replace", "path": "/tickets/TL-94/assignee", "value": None}]


def test_reminders_move_keep_the_day_and_may_have_no_time() -> None:
    moved = patch_of(form("mets le rappel pharmacie à jeudi 10h", 310))
    assert moved == [
        {
            "op": "replace",
            "path": "/reminders/rem-pharmacy/due",
            "value": "2026-12-03T10:00:00+01:00",
        }
    ]
    todo = patch_of(form("remind me to get a present for grandma", 311))
    assert todo[0]["value"]["due"] is None and todo[0]["path"].startswith("/reminders/rem-")
    assert form("remind me", 312).decision == "clarification"
    piano = patch_of(form("piano lesson at 4 instead", 313))  # the lesson is on Friday the 4th
    assert piano[0]["value"] == "2026-12-04T16:00:00+01:00"


def test_alarm_modes_locks_and_every_door() -> None:
    assert patch_of(form("Alarm auf Nachtmodus", 320))[0]["value"] == "armed_night"
    assert patch_of(form("pon la alarma en modo casa", 321))[0]["value"] == "armed_home"
    assert patch_of(form("open the garage", 322)) == [
        {"op": "replace", "path": "/entities/lock.garage/state", "value": "unlocked"}
    ]
    doors = {op["path"] for op in patch_of(form("alle Türen abschließen", 323))}
    assert doors == {f"/entities/lock.{d}/state" for d in ("front_door", "back_door", "garage")}
    both = {
        op["path"] for op in patch_of(form("switch off the porch light and the path lights", 324))
    }
    assert both == {"/entities/light.porch/state", "/entities/light.garden_path/state"}


def test_negated_it_only_and_chitchat_form_no_wrong_task() -> None:
    for n, text in enumerate(["don't turn off the porch light yet", "no subas la calefacción"]):
        negated = form(text, 330 + n)
        assert negated.decision == "no_task" and negated.task is None, text
    for n, text in enumerate(["turn it off", "cámbialo a las cinco", "mach das aus"]):
        vague = form(text, 340 + n)
        assert vague.decision == "clarification" and vague.task is None, text
    for n, text in enumerate(["tell me a joke", "erzähl mir einen witz", "lol", "mdr"]):
        assert form(text, 350 + n).decision == "no_task", text
    # a state said back asks whether it is so, it changes nothing
    assert form("das garagentor ist zu oder", 360).decision == "ephemeral"


_SPELLINGS = st.text(alphabet="abcdeilnorstu", max_size=14)


@given(
    words=st.lists(_SPELLINGS, max_size=40),
    query=_SPELLINGS,
    cutoff=st.sampled_from([0, 50, 82, 84, 85, 90, 100]),
)
@settings(max_examples=400, deadline=None)
def test_fuzzy_choices_answer_exactly_as_rapidfuzz_over_the_whole_list(
    words: list[str], query: str, cutoff: int
) -> None:
    """The length pre-filter leaves out only words that cannot reach the cut-off: the same
    word, score and index (ties included: ``words`` may repeat) as rapidfuzz's own search."""
    choices = Choices(words)
    whole = process.extractOne(query, words, scorer=fuzz.ratio, score_cutoff=cutoff)
    found = choices.best(query, cutoff)
    assert (None if whole is None else tuple(whole)) == found
    top = process.extract(query, words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4)
    assert [tuple(t) for t in top] == choices.top(query, cutoff, 4)


def test_a_device_named_by_its_name_is_not_taken_for_a_light() -> None:
    patch = patch_of(form("Mach mal die Kaffeemaschine an", 700))
    assert patch[0]["path"] == "/entities/switch.coffee_machine/state"


def test_the_person_a_request_gives_a_ticket_to() -> None:
    cases = [
        ("reassign TL-112 to Sofia, Jonas is on holiday", "sofia"),  # the reason names another
        ("give TL-71 to Sofia instead of Jonas", "sofia"),
        ("donne le 71 à Priya, pas à Jonas", "priya"),
        ("asigna el TL-120 a Léa, no, mejor a Marco", "marco"),  # corrected
        ("weis TL-63 Lea zu, nee, lieber Marco", "marco"),
    ]
    for n, (text, person) in enumerate(cases):
        patch = patch_of(form(text, 710 + n))
        assert patch[0]["path"].endswith("/assignee") and patch[0]["value"] == person, text


def test_naming_a_person_hints_the_project_that_assigns_to_people() -> None:
    def routed(text: str) -> str | None:
        event = RawEvent.model_validate(
            {"source_event_id": "p", "session_id": "p", "channel": "voice",
             "kind": "user_action", "text": text, "occurred_at": BASE}
        )  # fmt: skip
        return ROUTER.route(event, BASE).project_id

    assert routed("weis es Sofia zu") == "taskline-dev"
    assert routed("Emma te dit bonjour") != "family-calendar"  # a family member: no hint
    assert routed("Sofia says hi") != "taskline-dev"  # she says something: no hint
    assert routed("Jonas picked up the prescription") == "family-calendar"
    # the request's own clause names the garage door fully; the reason names a calendar event
    assert routed("ferme le garage, j'ai rentré la voiture") == "home"


def test_a_clock_time_said_in_parts() -> None:
    # "one thirty" is 1:30 (13:30 in the afternoon), not one o'clock; "one-thirty" (a ticket
    # 130? half past one?) is asked about
    moved = patch_of(form("move the dentist to one thirty", 730))
    assert moved[0]["value"].startswith("2026-12-03T13:30"), moved
    assert form("move the dentist to one-thirty", 731).decision == "clarification"
    assert clean("set it to twenty-one", "en").numeric == "set it to 21"


def test_a_kind_word_inside_an_item_name_is_not_that_kind() -> None:
    # "mode" names scenes, but "dark mode" is a ticket: no scene is activated
    formation = form("put dark mode back to to-do, we're blocked on design", 720)
    assert formation.task is None or not any("scene" in op["path"] for op in patch_of(formation))
    assert ROUTER._merged is not None
    assert ROUTER._merged.resolve("lo del modo oscuro ya esta listo").kinds == []


def test_what_a_third_review_found_gives_the_ticket_to_the_one_meant() -> None:
    cases = [
        ("don't give 101 to Sofia, give it to Jonas", "jonas"),  # a clause that says not to
        ("ne donne pas le 101 à Sofia, donne-le à Jonas", "jonas"),
        ("assign 112 to Sofia... actually Jonas", "jonas"),  # corrected after "to"
        ("attribue le 101 à Sofia... non, Jonas", "jonas"),
        ("assign 101 not to Sofia but to Jonas", "jonas"),
        ("assigne le 101 à Jonas plutôt qu'à Sofia", "jonas"),
        ("Sofia is off, Jonas takes 112", "jonas"),  # the clause that names the ticket
        ("replace Sofia with Jonas on 101", "jonas"),
        ("Jonas takes 112, there's no way Sofia can", "jonas"),  # "no way" corrects nothing
        ("assign 101 to Jonas, no offense to Sofia", "jonas"),
    ]
    for n, (text, person) in enumerate(cases):
        patch = patch_of(form(text, 740 + n))
        assert patch[0]["value"] == person, text


def test_an_intent_that_only_switches_on_is_not_what_off_asks() -> None:
    for n, text in enumerate(["turn off the movie night", "stop movie night"]):
        formation = form(text, 760 + n)
        assert formation.task is None or not any(
            op["value"] == "on" and op["path"].startswith("/entities/scene.")
            for op in patch_of(formation)
        ), text
    # "off to bed" is not said of the scene
    routine = form("we're off to bed now, could you do the good night routine, please?", 762)
    assert patch_of(routine)[0]["value"] == "on"


def test_a_ticket_put_back_to_do() -> None:
    for n, text in enumerate(
        ["remets le mode sombre en à faire", "devuelve el modo oscuro a pendiente",
         "move TL-57 back to open"]
    ):  # fmt: skip
        patch = patch_of(form(text, 770 + n))
        assert patch[0] == {"op": "replace", "path": "/tickets/TL-57/status", "value": "open"}


def test_every_correction_phrase_passes_the_cheap_guard() -> None:
    # clean() searches for a self-correction only when _MAY_CORRECT finds one of its words:
    # a phrase added to _CORRECTION must say one of them too
    import re

    from processors import language, values

    group = re.search(r"\\b\(\?:(no,\?\ wait.*?)\)\\b", language._CORRECTION.pattern)
    assert group is not None
    phrases = [re.sub(r"\(\?: nur\)\?|,\?", "", p) for p in group.group(1).split("|")]
    phrases += ["no", "non", "nein", "nee", "no no"]  # the other two branches
    assert len(phrases) > 20
    for phrase in phrases:
        assert language._MAY_CORRECT.search(phrase), phrase
    # and _duration reads a text only when _SAYS_DURATION finds a word every pattern needs
    for pattern, _ in values._DURATIONS:
        assert values._SAYS_DURATION.search(pattern.pattern), pattern.pattern


def test_told_it_is_done_changes_nothing_unless_marking_it_done_is_the_task() -> None:
    for n, text in enumerate(
        ["I already switched the porch light off myself",
         "ya he llamado yo al dentista, no hace falta nada",
         "c'est bon, j'ai déjà fermé la porte du garage"]
    ):  # fmt: skip
        assert form(text, 780 + n).decision == "no_task", text
    bins = patch_of(form("I already put the bins out", 785))  # the reminder is done
    assert bins[0] == {"op": "replace", "path": "/reminders/rem-bins/done", "value": True}
    assert form("I've already locked the front door, now lock the back door", 786).decision == (
        "stateful"
    )


def test_what_a_fourth_review_found() -> None:
    def first(text: str, n: int) -> dict[str, Any]:
        return patch_of(form(text, n))[0]

    # a status phrase about another ticket, or negated, does not reopen the one closed
    assert first("close 94, don't put it back to open", 800)["value"] == "done"
    assert first("move 57 to done, 88 back to todo", 801)["value"] == "done"
    # "don't forget to" asks; "sorry Priya" apologises, it corrects nothing
    assert first("don't forget to give 63 to Jonas, Priya is busy", 802)["value"] == "jonas"
    assert first("assign 63 to Jonas, sorry Priya", 803)["value"] == "jonas"
    # told it is done, then asked for more: the request is not dropped
    assert form("I already locked the front door so lock the back one too", 804).decision != (
        "no_task"
    )
    assert first("I've already closed 42", 805) == {
        "op": "replace", "path": "/tickets/TL-42/status", "value": "done"
    }  # fmt: skip
    # "off" said of everything, for the scene: not a reason to refuse the scene
    assert form("turn off everything for movie night", 806).decision == "stateful"
    # a day of the month, then the hour
    moved = first("move the dentist to december 12 10 am", 807)
    assert moved["value"].startswith("2026-12-12T10:00"), moved


def test_older_harms_a_fourth_review_listed() -> None:
    # a negated status word sets nothing; the target's own clause says on or off
    done = patch_of(form("mark 63 as done, no need to reopen it", 820))[0]
    assert done == {"op": "replace", "path": "/tickets/TL-63/status", "value": "done"}
    kitchen = patch_of(form("start movie night, turn off the kitchen light", 821))[0]
    assert kitchen["path"].startswith("/entities/light.kitchen") and kitchen["value"] == "off"
    porch = patch_of(form("the porch light, leave it on tonight", 822))[0]
    assert porch == {"op": "replace", "path": "/entities/light.porch/state", "value": "on"}


# --- found on a new household's state (tests/data/formation_gen1) -----------------------------


def test_locking_with_the_key_names_no_other_door() -> None:
    # "con llave" / "à clé" say how a door is locked: every door is a candidate, none is
    # "a door the state lacks"
    for n, text in enumerate(["cierra la puerta con llave", "ferme la porte à clé"], 7101):
        formation = form(text, n)
        assert formation.decision == "clarification", text
        assert formation.reply is not None and formation.reply.reason_code == "ambiguous_target"


def test_put_into_motion_is_on() -> None:
    assert switch(clean("mets la machine à café en route", "fr")) == "on"
    assert switch(clean("pon la cafetera", "es")) == "on"
    # a level said is no switch ("pon la calefacción a 21")
    assert switch(clean("pon la calefacción a 21", "es")) is None


def test_a_thing_named_without_an_article_is_replaced_whole() -> None:
    # between a verb and its particle: the verb and the particle stay
    c = clean("mach Hugos Lampe aus, ach nee, die Werkbanklampe", "de")
    assert c.corrected and c.text == "mach die werkbanklampe aus"
    c = clean("bitte mach Hugos Lampe aus, nein, die Werkbanklampe", "de")
    assert c.text == "mach die werkbanklampe aus"  # (the opener is dropped as ever)
    # what follows the thing is kept when no particle ends it ("… to 30 percent")
    c = clean("dim hugo's lamp to 30 percent no wait the workbench lamp", "en")
    assert "30" in c.text and c.text.endswith("the workbench lamp")


def test_what_the_review_of_the_seventh_session_found() -> None:
    base = BASE
    # a day and a month after an hour are no minutes
    found = when(clean("à 10 h 12 décembre", "fr"), base, "Europe/Paris")
    assert found is not None and found.at is not None and found.at.minute == 0
    # next week only of the day it is said with; a day list is no correction
    found = when(clean("remind me on friday to plan next week", "en"), base, "Europe/Paris")
    assert found is not None and found.at is not None and found.at.day == 4
    found = when(clean("gym monday wednesday friday", "en"), base, "Europe/Paris")
    assert found is not None and found.at is not None and found.at.weekday() == 0
    # "to" sets a status only after what moves it
    assert status(clean("i'm working on 63, hope to close it by friday", "en")) == "in_progress"
    # a switch said first is not undone by a later "pon la …" or "en route"
    assert switch(clean("apaga la luz del porche y pon la alarma", "es")) == "off"
    assert switch(clean("éteins la lumière de la cuisine on est en route", "fr")) == "off"
    # a preposition's "on" before a correction is no particle of the verb
    c = clean("turn off the light on hugo's desk no wait the floor lamp", "en")
    assert c.text == "turn off the floor lamp"
    # a reopening said wins over a status told of the past
    assert status(clean("reopen TL-63, it was marked as done by mistake", "en")) == "open"
    # titles keep their numbers and lose an hour said as HH:MM
    assert subject(clean("book a table for 4 at 8pm friday", "en"), "x") == "table for 4"
    said = "add Sam's parents evening on thursday 18:30"
    assert subject(clean(said, "en"), said) == "Sam's parents evening"
    # "until" says no hour, "morning" before a noun no part of the day (third review)
    assert when(clean("until 3 tickets are closed", "en"), base, "Europe/Paris") is None
    found = when(clean("add 2 evening gowns to the list for friday", "en"), base, "Europe/Paris")
    assert found is not None and found.at is not None and found.at.hour == 9
    # a run of punctuation is stripped at once (it backtracked for seconds)
    said = "remind me to call mum tomorrow at 6" + "!" * 40 + " thanks"
    assert subject(clean(said, "en"), said) is not None


def test_a_comparative_names_no_item() -> None:
    from processors.grounding import _without_comparatives

    # "make it warmer" in a home with a "towel warmer": the change, not that item
    assert "warmer" not in _without_comparatives("make it warmer")
    assert "wärmer" not in _without_comparatives("mach's hier drin wärmer")
    # with its article it is a thing
    assert _without_comparatives("turn on the warmer") == "turn on the warmer"


def test_an_event_moved_to_nine_is_at_nine() -> None:
    # a date alone resolves to 9:00 and keeps the event's time; 9:00 said is 9:00 (it was
    # taken for a date alone: the event kept its time, a move that moved nothing)
    at_nine = patch_of(form("move the dentist to friday at 9am", 7201))
    assert at_nine[0]["value"] == "2026-12-04T09:00:00+01:00"
    a_day = patch_of(form("move the dentist to friday", 7202))
    assert not a_day[0]["value"].endswith("T09:00:00+01:00")


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("ok so the android one passed review, mark it done", "en", "done"),
        ("send TL-88 back to in progress, review found a problem", "en", "in_progress"),
        ("la relecture est finie, passe-le en revue", "fr", "in_review"),
        ("the crash fix is ready for review, move it", "en", "in_review"),
        # what it was is told, what to do is not
        ("close TL-63, it was in review", "en", "done"),
        ("ferme le 63, il était en revue", "fr", "done"),
        ("cierra el 63, estaba en revisión", "es", "done"),
        ("reopen 63, it was marked as done", "en", "open"),
        # Spanish "a" is "to", not the French "a" (has) of a told clause; "acaba de" is "has just"
        ("pasa el 57 a revisión, que Priya acaba de abrir la PR", "es", "in_review"),
        ("el 63 ya está acabado", "es", "done"),
        # German "zu" closes ("mach 63 zu"), but not as the last word of "zuweisen" and kin
        ("mach TL-120 zu", "de", "done"),
        ("TL-120 zu, bitte", "de", "done"),
        ("weis TL-120 Lea zu", "de", None),
        ("teil 57 bitte Sofia zu", "de", None),
        ("schieb ticket 71 Jonas zu", "de", None),
    ],
)
def test_the_status_a_request_sets_wins_over_one_it_mentions(
    text: str, lang: str, expected: str | None
) -> None:
    assert status(clean(text, lang)) == expected


def test_a_day_or_a_number_said_again_replaces_only_the_one_before() -> None:
    # cut at the last article before, the thing itself was taken back with the day or number
    assert clean("put the dentist on saturday no wait sunday", "en").text == (
        "put the dentist on sunday"
    )
    assert clean("put the meeting at 5 no wait 6", "en").text == "put the meeting at 6"
    c = clean("set the bedroom radiator to uh eighteen no sorry nineteen degrees", "en")
    assert c.text == "set the bedroom radiator to nineteen degrees"


@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("¿a cuántos grados está el salón?", "home"),  # "salón" was "sal" and "n"
        ("Marque la mise à jour du client Kafka comme terminée", "taskline-dev"),
        ("Sube dos grados en el cuarto de los niños", "home"),
    ],
)
def test_the_router_reads_accented_words_whole(text: str, project: str) -> None:
    # the router's item look-up read the hashing tokens, which split at the accents German
    # does not write: "Léo" was "l o", "entraînement" "entra nement"
    assert ROUTER.route(form_event(text), BASE).project_id == project


@pytest.mark.parametrize(
    "text",
    [
        "sube el volumen del salón",
        "monte le volume du salon",
        "mach die Musik im Wohnzimmer lauter",
        "turn the music up in the kitchen",
    ],
)
def test_a_change_of_sound_changes_no_temperature_or_light(text: str) -> None:
    formation = form(text)
    assert formation.decision != "stateful", patch_of(formation)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("lock the bakc door", "lock.back_door"),
        ("tunr on the dsek lamp", "light.office_desk"),
        ("swtich off the porhc light", "light.porch"),
    ],
)
def test_two_letters_typed_the_wrong_way_round_still_name_the_item(text: str, target: str) -> None:
    assert patch_of(form(text))[0]["path"].startswith(f"/entities/{target}/")


@pytest.mark.parametrize(
    "text", ["¿quién escribió Cien años de soledad?", "Il reste combien de jours avant Noël ?"]
)
def test_a_real_word_is_no_swapped_typo_of_an_item_word(text: str) -> None:
    # "cien" is no "cine" (a number word), "reste" no "reset" (a verb)
    assert ROUTER.route(form_event(text), BASE).project_id is None


@pytest.mark.parametrize(
    ("text", "lang", "numeric"),
    [
        (
            "tu peux euh mettre le chauffage à vingt non vingt-deux",
            "fr",
            "tu peux mettre le chauffage à 22",
        ),
        (
            "kannst du die Heizung auf zwanzig nein zweiundzwanzig stellen",
            "de",
            "kannst du die heizung auf 22 stellen",
        ),
        ("uh move the vet to uh monday at four no five", "en", "move the vet to monday at 5"),
        # Spanish ", no veintidós" says which it is not: nothing taken back
        ("pon la calefacción a veinte no veintidós", "es", "pon la calefacción a 20 no 22"),
        ("i have no 2 cents", "en", "i have no 2 cents"),
    ],
)
def test_a_bare_no_between_two_numbers_takes_the_first_back(
    text: str, lang: str, numeric: str
) -> None:
    assert clean(text, lang).numeric == numeric


@pytest.mark.parametrize(
    ("text", "start"),
    [
        # the day says which event, the shift how it moves (the event kept its time)
        ("avance le yoga de demain d'une demi-heure", "2026-12-02T18:30:00+01:00"),
        ("Put tomorrow's yoga an hour later.", "2026-12-02T20:00:00+01:00"),
        ("sam's car service next wednesday, push it an hour later", "2026-12-09T09:30:00+01:00"),
        # by how long, not at what time ("retrasa 2 horas" was 2:00)
        ("Retrasa dos horas el de la farmacia", "2026-12-02T19:00:00+01:00"),
        ("retarde le yoga de deux heures", "2026-12-02T21:00:00+01:00"),
        # a time after its day stays a time
        ("décale le yoga à jeudi dix-neuf heures trente", "2026-12-03T19:30:00+01:00"),
    ],
)
def test_a_shift_said_with_the_events_day_moves_it_by_that_much(text: str, start: str) -> None:
    assert patch_of(form(text))[0]["value"] == start


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        # someone to let in: unlock, said without a word of locking
        (
            "the delivery guy's waiting at the front door, can you let him in",
            "lock.front_door",
            "unlocked",
        ),
        (
            "fais-le entrer, le livreur attend devant la porte d'entrée",
            "lock.front_door",
            "unlocked",
        ),
        ("lock the front door, the kids are waiting outside", "lock.front_door", "locked"),
        # switching on in other words
        ("fire up the coffee machine", "switch.coffee_machine", "on"),
        ("ponme la cafetera, porfa", "switch.coffee_machine", "on"),
    ],
)
def test_letting_someone_in_and_firing_a_thing_up(text: str, path: str, value: str) -> None:
    op = patch_of(form(text))[0]
    assert (op["path"], op["value"]) == (f"/entities/{path}/state", value)


@pytest.mark.parametrize(
    "text",
    [
        "le ticket 42 il en est où",  # it wrote a comment "42 il en est où"
        "il en est où le ticket 42",
        "en qué estado está el ticket 42",
        "en qué estado está el te ele cuarenta y dos",
    ],
)
def test_how_far_along_a_ticket_is_asked_without_a_question_mark(text: str) -> None:
    formation = form(text)
    assert (formation.decision, formation.intent_id) == ("ephemeral", "query_ticket")


@pytest.mark.parametrize(
    ("text", "lang", "cleaned"),
    [
        (
            "switch on the porch light, uh no, sorry, the hallway light",
            "en",
            "switch on the hallway light",
        ),
        (
            "eh enciende la luz del porche, no, espera, la del pasillo",
            "es",
            "enciende la luz del pasillo",
        ),
        ("äh mach die Stehlampe von Sam, nee, meine Leselampe an", "de", "mach meine leselampe an"),
        ("apaga la luz, no la del baño", "es", "apaga la luz, no la del baño"),  # "not the one of"
    ],
)
def test_a_correction_said_between_commas_or_before_my(text: str, lang: str, cleaned: str) -> None:
    assert clean(text, lang).text == cleaned


def test_a_request_verb_is_no_misspelt_item_word() -> None:
    # "annule" ~ "annual" (ratio 83): it removed the annual review
    inv = Inventory.from_state(
        {"events": {"ev-r": {"title": "annual review", "start": "2026-12-03T10:00:00+01:00"}}},
        [CollectionSpec(path="/events", names=["title"], default_kind="event")],
    )
    assert inv.resolve("cancel the annual review").matches  # (the item is found by its name)
    assert not inv.resolve("annule mon rendez-vous").matches


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("quelles lumieres sont allumees a l'atelier", "fr"),  # was Dutch
        ("eteins les lumieres de la cuisine mrc", "fr"),  # was Spanish
        ("quels tickets marco a encore ouverts ?", "fr"),  # was English
    ],
)
def test_french_written_without_accents_is_french(text: str, lang: str) -> None:
    assert detect(text).lang == lang


def test_nothing_is_removed_that_was_named_only_by_its_kind() -> None:
    state = {
        "events": {
            "ev-physio": {
                "title": "physio appointment",
                "aliases": ["physio"],
                "start": "2026-12-03T10:00:00+01:00",
                "end": "2026-12-03T11:00:00+01:00",
            },
            "ev-team": {
                "title": "meeting",
                "start": "2026-12-04T10:00:00+01:00",
                "end": "2026-12-04T11:00:00+01:00",
            },
        }
    }
    specs = [CollectionSpec(path="/events", names=["title", "aliases"], default_kind="event")]
    inv = Inventory.from_state(state, specs)
    # "Termin" is any appointment: the one titled "physio appointment" is not named by it
    assert inv.named_by_kind_only("sag den termin ab", "ev-physio")
    assert inv.named_by_kind_only("cancel my appointment", "ev-physio")
    assert not inv.named_by_kind_only("cancel the physio", "ev-physio")
    assert not inv.named_by_kind_only("cancel the meeting", "ev-team")  # its very name
    # through the former: asked, not removed
    formation = form("cancel my appointment")
    assert formation.decision == "clarification"


@pytest.mark.parametrize(
    ("text", "start"),
    [
        # what follows "instead of" is the time it was
        ("move the marco sync to 11 instead of 10", "2026-12-02T11:00:00+01:00"),
        ("point avec marco demain à 11h au lieu de 10h", "2026-12-02T11:00:00+01:00"),
        # a bare hour is the one nearer the event's own time (yoga is at 19:00)
        ("move the yoga to 8", "2026-12-02T20:00:00+01:00"),
        ("move the yoga to 8 am", "2026-12-02T08:00:00+01:00"),
        ("el yoga empieza a las nueve en vez de a las siete", "2026-12-02T21:00:00+01:00"),
        # the time said is the one it had: the shift moves it
        (
            "push the car service back an hour, sam can't make it at half eight",
            "2026-12-09T09:30:00+01:00",
        ),
        (
            "recule la révision de la voiture d'une heure, Sam peut pas à huit heures et demie",
            "2026-12-09T09:30:00+01:00",
        ),
        # British "half twelve" is 12:30
        ("move the dentist to friday at half three", "2026-12-04T15:30:00+01:00"),
    ],
)
def test_the_time_an_event_moves_to(text: str, start: str) -> None:
    assert patch_of(form(text))[0]["value"] == start


def test_taking_a_ticket_off_someone_in_spanish_unassigns_it() -> None:
    op = patch_of(form("quítale el TL-42 a Marco, que se va de vacaciones"))[0]
    assert (op["path"], op["value"]) == ("/tickets/TL-42/assignee", None)


@pytest.mark.parametrize(
    "text",
    [
        # asked whether it is so: it armed the alarm
        "Entschuldigen Sie, könnten Sie mir sagen, ob die Alarmanlage eingeschaltet ist?",
        "Pardonnez-moi, pourriez-vous me dire si l'alarme est bien enclenchée ?",
        # a discourse opener before the question
        "quick one, is the alarm armed",
        "übrigens, ist die Haustür abgeschlossen",
    ],
)
def test_asked_whether_it_is_so_changes_nothing(text: str) -> None:
    formation = form(text)
    assert formation.decision == "ephemeral", formation.task and patch_of(formation)


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        # asking makes nothing new: it created a reminder
        ("welche erinnerungen hab ich heute", "ephemeral"),
        ("tengo algún recordatorio para hoy", "ephemeral"),
        # someone else did it, or maybe later: nothing to do now
        ("c'est bon, Sam a déjà fermé le garage", "no_task"),
        ("ok sam already locked the back door", "no_task"),
        ("je déverrouillerai peut-être le garage plus tard, mais pas maintenant", "no_task"),
    ],
)
def test_questions_and_news_that_ask_for_no_change(text: str, decision: str) -> None:
    formation = form(text)
    assert formation.decision == decision, formation.task and patch_of(formation)


def test_a_past_experience_told_is_no_request() -> None:
    # it started the movie night scene
    assert form("that film last night was so good").decision == "no_task"
    assert form("the movie was great, now start movie night").decision == "stateful"


@pytest.mark.parametrize(
    "text",
    [
        # what a second review found: told, not asked; or asked not to
        # someone waiting at a door is asked about, not let in: read as "unlock" (tried twice,
        # reviewed twice) it unlocked for a burglar, a courier told to wait, the dog, a parcel
        "the courier is waiting at the front door",
        "the courier is at the front door, he can wait",
        "le livreur attend devant la porte d'entrée",
        "der Paketbote steht unten vor der Haustür",
        "a stranger is waiting at the front door, keep it shut",
        "ein Fremder steht vor der Haustür, lass ihn nicht rein",
        "the salesman is waiting by the garage, don't let him in",
        "Sam is waiting in front of the school",
    ],
)
def test_someone_waiting_somewhere_unlocks_nothing(text: str) -> None:
    formation = form(text)
    assert not (
        formation.task is not None and any(op["value"] == "unlocked" for op in patch_of(formation))
    ), patch_of(formation)


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        # a number said again with decimals or minutes replaces only the number
        (
            "set the bedroom radiator to 19 no 19.5",
            "/entities/climate.bedroom/attributes/target_celsius",
            19.5,
        ),
        ("move the dentist to 4 no 4:30", "/events/ev-dentist/start", "2026-12-03T16:30:00+01:00"),
        # the day said as where it goes is kept, the time shifted ("to friday, an hour later")
        (
            "move the dentist to friday, an hour later",
            "/events/ev-dentist/start",
            "2026-12-04T16:00:00+01:00",
        ),
        # a day said of the event is which one ("on friday")
        (
            "emmas piano 30 min earlier on friday",
            "/events/ev-piano/start",
            "2026-12-04T16:30:00+01:00",
        ),
        # "la 57" is the ticket, no told clause
        ("pon la 57 en revisión, el código ya está acabado", "/tickets/TL-57/status", "in_review"),
        # heating down; the music is only what they are doing
        (
            "turn the heating down a bit, we're listening to music",
            "/entities/climate.living_room/attributes/target_celsius",
            19.5,
        ),
    ],
)
def test_what_a_second_review_of_the_day_found(text: str, path: str, value: object) -> None:
    op = patch_of(form(text))[0]
    assert (op["path"], op["value"]) == (path, value)


@pytest.mark.parametrize(
    "text", ["cancela la reunión del tema del presupuesto", "cancela lo del tema de mañana"]
)
def test_a_real_word_a_swap_away_from_an_item_word_names_nothing(text: str) -> None:
    # "tema" is no "team" of the team lunch: it removed the lunch
    formation = form(text)
    assert formation.decision != "stateful", patch_of(formation)


def test_a_heater_in_spanish_and_german() -> None:
    from processors.lexicon import canonical

    assert canonical("estufa") == "heater" and canonical("heizgerat") == "heater"


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        # what a review of the later changes found: a bare hour flips only to a nearby hour
        # people keep (the car service at 8:30 "to 3" went to 3:00, the yoga "to 10" to 22:00)
        ("move the car service to 3", "/events/ev-car-service/start", "2026-12-09T15:00:00+01:00"),
        ("move the yoga to 10", "/events/ev-yoga/start", "2026-12-02T10:00:00+01:00"),
        ("move the vet to 9", "/events/ev-vet/start", "2026-12-11T09:00:00+01:00"),
        # a shift said of another event moves nothing here
        (
            "push the dentist back an hour, the yoga stays at 7",
            "/events/ev-yoga/start",
            "2026-12-02T19:00:00+01:00",
        ),
        # "para el jueves" says which appointment; "um 2 Stunden" is by two hours
        (
            "la cita del dentista para el jueves, retrásala una hora",
            "/events/ev-dentist/start",
            "2026-12-03T16:00:00+01:00",
        ),
        (
            "verschieb den Yogakurs um 2 Stunden nach hinten",
            "/events/ev-yoga/start",
            "2026-12-02T21:00:00+01:00",
        ),
        # a day said as where it goes, and a shift: that day, the event's time shifted
        (
            "move the yoga to friday, an hour later",
            "/events/ev-yoga/start",
            "2026-12-04T20:00:00+01:00",
        ),
    ],
)
def test_what_a_review_of_the_later_changes_found(text: str, path: str, value: object) -> None:
    op = patch_of(form(text))[0]
    assert (op["path"], op["value"]) == (path, value)


def test_a_sound_turned_down_is_no_thermostat() -> None:
    formation = form("the music is way too loud in the living room, turn it down a bit")
    assert not (
        formation.task and any("target_celsius" in op["path"] for op in patch_of(formation))
    )


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        # what is so already is told; the other clause asks (each did the opposite)
        ("sam already unlocked the back door, lock it again", "lock.back_door", "locked"),
        ("sam already switched off the porch light, turn it back on", "light.porch", "on"),
        ("Sam a déjà éteint la lumière du porche, rallume-la", "light.porch", "on"),
        ("sam ya apagó la luz del porche, enciéndela", "light.porch", "on"),
        (
            "Sam hat die Hintertür schon aufgeschlossen, schließ sie wieder ab",
            "lock.back_door",
            "locked",
        ),
        # "ya" last is "now"
        ("apaga la luz del porche ya", "light.porch", "off"),
        # what a review found: "already" in the request's own clause is no told clause
        (
            "unlock the front door already, it's locked and the kids are outside",
            "lock.front_door",
            "unlocked",
        ),
        ("abre ya la puerta principal, que está cerrada con llave", "lock.front_door", "unlocked"),
        ("turn off the porch light already, it's been on all day", "light.porch", "off"),
        ("éteins déjà la lumière du porche, elle est allumée depuis hier", "light.porch", "off"),
    ],
)
def test_what_is_so_already_is_not_what_is_asked(text: str, path: str, value: str) -> None:
    op = patch_of(form(text))[0]
    assert (op["path"], op["value"]) == (f"/entities/{path}/state", value)


def test_already_so_and_not_to_change_changes_nothing() -> None:
    formation = form("the porch light is already on, don't turn it off")
    assert not (formation.task and patch_of(formation)[0]["value"] == "off")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # the request's own clause first: the reason after it said "open" or "unlocked"
        ("lock the back door, the kids keep leaving it open", "locked"),
        ("just lock the back door already, it's been unlocked all night", "locked"),
        ("lock the back door, no, unlock it", "unlocked"),  # a correction still counts
    ],
)
def test_the_lock_asked_is_in_the_requests_own_clause(text: str, value: str) -> None:
    op = patch_of(form(text))[0]
    assert (op["path"], op["value"]) == ("/entities/lock.back_door/state", value)


def _touching(project: str, collection: str, items: dict[str, Any]) -> Callable[[str], list[str]]:
    """What a request changes (its patch's paths) when ``project``'s state also holds
    ``items`` in ``collection``."""
    changed = json.loads(json.dumps(STATES[project]))
    changed[collection].update(items)
    router = Router(REGISTRY, PACKS, calibration=CALIBRATION)
    former = Former(REGISTRY, PACKS, min_confidence=0.5)
    for name, state in {**STATES, project: changed}.items():
        router.reindex(name, state)
        former.observe(name, 1, state)

    def touched(text: str) -> list[str]:
        task = former.form(router.route(form_event(text), BASE), BASE).task
        return [op.path for op in task.patch or []] if task is not None else []

    return touched


def test_ordering_names_no_reminder_that_orders_something() -> None:
    """A reminder's title is a request too: "commande-moi des sushis" does not tick off the
    reminder "order more glaze" (its verb is all they share), naming the glaze still does."""
    glaze = {
        "title": "order more glaze",
        "aliases": ["glaze", "commander de l'émail", "pedir esmalte", "Glasur bestellen"],
        "due": "2026-12-04T12:00:00+01:00",
        "done": False,
    }
    touched = _touching("family-calendar", "reminders", {"rem-glaze": glaze})

    for text in (
        "commande-moi des sushis",
        "bestell beim Bäcker zwei Brezeln für morgen früh",
        "pídeme una pizza para esta noche",
        "order me some sushi for tonight",
    ):
        assert not any("rem-glaze" in path for path in touched(text)), text
    assert touched("I ordered the glaze, tick it off") == ["/reminders/rem-glaze/done"]


def test_another_form_of_a_title_word_names_the_ticket() -> None:
    """ "the proration ticket" names "prorate charges …" (the ratio scores the two words 75:
    the same Snowball stem); a short stem joins nothing ("marca" is no "marco")."""
    ticket = {
        "title": "prorate charges when switching plans mid-month",
        "status": "open",
        "assignee": None,
        "labels": ["feature", "billing"],
    }
    touched = _touching("taskline-dev", "tickets", {"TL-214": ticket})
    assert touched("move the proration ticket to in review") == ["/tickets/TL-214/status"]
    assert touched("marca como hecho el de kafka") == ["/tickets/TL-71/status"]


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        # a cold place said for the room
        (
            "it's like an icebox in the bedroom",
            "/entities/climate.bedroom/attributes/target_celsius",
            19,
        ),
        (
            "c'est un frigo dans la chambre",
            "/entities/climate.bedroom/attributes/target_celsius",
            19,
        ),
        (
            "es como una nevera el dormitorio",
            "/entities/climate.bedroom/attributes/target_celsius",
            19,
        ),
        (
            "im Schlafzimmer ist es wie im Kühlschrank",
            "/entities/climate.bedroom/attributes/target_celsius",
            19,
        ),
    ],
)
def test_what_is_told_asks_for_it(text: str, path: str, value: object) -> None:
    assert patch_of(form(text)) == [{"op": "replace", "path": path, "value": value}]


@pytest.mark.parametrize(
    "text",
    [
        "a stranger is waiting at the front door, keep it shut",
        "someone I don't know is standing at the back door",
        "the courier is waiting at the front door, don't open it",
        "un inconnu attend devant la porte d'entrée",
        "un desconocido está esperando en la puerta principal, no abras",
        "ein Fremder steht vor der Haustür",
        "the kids are waiting at the school gate",
        # what a review found unlocking in a first version: anyone, anything, any time
        "the burglar is at the back door",
        "a man is standing outside the front door with a knife",
        "ein Einbrecher steht an der Hintertür",
        "leo is at the front door, he is not allowed in",
        "le livreur attend devant la porte d'entrée, ne lui ouvre surtout pas",
        "nobody is waiting at the front door",
        "personne n'attend devant la porte d'entrée",
        "le facteur attendait devant la porte d'entrée hier",
        "the courier was waiting at the front door but he left",
        "it's raining outside the back door",
        "the dog is waiting at the back door",
        "I'm waiting at the front door",
        "my ex is standing at the front door again",
    ],
)
def test_nobody_unknown_or_kept_out_is_let_in(text: str) -> None:
    task = form(text).task
    assert task is None or not any(op.value_json == '"unlocked"' for op in task.patch or [])


@pytest.mark.parametrize(
    "text",
    [
        "did I leave the coffee machine on",
        "did you leave the garage door open?",
        "¿ya está encendida la cafetera o todavía no?",
        # chat shorthand and no question mark
        "c koi les tickets de marco",
        "welche Tickets hat Marco",
    ],
)
def test_these_questions_are_questions(text: str) -> None:
    assert form(text).decision == "ephemeral"


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("atlas: set the stock count to 40", "/stock_count", "40"),
        ("Orion: mark invoice 3050 as paid", "/invoice_3050", "paid"),
        ("helios, change the budget to 25000", "/budget", "25000"),
    ],
)
def test_the_project_a_request_is_addressed_to_is_no_field(
    text: str, path: str, value: str
) -> None:
    assert patch_of(form(text)) == [{"op": "add", "path": path, "value": value}]


@pytest.mark.parametrize(
    "text",
    [
        "Apollo: cambia la fecha",
        "update the stock count in Atlas",
        "Helios: change the budget",
        "Orion : mets à jour la prévision",  # no field "mets" with the value "jour la prévision"
    ],
)
def test_a_change_that_says_nothing_of_what_to_asks_for_it(text: str) -> None:
    formation = form(text)
    assert formation.decision == "clarification"
    assert formation.reply is not None and formation.reply.reason_code == "missing_slot:value"


@pytest.mark.parametrize(
    "text",
    [
        "make the bedroom like a fridge",
        "me gusta el dormitorio como una nevera",
        "the bedroom is not like a fridge anymore",
        "la chambre était comme un frigo hier, maintenant ça va",
        "im Schlafzimmer war es gestern wie im Kühlschrank, jetzt passt es",
        # a Snowball stem is shared by words made from another ("integrity", "integration")
        "close the integrity ticket",
        "close the publication ticket",
        "move the marketing meeting to friday",
        # "o todavía no" taking a request back, not asking
        "enciende la luz del porche... o todavía no, espera",
        # a fridge is no room; cold that is wanted
        "the fridge is like a freezer, can you check it",
        "c'est le congélateur de la cuisine qui fait ce bruit",
        "la carne está en el congelador de la cocina",
        "the bedroom is like a fridge, which is how I like it for sleeping",
    ],
)
def test_what_a_review_of_the_ninth_session_found_changes_nothing(text: str) -> None:
    task = form(text).task
    assert task is None or not task.patch, [op.to_rfc() for op in task.patch or []]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TL-94 ist gefixt, sag Sofia Bescheid und mach es zu", "done"),
        ("ich stimme zu, TL-42 kann zu", "done"),
        ("hör mal zu, mach TL-42 zu", "done"),
        ("weist du was, mach TL-63 zu", "done"),
    ],
)
def test_a_zu_verb_in_another_clause_leaves_zu_closing(text: str, expected: str) -> None:
    assert status(clean(text, "de")) == expected


def test_an_ordering_word_names_no_reminder_even_beside_its_other_words() -> None:
    """ "order the cake" does not tick off "book the cake order" (a review found it did when
    ordering words counted beside another word of the item); two turkey reminders told apart
    only by "order" are asked about."""
    reminders = {
        "rem-order-turkey": {"title": "order the turkey", "due": "2026-12-04T12:00:00+01:00"},
        "rem-collect-turkey": {"title": "collect the turkey", "due": "2026-12-05T12:00:00+01:00"},
        "rem-cake": {"title": "book the cake order", "due": "2026-12-06T12:00:00+01:00"},
    }
    for item in reminders.values():
        item["done"] = False
    touched = _touching("family-calendar", "reminders", reminders)
    assert touched("order the cake") == []
    assert touched("I ordered the turkey, tick the reminder off") == []
    assert touched("commande-moi des sushis") == []


def test_mets_en_route_switches_on() -> None:
    assert patch_of(form("mets en route la machine à café")) == [
        {"op": "replace", "path": "/entities/switch.coffee_machine/state", "value": "on"}
    ]


def test_a_clause_after_but_is_a_clause_of_its_own() -> None:
    from types import SimpleNamespace

    from processors.grounding import _own_clause

    hallway = SimpleNamespace(names=["hallway light"])
    said = clean("leave the porch light on but switch off the hallway light", "en")
    assert _own_clause(said, hallway) == "switch off the hallway light"


@pytest.mark.parametrize(
    ("text", "lang", "numeric"),
    [
        ("set the forecast to 1.2 million", "en", "set the forecast to 1200000"),
        ("passe la prévision à 1,5 million", "fr", "passe la prévision à 1500000"),
        ("la previsión a 2,5 millones", "es", "la previsión a 2500000"),
        ("der Forecast auf 1,2 Millionen", "de", "der forecast auf 1200000"),
        ("set the budget to 3 thousand", "en", "set the budget to 3000"),
    ],
)
def test_a_number_with_its_scale_in_words_is_one_number(text: str, lang: str, numeric: str) -> None:
    # text2num read the scale word alone: "1.2 million" was "1.2 1000000"
    assert clean(text, lang).numeric == numeric


def test_mettre_a_jour_is_the_verb_not_the_field_and_value() -> None:
    assert patch_of(form("Atlas : mets à jour le stock à 380 unités")) == [
        {"op": "add", "path": "/stock", "value": "380 unités"}
    ]


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("Priya ya arregló el ticket 120", "TL-120"),
        ("Priya arregló el ticket 120", "TL-120"),
        ("Priya hat TL-120 repariert", "TL-120"),
        ("le ticket 63 est corrigé", "TL-63"),
        ("TL-63 corrigé", "TL-63"),
        ("Priya hat TL-120 gefixt", "TL-120"),
        ("TL-120 ist repariert", "TL-120"),
        ("Jonas hat den Login-Timeout korrigiert", "TL-42"),
        ("Priya a réparé le bug du timeout de connexion", "TL-42"),
    ],
)
def test_a_ticket_said_fixed_is_closed_in_every_language(text: str, ticket: str) -> None:
    """Saying that someone fixed it, in the past, closes it: it assigned "Priya hat TL-120
    gefixt" to Priya, and "Priya ya arregló el ticket 120" left the ticket as it was."""
    task = form(text).task
    assert task is not None and task.intent_id == "close_ticket", task
    assert [op.to_rfc() for op in task.patch or []] == [
        {"op": "replace", "path": f"/tickets/{ticket}/status", "value": "done"}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "fix the login timeout bug",
        "arregla el ticket 120",
        "arreglo el ticket 42 esta tarde",
        "pasa el 120 a Marco que lo arregle",
        "repariere TL-120 bitte",
        "Priya repariert gerade TL-120",
        "corrige le ticket 42",
        "répare le ticket 42",
    ],
)
def test_a_fix_asked_for_does_not_close_the_ticket(text: str) -> None:
    """A verb of fixing is done only when told as done (French "corrige" and "corrigé" fold
    alike: an auxiliary before it, or its accent as written, tells them apart)."""
    written = _values_written(text)
    assert "done" not in written, written


@pytest.mark.parametrize(
    ("text", "lang", "numeric"),
    [
        (
            "set the floor lamp to forty percent, no wait, sixty",
            "en",
            "set the floor lamp to 60 percent",
        ),
        (
            "the floor lamp at forty percent, no wait, sixty percent",
            "en",
            "the floor lamp at 60 percent",
        ),
        (
            "dim the floor lamp to forty, no, sixty percent",
            "en",
            "dim the floor lamp to 60 percent",
        ),
        (
            "pon la calefacción a veinte grados, no, mejor veintiuno",
            "es",
            "pon la calefacción a 21 grados",
        ),
        (
            "stell die Heizung auf zwanzig Grad, nein warte, einundzwanzig",
            "de",
            "stell die heizung auf 21 grad",
        ),
    ],
)
def test_a_number_said_again_keeps_its_unit(text: str, lang: str, numeric: str) -> None:
    """The number is corrected, not the whole phrase: "… at forty percent, no wait, sixty"
    lost the lamp ("set sixty")."""
    assert clean(text, lang).numeric == numeric


def test_a_spanish_correction_by_a_verb_is_not_a_number_correction() -> None:
    text = "¿puedes encender el deshumidificador? bueno, no, mejor apágalo, que ya está seco"
    assert "deshumidificador" in clean(text, "es").numeric


@pytest.mark.parametrize(
    "text",
    [
        "apaga la luz de la cocina, no, mejor no",
        "turn off the kitchen light, no wait, don't",
        "mach das Licht in der Küche aus, nein warte, lieber nicht",
        "éteins la lumière de la cuisine, non attends, non",
    ],
)
def test_a_request_taken_back_at_its_end_changes_nothing(text: str) -> None:
    """A correction that says only "no" takes the request back: it switched the light off
    ("turn off the kitchen light, no wait, don't")."""
    formation = form(text)
    assert formation.task is None and formation.decision == "no_task", formation


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("die Yogastunde fällt diese Woche aus", "ev-yoga"),
        ("sag die Yogastunde ab", "ev-yoga"),
        ("Emmas Klavierstunde fällt aus", "ev-piano"),
    ],
)
def test_a_german_lesson_compound_names_its_event(text: str, event: str) -> None:
    """ "Yogastunde" is the yoga class (a name's word and "Stunde", a lesson in a compound;
    alone "Stunde" is an hour): the router found no project."""
    task = form(text).task
    assert task is not None and [op.to_rfc() for op in task.patch or []] == [
        {"op": "remove", "path": f"/events/{event}"}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "pon la cena con los vecinos el 11 a las ocho de la tarde",
        "pon la cena con los vecinos el día 11 a las 20",
        "trag das Abendessen bei den Nachbarn am 11. um 20 Uhr ein",
        "trag das Abendessen bei den Nachbarn am 11 um 20 Uhr ein",
        "note le dîner chez les voisins le 11 à 20 h",
        "add dinner with the neighbours on the 11th at 8pm",
    ],
)
def test_a_day_of_the_month_said_with_its_article_is_the_date(text: str) -> None:
    """Spanish "el 11" and German "am 11." were read as no date: the dinner was put on the
    day of the event (or the next day) at 20:00."""
    task = form(text).task
    assert task is not None and task.patch, form(text)
    assert json.loads(task.patch[0].value_json or "{}")["start"] == "2026-12-11T20:00:00+01:00"


def test_assigning_is_no_word_of_a_ticket_title() -> None:
    """ "assign" scored 0.97 as "assignee" (a plural or declension), so "assign the login
    ticket to …" picked a ticket whose title says "assignee" among two login tickets."""
    state = {
        "tickets": {
            "TL-1": {"title": "login ignores accented characters", "status": "open"},
            "TL-2": {"title": "login filters for assignee and due date", "status": "open"},
        }
    }
    spec = CollectionSpec(path="/tickets", names=["title"], default_kind="ticket", number=True)
    best = Inventory.from_state(state, [spec]).resolve("assign the login ticket to ngozi").best
    assert sorted(m.item.id for m in best) == ["TL-1", "TL-2"]


def _shop_former() -> tuple[Router, Former]:
    """A home with a shop (an area) and a scene whose names say the shop's name."""
    state = {
        "areas": {"shop": {"name": "shop", "aliases": ["tienda", "Laden", "boutique"]}},
        "entities": {
            "scene.opening": {
                "name": "opening time",
                "aliases": ["abrir la tienda", "Laden auf", "ouverture de la boutique"],
                "kind": "scene",
                "area": "shop",
                "state": "idle",
            },
            "lock.shop_door": {
                "name": "shop door",
                "aliases": ["puerta de la tienda", "Ladentür"],
                "kind": "lock",
                "area": "shop",
                "state": "unlocked",
            },
        },
    }
    router = Router(REGISTRY, PACKS, calibration=CALIBRATION)
    former = Former(REGISTRY, PACKS, min_confidence=0.5)
    for project, project_state in {**STATES, "home": state}.items():
        router.reindex(project, project_state)
        former.observe(project, 1, project_state)
    return router, former


@pytest.mark.parametrize(
    "text",
    ["pon villancicos en la tienda", "spiel Weihnachtslieder im Laden", "Sperr den Laden ab"],
)
def test_a_scene_is_not_named_by_its_areas_name_alone(text: str) -> None:
    """ "Sperr den Laden ab" (lock the shop) started the scene "Laden auf" (shop open), and
    music asked for in the shop started it too: only the area's name of it was said."""
    router, former = _shop_former()
    task = former.form(router.route(form_event(text), BASE), BASE).task
    assert task is None or not any("scene" in op.path for op in task.patch or []), task


def test_sperren_locks_in_german() -> None:
    router, former = _shop_former()
    task = former.form(router.route(form_event("Sperr den Laden ab"), BASE), BASE).task
    assert task is not None and [op.to_rfc() for op in task.patch or []] == [
        {"op": "replace", "path": "/entities/lock.shop_door/state", "value": "locked"}
    ]
    assert [op.to_rfc() for op in form("sperr die Hintertür auf").task.patch or []] == [  # type: ignore[union-attr]
        {"op": "replace", "path": "/entities/lock.back_door/state", "value": "unlocked"}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "what's the real difference between a latte and a flat white?",
        "quelle est la différence entre un lynx et un chat sauvage ?",
        "¿cuál es la diferencia entre un cocodrilo y un caimán?",
        "was heißt Gartenschlauch auf Englisch?",
        "can you freeze cooked rice?",
        "¿se puede congelar la nata?",
        "at what temperature should I roast a chicken?",
        "bei wie viel Grad backt man Brötchen?",
    ],
)
def test_a_question_of_general_knowledge_is_no_projects(text: str) -> None:
    """What things are, in general, belongs to no project, even when a word of it is near
    an item's ("la différence entre un cyclone et un ouragan" went to the home)."""
    routed = ROUTER.route(form_event(text), BASE)
    assert routed.project_id is None, routed.top_candidates


def test_a_difference_between_two_tickets_stays_with_the_tracker() -> None:
    routed = ROUTER.route(form_event("what's the difference between TL-42 and TL-94"), BASE)
    assert routed.project_id == "taskline-dev"


@pytest.mark.parametrize(
    "text",
    [
        "grab us three tickets for the circus",
        "buy me two seats for the match on sunday",
        "réserve deux places pour le cinéma",
        "compra dos entradas para el cine",
        "hol uns zwei Karten fürs Kino",
    ],
)
def test_tickets_bought_for_an_outing_are_no_task_of_any_project(text: str) -> None:
    """Booking seats is out of scope: "réserve deux places pour le cinéma" started the movie
    night scene, and tickets for a concert went to the tracker. The reply says no project
    does it (it said "candidates: none matched")."""
    formation = form(text)
    assert formation.task is None and formation.decision == "clarification"
    assert formation.reply is not None and "none matched" not in formation.reply.text


def test_the_trackers_own_tickets_are_not_bought() -> None:
    assert ROUTER.route(form_event("get me the tickets assigned to priya"), BASE).project_id == (
        "taskline-dev"
    )


@pytest.mark.parametrize(
    ("text", "patch"),
    [
        (
            "move my three o'clock to four",
            [
                {
                    "op": "replace",
                    "path": "/events/ev-dentist/start",
                    "value": "2026-12-03T16:00:00+01:00",
                },
                {
                    "op": "replace",
                    "path": "/events/ev-dentist/end",
                    "value": "2026-12-03T16:45:00+01:00",
                },
            ],
        ),
        ("cancel my 3pm", [{"op": "remove", "path": "/events/ev-dentist"}]),
        ("cancel my three o'clock", [{"op": "remove", "path": "/events/ev-dentist"}]),
        ("annule mon 15h", [{"op": "remove", "path": "/events/ev-dentist"}]),
    ],
)
def test_an_event_named_by_its_time(text: str, patch: list[dict[str, Any]]) -> None:
    """ "o'clock" read as a misspelt "lock" sent "move my three o'clock to four" to the home,
    and "cancel my 3pm" was read as "cancel that" (nothing done)."""
    task = form(text).task
    assert task is not None and [op.to_rfc() for op in task.patch or []] == patch


def test_an_event_named_by_a_time_two_events_share_is_asked_about() -> None:
    formation = form("cancel my ten o'clock")
    assert formation.task is None and formation.decision == "clarification"
    assert set(formation.slots["candidates"].split(",")) == {"ev-1on1-marco", "ev-football"}


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        (
            "add a meeting with the plumber tomorrow from 2 to 4pm",
            "2026-12-02T14:00",
            "2026-12-02T16:00",
        ),
        ("ajoute une réunion demain de 14h à 16h", "2026-12-02T14:00", "2026-12-02T16:00"),
        (
            "pon una reunión mañana de dos a cuatro de la tarde",
            "2026-12-02T14:00",
            "2026-12-02T16:00",
        ),
        ("trag morgen von 14 bis 16 Uhr ein Meeting ein", "2026-12-02T14:00", "2026-12-02T16:00"),
        (
            "put a team offsite on the calendar from december 14 to december 16",
            "2026-12-14T00:00",
            "2026-12-17T00:00",
        ),
    ],
)
def test_a_new_event_said_from_one_time_to_another_ends_then(
    text: str, start: str, end: str
) -> None:
    """It ended an hour after the second time ("from 2 to 4pm" was 16:00 to 17:00), and a
    span of days was one hour of its first day, titled "team offsite to"."""
    task = form(text).task
    assert task is not None and task.patch, form(text)
    event = json.loads(task.patch[0].value_json or "{}")
    assert (event["start"][:16], event["end"][:16]) == (start, end)
    assert not event["title"].endswith((" to", " de", " von"))


def test_a_move_from_one_time_to_another_keeps_its_length() -> None:
    """ "from 7 to 8" of an event moved says where from and where to."""
    task = form("move the yoga class from 7 to 8").task
    assert task is not None
    assert [op.to_rfc()["value"][11:16] for op in task.patch or []] == ["20:00", "21:00"]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "vom 20. bis 27. Dezember Urlaub eintragen",
            "de",
            ("2026-12-20T00:00", "2026-12-28T00:00"),
        ),
        ("del 20 al 27 de diciembre vacaciones", "es", ("2026-12-20T00:00", "2026-12-28T00:00")),
        ("les vacances du 20 au 27 décembre", "fr", ("2026-12-20T00:00", "2026-12-28T00:00")),
        ("from 9 to 5 on friday", "en", ("2026-12-04T09:00", "2026-12-04T17:00")),
        ("a meeting tomorrow from 3 to 4", "en", ("2026-12-02T15:00", "2026-12-02T16:00")),
        ("la cita de Sam a las cinco", "es", None),
        ("set the lamp from 20 to 40 percent", "en", None),
    ],
)
def test_span(text: str, lang: str, expected: tuple[str, str] | None) -> None:
    assert _span_iso(text, lang) == expected


# what a review of this session's formation changes found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "cancel the dentist, or rather no",
        "annule le dentiste, ou plutôt non",
        "unlock the front door, actually no, don't",
        "sperr die Haustür auf, oder besser nicht",
    ],
)
def test_a_correction_that_takes_the_request_back_does_nothing(text: str) -> None:
    formation = form(text)
    assert formation.task is None or not formation.task.patch, formation.task


@pytest.mark.parametrize(
    "text",
    [
        "TL-42 isn't sorted yet",
        "get TL-120 sorted by friday",
        "Jonas ist dabei, TL-42 zu reparieren",
        "Jonas hat versprochen dass er TL-42 repariert",
        "Lea hat TL-108 fast korrigiert",
        "dile a Marco que ya arregle el 120",
        "no sé si Marco arregló el 42",
        "est-ce que tu peux corriger le 42",
        "le ticket 42 est à corriger",
        "Priya est en train de corriger le 42",
        "el 120 tiene que estar arreglado para el viernes",
    ],
)
def test_a_fix_not_told_as_done_does_not_close_the_ticket(text: str) -> None:
    written = _values_written(text)
    assert "done" not in written, written


def test_a_spanish_number_correction_corrects_the_number_before_it() -> None:
    """ "comprar 6 huevos, no, mejor 12" corrected the time (due at 12:00)."""
    task = form("recuérdame mañana a las 9 comprar 6 huevos, no, mejor 12").task
    assert task is not None
    assert json.loads(task.patch[0].value_json or "{}")["due"] == "2026-12-02T09:00:00+01:00"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "not_day"),
    [
        ("recuérdame coger el 27 a las 7 mañana", "2026-12-27"),
        ("cambia la comida del equipo a las 2, no el 11", "2026-12-11"),
    ],
)
def test_a_number_after_el_that_is_no_date(text: str, not_day: str) -> None:
    task = form(text).task
    assert task is not None
    assert not any(not_day in (op.value_json or "") for op in task.patch or [])


def test_a_complete_request_after_a_fragment_is_not_merged_with_it() -> None:
    """ "Laden auf" (a fragment by its last word) and then "lock the shop door": merged, the
    shop door was unlocked."""
    router, former = _shop_former()
    former.form(router.route(form_event("Laden auf", 7), BASE), BASE)
    later = form_event("lock the shop door", 8).model_copy(
        update={"session_id": "s-7", "occurred_at": BASE + timedelta(seconds=1)}
    )
    task = former.form(router.route(later, BASE), BASE).task
    assert task is not None and [op.to_rfc() for op in task.patch or []] == [
        {"op": "replace", "path": "/entities/lock.shop_door/state", "value": "locked"}
    ]


@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("book a table for friday at 8 and put it in the calendar", "family-calendar"),
        ("get me tickets assigned to priya", "taskline-dev"),
        ("order tickets by priority", "taskline-dev"),
        ("hol die offenen Tickets", "taskline-dev"),
        ("what's the difference between my yoga class and the piano lesson", "family-calendar"),
        ("what's the difference between sprint 48 and sprint 49", "taskline-dev"),
        ("kann man die Heizung im Kinderzimmer auf 19 einfrieren", "home"),
        (
            "erinnere mich an den Sperrmüll, der muss bis Freitag raus auf die Straße",
            "family-calendar",
        ),
    ],
)
def test_requests_that_only_look_like_an_outing_or_a_question_keep_their_project(
    text: str, project: str
) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    assert routed.top_candidates and routed.top_candidates[0].project_id == project


def test_absperren_locks() -> None:
    task = form("kannst du die Hintertür absperren").task
    assert task is not None and [op.to_rfc() for op in task.patch or []] == [
        {"op": "replace", "path": "/entities/lock.back_door/state", "value": "locked"}
    ]


# what a second review found (each failed before its fix)


@pytest.mark.parametrize(
    ("fragment", "rest", "path", "value"),
    [
        (
            "set the bedroom thermostat to…",
            "21 degrees",
            "/entities/climate.bedroom/attributes/target_celsius",
            21.0,
        ),
        (
            "move the dentist to…",
            "friday at 3",
            "/events/ev-dentist/start",
            "2026-12-04T15:00:00+01:00",
        ),
    ],
)
def test_the_end_of_a_fragment_is_merged_with_it(
    fragment: str, rest: str, path: str, value: Any
) -> None:
    """ "21 degrees" alone sets the living room: after "set the bedroom thermostat to…" it
    is the bedroom's (a request of its own, with its own verb, is not merged)."""
    FORMER.form(ROUTER.route(form_event(fragment, 31), BASE), BASE)
    later = form_event(rest, 32).model_copy(
        update={"session_id": "s-31", "occurred_at": BASE + timedelta(seconds=1)}
    )
    task = FORMER.form(ROUTER.route(later, BASE), BASE).task
    assert task is not None and task.patch
    assert (task.patch[0].path, json.loads(task.patch[0].value_json or "null")) == (path, value)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("from the 30th to the 2nd", "en", ("2026-12-30T00:00", "2027-01-03T00:00")),
        ("from the 30th to the 2nd of january", "en", ("2026-12-30T00:00", "2027-01-03T00:00")),
        ("from december 30 to january 2", "en", ("2026-12-30T00:00", "2027-01-03T00:00")),
        ("monday from 8.30 to 10", "en", ("2026-12-07T08:30", "2026-12-07T10:00")),
        ("am Freitag von 8.30 bis 10", "de", ("2026-12-04T08:30", "2026-12-04T10:00")),
        ("tomorrow evening from 8 to 11", "en", ("2026-12-02T20:00", "2026-12-02T23:00")),
        ("saturday night from 9 to 12", "en", ("2026-12-05T21:00", "2026-12-06T00:00")),
        ("from 9pm to 1am", "en", ("2026-12-01T21:00", "2026-12-02T01:00")),
        ("ajoute un dîner de 2 à 4 personnes samedi à 20h", "fr", None),
        ("family dinner saturday at 7, budget from 10 to 20 euros", "en", None),
        ("Kindergeburtstag Samstag um 15 Uhr, Kinder von 6 bis 10 Jahren", "de", None),
    ],
)
def test_span_edges(text: str, lang: str, expected: tuple[str, str] | None) -> None:
    assert _span_iso(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "due"),
    [
        (
            "remind me tonight at 8 to check the flights from december 30 to january 2",
            "2026-12-01T20:00",
        ),
        ("rappelle-moi demain à 9h de réserver l'hôtel du 20 au 27 décembre", "2026-12-02T09:00"),
    ],
)
def test_a_reminder_is_due_when_said_whatever_span_it_mentions(text: str, due: str) -> None:
    task = form(text).task
    assert task is not None and task.patch
    assert json.loads(task.patch[0].value_json or "{}")["due"][:16] == due


@pytest.mark.parametrize(
    "text",
    [
        "Lea hat den Tippfehler in TL-108 korrigiert",
        "ich hab TL-120 noch schnell gefixt",
        "TL-120 schon repariert",
        "j'ai corrige le 42",
        "le TL-42 est corrige",
        "Marco tiene el 42 arreglado",
        "oye, que ya he arreglado el TL-42",
        "El bug del correo de restablecer la contraseña ya está arreglado.",
    ],
)
def test_a_fix_told_as_done_in_other_words_closes_the_ticket(text: str) -> None:
    task = form(text).task
    assert task is not None and any(
        op.to_rfc().get("value") == "done" for op in task.patch or []
    ), form(text)


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        ("die Haustür ist abgesperrt, sperr sie bitte auf", "unlocked"),
        ("move the piano lesson forward a week", None),  # (earlier or later? asked)
        ("cancel my 4pm", None),  # the only 4pm is ten days away: asked
        ("how do you say unlock the front door in german", None),
    ],
)
def test_what_a_second_review_found_is_not_done_wrong(text: str, decision: str | None) -> None:
    task = form(text).task
    values = [op.to_rfc().get("value") for op in (task.patch or [])] if task else []
    if decision is None:
        assert not values or task is None or task.task_type != "stateful", values
    else:
        assert values == [decision], values


@pytest.mark.parametrize(
    ("text", "project"),
    [
        ("annule mon 18h30", "family-calendar"),
        ("get tickets for the concert on saturday", None),
        ("how do you say lock the door in french", None),
    ],
)
def test_times_with_minutes_and_tickets_for_a_concert(text: str, project: str | None) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id == project


def test_a_percent_corrected_stays_a_percent() -> None:
    assert clean("baja la luz del salón al 50%, no, mejor 30", "es").numeric == (
        "baja la luz del salón al 30%"
    )


# what a third review found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "est-ce que Marco a corrige le 42",
        "je veux que le 42 soit corrigé d'ici vendredi",
        "quiero que el 42 esté arreglado para el viernes",
        "necesito el 42 arreglado para el viernes",
        "ich habe Marco gebeten dass er TL-42 repariert",
        "Marco sitzt schon dran und repariert TL-42",
        "Jonas est libre corrige le 42",
        "creo que Marco ya arregló el 42",
    ],
)
def test_a_fix_wished_asked_or_believed_does_not_close_the_ticket(text: str) -> None:
    written = _values_written(text)
    assert "done" not in written, written


@pytest.mark.parametrize(
    ("fragment", "rest", "op"),
    [
        (
            "set the living room thermostat to",
            "and turn on the porch light",
            {"op": "replace", "path": "/entities/light.porch/state", "value": "on"},
        ),
        (
            "apaga la",
            "baja la lámpara de pie al 30",
            {
                "op": "replace",
                "path": "/entities/light.living_floor_lamp/attributes/brightness",
                "value": 30,
            },
        ),
    ],
)
def test_a_request_of_its_own_after_a_fragment_in_any_language(
    fragment: str, rest: str, op: dict[str, Any]
) -> None:
    FORMER.form(ROUTER.route(form_event(fragment, 41), BASE), BASE)
    later = form_event(rest, 42).model_copy(
        update={"session_id": "s-41", "occurred_at": BASE + timedelta(seconds=1)}
    )
    task = FORMER.form(ROUTER.route(later, BASE), BASE).task
    assert task is not None and [o.to_rfc() for o in task.patch or []] == [op]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("saturday night from 10 to 1", "en", ("2026-12-05T22:00", "2026-12-06T01:00")),
        ("tonight from 7 to 9:30", "en", ("2026-12-01T19:00", "2026-12-01T21:30")),
        (
            "ajoute une réunion demain de 14h à 16h pour le projet",
            "fr",
            ("2026-12-02T14:00", "2026-12-02T16:00"),
        ),
        (
            "añade una reunión mañana de 5 a 7 por la tarde",
            "es",
            ("2026-12-02T17:00", "2026-12-02T19:00"),
        ),
        (
            "trag morgen von 10 bis 12 mal einen Termin ein",
            "de",
            ("2026-12-02T10:00", "2026-12-02T12:00"),
        ),
    ],
)
def test_span_edges_of_a_third_review(text: str, lang: str, expected: tuple[str, str]) -> None:
    assert _span_iso(text, lang) == expected


def test_a_request_after_a_phrase_asked_in_another_language_is_done() -> None:
    task = form("how do you say good night in french and turn off the bedroom lamp").task
    assert task is not None and [op.to_rfc() for op in task.patch or []] == [
        {"op": "replace", "path": "/entities/light.bedroom_lamp/state", "value": "off"}
    ]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("dim the floor lamp to 50%, no, 30", "en"), ("stell die Stehlampe auf 50 %, nein, 30", "de")],
)
def test_a_percent_corrected_in_every_language(text: str, lang: str) -> None:
    task = form(text).task
    assert task is not None and [op.to_rfc()["value"] for op in task.patch or []] == [30]


def test_an_event_named_by_its_hour_next_week_on_the_same_weekday() -> None:
    task = form("cancel my 6:30pm").task  # next Tuesday's parents evening
    assert task is not None and [op.to_rfc() for op in task.patch or []] == [
        {"op": "remove", "path": "/events/ev-parents-evening"}
    ]


# what a fourth review found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "Marco nunca arregló el 42",
        "nadie arregló el 42",
        "niemand hat TL-42 repariert",
        "keiner hat TL-42 gefixt",
        "Marco sagt, er hat TL-42 repariert",
        "Marco dijo que arregló el 42",
        "Marco hat TL-42 vielleicht repariert",
    ],
)
def test_a_fix_denied_or_reported_does_not_close_the_ticket(text: str) -> None:
    written = _values_written(text)
    assert "done" not in written, written


@pytest.mark.parametrize("text", ["cancel the 3pm delivery", "cancel the 5pm pickup"])
def test_a_thing_at_an_hour_is_not_the_event_at_that_hour(text: str) -> None:
    task = form(text).task
    assert task is None or not task.patch, [op.to_rfc() for op in task.patch or []]


def test_an_am_after_the_end_of_a_span_is_its_starts_too() -> None:
    found = span(clean("add an event tomorrow from 6 to 8 am", "en"), BASE, "Europe/Paris")
    assert found is not None
    assert (found.start.isoformat()[:16], found.end.isoformat()[:16]) == (
        "2026-12-02T06:00",
        "2026-12-02T08:00",
    )


# the thirteenth session


@pytest.mark.parametrize(
    "text",
    [
        "Marco hasn't fixed TL-42 yet",
        "TL-42 isn't fixed",
        "nobody fixed TL-42",
        "TL-42 hasn't been closed",
        "I didn't close TL-42",
        "le 42 n'est toujours pas fermé",
        "personne n'a fermé le ticket 42",
        "nadie ha cerrado el 42",
        "el 42 aún no está resuelto",
        "niemand hat TL-42 geschlossen",
        "TL-42 ist nicht erledigt",
    ],
)
def test_told_that_a_ticket_is_not_done_changes_nothing(text: str) -> None:
    f = form(text)
    assert f.decision == "no_task", _values_written(text)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("close TL-42 if it's not done", "done"),
        ("don't forget to close TL-42", "done"),
        ("tu peux pas fermer le 42 ?", "done"),
        ("TL-42 isn't fixed, reopen it", "open"),
        ("Marco fixed TL-42", "done"),
    ],
)
def test_a_status_asked_beside_a_denial_is_still_set(text: str, status: str) -> None:
    assert _values_written(text) == [status]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("the front door is locked, unlock it please", "unlocked"),
        ("die Haustür ist abgeschlossen, schließ sie bitte auf", "unlocked"),
        ("la porte d'entrée est verrouillée, déverrouille-la", "unlocked"),
        ("the kitchen lights are off, turn them on please", "on"),
        ("las luces de la cocina están apagadas, enciéndelas", "on"),
        ("lock the back door, it is open", "locked"),
        ("est-ce que tu pourrais allumer la machine à café, s'il te plaît ?", "on"),
    ],
)
def test_a_clause_that_tells_the_state_is_not_the_request(text: str, value: str) -> None:
    written = _values_written(text)
    assert written and set(written) == {value}, written


@pytest.mark.parametrize(
    "text",
    [
        "translate unlock the front door into french",
        "can you translate turn off the lights into spanish",
        "how do I say turn off the lights in spanish",
        "traduis « ferme la porte » en anglais",
        "traduce apaga la luz al inglés",
        "übersetz mal schließ die Tür ab ins Englische",
    ],
)
def test_a_request_asked_to_be_translated_changes_nothing(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id is None
    assert _values_written(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "cancel my 3pm next week",  # the only 3pm is this week's dentist
        "cancel my 3pm on thursday next week",
        "annule mon rendez-vous de 15h la semaine prochaine",
    ],
)
def test_an_event_named_by_its_hour_next_week_is_one_of_that_week(text: str) -> None:
    assert _values_written(text) == []


def test_all_events_of_a_week_named_are_that_weeks() -> None:
    assert _targets(form("cancel all my appointments next week")) == {
        "ev-parents-evening",
        "ev-grandma-birthday",
        "ev-car-service",
        "ev-team-lunch",
        "ev-vet",
    }


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("move my 3pm on thursday to friday", "2026-12-04T15:00"),
        ("move my 3pm appointment to thursday next week", "2026-12-10T15:00"),
        ("move my 3pm on thursday to friday next week", "2026-12-11T15:00"),
        ("déplace mon rendez-vous de jeudi à vendredi", "2026-12-04T15:00"),
        ("mueve la cita del jueves al viernes", "2026-12-04T15:00"),
        ("verschieb den Termin von Donnerstag auf Freitag", "2026-12-04T15:00"),
        ("move the yoga class from tomorrow to friday", "2026-12-04T19:00"),
        # an hour without its half, near the event's own time of day (yoga is at 19:00)
        ("move yoga from 7 to 8 tomorrow", "2026-12-02T20:00"),
        ("die Yogastunde morgen auf acht verschieben", "2026-12-02T20:00"),
        ("move the dentist to friday at 10", "2026-12-04T10:00"),
    ],
)
def test_a_move_goes_to_the_day_and_time_said_after_to(text: str, start: str) -> None:
    written = _values_written(text)
    assert written and str(written[0]).startswith(start), written


@pytest.mark.parametrize(
    ("text", "lang", "start", "end"),
    [
        ("add a trip from thursday to friday", "en", "2026-12-03", "2026-12-05"),
        ("añade un viaje a Sevilla del jueves al domingo", "es", "2026-12-03", "2026-12-07"),
        ("trag Skiurlaub von Donnerstag bis Sonntag ein", "de", "2026-12-03", "2026-12-07"),
        # "du", "del", "vom": days of the month ("de 8 à 10" is hours)
        ("je suis en déplacement du 8 au 10", "fr", "2026-12-08", "2026-12-11"),
        ("añade las vacaciones del 8 al 10", "es", "2026-12-08", "2026-12-11"),
        ("trag Urlaub vom 8 bis 10 ein", "de", "2026-12-08", "2026-12-11"),
    ],
)
def test_a_span_of_days_said_without_a_month(text: str, lang: str, start: str, end: str) -> None:
    found = span(clean(text, lang), BASE, "Europe/Paris")
    assert found is not None and found.all_day
    assert (found.start.isoformat()[:10], found.end.isoformat()[:10]) == (start, end)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ajoute une réunion demain de 8 à 10", "fr"),
        ("trag ein Meeting morgen von 8 bis 10 ein", "de"),
    ],
)
def test_a_span_of_hours_after_a_plain_from(text: str, lang: str) -> None:
    assert _span_iso(text, lang) == ("2026-12-02T08:00", "2026-12-02T10:00")


def test_a_new_event_from_one_weekday_to_another_is_titled_without_them() -> None:
    (event,) = _values_written("add a trip from thursday to friday")
    assert (event["start"][:16], event["end"][:16], event["title"]) == (
        "2026-12-03T00:00",
        "2026-12-05T00:00",
        "trip",
    )


@pytest.mark.parametrize(
    "text",
    [
        "turn on the porch light, non, laisse",
        "turn on the porch light, no, leave it",
        "mach das Verandalicht an, nee, lass mal",
    ],
)
def test_a_no_then_leave_it_takes_the_request_back(text: str) -> None:
    assert form(text).decision == "no_task", _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "turn on the porch light, no not that one, the path lights",
        "allume la lumière du porche, non pas celle-là, celle du jardin",
        "enciende la luz del porche, no, esa no, la del jardín",
        "mach das Verandalicht an, nicht das da, die Weglichter",
    ],
)
def test_not_that_one_then_another_named_corrects_the_target(text: str) -> None:
    assert _targets(form(text)) == {"light.garden_path"}


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("apaga la luz de la cocina, esa no funciona bien", "light.kitchen"),
        ("turn on the porch light, leave it on all night", "light.porch"),
    ],
)
def test_what_follows_a_request_without_naming_another_is_no_correction(
    text: str, target: str
) -> None:
    targets = _targets(form(text))
    assert targets and all(t.startswith(target) for t in targets), targets


@pytest.mark.parametrize(
    "text",
    [
        "unlock the front door in an hour",
        "switch the coffee machine on in ten minutes",
        "in ten minutes, turn off the porch light please",
        "set the heating to 21 at 6am",
        "à 22h éteins la lumière du salon",
        "verrouille la porte d'entrée dans une heure",
        "apaga la luz del porche a las once de la noche",
        "mach die Kaffeemaschine in zehn Minuten an",
        "schalte das Verandalicht um 22 Uhr aus",
    ],
)
def test_a_change_asked_for_later_is_not_done_now(text: str) -> None:
    f = form(text)
    assert f.task is None and f.reply is not None, _values_written(text)
    assert f.reply.reason_code == "deferred_request"


@pytest.mark.parametrize(
    "text",
    [
        "enciende la cafetera, que bajo en cinco minutos",  # when I come down: a reason
        "Allume la machine à café, je descends dans deux minutes",
        "Kaffeemaschine an, Daily in fünf Minuten",
        "dreh die Heizung um zwei Grad runter",  # "um" is "by"
        "set the thermostat at 21",
        "guten Morgen, mach das Licht in der Küche an",
    ],
)
def test_a_time_that_is_not_when_to_change_does_not_defer_it(text: str) -> None:
    assert form(text).decision == "stateful", form(text).reply


# what a review of the thirteenth session's rules found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "no TL-42 is fixed",
        "no problem Marco fixed TL-42",
        "it's not a big deal but TL-42 is fixed",
        "Marco never gave up and fixed TL-42",
        "TL-42 doesn't time out anymore since Marco fixed it",
        "kein Timeout mehr TL-42 ist behoben",
        "ich glaube nicht dass noch was fehlt TL-42 ist erledigt",
        "TL-42 still isn't closed, do it now",
        "niemand hat TL-42 geschlossen, mach das bitte",
        "no sé cómo pero Marco arregló el 42",
    ],
)
def test_a_negation_elsewhere_does_not_deny_the_fix(text: str) -> None:
    assert "done" in _values_written(text), form(text).reply


@pytest.mark.parametrize(
    "text", ["TL-42 needs to be fixed", "TL-42 will be fixed tomorrow", "TL-42 is far from done"]
)
def test_a_fix_still_to_come_does_not_close_the_ticket(text: str) -> None:
    assert "done" not in _values_written(text)


@pytest.mark.parametrize(
    ("text", "told", "asked"),
    [
        ("the garage is locked, unlock the front door", "lock.garage", "unlocked"),
        ("la puerta principal está cerrada, abre la puerta trasera", "lock.front_door", "unlocked"),
        ("the porch light is on, turn off the path lights", "light.porch", "off"),
    ],
)
def test_a_state_told_of_one_thing_is_not_changed_by_a_request_of_another(
    text: str, told: str, asked: str
) -> None:
    task = form(text).task
    ops = [op.to_rfc() for op in (task.patch or [])] if task else []
    assert not any(told in op["path"] and op.get("value") == asked for op in ops), ops


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("la luz del porche está apagada, ¿puedes encenderla?", "on"),
        ("die Haustür ist zu, kannst du sie aufmachen", "unlocked"),
        ("the alarm is off, arm it", "armed_away"),
    ],
)
def test_a_state_told_then_asked_of_it_again(text: str, value: str) -> None:
    assert _values_written(text) == [value]


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("annule mon rendez-vous de jeudi, on verra la semaine prochaine", "ev-dentist"),
        ("cancel my friday event, I'm away next week anyway", "ev-piano"),
        ("cancel my 3pm on thursday, I'm away all next week", "ev-dentist"),
    ],
)
def test_a_week_said_of_something_else_does_not_move_the_day(text: str, target: str) -> None:
    assert _targets(form(text)) == {target}


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("remind me on monday to move the dentist to wednesday", "2026-12-07"),
        ("remind me tomorrow to change the appointment to friday", "2026-12-02"),
    ],
)
def test_a_reminder_to_move_something_is_due_on_its_own_day(text: str, due: str) -> None:
    (reminder,) = _values_written(text)
    assert reminder["due"].startswith(due), reminder


@pytest.mark.parametrize(
    ("text", "lang", "start", "end"),
    [
        (
            "add a trip next week from thursday to sunday",
            "en",
            "2026-12-10T00:00",
            "2026-12-14T00:00",
        ),
        (
            "ajoute un séminaire du jeudi 9h au vendredi 17h",
            "fr",
            "2026-12-03T09:00",
            "2026-12-04T17:00",
        ),
    ],
)
def test_a_span_of_weekdays_next_week_or_with_times(
    text: str, lang: str, start: str, end: str
) -> None:
    assert _span_iso(text, lang) == (start, end)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("move yoga to saturday at 08:00", "2026-12-05T08:00"),  # written the 24-hour way
        ("déplace le yoga à samedi 9h00", "2026-12-05T09:00"),
        ("move yoga to saturday at 8, before breakfast", "2026-12-05T08:00"),
    ],
)
def test_an_hour_with_its_half_said_is_not_moved_to_the_other(text: str, start: str) -> None:
    written = _values_written(text)
    assert written and str(written[0]).startswith(start), written


@pytest.mark.parametrize(
    "text",
    [
        "translate the onboarding screens to german, mark it done",  # a ticket's title
        "how can I say this... close TL-42",
    ],
)
def test_a_translation_word_that_asks_no_translation_keeps_the_request(text: str) -> None:
    assert "done" in _values_written(text)


LIGHTS = {
    it_id
    for it_id, it in STATES["home"]["entities"].items()
    if it.get("kind") == "light" or it_id.startswith("light.")
}


@pytest.mark.parametrize(
    ("text", "value", "left"),
    [
        ("turn off all the lights except the hallway", "off", {"light.hallway"}),
        ("éteins toutes les lumières sauf celle du couloir", "off", {"light.hallway"}),
        ("apaga todas las luces menos la del pasillo", "off", {"light.hallway"}),
        ("mach alle Lichter aus außer im Flur", "off", {"light.hallway"}),
        ("turn off all the lights but leave the porch on", "off", {"light.porch"}),
        ("mach alle Lichter aus aber lass den Flur an", "off", {"light.hallway"}),
    ],
)
def test_all_but_what_is_left_out(text: str, value: str, left: set[str]) -> None:
    f = form(text)
    assert f.task is not None, f.reply
    written = {str(op.path).split("/")[2]: op.to_rfc()["value"] for op in f.task.patch or []}
    assert set(written) == LIGHTS - left and set(written.values()) == {value}, written


def test_all_doors_but_one_locks_the_others() -> None:
    assert _targets(form("lock all the doors except the garage")) == {
        "lock.front_door",
        "lock.back_door",
    }


def test_all_but_something_unknown_changes_nothing() -> None:
    f = form("turn off all the lights except the blorb")
    assert f.task is None and f.reply is not None
    assert f.reply.reason_code == "missing_slot:target"


# what a second review of the thirteenth session's rules found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "unlock the front door at 10:30",
        "disarm the alarm at 6:30",
        "turn on the porch light tonight",  # said at 9:00
        "schalt um 22 Uhr das Verandalicht aus",
        "éteins à 22h la lumière du porche",
        "apaga a las once la luz del porche",
        "enciende la cafetera mañana por la mañana",
    ],
)
def test_a_later_time_said_inside_the_request_defers_it(text: str) -> None:
    f = form(text)
    assert f.reply is not None and f.reply.reason_code == "deferred_request", f.decision


@pytest.mark.parametrize(
    "text",
    [
        "dreh die Heizung runter um 2",
        "turn off the big light, the movie starts in 5 minutes",
        "unlock the back door, the gardener starts at 10am",
        "Morgen, mach die Kaffeemaschine an",
        "tomorrow it'll be freezing, turn the heating up",
        "in 5 minutes I'm leaving, lock the front door",
        "unlock the front door the cleaner is coming at 10am",
        "mets-moi le ruban led en rouge pour le match de ce soir",
    ],
)
def test_a_time_told_as_a_reason_does_not_defer(text: str) -> None:
    assert form(text).decision == "stateful", form(text).reply


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("arm it, everyone's home", "armed_home"),
        ("TL-42 muss zu", "done"),
        ("TL-42 needs to be closed", "done"),
        ("le 42 doit être fermé", "done"),
    ],
)
def test_a_value_told_beside_the_request_still_counts(text: str, value: str) -> None:
    assert _values_written(text) == [value]


@pytest.mark.parametrize(
    ("text", "start"),
    [
        (
            "book the plumber for friday at 10, we're away from monday to wednesday",
            "2026-12-04T10:00",
        ),
        ("remind me at 6 to buy bread for breakfast", "2026-12-01T18:00"),
        ("move yoga to saturday at 9", "2026-12-05T09:00"),  # another day: as said
        ("ajoute au calendrier une réunion vendredi du 8 au 10", "2026-12-04T08:00"),
    ],
)
def test_a_time_is_not_taken_from_another_clause_or_day(text: str, start: str) -> None:
    written = _values_written(text)
    got = (
        written[0]["start" if "start" in written[0] else "due"]
        if isinstance(written[0], dict)
        else written[0]
    )
    assert str(got).startswith(start), written


def test_a_take_back_of_a_later_question_keeps_the_first_request() -> None:
    assert _targets(form("turn off the hallway light. the porch light? no, leave it")) == {
        "light.hallway"
    }


def test_but_not_that_one_is_no_correction() -> None:
    targets = _targets(form("turn off the light in the kitchen and not that one the floor lamp"))
    assert "light.living_floor_lamp" not in targets


@pytest.mark.parametrize(
    "text",
    [
        "turn off the kitchen light and lock the front door",
        "turn on the porch light and turn off the path lights",
        "close TL-42 and assign TL-57 to Marco",
        "éteins la cuisine et ferme la porte d'entrée",
        "apaga la luz de la cocina y cierra la puerta principal",
        "mach das Küchenlicht aus und schließ die Haustür ab",
    ],
)
def test_several_requests_in_one_are_asked_one_at_a_time(text: str) -> None:
    f = form(text)
    assert f.task is None and f.reply is not None, _values_written(text)
    assert f.reply.reason_code == "several_requests"


@pytest.mark.parametrize(
    ("text", "both"),
    [
        (
            "turn on the porch light and turn on the path lights",
            {"light.porch", "light.garden_path"},
        ),
        (
            "enciende la luz del porche y enciende la del jardín",
            {"light.porch", "light.garden_path"},
        ),
        ("cancel yoga and cancel the team lunch", {"ev-yoga", "ev-team-lunch"}),
    ],
)
def test_the_same_request_said_twice_acts_on_both(text: str, both: set[str]) -> None:
    assert _targets(form(text)) == both


# what a third review of the thirteenth session's rules found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "don't turn off all the lights, but leave the porch on",
        "no apagues todas las luces, pero deja la del porche encendida",
    ],
)
def test_all_but_one_said_negated_changes_nothing(text: str) -> None:
    assert form(text).decision == "no_task", _values_written(text)


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("nobody's home, arm it", "armed_away"),
        ("the alarm is off and nobody's home, arm it", "armed_away"),
    ],
)
def test_nobody_home_arms_away(text: str, mode: str) -> None:
    assert _values_written(text) == [mode]


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("alle Lichter sind an außer der Veranda, mach sie aus", {"light.porch"}),
        ("alle Lichter außer der Veranda ausschalten", {"light.porch"}),
        ("all the lights except the porch, turn them off", {"light.porch"}),
        (
            "turn off all the lights except the hallway and the porch",
            {"light.hallway", "light.porch"},
        ),
        ("turn off all the lights except the garden path lights", {"light.garden_path"}),
        ("turn off all the lights except the bedroom lamp", {"light.bedroom_lamp"}),
    ],
)
def test_all_but_what_is_left_out_in_other_words(text: str, left: set[str]) -> None:
    f = form(text)
    assert f.task is not None, f.reply
    written = {str(op.path).split("/")[2]: op.to_rfc()["value"] for op in f.task.patch or []}
    assert set(written) == LIGHTS - left and set(written.values()) == {"off"}, written


@pytest.mark.parametrize(
    "text",
    [
        "apaga todas las luces, menos mal que me acordé",
        "éteins toutes les lumières, à part ça tout va bien",
    ],
)
def test_words_that_only_look_like_an_exception(text: str) -> None:
    f = form(text)
    assert f.task is not None and len(f.task.patch or []) == len(LIGHTS), f.reply


@pytest.mark.parametrize(
    "text",
    [
        "turn the floor lamp on at 40",
        "disarm the alarm that went off at 7am",
        "turn on the coffee machine for the meeting in 10 minutes",
        "tomorrow's going to be freezing, set the heating to 22",
        "demain il fera très froid, mets le chauffage à 22",
        "mañana hace mucho frío, pon la calefacción a 22",
    ],
)
def test_a_time_that_is_not_when_to_change_does_not_defer_it_either(text: str) -> None:
    assert form(text).decision == "stateful", form(text).reply


@pytest.mark.parametrize(
    "text",
    [
        "schalte das Licht im Flur um 20 Uhr an",
        "start movie night in 5 minutes",
        "allume la lumière du porche vers 18h",
    ],
)
def test_a_later_time_is_seen_past_other_words(text: str) -> None:
    f = form(text)
    assert f.reply is not None and f.reply.reason_code == "deferred_request", f.decision


@pytest.mark.parametrize(
    "text", ["it wasn't easy Marco fixed TL-42", "not bad Marco fixed TL-42 in a day"]
)
def test_a_denial_of_something_else_before_the_fix(text: str) -> None:
    assert "done" in _values_written(text)


def test_a_take_back_after_a_full_stop() -> None:
    assert form("turn off the porch light. No, leave it.").decision == "no_task"


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("turn off the lights except the porch", {"light.porch"}),
        ("éteins les lumières sauf le porche", {"light.porch"}),
        ("apaga las luces menos la del porche", {"light.porch"}),
        ("mach die Lichter aus außer der Veranda", {"light.porch"}),
    ],
)
def test_the_things_of_a_kind_but_one_are_all_but_one(text: str, left: set[str]) -> None:
    f = form(text)
    assert f.task is not None, f.reply
    assert {str(op.path).split("/")[2] for op in f.task.patch or []} == LIGHTS - left


# what a fourth review of the thirteenth session's rules found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "move the dentist to friday and move yoga to saturday",
        "assign TL-42 to Marco and assign TL-57 to Priya",
        "move the dentist to friday and yoga to monday",
        "assign TL-42 to Marco and TL-57 to Priya",
        "turn off all the lights except the hallway, and then turn off the porch light too",
    ],
)
def test_a_request_said_twice_with_its_own_values_is_several(text: str) -> None:
    f = form(text)
    assert f.reply is not None and f.reply.reason_code == "several_requests", _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "create a ticket to fix login and add tests",
        "remind me to call the bank and book the car service",
        "close the garage and lock it",
        "assign TL-42 and TL-57 to Marco",
    ],
)
def test_one_request_with_and_in_it_is_one(text: str) -> None:
    assert form(text).decision == "stateful", form(text).reply


@pytest.mark.parametrize(
    "text",
    [
        "move the dentist to friday, not to monday",
        "move the dentist to friday, I'm away till wednesday",
    ],
)
def test_the_first_day_after_to_is_the_new_one(text: str) -> None:
    assert str(_values_written(text)[0]).startswith("2026-12-04T15:00")


def test_all_but_an_area_leaves_out_all_that_is_there() -> None:
    f = form("turn off all the lights except in the kitchen")
    assert f.task is not None
    assert {str(op.path).split("/")[2] for op in f.task.patch or []} == LIGHTS - {
        "light.kitchen_ceiling",
        "light.kitchen_counter",
    }


# what a fifth review of the thirteenth session's rules found (each failed before its fix)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("annule tous mes rendez-vous cette semaine sauf le dentiste", "ev-dentist"),
        ("cancela todas mis citas esta semana menos el yoga", "ev-yoga"),
    ],
)
def test_all_my_events_but_one_keeps_that_one(text: str, kept: str) -> None:
    targets = _targets(form(text))
    assert targets and kept not in targets, targets


def test_all_but_the_lights_of_an_area_keeps_them_all() -> None:
    f = form("turn off all the lights except the kitchen lights")
    assert f.task is not None
    assert {str(op.path).split("/")[2] for op in f.task.patch or []} == LIGHTS - {
        "light.kitchen_ceiling",
        "light.kitchen_counter",
    }


def test_but_only_is_no_exception() -> None:
    assert _targets(form("turn off the lights, but in the kitchen only")) == {
        "light.kitchen_ceiling",
        "light.kitchen_counter",
    }


@pytest.mark.parametrize(
    "text",
    [
        "turn on the porch light and turn off the hallway light, it's bright",
        "apaga la luz de la cocina y enciende la luz del pasillo",
        "could you turn on the porch light and turn off the hallway light",
        "set the kitchen light to 30% and the bedroom lamp to 50%",
    ],
)
def test_several_requests_said_in_other_ways(text: str) -> None:
    f = form(text)
    assert f.reply is not None and f.reply.reason_code == "several_requests", _values_written(text)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("close TL-42 and close TL-57", ["done", "done"]),
        (
            "rename TL-42 to fix the login timeout and add tests",
            ["fix the login timeout and add tests"],
        ),
    ],
)
def test_one_request_with_a_second_verb_in_it(text: str, written: list[str]) -> None:
    assert _values_written(text) == written


def test_a_day_and_then_a_time_for_one_event_is_one_request() -> None:
    written = _values_written("move the dentist to friday and change the time to 4pm")
    assert written and str(written[0]).startswith("2026-12-04T16:00"), written


def test_all_no_leave_one_on_is_all_but_that_one() -> None:
    f = form("turn off all the lights, no, leave the porch on")
    assert f.task is not None
    written = {str(op.path).split("/")[2]: op.to_rfc()["value"] for op in f.task.patch or []}
    assert set(written) == LIGHTS - {"light.porch"} and set(written.values()) == {"off"}


def test_all_doors_but_one_with_a_sharp_s() -> None:
    assert _targets(form("schließ alle Türen außer der Garage ab")) == {
        "lock.front_door",
        "lock.back_door",
    }


@pytest.mark.parametrize(
    "text",
    [
        "don't turn off the porch light, it's getting dark",
        "no apagues la luz del porche, está oscuro",
    ],
)
def test_a_reason_after_a_negated_request_does_not_ask_it_again(text: str) -> None:
    assert form(text).decision == "no_task", _values_written(text)


@pytest.mark.parametrize(
    ("text", "said"),
    [("éteins tout", "(lumière)"), ("apaga todo", "(luz)"), ("mach alles aus", "(Licht)")],
)
def test_a_reply_names_the_kind_of_item_in_its_language(text: str, said: str) -> None:
    f = form(text)
    assert f.reply is not None and said in f.reply.text, f.reply


# the fourteenth session


@pytest.mark.parametrize(
    ("text", "left"),
    [
        (
            "turn off the living room lights but not that one, the floor lamp",
            "light.living_floor_lamp",
        ),
        ("turn off the living room lights except the floor lamp", "light.living_floor_lamp"),
        (
            "éteins les lumières du salon mais pas celui-là, le lampadaire",
            "light.living_floor_lamp",
        ),
        ("apaga las luces del salón pero esa no, la lámpara de pie", "light.living_floor_lamp"),
        (
            "mach die Lichter im Wohnzimmer aus, aber nicht die da, die Stehlampe",
            "light.living_floor_lamp",
        ),
    ],
)
def test_but_not_that_one_leaves_it_out(text: str, left: str) -> None:
    assert _targets(form(text)) == {"light.living_ceiling", "light.tv_strip"} - {left}


def test_not_that_one_it_stays_leaves_it_out() -> None:
    assert _targets(form("lock all the doors, not that one, the back door stays open")) == {
        "lock.front_door",
        "lock.garage",
    }


def test_not_that_one_alone_still_corrects() -> None:
    assert _targets(form("turn off the porch light, no not that one, the path lights")) == {
        "light.garden_path"
    }


@pytest.mark.parametrize(
    "text",
    [
        "the kids left all the lights on, turn them off",
        "tu as laissé la lumière du porche allumée, éteins-la",
        "dejaron la luz del porche encendida, apágala",
        "du hast das Licht auf der Veranda angelassen, mach es aus",
    ],
)
def test_left_on_is_how_it_is_not_the_request(text: str) -> None:
    written = _values_written(text)
    assert written and set(written) == {"off"}, written


@pytest.mark.parametrize(
    "text",
    [
        "good news Marco fixed TL-42 and TL-94 is not fixed yet",
        "Marco fixed TL-42 but TL-94 isn't done yet",
        "TL-94 isn't fixed yet but Marco fixed TL-42",
        "Marco a corrigé le 42 mais le 94 n'est pas encore corrigé",
        "Marco arregló el 42 pero el 94 todavía no está arreglado",
        "Marco hat TL-42 behoben, TL-94 ist noch nicht behoben",
    ],
)
def test_a_ticket_told_not_done_is_not_closed_with_the_other(text: str) -> None:
    assert _targets(form(text)) == {"TL-42"}


def test_two_tickets_told_done_are_both_closed() -> None:
    assert _targets(form("Marco fixed TL-42 and TL-94")) == {"TL-42", "TL-94"}


@pytest.mark.parametrize(
    "text",
    [
        "stell die Heizung um 18 Uhr auf 21 Grad",
        "mach um 22 Uhr das Licht im Flur aus",
        "set the thermostat at 6pm to 21 degrees",
        "mets le chauffage à 18h à 21 degrés",
        "pon la calefacción a las seis de la tarde a 21 grados",
        "turn on the porch light at 8pm for the guests",
    ],
)
def test_a_time_inside_the_request_defers_it(text: str) -> None:
    f = form(text)
    assert f.reply is not None and f.reply.reason_code == "deferred_request", _values_written(text)


@pytest.mark.parametrize(
    "text",
    ["turn on the porch light, the guests arrive at 8", "stell die Heizung auf 21 Grad"],
)
def test_a_time_of_something_else_does_not_defer(text: str) -> None:
    assert form(text).task is not None


@pytest.mark.parametrize(
    ("text", "target", "value"),
    [
        ("the garage is locked, unlock the front door", "lock.front_door", "unlocked"),
        ("la porte du garage est fermée, ouvre la porte d'entrée", "lock.front_door", "unlocked"),
        ("die Garage ist zu, schließ die Haustür auf", "lock.front_door", "unlocked"),
        ("the porch light is on, turn off the hallway light", "light.hallway", "off"),
    ],
)
def test_how_another_thing_is_is_not_the_request(text: str, target: str, value: str) -> None:
    f = form(text)
    assert _targets(f) == {target} and _values_written(text) == [value]


def test_how_a_room_is_still_names_the_room() -> None:
    text = "Im Kinderzimmer ist es zu warm, dreh die Heizung einen Grad runter"
    assert _targets(form(text)) == {"climate.kids_room"}


@pytest.mark.parametrize(
    "text",
    [
        "kannst du das Verandalicht anmachen und das Flurlicht ausmachen",
        "bitte das Verandalicht anmachen und die Haustür abschließen",
        "peux-tu allumer la lumière du porche et éteindre celle du couloir",
        "puedes encender la luz del porche y apagar la del pasillo",
    ],
)
def test_several_requests_with_verbs_in_the_infinitive(text: str) -> None:
    f = form(text)
    assert f.reply is not None and f.reply.reason_code == "several_requests", _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "kannst du das Verandalicht anmachen und das Flurlicht auch",
        "kannst du das Verandalicht und das Flurlicht anmachen",
        "allume la lumière du porche et celle du couloir",
        "peux-tu allumer la lumière du porche et celle du couloir",
        "enciende la luz del porche y la del pasillo",
        "turn on the light in the porch and the one in the hallway",
        "turn on the porch light and the one in the hallway",
    ],
)
def test_the_one_of_another_place_is_named_too(text: str) -> None:
    f = form(text)
    assert _targets(f) == {"light.porch", "light.hallway"} and set(_values_written(text)) == {"on"}


@pytest.mark.parametrize(
    "text",
    [
        "we're all off to the beach for the day, nobody will be home, arm the alarm",
        "I'm off to bed, put the alarm on night mode",
        "Right, we're all off, arm the alarm",
        "off to the airport, arm the alarm",
    ],
)
def test_being_off_somewhere_does_not_disarm(text: str) -> None:
    written = _values_written(text)
    assert written and written[0] != "disarmed", written


@pytest.mark.parametrize(
    "text", ["turn the alarm off", "alarm off please", "schalt die Alarmanlage aus"]
)
def test_the_alarm_off_still_disarms(text: str) -> None:
    assert _values_written(text) == ["disarmed"]


@pytest.mark.parametrize(
    "text",
    [
        "the coffee machine, turn it off, no wait, leave it on",
        "la machine à café… éteins-la, non attends, laisse-la allumée",
        "la cafetera, apágala, no espera, déjala encendida",
        "die Kaffeemaschine, schalt die aus, nee warte, die soll anbleiben",
        "turn off the coffee machine... actually no, the kids are still up, keep it on",
    ],
)
def test_a_correction_that_keeps_it_in_another_state_than_it_is_changes_nothing(
    text: str,
) -> None:
    # (the coffee machine is off: "leave it on" turns nothing on)
    assert form(text).task is None


@pytest.mark.parametrize(
    "text",
    [
        "the coffee machine, turn it on, no wait, leave it off",
        "la machine à café… allume-la, non attends, laisse-la éteinte",
        "la cafetera, enciéndela, no espera, déjala apagada",
        "die Kaffeemaschine, schalt die an, nee warte, die soll ausbleiben",
        "turn on the coffee machine... actually no, the kids are asleep, keep it off",
    ],
)
def test_a_correction_that_keeps_it_as_it_is_writes_the_state_kept(text: str) -> None:
    # (the fifteenth session: the state the correction keeps, where it is so already, is the
    # request, as three blind sets label it; it was answered as taken back before)
    assert _values_written(text) == ["off"]


@pytest.mark.parametrize(
    "text",
    [
        "disarm the alarm, no, leave it on",
        "schalte die Alarmanlage aus, nein, die soll anbleiben",
        "lock the front door, no wait, leave it unlocked",
        "ferme la porte d'entrée, non, laisse-la ouverte",
        "turn off all the lights, no, leave them on",
        "set the heating to 18, no, keep it on",
        "unlock the front door, no, leave it, sam has keys",
    ],
)
def test_a_kept_correction_changes_no_state(text: str) -> None:
    home = STATES["home"]["entities"]
    f = form(text)
    for op in patch_of(f) if f.task else []:
        item = op["path"].split("/")[2]
        assert op["value"] == home[item].get("state"), (text, op)


@pytest.mark.parametrize(
    "text",
    ["turn off the coffee machine, no wait, leave it", "éteins la machine à café, non, laisse"],
)
def test_a_correction_that_keeps_it_without_a_state_changes_nothing(text: str) -> None:
    assert form(text).task is None


def _formed_in(states: dict[str, Any], text: str) -> Formation:
    """``text`` formed with ``states`` as the projects' states (the others as in the demo)."""
    router = Router(REGISTRY, PACKS, calibration=CALIBRATION)
    former = Former(REGISTRY, PACKS, min_confidence=0.5)
    for project, state in {**STATES, **states}.items():
        router.reindex(project, state)
        former.observe(project, 1, state)
    return former.form(router.route(form_event(text), BASE), BASE)


def _home_with_heating_panel() -> dict[str, Any]:
    home = json.loads(json.dumps(STATES["home"]))
    panel = home["entities"]["climate.bedroom"]
    panel["name"], panel["aliases"] = "bedroom heating panel", ["panel heater"]
    for item in home["entities"].values():
        if item.get("kind") == "climate":
            item["aliases"] = []  # (the demo thermostat's "Heizung" names it)
    return home


@pytest.mark.parametrize(
    "text",
    [
        "turn the heating down a bit",
        "remonte un peu le chauffage",
        "baja un poco la calefacción",
        "mach die Heizung mal wärmer",
    ],
)
def test_the_kind_word_in_one_name_does_not_pick_that_one(text: str) -> None:
    f = _formed_in({"home": _home_with_heating_panel()}, text)
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target", f.task


def test_the_rest_of_the_name_still_picks_it() -> None:
    f = _formed_in({"home": _home_with_heating_panel()}, "turn the heating panel down")
    assert _targets(f) == {"climate.bedroom"}


def _tracker_with_two_webhook_tickets() -> dict[str, Any]:
    tracker = json.loads(json.dumps(STATES["taskline-dev"]))
    tickets = tracker["tickets"]
    first, second = sorted(tickets)[:2]
    tickets[first]["title"] = "webhook retries never stop"
    tickets[second]["title"] = "webhook payload misses the actor"
    return tracker


@pytest.mark.parametrize(
    "text",
    [
        "who has the export ticket?",
        "what's the status of the export ticket",
        "qui a le ticket de l'export ?",
    ],
)
def test_a_question_about_one_of_two_alike_asks_which(text: str) -> None:
    f = _formed_in({"taskline-dev": _tracker_with_two_webhook_tickets()}, text)
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target", f.decision
    assert len(str(f.slots.get("candidates", "")).split(",")) == 2


@pytest.mark.parametrize(
    "text", ["which bugs are still open?", "what have I got on tomorrow?", "which lights are on"]
)
def test_a_question_about_many_is_answered(text: str) -> None:
    assert form(text).decision == "ephemeral"


def _tracker_titled(titles: list[str]) -> dict[str, Any]:
    tracker = json.loads(json.dumps(STATES["taskline-dev"]))
    for ticket, title in zip(sorted(tracker["tickets"]), titles, strict=False):
        tracker["tickets"][ticket]["title"] = title
    return tracker


@pytest.mark.parametrize(
    ("text", "nth"),
    [
        ("Marco a corrigé le bug du raccourci clavier", 0),
        ("cierra el ticket de las plantillas", 1),
        ("schließ das Ticket mit den Kommentaren", 2),
        ("ferme le ticket des brouillons", 3),
    ],
)
def test_a_ticket_named_in_another_language_than_its_title(text: str, nth: int) -> None:
    titles = [
        "keyboard shortcut opens the wrong tab",
        "templates lose their fields on save",
        "comments vanish after reload",
        "drafts are not saved offline",
    ]
    tracker = _tracker_titled(titles)
    f = _formed_in({"taskline-dev": tracker}, text)
    wanted = sorted(tracker["tickets"])[nth]
    assert _targets(f) == {wanted}, tracker["tickets"][wanted]["title"]


# what a review of the fourteenth session's rules found (each failed before its fix)


@pytest.mark.parametrize(
    "text",
    [
        "don't close TL-94, it's not fixed yet, but TL-42 is fixed",
        "ne ferme pas TL-94, il n'est pas encore corrigé, mais TL-42 est corrigé",
    ],
)
def test_a_negated_close_stays_negated_beside_a_ticket_told_done(text: str) -> None:
    assert form(text).task is None


def test_the_one_that_stays_on_is_not_switched() -> None:
    f = form("éteins la lumière de la cuisine et celle du couloir reste allumée")
    assert "light.hallway" not in (_targets(f) if f.task else set())


def test_the_one_on_another_day_is_another_request() -> None:
    f = form("move the dentist to friday and the one on monday to tuesday")
    assert f.task is None


@pytest.mark.parametrize(
    "text",
    [
        "turn the alarm off for now",
        "alarm off to let the dog out",
        "turn the alarm off out here",
        "Alarmanlage aus der Paketbote klingelt",
    ],
)
def test_the_alarm_off_for_a_while_disarms(text: str) -> None:
    assert _values_written(text) == ["disarmed"]


@pytest.mark.parametrize(
    "text",
    ["arm the alarm, I'm off", "we're heading off, arm the alarm", "off we go, arm the alarm"],
)
def test_leaving_said_with_off_arms(text: str) -> None:
    assert _values_written(text) == ["armed_away"]


@pytest.mark.parametrize("text", ["turn on the pump", "allume la pompe", "schalt die Pumpe ein"])
def test_a_kind_of_thing_named_by_its_type_is_that_one(text: str) -> None:
    assert _targets(form(text)) == {"switch.water_pump"}


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("kannst du die Heizung runterdrehen und auf 19 stellen", "climate.living_room"),
        ("puedes bajar la calefacción y ponerla a 19", "climate.living_room"),
        ("kannst du die Hintertür zumachen und abschließen", "lock.back_door"),
    ],
)
def test_two_verbs_for_one_thing_are_one_request(text: str, target: str) -> None:
    assert _targets(form(text)) == {target}


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        (
            "turn on the small lamp in the bedroom and the one in the office",
            {"light.bedroom_lamp", "light.office_desk"},
        ),
        (
            "turn off the main light in the kitchen and the one in the hallway",
            {"light.kitchen_ceiling", "light.hallway"},
        ),
    ],
)
def test_the_one_in_another_room_in_english(text: str, targets: set[str]) -> None:
    assert _targets(form(text)) == targets


def test_a_correction_naming_another_thing_then_keeping_it_on() -> None:
    text = "turn on the porch light, no wait, the hallway light, keep it on"
    assert _targets(form(text)) == {"light.hallway"} and _values_written(text) == ["on"]


@pytest.mark.parametrize(
    "text",
    [
        "unlock the front door, uh no, keep it locked",
        "déverrouille la porte d'entrée, ah non, laisse-la fermée",
        "schließ die Haustür auf, ach nein, lass sie zu",
        "turn on the porch light, nah leave it off",
        "enciende la luz del porche, bueno no, déjala apagada",
    ],
)
def test_no_keep_it_as_it_is_after_a_filler_writes_the_state_kept(text: str) -> None:
    # (the front door is locked and the porch light off in the demo home)
    assert _values_written(text) in (["locked"], ["off"])


def test_how_one_door_is_does_not_set_all_of_them() -> None:
    assert set(_values_written("the back door is unlocked, lock all the doors")) == {"locked"}


@pytest.mark.parametrize(
    "text",
    [
        "j'ai laissé la lumière du porche allumée, éteins-la",
        "dejé la luz del porche encendida, apágala",
    ],
)
def test_i_left_it_on_is_how_it_is(text: str) -> None:
    assert _values_written(text) == ["off"]


def test_the_poor_thing_is_no_alarm() -> None:
    f = form("Leo friert in seinem Zimmer, der Arme")
    assert not (f.task and any("alarm" in p for p in _targets(f)))


def test_nothing_is_removed_on_a_faint_likeness() -> None:
    f = form("label ux fürs rückgängig machen beim massenlöschen")
    assert not (f.task and any(op["op"] == "remove" for op in patch_of(f)))


@pytest.mark.parametrize("text", ["set the thermostat at 6 to 21", "set the heating to 21 at 6"])
def test_a_thermostat_at_a_time_to_a_value_is_deferred(text: str) -> None:
    f = form(text)
    assert f.reply is not None and f.reply.reason_code == "deferred_request", _values_written(text)


@pytest.mark.parametrize("text", ["set the thermostat at 21", "pon el salón a 21"])
def test_a_thermostat_at_a_value_is_set(text: str) -> None:
    assert _values_written(text) == [21.0]


def test_the_value_it_is_set_to_beside_how_it_was_left() -> None:
    assert _values_written("I left the heating at 25, set it to 19") == [19.0]


@pytest.mark.parametrize(
    "text", ["i left the porch light on", "j'ai laissé la lumière du porche allumée"]
)
def test_how_it_was_left_alone_changes_nothing(text: str) -> None:
    assert form(text).task is None


def test_a_ticket_asked_about_without_a_question_mark_is_not_closed() -> None:
    assert "done" not in _values_written("is TL-42 fixed")


def test_a_fix_said_undone_is_neither_closed_nor_assigned() -> None:
    assert form("Marco didn't fix TL-42").task is None
    assert _targets(form("Marco didn't fix TL-42, he fixed TL-94")) == {"TL-94"}


@pytest.mark.parametrize(
    "text",
    [
        "assign the, what's it called, the login bug to Priya",
        "pásale a Priya el… ¿cómo se llama? el bug del login",
        "weis das, wie heißt das noch, das Login-Ticket Priya zu",
    ],
)
def test_words_said_to_oneself_are_dropped(text: str) -> None:
    assert _values_written(text) == ["priya"] and _targets(form(text)) == {"TL-42"}


def test_what_a_ticket_is_called_is_still_a_question() -> None:
    task = form("wie heißt das Ticket vom Login?").task
    assert task is None or task.task_type == "ephemeral"


# what a second review of the fourteenth session's rules found (each failed before its fix)


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("the garage is locked, unlock the front door and the back door", "lock.garage"),
        ("the floor lamp is on, switch off the strip", "light.living_floor_lamp"),
        ("the coffee machine is off, turn on the pump", "switch.coffee_machine"),
    ],
)
def test_the_thing_told_of_is_not_given_the_asked_value(text: str, told: str) -> None:
    f = form(text)
    state = STATES["home"]["entities"][told]["state"]
    assert all(op["value"] == state for op in (patch_of(f) if f.task else []) if told in op["path"])


@pytest.mark.parametrize(
    "text",
    [
        "Marco fixed TL-42 but TL-94 isn't fixed, don't close anything yet",
        "TL-42 est corrigé mais pas TL-94, ne ferme rien pour l'instant",
        "TL-42 está arreglado y TL-94 no, no cierres nada todavía",
    ],
)
def test_nothing_to_close_yet_closes_nothing(text: str) -> None:
    assert form(text).task is None


@pytest.mark.parametrize(
    "text", ["l'alarme, arme-la", "armiere die Alarmanlage", "puedes armarla, la alarma"]
)
def test_arming_said_with_a_pronoun_or_in_german_arms(text: str) -> None:
    assert _values_written(text) == ["armed_away"]


# the fifteenth session: older wrong tasks a review listed (each failed before its fix, but
# the guards that what worked still works)


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("turn on the porch light but not the hallway light", "light.porch"),
        ("turn on the porch light but not the hallway one", "light.porch"),
        ("lock the front door but not the back door", "lock.front_door"),
        ("allume la lumière du porche mais pas celle du couloir", "light.porch"),
        ("enciende la luz del porche pero no la del pasillo", "light.porch"),
        ("mach das Licht auf der Veranda an, aber nicht das im Flur", "light.porch"),
    ],
)
def test_one_thing_said_not_to_be_done_is_left_out(text: str, done: str) -> None:
    assert _targets(form(text)) == {done}


@pytest.mark.parametrize(
    "text",
    [
        "I left the front door unlocked",
        "I think I left the back door open",
        "dejé la puerta trasera abierta",
        "ich hab die Haustür offen gelassen",
        "I left the alarm off",
    ],
)
def test_how_a_lock_or_the_alarm_was_left_is_asked_about(text: str) -> None:
    f = form(text)
    assert f.task is None and f.reply is not None
    assert f.reply.reason_code in {"missing_slot:lock_state", "missing_slot:alarm_mode"}


def test_a_choice_of_two_is_asked_with_the_item() -> None:
    reply = form("I left the front door unlocked").reply
    assert reply is not None and reply.text == "Should I lock or unlock the front door?"


def test_a_lock_left_open_and_asked_to_be_locked_is_locked() -> None:
    assert _values_written(
        "I have a feeling somebody left the back door open, would you mind locking it for me?"
    ) == ["locked"]


@pytest.mark.parametrize(
    "text",
    [
        "lights off and alarm on",
        "turn the lights off and the alarm on",
        "turn the kitchen light on and the porch light off",
        "mach das Licht im Flur aus und die Alarmanlage an",
    ],
)
def test_a_verb_said_once_for_two_states_asks_one_at_a_time(text: str) -> None:
    f = form(text)
    assert f.task is None and f.reply is not None
    assert f.reply.reason_code == "several_requests"


def test_the_same_state_after_and_is_one_request() -> None:
    f = form("turn the porch light off and the hallway light off")
    assert _targets(f) == {"light.porch", "light.hallway"}
    assert {op["value"] for op in patch_of(f)} == {"off"}


@pytest.mark.parametrize("text", ["cancel the dance class", "annule le cours de danse"])
def test_nothing_is_removed_that_a_shared_word_beside_an_unknown_one_names(text: str) -> None:
    assert form(text).task is None


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("cancel the yoga class", "ev-yoga"),
        ("cancel my class", "ev-yoga"),
        ("annule le cours de yoga", "ev-yoga"),
        ("annule le rendez-vous chez le véto", "ev-vet"),
    ],
)
def test_an_event_named_by_its_own_words_is_still_removed(text: str, event: str) -> None:
    assert _targets(form(text)) == {event}


@pytest.mark.parametrize(
    "text",
    [
        "set the heating to 22, uh no, 20",
        "mets le chauffage à 22, euh non, 20",
        "stell die Heizung auf 22, äh nein, 20",
    ],
)
def test_a_number_corrected_after_a_filler_takes_the_later_one(text: str) -> None:
    assert _values_written(text) == [20.0]


@pytest.mark.parametrize(
    "text",
    [
        "unlock the front door, no, it should stay locked",
        "unlock the front door, wait no, keep it locked",
        "unlock the front door, scratch that, keep it locked",
        "schließ die Haustür auf, nee, lass sie lieber zu",
        "déverrouille la porte d'entrée, non, elle doit rester fermée",
        "abre la puerta principal, no, mejor que se quede cerrada",
    ],
)
def test_a_lock_kept_as_it_is_after_a_correction_is_not_unlocked(text: str) -> None:
    assert "unlocked" not in _values_written(text)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("yoga is on wednesday, cancel the dentist", "ev-dentist"),
        ("yoga est mercredi, annule le dentiste", "ev-dentist"),
        ("Marco is on TL-42, assign TL-94 to Jonas", "TL-94"),
    ],
)
def test_an_event_or_ticket_told_of_is_not_the_one_asked_for(text: str, target: str) -> None:
    assert _targets(form(text)) == {target}


def _tracker_with(titles: dict[str, str]) -> dict[str, Any]:
    tracker = json.loads(json.dumps(STATES["taskline-dev"]))
    tracker["tickets"] = {
        n: {"title": t, "status": "open", "assignee": None, "labels": []} for n, t in titles.items()
    }
    return tracker


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("ferme le ticket des niveaux de priorité personnalisés", "TL-1"),
        ("cierra el ticket de la vista cronológica", "TL-2"),
        ("schließ das Ticket mit den Abhängigkeitspfeilen", "TL-3"),
        ("ferme le ticket de la traduction polonaise", "TL-4"),
    ],
)
def test_a_ticket_is_named_by_the_words_of_its_title_in_another_language(
    text: str, ticket: str
) -> None:
    tracker = _tracker_with(
        {
            "TL-1": "custom priority levels for boards",
            "TL-2": "timeline view flickers while scrolling",
            "TL-3": "dependency arrows vanish after a reload",
            "TL-4": "Polish translation of the help pages",
        }
    )
    assert _targets(_formed_in({"taskline-dev": tracker}, text)) == {ticket}


@pytest.mark.parametrize(
    "text",
    [
        "move the delivery ticket to review",
        "pon en revisión el ticket de las entregas",
        "donne le ticket des rappels des plantes à Priya",
    ],
)
def test_a_ticket_of_a_pair_named_by_their_shared_word_asks_which(text: str) -> None:
    tracker = _tracker_with(
        {
            "TL-1": "delivery slot picker offers Sundays",
            "TL-2": "let customers choose a two-hour delivery window",
            "TL-3": "plant care reminder emails are sent at 3 am",
            "TL-4": "push notification watering reminders for each plant",
        }
    )
    f = _formed_in({"taskline-dev": tracker}, text)
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target", f.reply
    assert len(f.slots["candidates"].split(",")) == 2


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("weis die Barrierefreiheitsprüfung Priya zu", "TL-1"),
        ("häng ans Ticket mit dem Zwei-Stunden-Lieferfenster das Label backend", "TL-2"),
    ],
)
def test_a_german_compound_names_a_ticket_by_its_parts(text: str, ticket: str) -> None:
    tracker = _tracker_with(
        {
            "TL-1": "accessibility audit of the product pages",
            "TL-2": "let customers choose a two-hour delivery window",
            "TL-3": "loyalty points not credited on click-and-collect orders",
        }
    )
    assert _targets(_formed_in({"taskline-dev": tracker}, text)) == {ticket}


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Can you change that in Apollo for me?", "What should I change"),
        ("Trag das bei Helios ein.", "Was soll ich ändern"),
        ("mets ça dans Atlas", "Que dois-je modifier"),
    ],
)
def test_a_change_of_that_to_a_project_without_state_asks_what(text: str, reply: str) -> None:
    f = form(text, 139)
    assert f.decision == "clarification" and f.reply is not None
    assert f.reply.text.startswith(reply), f.reply.text


@pytest.mark.parametrize(
    "text",
    [
        "muy bien hecho",
        "you're getting really good at this",
        "te estás volviendo muy bueno",
        "tu deviens vraiment fort",
        "du wirst immer besser",
    ],
)
def test_the_assistant_praised_does_nothing(text: str) -> None:
    f = form(text)
    assert f.task is None and f.decision == "no_task"


def test_a_request_after_praise_of_the_assistant_is_done() -> None:
    assert _values_written("bien hecho, ahora apaga la luz del porche") == ["off"]


def _home_with_a_child_and_a_proofer() -> dict[str, Any]:
    home = json.loads(json.dumps(STATES["home"]))
    home["areas"]["tobi_room"] = {"name": "Tobi's room", "aliases": ["chambre de Tobi"]}
    home["entities"]["climate.tobi_radiator"] = {
        "name": "Tobi's radiator",
        "aliases": [],
        "area": "tobi_room",
        "kind": "climate",
        "state": "heat",
        "attributes": {"target_celsius": 19, "current_celsius": 18},
    }
    home["entities"]["climate.proofer"] = {
        "name": "dough proofer",
        "aliases": ["proofing cabinet"],
        "area": "kitchen",
        "kind": "climate",
        "state": "heat",
        "attributes": {"target_celsius": 35, "current_celsius": 34},
    }
    return home


@pytest.mark.parametrize(
    "text",
    [
        "Tobi says his room is freezing",
        "Tobi dit qu'il caille dans sa chambre",
        "Tobi friert in seinem Zimmer",
        "Mira keeps telling me Tobi's room is like a fridge",
    ],
)
def test_a_room_said_by_whose_it_is_is_that_ones(text: str) -> None:
    f = _formed_in({"home": _home_with_a_child_and_a_proofer()}, text)
    assert _targets(f) == {"climate.tobi_radiator"}


def test_a_temperature_near_what_a_thing_is_set_to_is_read() -> None:
    f = _formed_in({"home": _home_with_a_child_and_a_proofer()}, "put the dough proofer up to 38")
    assert [op["value"] for op in patch_of(f)] == [38.0]


def test_a_name_like_a_spanish_opener_is_kept_in_english() -> None:
    assert clean("Mira says her room is cold", "en").text.startswith("mira")
    assert clean("mira, enciende la luz", "es").text == "enciende la luz"


def test_set_the_alarm_arms_it() -> None:
    assert _values_written("we're all out for the day, can you set the alarm?") == ["armed_away"]


@pytest.mark.parametrize("text", ["set an alarm for 7am", "set the alarm for 6 am"])
def test_a_wake_up_alarm_does_not_arm_the_house(text: str) -> None:
    assert "armed_away" not in _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "remind me to turn off the porch light at 10",
        "recuérdame mañana comprar bombillas para la lámpara del salón",
        "rappelle-moi de fermer la porte du garage ce soir",
        "erinnere mich morgen, die Heizung zu entlüften",
    ],
)
def test_what_a_reminder_is_about_does_not_route_it_elsewhere(text: str) -> None:
    router = Router(REGISTRY, PACKS, calibration=CALIBRATION)
    for project, state in STATES.items():
        router.reindex(project, state)
    assert router.route(form_event(text), BASE).project_id == "family-calendar"


def test_a_question_on_one_of_two_items_asks_which_when_it_names_no_time() -> None:
    # "à quelle heure" asks for a time, it names none; "dehumidifier" has "midi" in it
    home = json.loads(json.dumps(STATES["home"]))
    for n, area in enumerate(["kitchen", "office"]):
        home["entities"][f"switch.dehumidifier_{n}"] = {
            "name": f"{area} dehumidifier",
            "aliases": ["dehumidifier"],
            "area": area,
            "kind": "switch",
            "state": "on",
            "attributes": {},
        }
    f = _formed_in({"home": home}, "is the dehumidifier running?")
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target"


# what the fifteenth session's review found (each failed on the code it reviewed)


@pytest.mark.parametrize(
    "text",
    ["you're awesome, I put the bins out", "du bist super, ich hab die Mülltonnen rausgestellt"],
)
def test_praise_then_a_chore_told_done_completes_it(text: str) -> None:
    assert _targets(form(text)) == {"rem-bins"}


@pytest.mark.parametrize(
    "text", ["cancel the family birthday dinner", "cancel the big birthday dinner"]
)
def test_a_removal_on_the_words_of_its_name_with_another_before_them(text: str) -> None:
    assert _targets(form(text)) == {"ev-grandma-birthday"}


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("turn off the porch light but not the one in the garden", {"light.porch"}),
        ("lock the front door but not the deadbolt", {"lock.front_door"}),
    ],
)
def test_what_but_not_leaves_out_never_empties_a_named_request(text: str, done: set[str]) -> None:
    assert _targets(form(text)) == done


def test_but_not_in_a_room_leaves_that_room_out() -> None:
    targets = _targets(form("turn on the lights but not in the bedroom"))
    assert targets and not targets & {"light.bedroom_lamp", "light.bedroom_ceiling"}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("turn the porch light on and keep it on", ["on"]),
        ("turn the porch light on and leave the hallway light on", ["on"]),
    ],
)
def test_a_verb_said_again_is_no_gap(text: str, values: list[str]) -> None:
    assert _values_written(text) == values


def test_a_told_state_and_another_is_no_request_for_two() -> None:
    f = form("die Lichter sind aus und die Alarmanlage ist an")
    assert f.reply is None or f.reply.reason_code != "several_requests"


@pytest.mark.parametrize(
    "text",
    [
        "the lights are off and the alarm is on, goodnight",
        "I disarmed the alarm",
        "i just unlocked the back door",
        "the back door is unlocked, isn't it",
        "we left the garage unlocked, no big deal",
        "the cat set the alarm off again",
    ],
)
def test_a_lock_or_the_alarm_told_of_is_not_changed(text: str) -> None:
    assert not set(_values_written(text)) & {"unlocked", "disarmed"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sam unlocked the front door, lock it again", "locked"),
        ("did someone leave the back door open? lock it", "locked"),
        ("¿está abierta la puerta trasera? ciérrala", "locked"),
        ("the alarm is off, arm it", "armed_away"),
    ],
)
def test_the_request_after_what_is_told_is_done(text: str, value: str) -> None:
    assert _values_written(text) == [value]


def test_a_room_radiator_is_not_set_far_above_a_room() -> None:
    assert 31.0 not in _values_written("set the bedroom radiator to 31")


def test_an_item_named_in_a_reply_in_another_language_is_quoted() -> None:
    reply = form("j'ai laissé la porte d'entrée ouverte").reply
    assert reply is not None and "« front door »" in reply.text


@pytest.mark.parametrize("text", ["put the heating on at 6", "put the heating on for 30 minutes"])
def test_a_time_or_a_duration_is_no_temperature(text: str) -> None:
    assert not {6.0, 30.0} & set(_values_written(text))


def test_at_a_room_temperature_is_a_thermostat_value() -> None:
    assert _values_written("set the thermostat at 21") == [21.0]


@pytest.mark.parametrize(
    "text", ["annule l'entraînement de basket", "cancela el entrenamiento de baloncesto"]
)
def test_another_sport_s_practice_is_not_removed(text: str) -> None:
    assert form(text).task is None


@pytest.mark.parametrize(
    "text", ["annule l'entraînement de foot", "cancela el entrenamiento de fútbol"]
)
def test_the_practice_named_in_another_language_is_removed(text: str) -> None:
    assert _targets(form(text)) == {"ev-football"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("éteins toutes les lumières du salon, on ferme à midi", "off"),  # when we close
        ("on n'y voit plus rien dans la cuisine", "on"),
    ],
)
def test_a_reason_with_a_time_and_darkness_said_in_french(text: str, value: str) -> None:
    written = _values_written(text)
    assert written and set(written) == {value}


def test_an_event_that_falls_through_is_cancelled() -> None:
    assert _targets(form("le yoga tombe à l'eau cette semaine, la prof est malade")) == {"ev-yoga"}


@pytest.mark.parametrize(
    ("text", "door"),
    [
        # (the fifteenth session: one of the family, or someone who forgot their keys, waiting
        # at a door is let in, as gen6-gen8 label it; a courier, a stranger, the dog are not)
        ("my mum's waiting at the front door with her shopping bags", "lock.front_door"),
        ("mi suegra está esperando en la puerta principal", "lock.front_door"),
        ("belle-maman attend devant la porte d'entrée", "lock.front_door"),
        ("meine Schwiegermutter steht unten vor der Haustür", "lock.front_door"),
        ("Sam is outside the garage, he forgot his keys", "lock.garage"),
    ],
)
def test_one_of_the_family_waiting_at_a_door_is_let_in(text: str, door: str) -> None:
    f = form(text)
    assert _targets(f) == {door} and _values_written(text) == ["unlocked"]


@pytest.mark.parametrize(
    "text",
    [
        "my mum is at the front door, don't open it",
        "my wife is at the front door, keep it locked",
        "the dog is waiting at the back door",
    ],
)
def test_one_of_the_family_at_a_door_told_to_wait_is_not_let_in(text: str) -> None:
    assert "unlocked" not in _values_written(text)


# what the fifteenth session's second review found (each failed on the code it reviewed)


@pytest.mark.parametrize(
    ("text", "door"),
    [
        ("I locked the front door, unlock the back door", "lock.back_door"),
        ("j'ai verrouillé la porte d'entrée, déverrouille la porte de derrière", "lock.back_door"),
    ],
)
def test_a_lock_told_of_is_not_the_one_asked_for(text: str, door: str) -> None:
    assert _targets(form(text)) == {door}


@pytest.mark.parametrize(
    "text",
    [
        "I set the alarm",
        "I've set the alarm",
        "set the alarm later",
        "j'ai déverrouillé la porte d'entrée pour le plombier",
        "sam a désactivé l'alarme en rentrant",
        "he desbloqueado la puerta principal para el fontanero",
    ],
)
def test_what_was_done_to_a_lock_or_the_alarm_is_told_not_asked(text: str) -> None:
    assert form(text).task is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("i want the front door unlocked", "unlocked"),
        ("I want the alarm armed", "armed_away"),
        ("did the kids leave the garage open? lock it please", "locked"),
        ("I disarmed the alarm, arm it again", "armed_away"),
        ("did you disarm the alarm? arm it", "armed_away"),
    ],
)
def test_what_is_wanted_after_or_beside_what_is_told_is_done(text: str, value: str) -> None:
    assert _values_written(text) == [value]


@pytest.mark.parametrize(
    "text",
    [
        "disarm the alarm, no, leave it, it's armed for a reason",
        "unlock the back door, no, leave it, keep everything locked",
        "desbloquea la puerta principal, no, déjala, la cerradura está rota",
    ],
)
def test_a_take_back_with_a_reason_after_it_changes_nothing(text: str) -> None:
    assert form(text).task is None


@pytest.mark.parametrize(
    "text", ["remind me to cancel the dentist", "recuérdame cancelar la clase de yoga"]
)
def test_a_reminder_of_a_removal_removes_nothing(text: str) -> None:
    assert form(text).task is None


def test_again_names_no_other_event() -> None:
    assert _targets(form("cancel piano again")) == {"ev-piano"}


def test_praise_then_a_chore_in_spanish_completes_it() -> None:
    assert _targets(form("buen trabajo, ya recogí la receta")) == {"rem-pharmacy"}


def test_asked_to_check_a_lock_changes_nothing() -> None:
    assert "unlocked" not in _values_written("the garage might be unlocked, can you check")


@pytest.mark.parametrize(
    "text",
    ["schließ die Haustür ab und die Hintertür auf", "mach die Haustür zu und das Licht aus"],
)
def test_two_states_said_with_one_verb_or_none_ask_one_at_a_time(text: str) -> None:
    f = form(text)
    assert f.task is None and f.reply is not None and f.reply.reason_code == "several_requests"


@pytest.mark.parametrize(
    "text", ["lock up except the garage", "cancel everything on wednesday but yoga"]
)
def test_what_is_left_out_is_never_the_one_thing_done(text: str) -> None:
    f = form(text)
    assert f.task is None or not ({"lock.garage", "ev-yoga"} & _targets(f))


# the sixteenth session: everyone leaving the house arms the alarm for an empty house


@pytest.mark.parametrize(
    "text",
    [
        "we're all heading out for the afternoon",
        "everybody's off to the beach today, there'll be nobody home",
        "on s'en va tous au marché pour la matinée",
        "nos vamos todos de excursión, la casa se queda vacía",
        "wir gehen jetzt alle für den Nachmittag zum Weihnachtsmarkt",
    ],
)
def test_everyone_leaving_arms_the_alarm_for_an_empty_house(text: str) -> None:
    formation = form(text)
    assert formation.task is not None, formation.reply
    assert [(op.to_rfc()["path"], op.to_rfc()["value"]) for op in formation.task.patch or []] == [
        ("/entities/alarm.house/state", "armed_away")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "we're all off to bed",  # the night, not an empty house
        "we're all going to the cinema on friday at 8",  # a plan, not now
        "wir sind alle zu Hause",
        "we're all off tomorrow, put it in the calendar",
    ],
)
def test_a_plan_or_bedtime_is_not_leaving_the_house(text: str) -> None:
    formation = form(text)
    patch = formation.task.patch or [] if formation.task is not None else []
    assert not any(op.to_rfc()["path"].startswith("/entities/alarm") for op in patch)


def _home_with_miras_room() -> dict[str, Any]:
    home = json.loads(json.dumps(STATES["home"]))
    home["areas"]["mira_room"] = {
        "name": "Mira's room",
        "aliases": ["cuarto de Mira", "Miras Zimmer"],
    }
    home["entities"]["climate.mira_radiator"] = {
        "name": "Mira's radiator",
        "aliases": [],
        "area": "mira_room",
        "kind": "climate",
        "state": "heat",
        "attributes": {"target_celsius": 19, "current_celsius": 18},
    }
    return home


@pytest.mark.parametrize(
    "text",
    [
        # Spanish "mira" opens a sentence ("look, …") unless Mira says or does something
        "Mira dice que en su cuarto hace un frío horrible",
        # the German genitive has no apostrophe: "Miras Zimmer"
        "Mira sagt, sie friert in ihrem Zimmer",
    ],
)
def test_a_room_said_by_whose_it_is_in_spanish_and_german(text: str) -> None:
    f = _formed_in({"home": _home_with_miras_room()}, text)
    assert _targets(f) == {"climate.mira_radiator"}


@pytest.mark.parametrize(
    "text",
    [
        "Nils is outside the front door and can't get in",
        "Nils steht vor der Haustür und kommt nicht rein",
        "los invitados no consiguen entrar por la puerta principal",
    ],
)
def test_someone_who_cannot_get_in_is_let_in(text: str) -> None:
    assert _values_written(text) == ["unlocked"]


def test_a_courier_who_cannot_get_in_is_asked_about() -> None:
    assert _values_written("the courier is at the front door and can't get in") == []


@pytest.mark.parametrize(
    "text",
    [
        "ugh, such a long day",
        "I'm completely wiped",
        "pff, je suis naze",
        "menudo día llevo",
        "ich bin total kaputt heute",
        "you're a legend",
        "t'es au top",
        "eres un sol",
        "du bist ein Schatz",
    ],
)
def test_a_long_day_told_or_the_assistant_praised_is_small_talk(text: str) -> None:
    formation = form(text)
    assert formation.decision == "no_task"
    assert formation.task is None


@pytest.mark.parametrize(
    "text",
    [
        "I'm exhausted, dim the living room lights",
        "qué día es hoy",
        "ich bin fertig mit TL-42",
        "you're the best, now lock the front door",
    ],
)
def test_tiredness_or_praise_with_a_request_or_a_question_is_not_small_talk(text: str) -> None:
    formation = form(text)
    assert not (formation.reply is not None and formation.reply.reason_code == "smalltalk")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("repasse le TL-42 en ouvert", "open"),
        ("vuelve a poner el TL-42 como abierto", "open"),
        ("setz TL-42 wieder auf offen", "open"),
        ("close 94, don't put it back to open", "done"),
    ],
)
def test_a_ticket_put_back_to_open_in_four_languages(text: str, want: str) -> None:
    assert status(clean(text, detect(text).lang)) == want


def test_tracker_words_of_titles_are_known_in_other_languages() -> None:
    from processors.lexicon import canonical

    assert [canonical(w) for w in ("gespeicherten", "vistas", "titre", "doppelten")] == [
        "saved",
        "view",
        "title",
        "duplicate",
    ]


def _home_with_underfloor_heating() -> dict[str, Any]:
    home = json.loads(json.dumps(STATES["home"]))
    home["entities"]["climate.living_room"]["aliases"] = ["thermostat"]
    home["entities"]["climate.bedroom"]["name"] = "bedroom underfloor heating"
    home["entities"]["climate.bedroom"]["aliases"] = ["underfloor heating", "chauffage au sol"]
    return home


@pytest.mark.parametrize(
    "text", ["turn the heating up a bit", "monte un peu le chauffage", "dreh die Heizung hoch"]
)
def test_the_heating_of_a_home_with_several_asks_which(text: str) -> None:
    f = _formed_in({"home": _home_with_underfloor_heating()}, text)
    assert f.decision == "clarification"
    assert f.reply is not None and f.reply.reason_code in (
        "missing_slot:target",
        "ambiguous_target",
    )


def test_the_underfloor_heating_named_is_that_one() -> None:
    f = _formed_in({"home": _home_with_underfloor_heating()}, "turn the underfloor heating up")
    assert _targets(f) == {"climate.bedroom"}


def test_a_kept_correction_with_a_reason_first_keeps_it_running() -> None:
    home = json.loads(json.dumps(STATES["home"]))
    home["entities"]["switch.coffee_machine"]["state"] = "on"
    text = "switch off the coffee machine, no wait, sam is still making one, leave it running"
    assert [op["value"] for op in patch_of(_formed_in({"home": home}, text))] == ["on"]


@pytest.mark.parametrize(
    "text", ["which tickets don't have anyone on them yet?", "quels tickets n'ont personne ?"]
)
def test_a_question_with_a_negation_is_asked_not_taken_back(text: str) -> None:
    formation = form(text)
    assert formation.decision == "ephemeral"


@pytest.mark.parametrize(
    "text",
    [
        "Mira's been shivering in her room all morning",
        "Mira klappert in ihrem Zimmer mit den Zähnen",
        "Mira está tiritando en su cuarto",
    ],
)
def test_shivering_in_a_room_warms_it(text: str) -> None:
    f = _formed_in({"home": _home_with_miras_room()}, text)
    assert _targets(f) == {"climate.mira_radiator"}


@pytest.mark.parametrize(
    "text", ["im Wohnzimmer ist es zappenduster", "on n'y voit goutte dans le salon"]
)
def test_a_dark_room_said_in_idiom_lights_it(text: str) -> None:
    assert "on" in _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "turn off the porch light, ok?",
        "éteins la lumière du porche, d'accord ?",
        "apaga la luz del porche, ¿vale?",
    ],
)
def test_a_request_with_a_tag_for_agreement_is_a_request(text: str) -> None:
    assert _values_written(text) == ["off"]


def test_a_statement_with_a_tag_is_still_asked() -> None:
    assert form("the dentist is on thursday, right?").decision == "ephemeral"


def test_scratch_that_last_one_takes_it_back() -> None:
    formation = form("scratch that last one")
    assert formation.decision == "no_task" and formation.task is None


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("Emma's piano teacher can't come this week", "ev-piano"),
        ("el dentista no puede venir, se ha puesto malo", "ev-dentist"),
        ("lo del yoga se cae", "ev-yoga"),
    ],
)
def test_an_event_whose_host_cannot_come_is_cancelled(text: str, event: str) -> None:
    assert [(op["op"], op["path"]) for op in patch_of(form(text))] == [
        ("remove", f"/events/{event}")
    ]


@pytest.mark.parametrize(
    "text", ["grandma can't come to the parents evening", "Oma kommt nicht rein"]
)
def test_a_guest_who_cannot_come_cancels_nothing(text: str) -> None:
    formation = form(text)
    patch = formation.task.patch or [] if formation.task is not None else []
    assert not any(op.to_rfc()["op"] == "remove" for op in patch)


# what the sixteenth session's review found


@pytest.mark.parametrize(
    "text",
    [
        "nos vamos todos a dormir",
        "wir gehen alle ins Bett",
        "on sort tous dans le jardin",
        "we're all heading out to the garden",
        "we're all out of milk",
        "no one in the kitchen",
        "we're all going out, Sam stays home",
        "we're all off in a bit",
        "we're all going out tonight",
        "wir sind alle müde",
    ],
)
def test_bed_the_garden_a_later_hour_or_someone_staying_arms_nothing_away(text: str) -> None:
    assert "armed_away" not in _values_written(text)


@pytest.mark.parametrize(
    "text", ["we're all off, set the alarm to home", "nos vamos todos, pon la alarma en modo casa"]
)
def test_the_home_mode_said_wins_over_leaving(text: str) -> None:
    assert _values_written(text) == ["armed_home"]


@pytest.mark.parametrize(
    "text",
    [
        "the garage is shut so the fox can't get in",
        "Da steht ein Vertreter vor der Tür, der kommt nicht rein",
    ],
)
def test_kept_out_on_purpose_unlocks_nothing(text: str) -> None:
    assert "unlocked" not in _values_written(text)


def test_a_duster_is_no_dark_room() -> None:
    assert "on" not in _values_written("I left the duster in the kitchen")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("switch on the tv strip", "on"),
        ("just play it safe, lock all the doors", "locked"),
        ("phone died, turn on the hallway light", "on"),
        ("turn off the kitchen light. call mum", "off"),
        ("take the dog out and lock the back door", "locked"),
    ],
)
def test_a_projects_request_beside_an_outside_word_is_done(text: str, value: str) -> None:
    assert value in _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "call the one on one with marco off",
        "email notifications are broken, file a bug",
        "bestell den Zahnarzttermin ab",
        "Spiel fängt an, mach das Licht im Wohnzimmer aus",
        "I'm exhausted, cancel yoga",
        "ich bin fertig, der Login-Bug ist behoben",
        "how long does it take to get the living room to 21?",
    ],
)
def test_a_projects_request_is_not_read_as_outside_or_small_talk(text: str) -> None:
    formation = form(text)
    reason = formation.reply.reason_code if formation.reply is not None else ""
    assert not reason.startswith("out_of_scope") and reason != "smalltalk"


def test_the_heating_by_its_alias_beside_another_thing_is_that_one() -> None:
    assert _targets(form("we're back, turn the heating up")) == {"climate.living_room"}


def test_on_the_way_to_an_event_removes_nothing() -> None:
    formation = form("we're all heading to the dentist now")
    patch = formation.task.patch or [] if formation.task is not None else []
    assert not any(op.to_rfc()["op"] == "remove" for op in patch)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("ruf den Filmabend an", "/entities/scene.movie_night/state"),
        ("schreib Marco, dass TL-42 erledigt ist", "/tickets/TL-42/status"),
        ("appelle le 63 terminé", "/tickets/TL-63/status"),
        ("ruf den Zahnarzt an und verschieb den Termin auf Freitag", "/events/ev-dentist/start"),
    ],
)
def test_a_projects_thing_named_beside_a_call_or_a_message_is_acted_on(
    text: str, path: str
) -> None:
    assert path in [op["path"] for op in patch_of(form(text))]


def test_a_film_that_gives_shivers_warms_nothing() -> None:
    formation = form("ce film me fait frissonner")
    patch = formation.task.patch or [] if formation.task is not None else []
    assert not any("target_celsius" in op.to_rfc()["path"] for op in patch)


def test_leaving_for_the_day_with_a_faint_likeness_of_a_scene_arms_the_alarm() -> None:
    home = json.loads(json.dumps(STATES["home"]))
    home["entities"]["scene.good_night"]["aliases"] = ["ronde du soir", "night round"]
    text = "aujourd'hui la maison est vide, on est tous chez ma sœur jusqu'à ce soir"
    assert [op["value"] for op in patch_of(_formed_in({"home": home}, text))] == ["armed_away"]


@pytest.mark.parametrize(
    "text",
    [
        "Ça va, toi, aujourd'hui ?",
        "Guten Morgen! Wie geht es Ihnen heute?",
        "hey, how are you doing?",
    ],
)
def test_how_the_assistant_is_asked_is_small_talk(text: str) -> None:
    formation = form(text)
    assert formation.decision == "no_task" and formation.task is None


def test_how_a_thing_is_asked_is_a_question_about_it() -> None:
    assert form("wie geht's der Heizung?").decision == "ephemeral"


@pytest.mark.parametrize(
    "text", ["marco bosse sur quoi en ce moment", "en q anda marco", "was macht Marco gerade"]
)
def test_what_someone_is_working_on_is_asked_of_the_tracker(text: str) -> None:
    formation = form(text)
    assert formation.decision == "ephemeral"
    assert formation.task is not None and formation.task.project_id == "taskline-dev"


def test_a_new_appointment_laid_on_in_german_is_created() -> None:
    text = "leg einen Termin mit dem Steuerberater an, Donnerstag nächste Woche um zehn"
    ops = patch_of(form(text))
    assert [op["op"] for op in ops] == ["add"] and ops[0]["path"].startswith("/events/")


# what the sixteenth session's second review found


@pytest.mark.parametrize(
    "text",
    [
        "¿has cerrado la puerta trasera, vale?",
        "t'as allumé le porche, ok ?",
        "hast du TL-42 geschlossen, ok?",
    ],
)
def test_a_question_with_a_tag_changes_nothing(text: str) -> None:
    assert form(text).decision != "stateful"


@pytest.mark.parametrize(
    "text",
    [
        "everyone's gone to school, it's just me now",
        "we're all off for the day, the nanny's here with Leo",
        "wir fahren alle los, die Putzfrau ist noch da",
        "nos vamos todos en media hora",
        "on part tous dans une demi-heure",
        "on part tous les étés en Bretagne",
        "wir fahren alle gerne Fahrrad",
        "everyone's gone home, finally some peace",
        "we're all off work today",
        "nobody here has the wifi password",
        "everyone's off sick today",
        "wir gehen alle auf dieselbe Schule",
    ],
)
def test_someone_home_a_later_hour_or_no_leaving_arms_nothing(text: str) -> None:
    assert "armed_away" not in _values_written(text)


@pytest.mark.parametrize(
    "text", ["grandma can't come for christmas this year", "Sam can't come tomorrow"]
)
def test_a_guest_who_cannot_come_removes_no_event(text: str) -> None:
    formation = form(text)
    patch = formation.task.patch or [] if formation.task is not None else []
    assert not any(op.to_rfc()["op"] == "remove" for op in patch)


@pytest.mark.parametrize(
    "text", ["the dog is shivering in the garden", "that horror film gave me the shivers"]
)
def test_shivering_of_an_animal_or_a_film_sets_no_temperature(text: str) -> None:
    formation = form(text)
    patch = formation.task.patch or [] if formation.task is not None else []
    assert not any("target_celsius" in op.to_rfc()["path"] for op in patch)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            "call grandma and crank up the heating",
            "/entities/climate.living_room/attributes/target_celsius",
        ),
        ("order pizza and start movie night", "/entities/scene.movie_night/state"),
        ("sors le chien et allume le porche", "/entities/light.porch/state"),
        ("send the email bug to Priya", "/tickets/TL-94/assignee"),
        ("call Sam, the piano lesson is off", "/events/ev-piano"),
        (
            "dial the heating down a notch",
            "/entities/climate.living_room/attributes/target_celsius",
        ),
    ],
)
def test_a_projects_request_beside_an_outside_one_is_kept(text: str, path: str) -> None:
    assert path in [op["path"] for op in patch_of(form(text))]


@pytest.mark.parametrize(
    "text",
    [
        "create a ticket: call button does nothing on mobile",
        "Zahlungen über 50 Euro schlagen fehl, leg ein Ticket an",
        "get me open tickets for sprint 49",
        "pide a Marco que cierre el 42",
    ],
)
def test_a_ticket_or_a_tracker_request_is_not_outside(text: str) -> None:
    formation = form(text)
    reason = formation.reply.reason_code if formation.reply is not None else ""
    assert not reason.startswith("out_of_scope")


@pytest.mark.parametrize(
    "text",
    [
        "il fait trop chaud dans la chambre des enfants",
        "im Kinderzimmer ist es zu warm",
        "on crève de chaud dans la chambre des enfants",
    ],
)
def test_too_much_heat_said_lowers_the_setpoint(text: str) -> None:
    assert [op["value"] for op in patch_of(form(text))] == [19]


def test_tout_le_monde_is_no_mode() -> None:
    formation = form("tout le monde est parti")
    patch = formation.task.patch or [] if formation.task is not None else []
    assert not any("scene" in op.to_rfc()["path"] for op in patch)


# --- the seventeenth session: general causes of a looked-at held-out set's misses ------------


@pytest.mark.parametrize(
    "text",
    [
        # a name alone lets no one in: reviewed, it unlocked for "Kevin is at the front door,
        # call the police", "Amazon is at …", "Snow is at …", "Sam's keys are at …", a pet
        "Hervé's standing at the front door with a bucket of crabs",
        "Kevin is at the front door, call the police",
        "Amazon is at the front door",
        "Snow is at the front door",
        "Sam's keys are at the front door",
        "Felix is at the back door",
        "Einbrecher steht vor der Haustür",
        "Tom's at the front door, don't let him in",
        "Hervé was at the front door this morning",
        "someone is at the front door",
        "Sam is waiting in front of the school",
        "the courier is at the front door",
    ],
)
def test_a_name_alone_does_not_unlock_for_anyone(text: str) -> None:
    assert "unlocked" not in _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "get the coffee machine going",
        "fais marcher la machine à café",
        "haz funcionar la cafetera",
    ],
)
def test_a_thing_set_going_is_switched_on(text: str) -> None:
    f = form(text)
    assert _targets(f) == {"switch.coffee_machine"} and _values_written(text) == ["on"]


def test_a_horn_sounded_is_switched_on() -> None:
    home = json.loads(json.dumps(STATES["home"]))
    home["entities"]["switch.foghorn"] = {
        "name": "foghorn",
        "aliases": ["corne de brume", "sirena de niebla", "Nebelhorn"],
        "area": "garden",
        "kind": "switch",
        "state": "off",
        "attributes": {},
    }
    for text in ("sound the foghorn!", "fais sonner la corne de brume", "toca la sirena de niebla"):
        f = _formed_in({"home": home}, text)
        assert _targets(f) == {"switch.foghorn"}, text
        assert [op["value"] for op in patch_of(f)] == ["on"], text


@pytest.mark.parametrize(
    "text",
    [
        "Bit wild out there today, isn't it?",
        "Quel temps de chien aujourd'hui…",
        "Qué día más feo hace hoy, ¿eh?",
        "Was für ein Schietwetter heute.",
        "qué día más largo",
    ],
)
def test_the_weather_remarked_on_is_small_talk(text: str) -> None:
    f = form(text)
    assert f.decision == "no_task", (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "Nos vamos todo el día a la playa y no se queda nadie en casa.",
        "Wir fahren heute alle nach Köln und sind erst abends zurück.",
    ],
)
def test_the_house_left_empty_for_the_day_is_armed(text: str) -> None:
    assert _values_written(text) == ["armed_away"]


def test_a_thing_said_by_its_whole_name_is_not_a_light_of_its_room() -> None:
    # ("lampe" is a light's word: the kennel's light was switched off)
    home = json.loads(json.dumps(STATES["home"]))
    home["areas"]["kennel"] = {"name": "kennel", "aliases": ["chenil", "perrera", "Zwinger"]}
    home["entities"]["light.kennel"] = {
        "name": "kennel light",
        "aliases": ["lumière du chenil", "luz de la perrera", "Zwingerlicht"],
        "area": "kennel",
        "kind": "light",
        "state": "on",
        "attributes": {"brightness": 80},
    }
    home["entities"]["switch.kennel_heat_lamp"] = {
        "name": "kennel heat lamp",
        "aliases": ["lampe chauffante du chenil", "lámpara de calor de la perrera"],
        "area": "kennel",
        "kind": "switch",
        "state": "on",
        "attributes": {},
    }
    for text in (
        "Tu peux éteindre la lampe chauffante du chenil ?",
        "apaga la lámpara de calor de la perrera",
    ):
        f = _formed_in({"home": home}, text)
        assert _targets(f) == {"switch.kennel_heat_lamp"}, text


def _tracker_with_two_alike_tickets() -> dict[str, Any]:
    tracker = _tracker_with_two_webhook_tickets()
    first, second = sorted(tracker["tickets"])[:2]
    tracker["tickets"][first]["assignee"] = "priya"
    tracker["tickets"][second]["assignee"] = "jonas"
    return tracker


@pytest.mark.parametrize(
    ("text", "which"),
    [
        ("take Jonas off the webhook ticket", 1),
        ("nimm Priya vom Webhook-Ticket runter", 0),
        ("Jonas fixed the webhook bug", 1),
    ],
)
def test_of_two_alike_tickets_the_one_of_the_person_said(text: str, which: int) -> None:
    tracker = _tracker_with_two_alike_tickets()
    f = _formed_in({"taskline-dev": tracker}, text)
    assert _targets(f) == {sorted(tracker["tickets"])[which]}, (f.decision, f.reply)


def test_giving_one_of_two_alike_tickets_still_asks_which() -> None:
    f = _formed_in(
        {"taskline-dev": _tracker_with_two_alike_tickets()}, "give the webhook bug to jonas"
    )
    assert f.reply is not None and f.reply.reason_code == "ambiguous_target", f.task


def test_spanish_chat_spelling_of_qu() -> None:
    assert patch_of(form("kita a marco del 42, no le da tiempo")) == [
        {"op": "replace", "path": "/tickets/TL-42/assignee", "value": None}
    ]


def test_a_status_said_is_no_word_of_a_title() -> None:
    tracker = json.loads(json.dumps(STATES["taskline-dev"]))
    tracker["tickets"]["TL-900"] = {
        "title": "replace Webpack with Vite",
        "status": "in_progress",
        "assignee": "lea",
        "labels": ["chore"],
    }
    tracker["tickets"]["TL-901"] = {
        "title": "image previews for attachments",
        "status": "open",
        "assignee": None,
        "labels": ["feature"],
    }
    f = _formed_in({"taskline-dev": tracker}, "Move the Vite migration to in review.")
    assert patch_of(f) == [
        {"op": "replace", "path": "/tickets/TL-900/status", "value": "in_review"}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The login timeout ticket should be tagged ux.",
        "Das Login-Timeout-Ticket bitte als ux labeln.",
    ],
)
def test_a_label_said_as_tagged(text: str) -> None:
    assert patch_of(form(text)) == [{"op": "add", "path": "/tickets/TL-42/labels/-", "value": "ux"}]


def test_british_half_four_after_to() -> None:
    values = _values_written("push the vet back to half four")
    assert values[0].startswith("2026-12-11T16:30")


def _calendar_with_two_choir_rehearsals() -> dict[str, Any]:
    calendar = json.loads(json.dumps(STATES["family-calendar"]))
    for n, day in ((1, "02"), (2, "09")):
        calendar["events"][f"ev-choir-{n}"] = {
            "title": "choir rehearsal",
            "aliases": ["ensayo del coro", "Chorprobe", "répétition de chorale"],
            "start": f"2026-12-{day}T18:30:00+01:00",
            "end": f"2026-12-{day}T20:30:00+01:00",
            "attendees": ["me"],
        }
    return calendar


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("Cancela el ensayo del coro del miércoles 9.", "ev-choir-2"),
        ("Streich die Chorprobe am 9.", "ev-choir-2"),
        ("cancel the choir rehearsal on the 2nd", "ev-choir-1"),
        ("cancel the choir rehearsal on december 9", "ev-choir-2"),
    ],
)
def test_of_two_events_of_one_name_the_day_of_the_month_said(text: str, event: str) -> None:
    f = _formed_in({"family-calendar": _calendar_with_two_choir_rehearsals()}, text)
    assert _targets(f) == {event}, (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "Oh, leave it, I'll do it myself.",
        "Ach, lass, ich mach's selber.",
        "Kommando zurück.",
        "laisse, je m'en occupe",
        "déjalo, ya lo hago yo",
    ],
)
def test_a_request_left_to_the_speaker_is_called_off(text: str) -> None:
    f = form(text)
    assert f.decision == "no_task" and f.task is None, (f.decision, f.reply)


def test_leave_it_before_a_request_still_does_the_request() -> None:
    assert _values_written("leave it, turn on the porch light") == ["on"]


@pytest.mark.parametrize(
    "text",
    [
        "What's a neap tide, exactly?",
        "How long do African grey parrots live?",
        "Un perroquet gris du Gabon, ça vit combien de temps ?",
        "wie lange leben eine Landschildkröten eigentlich",
    ],
)
def test_a_question_about_the_world_is_no_projects(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    assert routed.project_id is None, routed.top_candidates


def test_a_new_event_said_with_an_indefinite_article_is_created_beside_alike_ones() -> None:
    # (the demo's "dentist appointment" is an appointment too: it was moved)
    f = form("Note un rendez-vous chez le notaire vendredi à 14 h 30.")
    ops = patch_of(f)
    assert len(ops) == 1 and ops[0]["op"] == "add" and ops[0]["path"].startswith("/events/")
    assert ops[0]["value"]["start"].startswith("2026-12-04T14:30")


@pytest.mark.parametrize(
    "text",
    [
        "Crée un ticket : impossible de renommer un projet depuis l'appli Android.",
        "Fais-moi un ticket pour rédiger les notes de version avant vendredi",
    ],
)
def test_another_intents_word_in_a_new_tickets_title_asks_nothing(text: str) -> None:
    ops = patch_of(form(text))
    assert len(ops) == 1 and ops[0]["op"] == "add" and ops[0]["path"].startswith("/tickets/")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # the things a new ticket's title names are no evidence of their project: these turned
        # the kitchen light on and armed the alarm
        ("create a ticket: kitchen light doesn't turn on from the app", "kitchen light"),
        ("log a bug: the alarm won't arm", "the alarm won't arm"),
        ("crée un ticket : l'alarme ne s'arme pas", "l'alarme ne s'arme pas"),
        ("leg ein Ticket an: die Alarmanlage lässt sich nicht scharf schalten", "alarmanlage"),
    ],
)
def test_a_new_tickets_title_is_not_a_request_to_the_home(text: str, title: str) -> None:
    f = form(text)
    assert f.task is not None and f.task.routing.project_id == "taskline-dev"
    ops = patch_of(f)
    assert ops[0]["path"].startswith("/tickets/") and title in ops[0]["value"]["title"]


def test_a_new_ticket_in_a_project_said_by_its_id_goes_there() -> None:
    routed = ROUTER.route(form_event("create a ticket in apollo: invoice totals are off"), BASE)
    assert routed.project_id == "apollo"


def test_tracker_words_said_in_spanish_name_the_ticket() -> None:
    tracker = json.loads(json.dumps(STATES["taskline-dev"]))
    tracker["tickets"]["TL-900"] = {
        "title": "release notes for version 5.0",
        "status": "done",
        "assignee": "lea",
        "labels": ["docs"],
    }
    f = _formed_in({"taskline-dev": tracker}, "Reabre el de las notas de la versión 5.0.")
    assert patch_of(f) == [{"op": "replace", "path": "/tickets/TL-900/status", "value": "open"}]


@pytest.mark.parametrize(
    "text",
    [
        "Do you ever sleep?",
        "Tu dors jamais, toi ?",
        "Oye, ¿tú nunca duermes?",
        "Schläfst du eigentlich nie?",
        "Long night... I'm completely shattered.",
        "Quelle nuit… je suis complètement lessivée.",
        "Vaya nochecita, estoy muerta.",
        "Was für eine Nacht, ich bin fix und fertig.",
        "Biscuit says hi.",
        "Biscuit te fait coucou.",
        "Biscuit te manda saludos.",
        "Biscuit lässt grüßen.",
    ],
)
def test_the_assistant_asked_about_a_night_told_a_greeting_passed_on_are_small_talk(
    text: str,
) -> None:
    f = form(text)
    assert f.decision == "no_task" and f.task is None, (f.decision, f.reply)


def test_a_request_after_a_night_told_is_done() -> None:
    assert _values_written("what a night, turn on the porch light") == ["on"]


@pytest.mark.parametrize(
    "text",
    [
        "How long does a bisque firing usually take for stoneware?",
        "¿Cuánto tiempo hay que dejar enfriar el horno después de una cocción?",
        "¿Cuántas horas debería dormir un chaval de quince años?",
        "¿Qué es exactamente una traboule?",
    ],
)
def test_more_questions_about_the_world_are_no_projects(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id is None


def _calendar_with_someone_elses_appointment() -> dict[str, Any]:
    calendar = json.loads(json.dumps(STATES["family-calendar"]))
    events = calendar["events"]
    for key in [k for k, v in events.items() if "appointment" in v["title"]]:
        del events[key]
    events["ev-ortho"] = {
        "title": "Sacha's orthodontist appointment",
        "aliases": ["orthodontist", "rendez-vous chez l'orthodontiste", "cita del ortodoncista"],
        "start": "2026-12-01T17:00:00+01:00",
        "end": "2026-12-01T17:30:00+01:00",
        "attendees": ["sacha"],
    }
    for who, day in (("my", "02"), ("Rafa's", "04")):
        events[f"ev-night-{day}"] = {
            "title": f"{who} night shift",
            "aliases": ["night shift", "garde de nuit"],
            "start": f"2026-12-{day}T20:45:00+01:00",
            "end": f"2026-12-{day}T23:45:00+01:00",
            "attendees": ["me"],
        }
    return calendar


@pytest.mark.parametrize(
    "text",
    [
        "Décale mon rendez-vous à 15 h.",
        "Mueve mi cita una hora antes.",
        "move my appointment to 3pm",
    ],
)
def test_my_appointment_is_not_someone_elses_one(text: str) -> None:
    f = _formed_in({"family-calendar": _calendar_with_someone_elses_appointment()}, text)
    assert f.task is None and f.reply is not None and f.reply.kind == "clarification", f.task


@pytest.mark.parametrize("text", ["cancel my night shift", "annule ma garde de nuit"])
def test_of_two_alike_my_own_is_the_one(text: str) -> None:
    f = _formed_in({"family-calendar": _calendar_with_someone_elses_appointment()}, text)
    assert _targets(f) == {"ev-night-02"}


def test_the_requests_own_clause_names_the_thing_not_the_reason_after_it() -> None:
    home = json.loads(json.dumps(STATES["home"]))
    home["entities"]["light.kitchen_island"] = {
        "name": "kitchen island pendant",
        "aliases": ["lámpara de la isla", "island light"],
        "area": "kitchen",
        "kind": "light",
        "state": "on",
        "attributes": {"brightness": 80},
    }
    home["areas"]["entrance"] = {"name": "entrance", "aliases": ["entrada", "recibidor"]}
    home["entities"]["light.entrance"] = {
        "name": "hall light",
        "aliases": ["luz de la entrada"],
        "area": "entrance",
        "kind": "light",
        "state": "on",
        "attributes": {"brightness": 80},
    }
    f = _formed_in({"home": home}, "Apaga la lámpara de la isla, que ya entra luz por la ventana.")
    assert _targets(f) == {"light.kitchen_island"}


def _tracker_of_a_rota_app() -> dict[str, Any]:
    tracker = json.loads(json.dumps(STATES["taskline-dev"]))
    tracker["tickets"].update(
        {
            "TL-901": {
                "title": "upgrade Django to 5.2",
                "status": "open",
                "assignee": "lea",
                "labels": ["chore"],
            },
            "TL-902": {
                "title": "overtime rounded down to the nearest hour",
                "status": "open",
                "assignee": "jonas",
                "labels": ["bug"],
            },
            "TL-903": {
                "title": "leave requests stuck in pending after the manager approves",
                "status": "in_progress",
                "assignee": "sofia",
                "labels": ["bug"],
            },
            "TL-904": {
                "title": "colour-blind friendly colours for shift types",
                "status": "open",
                "assignee": None,
                "labels": ["ux"],
            },
            "TL-905": {
                "title": "move hosting to the hospital's Kubernetes cluster",
                "status": "in_progress",
                "assignee": "jonas",
                "labels": ["infra"],
            },
            "TL-906": {
                "title": "print view for task lists",
                "status": "open",
                "assignee": None,
                "labels": ["feature"],
            },
        }
    )
    return tracker


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("Décale la montée de version de Django au sprint 49.", "TL-901"),
        ("Ajoute l'étiquette backend au bug des heures sup arrondies.", "TL-902"),
        ("Häng an den Bug mit den abgerundeten Überstunden noch das Label backend.", "TL-902"),
        ("Sofia a corrigé le bug des demandes de congés bloquées en attente.", "TL-903"),
        ("weis das farbenblind-ticket marco zu", "TL-904"),
    ],
)
def test_everyday_tracker_words_in_four_languages_name_a_ticket(text: str, ticket: str) -> None:
    f = _formed_in({"taskline-dev": _tracker_of_a_rota_app()}, text)
    assert _targets(f) == {ticket}, (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        # the request's verb, a status moved to, a sprint named are no words of a ticket's
        # title ("move hosting …", "print view …"): said of no ticket, it is asked which
        "Move that ticket into review.",
        "Move it to the next sprint.",
    ],
)
def test_a_ticket_said_by_no_word_of_its_own_is_asked_for(text: str) -> None:
    f = _formed_in({"taskline-dev": _tracker_of_a_rota_app()}, text)
    assert f.task is None and f.reply is not None and f.reply.kind == "clarification", f.task


def test_switch_it_back_on_in_a_new_session_asks_which() -> None:
    f = form("erm switch it back on")
    assert f.task is None and f.reply is not None and f.reply.kind == "clarification", f.task


# older wrong tasks, fixed in the seventeenth session


def test_a_done_verb_after_a_person_closes_the_ticket_not_gives_it() -> None:
    assert patch_of(form("Marco cerró el 63")) == [
        {"op": "replace", "path": "/tickets/TL-63/status", "value": "done"}
    ]


@pytest.mark.parametrize(
    "text",
    ["sofia prend le ticket dark mode", "give 63 to marco"],
)
def test_a_person_taking_or_given_a_ticket_is_still_assigned(text: str) -> None:
    assert patch_of(form(text))[0]["path"].endswith("/assignee")


@pytest.mark.parametrize(
    "text",
    [
        # these removed yoga, cancelled the dentist, created a ticket "du login"
        "find the yoga class in my calendar",
        "busca la cita del dentista",
        "cherche le ticket du login",
        "search for the login ticket",
    ],
)
def test_a_thing_looked_up_is_asked_about_not_changed(text: str) -> None:
    f = form(text)
    assert f.decision == "ephemeral", (f.decision, f.task and patch_of(f))


def test_something_outside_looked_up_is_not_a_projects_question() -> None:
    assert form("trouve-moi un plombier pour la fuite").decision == "clarification"


@pytest.mark.parametrize(
    "text",
    [
        "ich bin gleich fertig mit TL-42",
        "I'm almost done with 42",
        "le 42 est presque fini",
        "casi termino el 42",
    ],
)
def test_about_to_be_done_is_not_done(text: str) -> None:
    assert form(text).task is None


@pytest.mark.parametrize(
    "text",
    [
        "what? no, don't turn off the floor lamp",
        "wir gehen alle, mach aber die Alarmanlage nicht an",
        "on part tous, mais n'active pas l'alarme",
        "nos vamos todos, pero no pongas la alarma",
    ],
)
def test_a_request_said_not_to_be_done_after_an_interjection_or_a_but(text: str) -> None:
    assert form(text).task is None


def test_a_request_after_no_alone_is_still_done() -> None:
    assert _values_written("no, turn off the floor lamp") == ["off"]


@pytest.mark.parametrize("text", ["Licht aus, Alarm an", "lights off, alarm on"])
def test_two_things_each_with_its_particle_are_asked_one_at_a_time(text: str) -> None:
    # (the alarm was disarmed: "aus" read as its value)
    f = form(text)
    assert f.task is None and f.reply is not None and f.reply.reason_code == "several_requests"


def test_an_event_booked_instead_is_moved_not_added() -> None:
    ops = patch_of(form("book the dentist for friday instead"))
    assert [op["path"] for op in ops] == ["/events/ev-dentist/start", "/events/ev-dentist/end"]
    assert ops[0]["value"].startswith("2026-12-04")


def test_a_question_verb_first_about_a_ticket_closes_nothing() -> None:
    assert form("ist TL-42 behoben").decision == "ephemeral"


def test_a_weekday_and_its_date_said_with_dem_is_that_date() -> None:
    # (Monday the 7th was cancelled for "Montag, dem 14.")
    calendar = _calendar_with_two_choir_rehearsals()
    f = _formed_in({"family-calendar": calendar}, "Sag die Chorprobe am Mittwoch, dem 9., ab.")
    assert _targets(f) == {"ev-choir-2"}


def test_nothing_will_come_of_an_event_cancels_it() -> None:
    text = "Aus dem Teamessen wird für uns nichts, Sam liegt mit Fieber im Bett."
    assert _targets(form(text)) == {"ev-team-lunch"}


def test_a_request_with_tu_veux_is_a_request() -> None:
    assert _values_written("hum… éteins la lumière de la cuisine, tu veux ?") == ["off"]
    assert form("hum… éteins-le, tu veux ?").decision == "clarification"


# what the seventeenth session's review found (each failed on the code it reviewed)


@pytest.mark.parametrize(
    "text",
    [
        "unlock the front door from here, is that possible?",
        "den Alarm ausschalten, geht das?",
        "désactiver l'alarme à distance, c'est possible ?",
    ],
)
def test_whether_a_change_can_be_done_is_asked_not_done(text: str) -> None:
    assert form(text).task is None or form(text).decision == "ephemeral"


def test_my_night_shift_on_a_day_is_not_someone_elses_that_day() -> None:
    calendar = _calendar_with_someone_elses_appointment()
    f = _formed_in({"family-calendar": calendar}, "cancel my night shift on friday")
    assert f.task is None and f.reply is not None and f.reply.kind == "clarification", f.task


def test_a_request_after_the_house_said_empty_is_the_request() -> None:
    text = "we're off for the day and nobody will be home, cancel the piano lesson"
    assert _targets(form(text)) == {"ev-piano"}


@pytest.mark.parametrize(
    "text",
    ["get the coffee machine going tomorrow at 7", "fais chauffer l'eau pour les pâtes"],
)
def test_set_going_later_or_water_heated_switches_nothing_now(text: str) -> None:
    assert "on" not in _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "I got tagged in TL-42",
        "TL-42 was labelled wrongly",
    ],
)
def test_tagged_said_of_something_else_adds_no_label(text: str) -> None:
    task = form(text).task
    assert task is None or not any("/labels" in op.path for op in task.patch or [])


def test_a_new_event_instead_of_another_does_not_move_the_other() -> None:
    task = form("add swimming on thursday instead of yoga").task
    assert task is None or not any(op.path.startswith("/events/ev-yoga") for op in task.patch or [])


def test_create_a_ticket_and_another_request_is_not_a_title() -> None:
    task = form("create a ticket and lock the front door").task
    assert task is None or not any(op.path.startswith("/tickets/") for op in task.patch or [])


@pytest.mark.parametrize(
    ("text", "door"),
    [
        ("lock the front door, but don't lock the garage", "lock.front_door"),
        ("lock that back door", "lock.back_door"),
    ],
)
def test_the_asked_lock_is_locked(text: str, door: str) -> None:
    assert _targets(form(text)) == {door} and _values_written(text) == ["locked"]


@pytest.mark.parametrize("text", ["quel temps il fait", "qué tiempo hace hoy"])
def test_a_weather_question_is_no_small_talk(text: str) -> None:
    assert form(text).decision != "no_task"


# what the seventeenth session's second review found


@pytest.mark.parametrize(
    "text",
    [
        "cancel the choir rehearsal, not the one on the 9th",
        "cancel the choir rehearsal except the one on the 2nd",
        "cancel the choir rehearsal on the 9th and the 2nd",
    ],
)
def test_a_day_left_out_or_two_days_pick_no_one_event(text: str) -> None:
    f = _formed_in({"family-calendar": _calendar_with_two_choir_rehearsals()}, text)
    assert f.task is None, patch_of(f)


@pytest.mark.parametrize(
    "text",
    [
        "cancel my hubby's night shift",
        "sag den Nachtdienst von meinem Mann ab",
        "annule ma garde de nuit du 4",
    ],
)
def test_my_own_is_not_picked_for_someone_elses_or_a_day(text: str) -> None:
    f = _formed_in({"family-calendar": _calendar_with_someone_elses_appointment()}, text)
    assert "ev-night-02" not in (_targets(f) if f.task is not None else set())


def test_my_piano_lesson_is_the_one_piano_lesson() -> None:
    assert _targets(form("cancel my piano lesson")) == {"ev-piano"}


@pytest.mark.parametrize(
    "text",
    [
        "Sofia will close the auth ticket",
        "Sofia hopes the auth ticket is fixed",
        "Sofia says the auth ticket is fixed",
    ],
)
def test_a_person_who_did_not_do_it_picks_no_ticket(text: str) -> None:
    tracker = _tracker_with_two_alike_tickets()
    first, second = sorted(tracker["tickets"])[:2]
    tracker["tickets"][first]["title"] = "auth token expires too early"
    tracker["tickets"][second]["title"] = "auth page shows the wrong error"
    tracker["tickets"][first]["assignee"] = "sofia"
    f = _formed_in({"taskline-dev": tracker}, text)
    assert f.task is None or not f.task.patch, patch_of(f)


@pytest.mark.parametrize(
    "text",
    [
        "get the coffee machine going after breakfast",
        "get the coffee machine going for 7",
        "Sam will get the coffee machine going",
    ],
)
def test_set_going_later_or_by_someone_switches_nothing(text: str) -> None:
    assert "on" not in _values_written(text)


@pytest.mark.parametrize(
    "text", ["TL-57 should not be tagged ux", "TL-57 should be tagged by Priya"]
)
def test_no_label_from_a_negation_or_a_by(text: str) -> None:
    task = form(text).task
    assert task is None or not any("/labels" in op.path for op in task.patch or [])


def test_half_after_from_is_the_old_time() -> None:
    assert _values_written("move yoga from half 7 to 8")[0].startswith("2026-12-02T20:00")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("almost done here, lock the front door", "locked"),
        ("I'm done with TL-42, almost done with 94", "done"),
    ],
)
def test_almost_done_beside_a_request_keeps_the_request(text: str, value: str) -> None:
    assert _values_written(text) == [value]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("cherche le rendez-vous du dentiste et annule-le", None),
        ("leg ein Ticket an und mach die Alarmanlage aus", "disarmed"),
    ],
)
def test_a_second_request_after_a_look_up_or_a_new_ticket_is_done(text: str, value: Any) -> None:
    assert _values_written(text) == [value]


def test_a_note_made_is_no_new_event() -> None:
    ops = patch_of(form("make a note that the dentist moved to friday"))
    assert ops[0]["path"] == "/events/ev-dentist/start"


def test_the_house_empty_but_for_the_dog_is_not_armed() -> None:
    assert "armed_away" not in _values_written("daheim ist heute keiner, aber der Hund ist da")


@pytest.mark.parametrize(
    "text",
    [
        "turn on the coffee machine after breakfast",
        "lock the front door when we leave",
        "allume la lumière du porche quand on rentre",
        "schalte die Kaffeemaschine ein, sobald wir zurück sind",
    ],
)
def test_a_change_asked_for_a_later_moment_is_not_done_now(text: str) -> None:
    f = form(text)
    assert f.task is None and f.reply is not None and f.reply.reason_code == "deferred_request"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("lock the back door before we go up to bed", "locked"),
        ("turn off the kitchen light when you can", "off"),
    ],
)
def test_before_a_moment_or_when_you_can_is_done_now(text: str, value: str) -> None:
    assert _values_written(text) == [value]


@pytest.mark.parametrize(
    "text", ["buenos días, enciende la cafetera", "guten Morgen, mach die Kaffeemaschine an"]
)
def test_a_request_after_a_greeting_is_done(text: str) -> None:
    assert _values_written(text) == ["on"]


@pytest.mark.parametrize(
    ("text", "scene"),
    [("goodnight scene please", "scene.good_night"), ("start movie night", "scene.movie_night")],
)
def test_a_scene_by_its_name(text: str, scene: str) -> None:
    assert _targets(form(text)) == {scene}


@pytest.mark.parametrize("text", ["activate the party scene", "start the scene"])
def test_a_scene_named_by_the_kind_word_alone_is_asked_for(text: str) -> None:
    # ("scene" is a word of "movie scene", one scene's alias: movie night started)
    f = form(text)
    assert f.task is None and f.reply is not None and f.reply.kind == "clarification", f.task


@pytest.mark.parametrize(
    "text",
    [
        "I already turned the porch light off myself",
        "C'est bon, j'ai déjà éteint la lumière du porche",
        "Die Kaffeemaschine hab ich schon selbst ausgemacht",
        "Ya he llamado yo al dentista, no hace falta nada",
    ],
)
def test_a_thing_the_speaker_already_did_is_no_projects(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    f = FORMER.form(routed, BASE)
    assert routed.project_id is None and f.decision == "no_task"


@pytest.mark.parametrize(
    ("text", "value"),
    [("I already put the bins out.", "done"), ("I already closed TL-42", "done")],
)
def test_a_to_do_or_ticket_done_already_is_still_ticked(text: str, value: Any) -> None:
    assert _values_written(text) == [value] or _values_written(text) == [True]


@pytest.mark.parametrize("text", ["was steht morgen an?", "on a quoi ce week-end ?"])
def test_whats_on_is_a_calendar_question(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id == "family-calendar"


# --- the eighteenth session: general causes of a looked-at held-out set's misses -------------


@pytest.mark.parametrize(
    "text",
    [
        "Morning! Bit of fresh snow overnight, eh?",
        "what a beautiful day for a walk",
        "Did you know I've run the Berlin marathon four times?",
        "Tu sais que j'ai couru le marathon de Paris trois fois ?",
        "¿Sabías que fui bombero veinte años?",
        "Weißt du, dass ich früher Bergführer war?",
        "Ah, ça me rappelle mes vacances en Bretagne",
        "Servus! Heut Nacht hat's ordentlich geschneit",
        "Qué día más bonito para salir al monte",
        "So ein schöner Tag heut",
        "Le chat te fait un gros bisou",
        "Der Hund lässt schön grüßen",
        "Ha, you're funnier than my brother",
    ],
)
def test_a_remark_about_life_or_the_world_is_small_talk(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    f = FORMER.form(routed, BASE)
    assert routed.project_id is None and f.decision == "no_task", (routed.project_id, f.reply)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("it snowed last night, turn on the porch light", "on"),
        ("what a beautiful day, open the garage door", "unlocked"),
    ],
)
def test_a_remark_then_a_request_is_the_request(text: str, value: str) -> None:
    assert _values_written(text) == [value]


def test_that_reminds_me_that_is_no_small_talk() -> None:
    f = form("ça me rappelle qu'il faut acheter du pain")
    assert f.reply is None or f.reply.reason_code != "smalltalk", f.reply


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("el termostato del salón, bájalo a… veinte, ¿vale?", 20),
        ("Pousse un peu le thermostat du salon à 22, veux-tu ?", 22),
        ("Mach das Küchenlicht an, gell?", "on"),
    ],
)
def test_a_tag_after_a_request_said_after_its_thing_asks_nothing(text: str, value: Any) -> None:
    written = _values_written(text)
    assert written and all(w == value for w in written), written


@pytest.mark.parametrize(
    "text",
    [
        "We're all off for the day, nobody'll be back before dark",
        "On part tous pour la journée, y aura personne avant ce soir",
    ],
)
def test_nobody_back_before_tonight_is_the_house_left_empty(text: str) -> None:
    assert _values_written(text) == ["armed_away"]


@pytest.mark.parametrize(
    "text",
    [
        "the login timeout ticket, can you hand that to Priya?",
        "Euh, le ticket du login qui expire, tu le donnes à Priya ?",
        "Eh… lo del login que caduca… ¿se lo pasas a Priya?",
    ],
)
def test_a_ticket_handed_to_someone_as_a_question_is_assigned(text: str) -> None:
    assert _values_written(text) == ["priya"]


@pytest.mark.parametrize(
    "text",
    [
        "Priya's fix for the login timeout just got merged",
        "le correctif de Priya pour le login qui expire est mergé",
    ],
)
def test_a_fix_merged_closes_its_ticket(text: str) -> None:
    assert _values_written(text) == ["done"]


def test_asked_to_merge_closes_nothing() -> None:
    assert "done" not in _values_written("merge the fix for the login timeout")


@pytest.mark.parametrize(
    "text",
    [
        "night night, I'm off to bed",
        "bon, je vais me coucher, bonne nuit à toi",
        "me voy a dormir, hasta mañana",
        "So, ich geh ins Bett, schlaf gut",
    ],
)
def test_going_to_bed_told_is_small_talk(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    f = FORMER.form(routed, BASE)
    assert routed.project_id is None and f.decision == "no_task", (routed.project_id, f.reply)


def test_going_to_bed_with_a_request_is_the_request() -> None:
    assert _values_written("I'm off to bed, put the alarm on night mode") == ["armed_night"]


@pytest.mark.parametrize(
    "text",
    [
        "can parrots eat chilli peppers?",
        "what's the Catalan word for prescription?",
        "what time does the sun set in Barcelona today?",
        "how do you get candle wax out of a tablecloth?",
        "est-ce que les perroquets peuvent manger de l'avocat ?",
        "Was heißt Apotheke auf Katalanisch?",
        "Wie hoch war der höchste Menschenturm, den es je gab?",
    ],
)
def test_an_everyday_question_about_the_world_is_no_projects(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id is None


def test_a_reason_after_a_correction_that_keeps_it_on() -> None:
    # ("…, it's still icy out there": "there" is no article and thing)
    text = "switch off the coffee machine… actually no, leave it on, it's still brewing out there"
    f = form(text)
    assert f.task is None or all(v == "on" for v in _values_written(text)), f.reply


def test_a_name_in_a_chores_title_is_no_chore_told_done() -> None:
    # a reminder whose title names a pet is not done because the pet did something funny
    state = json.loads(json.dumps(STATES["family-calendar"]))
    state["reminders"]["rem-coco"] = {
        "title": "clean out Coco's cage",
        "aliases": ["Coco's cage"],
        "due": "2026-12-01T19:00:00+01:00",
        "done": False,
    }
    router = Router(REGISTRY, PACKS, calibration=CALIBRATION)
    former = Former(REGISTRY, PACKS, min_confidence=0.5)
    for project, project_state in {**STATES, "family-calendar": state}.items():
        router.reindex(project, project_state)
        former.observe(project, 1, project_state)
    said = "Coco just said 'bon dia' to the postman, I'm crying"
    f = former.form(router.route(form_event(said), BASE), BASE)
    assert f.task is None or not f.task.patch, f.task.patch if f.task else None
    done = former.form(router.route(form_event("I cleaned Coco's cage"), BASE), BASE)
    assert done.task is not None and [op.to_rfc()["value"] for op in done.task.patch] == [True]


def test_a_setting_for_a_later_moment_is_made_now() -> None:
    # ("for when they're back" says what it is for, not when to do it)
    text = "put the kids room radiator on twenty for when they're back from school"
    assert _values_written(text) == [20]


@pytest.mark.parametrize(
    "text", ["the kids say their room's like an icebox", "Sam says the bedroom is like a fridge"]
)
def test_any_room_like_an_icebox_is_cold(text: str) -> None:
    f = form(text)
    assert f.intent_id == "set_temperature", (f.intent_id, f.reply)


@pytest.mark.parametrize(
    "text", ["how tall is the Eiffel tower", "¿cuánto mide la Sagrada Familia?"]
)
def test_how_tall_a_thing_is_is_no_projects(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id is None


@pytest.mark.parametrize("text", ["passe le mode sombre en revue", "Setz Dark Mode auf in Arbeit"])
def test_a_ticket_status_said_routes_to_the_tracker(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id == "taskline-dev"


@pytest.mark.parametrize(
    "text",
    [
        "Update the record in Orion",
        "Modifie celui-là dans Apollo",
        "En Atlas, cámbialo",
        "Bei Helios, pass das mal an",
        "update the Orion thing, the one we talked about yesterday",
        "Apollo, mets à jour le truc dont on a parlé ce matin",
    ],
)
def test_a_change_of_nothing_named_in_a_generic_project_is_asked(text: str) -> None:
    f = form(text)
    assert f.decision == "clarification" and f.task is None, (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "Atlas: update the stock count to 420",
        "update the phone number on the Pichler record in Atlas",
        "Update the Helios record, the client confirmed by phone this morning",
        "Streich bei Helios die Anzeigen für nächste Woche",
        "décale le lancement de la campagne helios au lundi 7 à 10 h",
    ],
)
def test_a_change_said_in_a_generic_project_is_recorded(text: str) -> None:
    assert form(text).decision == "stateful"


def test_a_question_in_a_generic_project_changes_nothing() -> None:
    assert form("what's the helios budget?").decision == "ephemeral"


@pytest.mark.parametrize(
    "text",
    [
        "Add Rex's check-up at the vet on Friday the 11th at nine in the morning",
        "Ajoute un souper chez les voisins jeudi 10 à 18 h 30",
        "apunta una cena con los Herrera el domingo a las nueve de la noche",
        "Erinner mich übermorgen um neun in der Früh daran, Brot zu kaufen",
    ],
)
def test_a_new_thing_at_a_day_and_an_hour_is_the_calendars(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    assert routed.project_id == "family-calendar" and routed.routing_confidence >= 0.6, (
        routed.top_candidates
    )


def test_a_thing_of_the_home_at_a_day_and_an_hour_stays_the_homes() -> None:
    assert ROUTER.route(form_event("put the heating on tomorrow at 7"), BASE).project_id == "home"


# what the eighteenth session's review found (each failed on the code it reviewed)


@pytest.mark.parametrize(
    "text",
    [
        "so ein schöner Tag, sag das Yoga ab",
        "what a glorious morning, cancel my yoga class",
        "¿sabes que mi clase de yoga es hoy? cancélala",
        "il a plu toute la nuit, déplace la révision de la voiture à jeudi",
        "what a beautiful day, assign 120 to sofia",
        "bit of fresh snow overnight, warm the kids room up",
        "it's snowing outside, I need the kids room warmer",
        "vous savez que j'ai froid dans la chambre",
        "did you know that I can't see a thing in the hallway",
        "está lloviendo otra vez, ¿puedes cerrar el garaje?",
        "es hat geregnet, kannst du die Garage zumachen?",
        "tu sais qu'on part tous pour la journée",
        "les enfants peuvent manger plus tard, décale l'anniversaire de mamie à 20h",
        "can the kids eat before? cancel the piano lesson",
    ],
)
def test_a_remark_or_question_before_a_request_keeps_the_request(text: str) -> None:
    f = form(text)
    assert f.decision == "stateful" and patch_of(f), (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "the front door, unlocked, yeah?",
        "the garage, opened it earlier, ok?",
        "the alarm, armed it last night, ok?",
        "la porte de derrière, fermée, ok ?",
        "the heating, set it to 22 yesterday, yeah?",
        "la calefacción, bajada a 19, ¿vale?",
        "le chauffage, baissé à 19, d'accord ?",
        "the coffee machine, started it, ok?",
        "the porch light, leave it on, will you?",
        "tu l'ouvres comment, le garage ?",
        "tu la fermes toujours, la porte de derrière ?",
        "schließt du abends immer die Haustür ab?",
        "machst du das Verandalicht wie immer um 6 an?",
        "tu l'annules ou pas, le yoga ?",
        "the fix for 42 got merged, but keep it open",
        "the fix for 42 got merged and then reverted",
        "der Fix für 42 ist gemergt, aber der Bug ist noch da",
        "the 57 branch is ready to be merged",
        "fusionne la branche du 57",
        "the fix for 94 is deployed to staging",
        "arm the alarm for when we leave",
        "switch the coffee machine on for when I wake up",
        "unlock the front door for when sam arrives",
        "the garage is like a fridge, great for storing the beer",
        "my mum's house is like a fridge, she never heats it",
    ],
)
def test_what_the_eighteenth_review_found_changes_nothing(text: str) -> None:
    f = form(text)
    assert f.task is None or not f.task.patch, patch_of(f)


@pytest.mark.parametrize(
    "text",
    [
        "lol sorry that was meant for sam",
        "dsl c etait pour sam",
        "no no te hablaba a ti era a mi marido",
        "uy, perdona, era la tele",
        "Sorry, hab mich vertan, mach nix",
        "eh, ¿hola? ¿me oyes?",
        "you're getting the hang of this",
        "t'es plutôt doué, dis donc",
    ],
)
def test_said_to_someone_else_or_by_mistake_is_small_talk(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    f = FORMER.form(routed, BASE)
    assert routed.project_id is None and f.decision == "no_task", (routed.project_id, f.reply)


def test_said_for_a_thing_then_a_request_is_the_request() -> None:
    assert _values_written("sorry, that was for the porch light, turn it on") == ["on"]


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("le point avec Marco, on peut le passer à 14h ?", "2026-12-02T14:00:00+01:00"),
        ("Emma's thing on Friday, can we shift it to 5:30?", "2026-12-04T17:30:00+01:00"),
        ("the dentist, can we make it half four instead?", "2026-12-03T16:30:00+01:00"),
    ],
)
def test_a_move_asked_as_a_question_is_made(text: str, start: str) -> None:
    assert _values_written(text)[0] == start


@pytest.mark.parametrize(
    "text",
    [
        "Give me a heads-up half an hour before parents evening, I always forget it",
        "Sag mir eine Stunde vorher Bescheid wegen dem Tierarzt",
    ],
)
def test_a_heads_up_before_an_event_is_a_reminder_of_it(text: str) -> None:
    f = form(text)
    assert f.intent_id == "remind_event" and patch_of(f), (f.intent_id, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "Good morning! How are you keeping today?",
        "¡Buenos días! ¿Qué tal está usted?",
        "You're pretty handy, you know that?",
        "oye, qué majo eres",
        "hast du gut geschlafen?",
        "¿te gusta tu trabajo?",
        "Hat sich erledigt, hab's selbst ausgemacht",
    ],
)
def test_the_assistant_asked_about_or_praised_is_small_talk(text: str) -> None:
    assert form(text).decision == "no_task"


@pytest.mark.parametrize(
    "text", ["activa la escena de buenas noches, gracias", "gute Nacht Szene bitte"]
)
def test_a_scene_named_with_a_greeting_is_started(text: str) -> None:
    assert _targets(form(text)) == {"scene.good_night"}


@pytest.mark.parametrize("text", ["forget yoga tonight", "oublie le yoga ce soir"])
def test_an_event_forgotten_is_called_off_not_moved(text: str) -> None:
    assert patch_of(form(text)) == [{"op": "remove", "path": "/events/ev-yoga"}]


@pytest.mark.parametrize("text", ["don't forget yoga tonight", "n'oublie pas le yoga ce soir"])
def test_an_event_to_remember_is_not_moved(text: str) -> None:
    f = form(text)
    assert f.intent_id != "move_event", patch_of(f)


# what the eighteenth session's second review found (each failed on the code it reviewed)


@pytest.mark.parametrize(
    "text",
    [
        "I was talking to the dog and now I need the porch light on",
        "je parlais à Sam et ferme la porte de derrière",
        "estaba hablando con Sam pero cierra la puerta principal",
        "ich sprach mit Leo aber mach das Garagentor zu",
        "please ignore the kids and set the heating to 22",
    ],
)
def test_a_request_after_talking_to_someone_else_is_done(text: str) -> None:
    f = form(text)
    assert f.decision == "stateful" and patch_of(f), (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "the garage, open it when sam gets home, ok?",
        "the coffee machine, start it at 7, ok?",
        "the coffee machine, turn it on at half six, eh?",
        "yoga, cancel it if it rains, ok?",
        "le garage, ouvre-le plus tard, d'accord ?",
        "el garaje, ábrelo cuando llegue Sam, ¿vale?",
        "die Heizung, dreh sie bloß nicht hoch, gell?",
        "Mach ich die Haustür auf, ja?",
        "cancelo el dentista, ¿sí?",
        "tu l'annules vraiment, le yoga ?",
        "tu l'annules pas, le yoga ?",
        "schaltest du die Alarmanlage wirklich aus?",
        "machst du die Alarmanlage an, wenn wir gehen?",
        "setzt du die Heizung auf 20 oder 21?",
        "any chance the dentist can see me at 4 instead?",
        "any chance the kids could be in bed by 8?",
        "can the coffee machine start at 7?",
        "can marco go to the dentist at 4?",
        "Kann Sam um 9 die Katze zum Tierarzt bringen?",
        "make the coffee tomorrow at 7",
        "the fix for 42 should be merged today",
        "part of the fix for 42 got merged",
        "a fix for 42 got merged, but not the whole thing",
        "the competitor shipped dark mode last week",
        "42 shipped with a bug",
        "put the heating on for when we get back",
    ],
)
def test_what_the_eighteenth_second_review_found_changes_nothing(text: str) -> None:
    f = form(text)
    assert f.task is None or not f.task.patch, patch_of(f)


@pytest.mark.parametrize(
    "text",
    [
        "lower your voice, we're talking about Orion",
        "mets-toi à ma place, Atlas c'est compliqué",
        "pon música mientras reviso Orion",
        "gib Gas, Apollo muss raus",
        "streich das Brot mit Butter, dann schauen wir Helios an",
        "envoie-moi les chiffres d'Orion",
    ],
)
def test_an_aside_about_a_generic_project_records_nothing(text: str) -> None:
    assert form(text).decision != "stateful"


# what the eighteenth session's third review found (each failed on the code it reviewed)


def test_a_remark_with_an_ellipsis_before_a_request_does_not_crash() -> None:
    # ("…" folded to "..." split the clauses of the text and its folded form differently)
    assert _values_written("was für ein wunderbarer Tag… mach das Verandalicht aus") == ["off"]


@pytest.mark.parametrize(
    "text",
    [
        "the porch light, turn it off in an hour, ok?",
        "la cafetera, enciéndela en diez minutos, ¿vale?",
        "the yoga class, cancel it next week, ok?",
        "le porche, allume-le à la tombée de la nuit, ok ?",
        "die Heizung, dreh sie nie über 22, gell?",
        "machst du das Verandalicht um sieben an?",
        "machst du das Yoga heute mit?",
        "42 didn't get merged",
        "the fix for 42 got merged by accident",
        "I heard 42 got merged",
        "let's not forget the vet",
        "remember the dentist on friday",
        "vergiss den Zahnarzt nicht",
        "Atlas, cancel that, I was just thinking out loud",
        "Helios: send help lol",
        "ehrlich, können wir aufhören über 42 zu reden?",
    ],
)
def test_what_the_eighteenth_third_review_found_changes_nothing(text: str) -> None:
    f = form(text)
    assert f.task is None or not f.task.patch or f.intent_id == "create_reminder", patch_of(f)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("so ein schöner Tag, aber sag das Yoga trotzdem ab", None),
        ("vergiss den Zahnarzt, ich geh nicht hin", None),
        ("close tee ell one oh one, the crash fix shipped", "done"),
    ],
)
def test_a_request_the_third_review_saw_dropped_is_done(text: str, value: Any) -> None:
    assert _values_written(text) == [value]


@pytest.mark.parametrize(
    "text",
    [
        "the dentist, move it to friday, ok?",
        "le dentiste, décale-le à vendredi, d'accord ?",
        "der Zahnarzt, verschieb ihn auf Freitag, gell?",
    ],
)
def test_a_tagged_move_to_a_day_is_made(text: str) -> None:
    assert _values_written(text)[0] == "2026-12-04T15:00:00+01:00"


@pytest.mark.parametrize(
    "text", ["if 42's fix gets merged, close it", "once the fix for 42 is merged, close it"]
)
def test_closing_on_a_merge_to_come_closes_nothing(text: str) -> None:
    assert "done" not in _values_written(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tomasz a chanté du Verdi pendant tout le petit-déjeuner, au secours.",
        "Meine Mutter hat heute zum ersten Mal seit Wochen wieder Walisisch mit mir gesprochen.",
    ],
)
def test_a_day_told_changes_nothing(text: str) -> None:
    f = form(text)
    assert f.task is None or not f.task.patch, patch_of(f)


@pytest.mark.parametrize(
    "text",
    [
        "Bonne nuit, je me lève à trois heures demain, la route m'attend.",
        "T'es plus rapide que mon GPS de camion, bravo.",
        "Te lo juro, eres más lista que el navegador del camión.",
        "Du verstehst mich echt besser als mein Disponent.",
        "Salut ! T'as passé une bonne nuit, toi ?",
        "Nee, lass mal, ich mach das selber.",
        "Oh, ignore me, I was talking to the dog next door.",
    ],
)
def test_more_small_talk_of_a_held_out_household(text: str) -> None:
    assert form(text).decision == "no_task"


@pytest.mark.parametrize(
    "text",
    [
        "Why does cold air set off a kid's asthma?",
        "Vertragen Frettchen eigentlich Bananen?",
        "How many hours am I allowed to drive in a fortnight under the EU rules?",
    ],
)
def test_why_allowed_and_tolerated_are_no_projects(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id is None


@pytest.mark.parametrize(
    "text",
    ["We're off to bed, run bedtime", "Ya me voy a acostar. ¿Me pones lo de buenas noches?"],
)
def test_going_to_bed_and_asking_for_the_scene_starts_it(text: str) -> None:
    assert _targets(form(text)) == {"scene.good_night"}


@pytest.mark.parametrize(
    "text",
    [
        "t'es plus rapide que marco, ferme le ticket 42",
        "eres más rápido que mi marido, baja la calefacción a 19",
        "du bist besser als Alexa, mach die Nachttischlampe an",
        "wir gehen schlafen, aktivier gute Nacht",
    ],
)
def test_a_compliment_or_bedtime_before_a_request_keeps_it(text: str) -> None:
    f = form(text)
    assert f.decision == "stateful" and patch_of(f), (f.decision, f.reply)


# --- the nineteenth session ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target", "value"),
    [
        # several words take it back, the last one counts; the verb's particle stays
        ("Mach das Verandalicht an… nee, warte, ich mein das Flurlicht", "light.hallway", "on"),
        (
            "mach das Verandalicht aus, nein, Moment, ich meine das Flurlicht",
            "light.hallway",
            "off",
        ),
        ("Mach die Lichterkette an, ich mein das Flurlicht", "light.hallway", "on"),
        ("turn off the porch light… no, wait, sorry, the hallway light", "light.hallway", "off"),
        ("apaga la luz del porche… no, espera, perdón, la del pasillo", "light.hallway", "off"),
    ],
)
def test_a_correction_after_several_words_taking_it_back(
    text: str, target: str, value: str
) -> None:
    f = form(text, 700 + len(text))
    assert _targets(f) == {target}
    assert {op["value"] for op in patch_of(f)} == {value}


@pytest.mark.parametrize(
    "text",
    [
        "Lo de Atlas, cámbialo, ¿vale?",
        "Bei Helios, änder das mal, du weißt schon.",
        "change the Orion thing, you know",
        "Pour Atlas, change ça, tu vois",
    ],
)
def test_a_vague_change_with_a_tag_after_it_asks(text: str) -> None:
    f = form(text)
    assert f.decision == "clarification", (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "From what age can babies eat eggs?",
        "À partir de quel âge un bébé peut manger du fromage ?",
        "¿A partir de qué edad pueden los bebés comer huevo?",
        "Ab welchem Alter dürfen Hunde Knochen fressen?",
    ],
)
def test_from_what_age_a_kind_may_is_no_project(text: str) -> None:
    assert ROUTER.route(form_event(text), BASE).project_id is None


@pytest.mark.parametrize(
    "text",
    [
        "Tom won the chess tournament at school today!",
        "The baby woke up five times last night, what a night.",
        "Léa a gagné le concours de dessin à l'école aujourd'hui !",
        "Quelle nuit, le bébé s'est réveillé trois fois.",
        "Mon frère a ramené du fromage de Hollande et toute la cuisine sent.",
        "¡Pablo ha ganado el torneo de ajedrez del cole!",
        "Menuda noche, el bebé se despertó cinco veces.",
        "Anna hat heute den Malwettbewerb gewonnen!",
        "Mein Bruder hat Käse aus Holland mitgebracht und die ganze Küche riecht.",
        "Was für eine Nacht, das Baby ist fünfmal aufgewacht.",
    ],
)
def test_a_story_told_in_the_past_forms_no_task(text: str) -> None:
    f = form(text)
    assert f.decision == "no_task", (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "ähm… streich mal das, was am Donnerstag ist",  # German "was" asks what
        "c'est qui qui a gagné le match hier soir",
        "Mein Bruder hat die Küche geputzt, mach das Licht in der Küche aus",
        "le bébé s'est endormi, éteins la lumière de la chambre",
        "los niños se han dormido, apaga la luz del pasillo",
    ],
)
def test_a_past_said_with_a_request_or_a_question_is_no_story(text: str) -> None:
    f = form(text)
    assert f.decision != "no_task", (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        # news with a time, a day or an "instead", a ticket taken, cold said, a wish
        "le coach de Léo a envoyé un texto, l'entraînement est à 11h au lieu de 10h",
        "Mamie a appelé, elle vient déjeuner dimanche à 12h30",
        "Priya a récupéré le test instable",
        "die Kinder sind frierend aufgewacht",
        "Leo ist eingeschlafen, wir sollten das Wohnzimmer dunkler machen",
        "mach das Licht im Flur aus, ich mein das ernst",
    ],
)
def test_news_a_project_acts_on_is_no_story(text: str) -> None:
    f = form(text)
    # not taken for a story: a task, or a question back (not "thanks for telling me")
    assert f.decision != "no_task" or (f.reply is not None and f.reply.reason_code != "smalltalk")


def test_a_remark_with_a_wish_is_still_chat() -> None:
    f = form("what a lovely morning, we should go for a walk later")
    assert f.decision == "no_task", (f.decision, f.reply)


# --- the twentieth session -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "You alright today? Busy one?",
        "how's your day going?",
        "Et toi, ça roule aujourd'hui ?",
        "¿Y tú qué, cómo llevas el lunes… digo, el martes?",
        "Na, und wie läuft dein Tag so?",
    ],
)
def test_the_assistants_day_asked_about_is_small_talk(text: str) -> None:
    f = form(text)
    assert f.decision == "no_task", (f.decision, f.reply)


def test_a_day_asked_about_the_calendar_is_no_small_talk() -> None:
    f = form("¿qué tal el martes? ¿tengo algo?")
    assert f.decision != "no_task", (f.decision, f.reply)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("plug in the coffee machine", "on"),
        ("branche la machine à café", "on"),
        ("enchufa la cafetera", "on"),
        ("débranche la machine à café", "off"),
        ("desconecta la cafetera", "off"),
        ("zieh den Stecker von der Kaffeemaschine", "off"),
        ("plug the coffee machine back in", "on"),
        ("zieh bei der Kaffeemaschine den Stecker", "off"),
    ],
)
def test_plugged_in_or_out_switches_a_device(text: str, value: str) -> None:
    patch = patch_of(form(text))
    assert patch == [
        {"op": "replace", "path": "/entities/switch.coffee_machine/state", "value": value}
    ], text


def test_a_scene_started_is_on() -> None:
    patch = patch_of(form("start the movie night scene"))
    assert patch == [{"op": "replace", "path": "/entities/scene.movie_night/state", "value": "on"}]


@pytest.mark.parametrize(
    "text",
    ["Oops, wrong button, ignore that.", "stopp, das war falsch"],
)
def test_small_talk_with_a_stray_word_of_a_name_routes_nowhere(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    assert routed.project_id is None or routed.routing_confidence < 0.5, routed.project_id


@pytest.mark.parametrize(
    "text",
    [
        "Helios, that thing we talked about yesterday, can you change it?",
        "Atlas, tu sais, le truc de l'autre jour, tu peux le régler ?",
        "En Orion, cambia eso que te dije el otro día.",
        "Apollo - mach mal das, was wir besprochen haben.",
        "Celui dont on parlait ce matin, donne-le à Priya.",
    ],
)
def test_a_thing_named_only_by_an_earlier_talk_is_asked_for(text: str) -> None:
    f = form(text)
    assert f.decision == "clarification", (f.decision, f.reply)
    assert f.reply is not None and f.reply.reason_code == "missing_slot:target"


def test_an_earlier_talk_beside_a_named_thing_forms_it() -> None:
    # the ticket is named: what was said before is only a reminder of why
    f = form("close TL-42, the thing we talked about yesterday is fixed")
    assert f.task is not None and f.task.task_type == "stateful", (f.decision, f.reply)


def test_french_dont_is_no_negation() -> None:
    from processors.grounding import NEGATED

    assert NEGATED.search("celui dont on parlait ce matin") is None
    assert NEGATED.search("la lampe dont la prise est cassee") is None
    assert NEGATED.search("dont turn off the stove") is not None


@pytest.mark.parametrize(
    ("text", "item", "value"),
    [
        ("not the coffee machine, switch off the water pump", "switch.water_pump", "off"),
        (
            "nicht die Kaffeemaschine ausschalten, sondern die Wasserpumpe",
            "switch.water_pump",
            "off",
        ),
        ("no apagues la cafetera sino la bomba de agua", "switch.water_pump", "off"),
    ],
)
def test_not_this_but_that_asks_for_that(text: str, item: str, value: str) -> None:
    assert patch_of(form(text)) == [
        {"op": "replace", "path": f"/entities/{item}/state", "value": value}
    ], text


def test_not_this_alone_still_asks_for_nothing() -> None:
    assert form("no apagues la cafetera").decision == "no_task"
    assert form("nicht die Kaffeemaschine ausschalten").decision == "no_task"


@pytest.mark.parametrize(
    "text", ["el enchufe de la cafetera no funciona", "la branche de la machine à café est cassée"]
)
def test_a_socket_or_a_plug_named_switches_nothing(text: str) -> None:
    f = form(text)
    assert f.task is None or not any(op["value"] == "on" for op in patch_of(f)), text


def test_said_in_the_wrong_chat_is_taken_back() -> None:
    f = form("sorry, wrong chat")
    assert f.decision == "no_task", (f.decision, f.reply)


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("switch on the halfway light", "light.hallway"),
        ("lock the font door", "lock.front_door"),
        ("etein la lumiere de la sale de bain", "light.bathroom_mirror"),
    ],
)
def test_a_common_word_misheard_for_a_name_is_read_when_nothing_else_is_named(
    text: str, item: str
) -> None:
    # "halfway", "font", "sale" are words of their own, read as typos only when the request
    # names a kind of thing and nothing else, and reading them so names one thing
    assert {op["path"].split("/")[2] for op in patch_of(form(text))} == {item}, text


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        (
            "Set the Helios launch date to Wednesday the 16th at 10 am.",
            "/launch_date",
            "2026-12-16T10:00",
        ),
        (
            "apollo: fija el lanzamiento para el lunes a las 9",
            "/lanzamiento",
            "2026-12-07T09:00",
        ),
        (
            "Leg in Atlas die Abgabe auf den 21. Dezember um neun Uhr.",
            "/abgabe",
            "2026-12-21T09:00",
        ),
    ],
)
def test_a_date_field_of_a_generic_project_gets_a_time(text: str, path: str, value: str) -> None:
    (op,) = patch_of(form(text))
    assert op["path"] == path and str(op["value"]).startswith(value), op


def test_a_date_said_with_its_weekday_is_that_date() -> None:
    from processors.language import clean
    from processors.values import when

    for text, lang in [
        ("lunes 14 de diciembre a las 10", "es"),
        ("Montag, den 14. Dezember um 10", "de"),
        ("monday 14 december at 10", "en"),
    ]:
        found = when(clean(text, lang), BASE, "Europe/Paris")
        assert found is not None and found.at is not None
        assert found.at.isoformat().startswith("2026-12-14T10:00"), text


def test_midday_is_noon() -> None:
    (op,) = patch_of(form("add a walk with Sam on Sunday at midday"))
    assert op["value"]["start"].startswith("2026-12-06T12:00"), op


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        (
            "Apaga el secabotas del recibidor… no, espera, mejor el del guardaesquís.",
            "apaga el secabotas del guardaesquís.",
        ),
        (
            "mach den Schuhtrockner im Flur aus, nee, den im Skiraum",
            "mach den schuhtrockner im skiraum aus",
        ),
        (
            "enciende la luz de la cocina… no, espera, mejor la del pasillo",
            "enciende la luz del pasillo",
        ),
    ],
)
def test_the_one_of_another_place_in_a_correction_is_the_same_thing(
    text: str, cleaned: str
) -> None:
    from processors.language import clean

    lang = "de" if "mach" in text else "es"
    assert clean(text, lang).text == cleaned


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("set the helios launch budget to 12k for march", "/launch_budget", "12k for march"),
        (
            "set the atlas delivery address to 12 rue de la paix",
            "/delivery_address",
            "12 rue de la paix",
        ),
        ("set the atlas delivery window to 8 to 10 am", "/delivery_window", "8 to 10 am"),
        ("setz den Release von Apollo auf 2.5", "/release", "2.5"),
        ("set the helios wave 2 launch date to 14 january", "/wave_2_launch_date", "2027-01-14"),
        ("passe le budget d'atlas à 3000", "/budget", "3000"),
    ],
)
def test_a_generic_field_keeps_what_is_no_time(text: str, path: str, value: str) -> None:
    (op,) = patch_of(form(text))
    assert (op["path"], op["value"]) == (path, value), op


@pytest.mark.parametrize(
    "text",
    [
        "add a reminder to follow up on what we discussed with priya",
        "erinnere mich morgen an das, was wir besprochen haben",
    ],
)
def test_an_earlier_talk_as_what_a_reminder_is_about_is_no_reference(text: str) -> None:
    f = form(text)
    assert f.task is not None and f.task.task_type == "stateful", (f.decision, f.reply)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("add an event midday yoga on thursday at 12:30", "2026-12-03T12:30"),
        ("déplace le yoga à mercredi après-midi", "2026-12-02T15:00"),
    ],
)
def test_a_time_said_beats_a_midday_in_a_name(text: str, start: str) -> None:
    patch = patch_of(form(text))
    starts = [
        op["value"]["start"] if isinstance(op["value"], dict) else op["value"]
        for op in patch
        if op["path"].endswith("/start") or isinstance(op["value"], dict)
    ]
    assert starts and starts[0].startswith(start), patch


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            "not the water pump, but turn on the coffee machine",
            "/entities/switch.coffee_machine/state",
        ),
        ("not TL-42, close TL-94", "/tickets/TL-94/status"),
    ],
)
def test_not_this_then_a_request_of_another_asks_for_that_one(text: str, path: str) -> None:
    assert [op["path"] for op in patch_of(form(text))] == [path], text


@pytest.mark.parametrize(
    "text",
    [
        "how long does a sourdough loaf usually take to rise?",
        "¿cuántos gramos tiene una onza?",
        "ça fait combien, 75 divisé par 3 ?",
        "Welche Sprache spricht man offiziell in Belgien?",
        "what's the world record for the marathon?",
    ],
)
def test_a_question_about_the_world_routes_to_no_project(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    assert routed.project_id is None or routed.routing_confidence < 0.5, routed.project_id


@pytest.mark.parametrize(
    "text", ["how many days until my dentist appointment?", "how long is the piano lesson usually?"]
)
def test_a_question_about_ones_own_things_stays_with_their_project(text: str) -> None:
    routed = ROUTER.route(form_event(text), BASE)
    assert routed.project_id == "family-calendar", routed.project_id


@pytest.mark.parametrize(
    "text",
    [
        "the kids' room is icy this morning",
        "im Kinderzimmer ist es eisig",
        "dans la chambre des enfants on voit notre souffle",
    ],
)
def test_icy_or_breath_seen_indoors_is_cold_said(text: str) -> None:
    f = form(text)
    assert f.task is not None and any(
        op["path"].startswith("/entities/climate.") for op in patch_of(f)
    ), (f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "Ne, lass, ich hab mich vertan.",
        "Non, laisse, je me suis trompé.",
        "no, leave it, my mistake",
    ],
)
def test_a_mistake_owned_after_a_call_off_is_no_task(text: str) -> None:
    f = form(text)
    assert f.decision == "no_task", (f.decision, f.reply)


@pytest.mark.parametrize(
    "text", ["unplug everything in the kitchen", "desenchufa todo en la cocina"]
)
def test_unplugging_a_room_is_of_its_devices_not_its_lights(text: str) -> None:
    assert {op["path"] for op in patch_of(form(text))} == {
        "/entities/switch.coffee_machine/state"
    }, text


# --- the twenty-second session: what the dev sets' misses showed -----------------------------


def test_the_word_that_asks_for_a_label_names_no_ticket() -> None:
    tracker = json.loads(json.dumps(STATES["taskline-dev"]))
    tracker["tickets"]["TL-900"] = {
        "title": "move crash reporting from Crashlytics to Sentry",
        "status": "open",
        "labels": [],
    }
    tracker["tickets"]["TL-901"] = {
        "title": "screen-reader labels for the danger-scale icons",
        "status": "open",
        "labels": [],
    }
    for text in [
        "Gib dem Sentry-Umzug das Label backend",
        "Étiquette le passage à Sentry en backend",
    ]:
        formation = _formed_in({"taskline-dev": tracker}, text)
        assert patch_of(formation) == [
            {"op": "add", "path": "/tickets/TL-900/labels/-", "value": "backend"}
        ], text


@pytest.mark.parametrize(
    "text",
    [
        "no, cancel, my mistake",
        "Non, annule, je me suis trompé",
        "Eh, cancela, no era nada",
        "Annule, je m'en occupe moi-même",
        "merci d'avoir réglé le chauffage tout à l'heure",
        "muchas gracias, la luz del porche ha quedado perfecta",
        "Qué bonito quedó el termostato nuevo",
        "Te iba a pedir que cerraras la puerta principal, pero Sam ya lo hizo",
        "ma femme voulait que je te demande d'allumer le chauffage mais bon",
        "don't turn off the porch light yet",
    ],
)
def test_what_asks_no_project_for_anything_is_routed_to_none(text: str) -> None:
    routed = ROUTER.route(form_event(text, 901), BASE)
    assert routed.project_id is None or routed.routing_confidence < 0.5, routed.project_id
    assert FORMER.form(routed, BASE).decision == "no_task", text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("great job on the porch light, now turn it off", "off"),  # the request is the second
        ("enciende la luz del porche… bueno no, apágala", "off"),  # "bueno no" corrects it
    ],
)
def test_the_switch_is_read_from_the_clause_that_asks(text: str, value: str) -> None:
    assert patch_of(form(text, 902))[0]["value"] == value


def test_a_request_after_thanks_is_still_asked() -> None:
    # which door, not "you're welcome"; and a ticket given to one, not taken back from both
    assert form("thanks, now lock the door", 903).reply.reason_code == "ambiguous_target"  # type: ignore[union-attr]
    assert patch_of(form("don't give 101 to Sofia, give it to Jonas", 904))[0]["value"] == "jonas"
    asked = form("Did somebody leave the light on in the garage?", 905)
    assert asked.decision == "ephemeral", asked.reply


@pytest.mark.parametrize(
    "text",
    [
        "Brr, it's minus twelve outside",  # dimmed the porch light to 12 before
        "Il fait un froid de canard dehors ce matin",
        "Qué frío hace afuera",
        "Draußen ist es saukalt, minus zehn",
        "the cat's asleep on the warm towels again",
        "el gato se durmió en el sofá otra vez",
        "Die Katze hat sich aufs Sofa gelegt",
        "Salut tout le monde, bien dormi ?",
        "Moin! Na, gut geschlafen?",
        "Scratch that last request.",
        "Attends, stop, fais rien pour l'instant.",
        "Hab eben mit Paula gequatscht, nich mit dir.",
        "You're getting rather good at this, you know.",
    ],
)
def test_weather_outside_a_pet_asleep_and_small_talk_ask_nothing(text: str) -> None:
    routed = ROUTER.route(form_event(text, 910), BASE)
    assert routed.project_id is None or routed.routing_confidence < 0.5, routed.project_id
    assert FORMER.form(routed, BASE).decision == "no_task", text


@pytest.mark.parametrize(
    "text",
    [
        "it's freezing outside, turn up the heating",
        "it's so cold outside, the kids are freezing in their rooms",
        "the dog is sleeping in the kitchen, turn off the light there",
    ],
)
def test_what_is_asked_beside_the_weather_or_a_pet_is_still_asked(text: str) -> None:
    assert form(text, 911).decision in ("stateful", "clarification"), text


@pytest.mark.parametrize(
    "text",
    [
        "Emma est devant la porte d'entrée, elle a laissé ses clés au garage",
        "Leo steht vor der Haustür und hat den Schlüssel drinnen liegen lassen",
    ],
)
def test_someone_at_a_door_whose_keys_are_elsewhere_is_let_in(text: str) -> None:
    assert _values_written(text) == ["unlocked"], text


@pytest.mark.parametrize(
    "text",
    [
        # a review found each unlocked by a first version that let in anyone with full hands
        "a man with his arms full of boxes is at the front door",
        "the courier is at the front door with his arms full",
        "un homme les bras chargés de cartons sonne à la porte d'entrée",
        "der Pizzabote steht mit vollen Händen vor der Haustür",
    ],
)
def test_full_hands_alone_let_nobody_in(text: str) -> None:
    assert "unlocked" not in _values_written(text), text


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        # a review found each swallowed as a remark by a first version
        ("it's snowing outside, cancel leo's football practice", "stateful"),
        ("cancel yoga, it's snowing outside", "stateful"),
        ("il neige dehors, reporte le foot de Léo à dimanche 10h", "stateful"),
        ("draußen ist es kalt, Heizung auf 22", "stateful"),
        ("the cat's napping on our bed, lower the bedroom radiator to 17", "stateful"),
        ("le chien dort, décale le vétérinaire à vendredi 16h", "stateful"),
        ("die Katze schläft, sag den Tierarzt ab", "stateful"),
        ("the cat's asleep on the keyboard, assign TL-42 to Priya", "stateful"),
        ("I never asked you to turn on the coffee machine", "no_task"),
        ("Marco never gave up and fixed TL-42", "stateful"),
    ],
)
def test_a_request_beside_the_weather_or_a_pet_is_asked(text: str, decision: str) -> None:
    assert form(text, 912).decision == decision, text


def test_a_bare_number_near_what_a_hot_thing_is_set_to_is_its_temperature() -> None:
    home = json.loads(json.dumps(STATES["home"]))
    home["entities"]["climate.sauna"] = {
        "name": "sauna stove",
        "aliases": ["Saunaofen"],
        "kind": "climate",
        "state": "off",
        "attributes": {"target_celsius": 75},
    }
    formation = _formed_in({"home": home}, "Stell den Saunaofen auf neunzig")
    assert patch_of(formation) == [
        {
            "op": "replace",
            "path": "/entities/climate.sauna/attributes/target_celsius",
            "value": 90.0,
        }
    ]


@pytest.mark.parametrize(
    "text",
    [
        # what a review found both the old and the first new code doing
        "un type cagoulé essaie d'ouvrir la porte d'entrée",  # unlocked it
        "un encapuchado está intentando abrir la puerta trasera",
        "jemand versucht, die Hintertür aufzumachen",
    ],
)
def test_someone_trying_to_open_a_door_is_not_let_in(text: str) -> None:
    assert "unlocked" not in _values_written(text), text


@pytest.mark.parametrize(
    "text",
    [
        "nunca cierres la puerta trasera con llave",  # locked it
        "ne ferme jamais la porte de derrière à clé",
        "sperr die Hintertür nie ab",
    ],
)
def test_never_said_of_a_lock_locks_nothing(text: str) -> None:
    assert form(text, 913).decision == "no_task", text


def test_a_scene_called_off_is_not_started_and_outside_is_no_setting() -> None:
    assert "on" not in _values_written("cancel movie night")
    for text in [
        "it's 30 degrees outside, set the thermostat to 19",
        "il fait moins dix dehors, monte le chauffage à 19",
    ]:
        assert _values_written(text) == [19.0], text


@pytest.mark.parametrize(
    ("text", "path"),
    [
        # a review found each lost as "you're welcome" or "nothing to do" by both codes
        ("thanks, assign TL-42 to Priya", "/tickets/TL-42/assignee"),
        ("merci, décale le yoga à jeudi 19h", "/events/ev-yoga/start"),
        ("danke, weis TL-94 Lea zu", "/tickets/TL-94/assignee"),
        (
            "I was going to ask you to lock up, but Sam already did, so lock the back door instead",
            "/entities/lock.back_door/state",
        ),
    ],
)
def test_a_request_after_thanks_or_a_request_already_done_is_made(text: str, path: str) -> None:
    assert patch_of(form(text, 914))[0]["path"] == path, text


@pytest.mark.parametrize(
    ("text", "path"),
    [
        # "don't X, <request> Y": the request after it (a review found the porch light switched)
        (
            "no apagues la luz del porche, apaga la de la cocina",
            "/entities/light.kitchen_ceiling/state",
        ),
        ("don't lock the back door, lock the front door", "/entities/lock.front_door/state"),
        ("ne ferme pas le garage, ferme la porte d'entrée", "/entities/lock.front_door/state"),
    ],
)
def test_a_request_after_one_said_not_to_is_the_one_made(text: str, path: str) -> None:
    assert [op["path"] for op in patch_of(form(text, 915))] == [path], text


@functools.cache
def _pipeline_formation() -> tuple[Router, Former]:
    from streams.runtime.pipeline import build_former, build_router
    from streams.settings import Settings

    settings = Settings()
    return build_router(settings), build_former(settings)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a light left as it is, told beside bedtime or a fear of the dark: the other way
        ("we're going to bed and the floor lamp is still on", "off"),
        ("Léo a peur du noir et la veilleuse est encore éteinte.", "on"),
        ("Alle liegen schon im Bett, aber im Flur ist noch Licht an.", "off"),
    ],
)
def test_a_light_still_on_at_bedtime_is_switched_the_other_way(text: str, value: str) -> None:
    # (as the pipeline builds the former: with its semantic encoder, which reads these as the
    # pack's examples of switching)
    router, former = _pipeline_formation()
    for project, state in STATES.items():
        router.reindex(project, state)
        former.observe(project, 1, state)
    formation = former.form(router.route(form_event(text, 917), BASE), BASE)
    assert {op["value"] for op in patch_of(formation)} == {value}, text


def test_a_light_still_on_asked_about_is_only_read() -> None:
    assert form("is the hallway light still on?", 916).decision == "ephemeral"


@pytest.mark.parametrize(
    "text",
    [
        "the kids are asleep and the porch light is still on, that's fine",
        "les enfants dorment et la lumière du porche est encore allumée, c'est voulu",
    ],
)
def test_a_light_still_on_said_to_be_as_wanted_is_not_switched(text: str) -> None:
    router, former = _pipeline_formation()
    for project, state in STATES.items():
        router.reindex(project, state)
        former.observe(project, 1, state)
    formation = former.form(router.route(form_event(text, 918), BASE), BASE)
    assert formation.task is None or not formation.task.patch, patch_of(formation)


@pytest.mark.parametrize(
    "text",
    [
        "Leo's been a right little devil all afternoon.",
        "Emma dice que el gato ya come mucho mejor.",
        "Leo s'est encore sauvé du jardin, quel petit malin.",
        "Emma hat heute die ganze Küche durcheinandergebracht.",
        "Leo scored twice this morning, I'm so proud of him.",
        "Emma dort devant la télé, elle bouge plus.",
        "Leo schläft schon wieder auf dem Sofa.",
    ],
)
def test_a_story_of_someone_by_name_is_no_task_of_any_project(text: str) -> None:
    # the names brush the calendar's "Emma's piano lesson", "Leo's football practice"
    routed = ROUTER.route(form_event(text, 138), BASE)
    assert routed.project_id is None or routed.routing_confidence < 0.6, routed.project_id
    f = form(text, 138)
    assert f.task is None and f.decision == "no_task", (text, f.decision, f.reply)


@pytest.mark.parametrize(
    "text",
    [
        "Retire Sam du ticket 42, il est débordé.",  # a request, then how someone is
        "Emma dit que sa chambre, c'est la Sibérie.",  # cold, told on
        "los niños dicen que no ven nada en su cuarto",  # dark, told on
        "Leo reckons it's absolutely Baltic in the kids room.",
    ],
)
def test_what_is_told_of_someone_to_be_acted_on_is_no_story(text: str) -> None:
    f = form(text, 139)
    assert f.decision != "no_task", (text, f.reply)


def test_clever_is_not_done() -> None:
    f = form("ticket 42, qué bug más listo", 140)
    assert not any(op.get("value") == "done" for op in patch_of(f))


@pytest.mark.parametrize(
    "text",
    [
        "the piano teacher can't do friday",
        "the vet rang, she can't do the cat today, she's off sick",
        "Die Klavierlehrerin von Emma kann am Freitag nicht, sie ist krank.",
    ],
)
def test_who_holds_an_event_not_able_to_do_its_day_calls_it_off(text: str) -> None:
    f = form(text, 141)
    assert f.intent_id == "cancel_event", (text, f.intent_id, f.reply)


def test_a_new_day_said_after_it_moves_the_event() -> None:
    f = form("the piano teacher can't do friday, move it to saturday", 142)
    assert f.intent_id == "move_event", f.reply


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        # a story first, then a request whose verb no list of imperatives held
        (
            "Leo's fallen asleep on the sofa, kill the big light",
            "/entities/light.living_ceiling/state",
            "off",
        ),
        (
            "Priya has been flat out, give the release checklist to Lea",
            "/tickets/TL-118/assignee",
            "lea",
        ),
        # cold, heat, darkness or a shipped change told on by someone
        ("Emma sagt, man sieht im Flur gar nichts", "/entities/light.hallway/state", "on"),
        ("Jonas says the kafka client is live in prod", "/tickets/TL-71/status", "done"),
    ],
)
def test_what_follows_or_is_told_in_a_story_is_acted_on(
    text: str, path: str, value: object
) -> None:
    f = form(text, 143)
    assert [(op["path"], op["value"]) for op in patch_of(f)] == [(path, value)], f.reply


@pytest.mark.parametrize(
    "text",
    [
        "Léo dit que sa chambre est une vraie glacière",
        "Sam sagt, im Wohnzimmer ist eine Affenhitze",
        "Sam sagt, das Büro ist ein Kühlschrank",
    ],
)
def test_cold_or_heat_told_on_changes_a_temperature(text: str) -> None:
    f = form(text, 144)
    assert f.intent_id == "set_temperature", (text, f.reply)


@pytest.mark.parametrize(
    "text", ["schalt die Kaffeemaschine ein äh Emma kommt gleich", "mach das Licht an, im Flur"]
)
def test_a_german_request_ended_by_its_particle_is_made(text: str) -> None:
    f = form(text, 145)
    assert [op["value"] for op in patch_of(f)] == ["on"], (text, f.reply)


def test_a_light_put_out_in_german_is_switched_off() -> None:
    for text in ("lösch mal s licht in der küche", "kannst du das Licht im Flur löschen"):
        assert [op["value"] for op in patch_of(form(text, 146))] == ["off"], text


def test_a_day_of_the_month_said_with_vom_names_the_date() -> None:
    # "den Termin vom 13." (the one of the 13th) is of that day, as "am 13." is
    for text in ("sag den Termin vom 13. ab", "sag den Termin am 13. ab"):
        found = when(clean(text, "de"), BASE, "Europe/Paris")
        assert found is not None and found.at is not None and found.at.day == 13, text


@pytest.mark.parametrize(
    "text",
    [
        "put the ci ticket in review",
        "das CI-Ticket bitte der Lea geben",
        "el ticket de ci, ciérralo",
        "le ticket du ci, passe-le en revue",  # no new ticket: none is said to be made
    ],
)
def test_the_label_a_pair_of_tickets_shares_asks_which_of_them(text: str) -> None:
    f = form(text, 148)
    assert f.decision == "clarification", (text, f.decision, f.intent_id)
    assert set(str(f.slots.get("candidates", "")).split(",")) == {"TL-63", "TL-120"}, f.slots


def test_more_said_than_the_label_names_the_ticket() -> None:
    f = form("put the flaky ci test ticket in review", 149)
    assert [op["path"] for op in patch_of(f)] == ["/tickets/TL-63/status"]
    made = form("un ticket nouveau : la recherche plante sur safari", 150)
    assert made.intent_id == "create_ticket", made.reply


def test_what_a_review_of_the_twenty_fourth_session_found_is_read_as_said() -> None:
    # "vom 3. auf den 10.": from the 3rd to the 10th
    moved = form("verschieb den Zahnarzt vom 3. auf den 10.", 151)
    assert [op["value"][:10] for op in patch_of(moved)][:1] == ["2026-12-10"], moved.reply
    # a bug live in production is no ticket done
    live = form("the login bug is live in production again", 152)
    assert not any(op.get("value") == "done" for op in patch_of(live))
    # what is said besides the label picks the ticket
    picked = form("put the ci ticket for the arm build in review", 153)
    assert [op["path"] for op in patch_of(picked)] == ["/tickets/TL-120/status"]
    # an English "an" before a filler ends nothing
    assert form("can you file an uh bug about the slow dashboard", 154).intent_id == "create_ticket"
    # "mach schnell": hurry, no request
    assert form("mach schnell, wir sind spät dran", 155).task is None
    # a day said that is not the event's cancels nothing
    assert form("Emma kann heute nicht", 156).intent_id != "cancel_event"


@pytest.mark.parametrize(
    "text",
    [
        "In Apollo, set the client meeting to Tuesday the 15th at 2 pm.",
        "Dans Apollo, fixe le rendez-vous client au mardi 15 à quatorze heures.",
    ],
)
def test_a_project_said_as_where_the_change_is_made_is_routed_to(text: str) -> None:
    # the meeting and the date are the calendar's words; "in Apollo" says whose record it is
    routed = ROUTER.route(form_event(text, 157), BASE)
    assert routed.project_id == "apollo", (routed.project_id, routed.top_candidates)


@pytest.mark.parametrize(
    "text", ["why does blue light keep people awake?", "why do heaters smell at first?"]
)
def test_why_a_kind_of_thing_said_of_no_one_is_asked_of_no_project(text: str) -> None:
    routed = ROUTER.route(form_event(text, 158), BASE)
    assert routed.project_id is None or routed.routing_confidence < 0.6, routed.project_id


def test_why_ones_own_thing_does_something_is_the_homes() -> None:
    routed = ROUTER.route(form_event("why does the heating keep switching off?", 159), BASE)
    assert routed.project_id == "home", routed.top_candidates
