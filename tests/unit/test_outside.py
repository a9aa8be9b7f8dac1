"""Requests no project serves (orders, rides, music, messages, money, calls, chores): read as
such, routed to no project, answered with what is outside, and never a task."""

from __future__ import annotations

import pytest

from processors.language import fold
from processors.outside import OUTSIDE_KINDS, OUTSIDE_WHAT, outside_request
from tests.unit.test_grounding import form

OUTSIDE = [
    ("order me some sushi for eight o'clock", "order"),
    ("nobody feels like cooking, so get us a takeaway", "order"),
    ("can you order more dog food", "order"),
    ("book me a cab to the station at 7", "ride"),
    ("get me an uber home", "ride"),
    ("book us a hotel in madrid for the weekend", "ride"),
    ("put on some classical music in the bedroom", "media"),
    ("play the beatles in the living room", "media"),
    ("turn on the radio in the kitchen", "media"),
    ("send a message to tom saying I'll be late", "message"),
    ("email the landlord about the boiler", "message"),
    ("transfer 100 pounds to my savings", "money"),
    ("pay the plumber 80 euros", "money"),
    ("call grandma", "call"),
    ("ring the dentist and ask if they have anything earlier", "call"),
    ("grab us two seats for the panto on saturday", "purchase"),
    ("could you take the dog out", "chore"),
    ("commande-nous des pizzas pour ce soir", "order"),
    ("j'ai la flemme de cuisiner, commande-moi une quiche", "order"),
    ("tu peux me réserver un taxi pour l'aéroport demain à 6h ?", "ride"),
    ("joue du Brel dans le salon", "media"),
    ("mets-nous un peu de Brassens", "media"),
    ("écris à maman que je serai en retard", "message"),
    ("vire 50 euros à Marc", "money"),
    ("téléphone à mamie", "call"),
    ("fais la vaisselle", "chore"),
    ("no tengo ganas de cocinar, pídeme una pizza", "order"),
    ("pídeme un taxi para mañana a las siete", "ride"),
    ("pon algo de jazz en el salón", "media"),
    ("escríbele a mamá que ya salimos", "message"),
    ("hazle una transferencia de 100 euros a mi hermano", "money"),
    ("llama al fontanero", "call"),
    ("saca al perro, anda", "chore"),
    ("bestell uns Pizza für heute Abend", "order"),
    ("kannst du mir ein Taxi zum Bahnhof rufen?", "ride"),
    ("mach Musik im Wohnzimmer an", "media"),
    ("schreib Tom, dass ich später komme", "message"),
    ("überweis Max 40 Euro", "money"),
    ("ruf den Klempner an", "call"),
    ("kannst du die Wäsche aufhängen?", "chore"),
]

INSIDE = [
    "turn on the porch light",
    "call off the team dinner",
    "call the meeting off",
    "book the dentist for friday at 3",
    "book a meeting with marco on tuesday at 10",
    "get me the tickets assigned to priya",
    "order the backlog by priority",
    "tell Marco the ticket is his",
    "let me know when the garage is open",
    "lock up and play some jazz",  # the first request is the home's
    "switch on the disco lights",
    "remind me to order more coffee pods on friday",
    "rappelle-moi d'appeler le plombier demain",
    "préviens-moi 30 minutes avant le yoga",
    "mets le chauffage à 20",
    "mets un peu de lumière dans le salon",
    "commande 1234 : marque-la comme livrée",
    "pon algo de luz en el salón",
    "ponme un recordatorio para llamar al fontanero el lunes",
    "sag mir bescheid, wenn die Haustür offen ist",
    "Spiel am Samstag um 10 eintragen",
    "erinnere mich, Oma anzurufen",
    "Bestellung 42 stornieren",
]


@pytest.mark.parametrize(("text", "kind"), OUTSIDE)
def test_an_outside_request_is_read_as_its_kind(text: str, kind: str) -> None:
    assert outside_request(fold(text)) == kind


@pytest.mark.parametrize("text", INSIDE)
def test_a_projects_request_is_not_outside(text: str) -> None:
    assert outside_request(fold(text)) is None


def test_every_kind_has_its_words_in_every_language() -> None:
    assert set(OUTSIDE_WHAT) == set(OUTSIDE_KINDS)
    assert all(set(what) == {"en", "fr", "es", "de"} for what in OUTSIDE_WHAT.values())


@pytest.mark.parametrize(
    ("text", "kind", "said"),
    [
        # each names a thing of the demo projects: a time, a room, a person, an event
        ("book me a taxi to the airport for 6 tomorrow morning", "ride", "rides and trips"),
        ("play some jazz in the kitchen", "media", "music and media"),
        ("call grandma", "call", "phone calls"),
        ("mets la radio dans le salon", "media", "la musique"),
        ("pídenos unas pizzas para la cena", "order", "los pedidos"),
        ("überweis Marco 50 Euro", "money", "Zahlungen"),
    ],
)
def test_an_outside_request_is_no_projects_and_says_so(text: str, kind: str, said: str) -> None:
    formation = form(text)
    assert formation.task is None
    assert formation.decision == "clarification"
    assert formation.reply is not None
    assert formation.reply.reason_code == f"out_of_scope:{kind}"
    assert said in formation.reply.text


def test_a_named_thing_of_the_home_is_played_by_the_home() -> None:
    formation = form("play the movie night scene")
    assert formation.task is not None
    assert [op.to_rfc()["path"] for op in formation.task.patch or []] == [
        "/entities/scene.movie_night/state"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "who wrote the hobbit?",
        "à quelle température on sert un beaujolais ?",
        "¿quién pintó las meninas?",
        "regnet es morgen?",
        "what time is it in tokyo",
        "how many calories are in a croissant",
    ],
)
def test_a_question_about_the_world_is_answered_without_a_project(text: str) -> None:
    formation = form(text)
    assert formation.decision == "ephemeral"
    assert formation.task is not None and formation.task.project_id is None


@pytest.mark.parametrize(
    "text", ["why does the alarm beep at night?", "what temperature is the living room?"]
)
def test_a_question_about_a_projects_thing_keeps_its_project(text: str) -> None:
    formation = form(text)
    assert formation.task is not None and formation.task.project_id == "home"
