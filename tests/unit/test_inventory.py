"""Inventory resolution: what its caches remember is what a fresh inventory finds."""

from __future__ import annotations

import random
from collections.abc import Sequence

from processors.inventory import KIND_WORDS, Inventory, Match, Resolution
from tests.unit.test_grounding import ROUTER


def _matches(matches: list[Match]) -> list[tuple[str, float, bool, float, float]]:
    return [(m.item.id, m.score, m.named, m.share, m.cover) for m in matches]


def _plain(res: Resolution) -> tuple[object, ...]:
    return (
        _matches(res.matches),
        res.areas,
        res.kinds,
        _matches(res.values),
        res.plural,
        res.every,
    )


def test_each_kind_word_is_a_word_of_one_kind() -> None:
    seen: dict[str, str] = {}
    for kind, vocab in KIND_WORDS.items():
        for word in vocab:
            assert seen.setdefault(word, kind) == kind, f"{word!r}: {seen[word]} and {kind}"


def test_a_warm_inventory_resolves_as_a_fresh_one() -> None:
    merged = ROUTER._merged
    assert merged is not None
    vocab = sorted({w for it in merged.items for n in it.names for w in n.lower().split()})
    kinds = sorted({w for ws in KIND_WORDS.values() for w in ws})
    filler = ["the", "please", "in", "and", "turn", "off", "on", "to", "42", "all", "lights"]
    rng = random.Random(7)

    def typo(word: str) -> str:
        if len(word) < 4:
            return word
        i = rng.randrange(len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    texts = []
    for _ in range(400):
        words = rng.choices(vocab, k=rng.randint(1, 3)) + rng.choices(kinds, k=rng.randint(0, 2))
        words += rng.choices(filler, k=rng.randint(0, 4))
        rng.shuffle(words)
        texts.append(" ".join(typo(w) if rng.random() < 0.2 else w for w in words))
    texts += texts[:100]  # said again: read from what was remembered
    warm = Inventory(list(merged.items))
    for text in texts:
        fresh = Inventory(list(merged.items))
        assert _plain(warm._resolve(text)) == _plain(fresh._resolve(text)), text


def test_hashing_is_the_same_when_another_thread_clears_the_tables() -> None:
    from processors.embeddings import _Hashes

    class Cleared(_Hashes):
        def _learn(self, words: Sequence[str]) -> None:
            super()._learn(words)
            self.words.clear()  # as another stage's thread would, in between
            self.bigrams.clear()

    words = ["turn", "off", "the", "porch", "light"]
    assert Cleared(4096).packed(words) == _Hashes(4096).packed(words)


def test_a_german_compound_of_a_name_and_a_kind_names_the_item() -> None:
    from processors.inventory import Inventory
    from processors.packs import CollectionSpec

    state = {
        "entities": {
            "scene.breakfast": {"name": "breakfast", "aliases": ["Frühstück"], "kind": "scene"},
            "scene.reading": {"name": "reading time", "aliases": ["Lesezeit"], "kind": "scene"},
        }
    }
    inventory = Inventory.from_state(state, [CollectionSpec(path="/entities", kind="kind")])
    best = inventory.resolve("starte die fruhstucksszene").best
    assert [m.item.id for m in best] == ["scene.breakfast"]


def test_a_common_word_is_no_typo_of_another_word_of_its_language() -> None:
    from processors.inventory import Inventory
    from processors.lexicon import common_in, mistyped
    from processors.packs import CollectionSpec

    assert not mistyped("offen", "ofen") and not mistyped("grad", "grand")
    assert not mistyped("forget", "forfet")  # a name, not a word of English
    assert mistyped("faktor", "factor")  # the same word, said in German
    assert mistyped("bedrom", "bedroom") and common_in("bedrom") == 0
    state = {
        "entities": {
            "climate.stove": {"name": "pellet stove", "aliases": ["Ofen"], "kind": "climate"},
            "switch.pass": {"name": "lift pass", "aliases": ["forfet"], "kind": "switch"},
        }
    }
    inventory = Inventory.from_state(state, [CollectionSpec(path="/entities", kind="kind")])
    assert inventory.resolve("was hat florian gerade offen").matches == []
    assert inventory.resolve("eh forget i asked").matches == []
    # a real typo still names it ("oofen"), and the word itself does
    assert [m.item.id for m in inventory.resolve("mach den oofen aus").matches] == ["climate.stove"]
    assert [m.item.id for m in inventory.resolve("mach den ofen aus").matches] == ["climate.stove"]


def test_a_title_in_english_is_found_from_another_language_through_the_glossary() -> None:
    from processors.inventory import Inventory
    from processors.lexicon import glossed
    from processors.packs import CollectionSpec

    state = {
        "tickets": {
            "TL-1": {"title": "Waitlist for sold-out sizes"},
            "TL-2": {"title": "Pricing rules for multi-day rentals"},
            "TL-3": {"title": "Deposit refunded twice on cancellation"},
        }
    }
    spec = CollectionSpec(path="/tickets", names=["title"], default_kind="ticket", number=True)
    inventory = Inventory.from_state(state, [spec])

    def named(text: str) -> list[str]:
        return [m.item.id for m in inventory.resolve(text).best]

    assert named("die Warteliste ist live, mach das Ticket zu") == ["TL-1"]
    assert named("Oriol hat mit den Preisregeln angefangen") == ["TL-2"]  # "Pricing rules"
    assert named("el bug de la fianza reembolsada dos veces") == ["TL-3"]
    assert named("le bug de la caution remboursée deux fois") == ["TL-3"]
    # a phrase whose words alone say other things, where a title says it
    assert named("ferme le ticket de la liste d\u2019attente") == ["TL-1"]
    assert named("cierra lo de la lista de espera") == ["TL-1"]
    # a word of when, a request's verb and a word of another language are never glossed
    # a language said by its name finds a translation's ticket
    assert glossed("slowenische") == "slovenian" and glossed("finnois") == "finnish"
    # a German plural whose singular (or compound) the glossary gives
    assert glossed("schneeprofile") == glossed("schneeprofil") == "snow profile"
    assert glossed("wartelisten") == "waitlist"
    assert glossed("heure") is None and glossed("annule") is None
    assert glossed("nochebuena") is None and glossed("lumiere") is None  # (the lexicon's)
    # only where an item's name holds the English word: "Kuchen" (cake) names nothing here,
    # and "Küchenlicht" stays the kitchen's light
    home = Inventory.from_state(
        {"entities": {"light.k": {"name": "kitchen light", "kind": "light"}}},
        [CollectionSpec(path="/entities", kind="kind")],
    )
    assert [m.item.id for m in home.resolve("kuchenlicht aus").best] == ["light.k"]
    assert glossed("kuchen") == "cake" and home._glossed("kuchen") is None
    # a device's short name is the household's own word: "piso" (a storey) is no floor lamp;
    # and a word is glossed to a title's word or its forms, not to any word it begins
    # ("quitter" is no "Quitamiedos", "planifier" no "plancha")
    home = Inventory.from_state(
        {
            "entities": {
                "light.floor": {"name": "floor lamp", "kind": "light"},
                "light.night": {"name": "quitamiedos night light", "kind": "light"},
            }
        },
        [CollectionSpec(path="/entities", kind="kind")],
    )
    assert glossed("piso") == "floor" and home._glossed("piso") is None
    assert glossed("quitter") == "quit" and home._glossed("quitter") is None


def test_a_compound_of_a_word_german_borrows_finds_its_title() -> None:
    from processors.inventory import Inventory
    from processors.lexicon import glossed
    from processors.packs import CollectionSpec

    assert glossed("datenexport") == "data export"  # "Export" said as English says it
    assert glossed("vacunacion") == "vaccination"
    state = {
        "tickets": {
            "TL-1": {"title": "member data export for the new privacy law"},
            "TL-2": {"title": "horse profile shows vaccination dates late"},
        }
    }
    spec = CollectionSpec(path="/tickets", names=["title"], default_kind="ticket", number=True)
    inventory = Inventory.from_state(state, [spec])
    assert [m.item.id for m in inventory.resolve("schieb den Datenexport in den Sprint").best] == [
        "TL-1"
    ]
    assert [m.item.id for m in inventory.resolve("lo de la vacunación ya está").best] == ["TL-2"]


def test_one_said_as_a_pronoun_names_nothing() -> None:
    from processors.inventory import Inventory
    from processors.packs import CollectionSpec

    state = {"tickets": {"TL-1": {"title": "the same room booked twice for one night"}}}
    spec = CollectionSpec(path="/tickets", names=["title"], default_kind="ticket", number=True)
    inventory = Inventory.from_state(state, [spec])
    assert inventory.resolve("bump that one to in review").matches == []
    assert [m.item.id for m in inventory.resolve("the one night booking bug").best] == ["TL-1"]
