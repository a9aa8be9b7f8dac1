"""Pure helpers that read the structure of a regular expression: its top-level alternatives,
and the literal strings one of which each of its matches starts with (a cheap pre-check
before a search)."""

from __future__ import annotations

import re
from collections.abc import Iterator

# a literal run of a regular expression: no character with a meaning of its own
LITERAL_RUN = re.compile(r"[^\\.^$*+?{}\[\]()|]+")
# group references tie a pattern's parts together: such cues are searched as they are
GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
# inline flags ("(?i)", "(?s:...)", "(?-i:...)"): they may change what a literal matches
INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]")
# the characters with a meaning of their own (what a literal run of LITERAL_RUN stops at)
SPECIAL = frozenset("\\.^$*+?{}[]()|")


def structure(pattern: str) -> Iterator[tuple[int, str]]:
    """The positions and characters of ``pattern`` that are neither escaped nor in a set."""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i += 1
            i += pattern.startswith("^", i)
            i += pattern.startswith("]", i)  # a "]" first in a set is one of its characters
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            continue
        yield i, char
        i += 1


def alternatives(pattern: str) -> list[str]:
    r"""The top-level alternatives of a regular expression.

    >>> alternatives(r"ab|c(?:d|e)|[|]\|f")
    ['ab', 'c(?:d|e)', '[|]\\|f']
    """
    parts, start, depth = [], 0, 0
    for i, char in structure(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


def needles(alternative: str) -> tuple[str, ...] | None:
    r"""Strings one of which every match of ``alternative`` starts with, if it has such.

    >>> needles(r"\bmov"), needles(r"(?:is|'s|are) off\b"), needles("ab?c"), needles(r"\d")
    (('mov',), ('is', "'s", 'are'), ('a',), None)
    """
    rest = first_char(alternative)
    if rest.startswith("(?:"):
        end = group_end(rest)
        if rest[end + 1 : end + 2] in ("?", "*", "{"):  # the group may be left out
            return None
        found = [needles(inner) for inner in alternatives(rest[3:end])]
        return None if None in found else tuple(n for f in found if f for n in f)
    run = LITERAL_RUN.match(rest)
    if run is None:
        return None
    literal = run.group()
    if rest[run.end() : run.end() + 1] in ("?", "*", "{"):  # its last character may be left out
        literal = literal[:-1]
    return (literal,) if literal else None


def required(alternative: str) -> str:
    r"""The longest literal string every match of ``alternative`` contains (outside its groups,
    sets and escapes), or "" when it has none: a cheap check before a search.

    >>> required(r"\b(?:to|in)\s+(?:the\s+)?sprint"), required(r"ab?c+d"), required("a|b")
    ('sprint', 'a', '')
    >>> required(r"(?i)sprint"), required(r"x{2}yz*"), required(r"(?:is|are) off\b")
    ('', 'y', ' off')
    """
    if "(?" in alternative and INLINE_FLAGS.search(alternative):
        return ""  # a flag (say, ignore case) changes what a literal matches
    best, run, depth, last, brace = "", "", 0, -2, False
    for i, char in structure(alternative):
        if brace:  # a repetition's bounds ("{2,3}"): no literal
            brace = char != "}"
            last = i
            continue
        literal = depth == 0 and char not in SPECIAL
        if literal and i == last + 1:
            run += char
        else:
            # the run ends: its last character is optional before "?", "*" or "{"
            kept = run[:-1] if char in "?*{" and i == last + 1 else run
            if len(kept) > len(best):
                best = kept
            run = char if literal else ""
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "{":
            brace = True
        elif char == "|" and depth == 0:
            return ""  # alternatives: no string is in every match
        last = i
    return run if len(run) > len(best) else best


def digit_led(alternative: str) -> bool:
    r"""Whether every match of ``alternative`` starts with a digit (``\d``).

    >>> digit_led(r"\d+ ?%"), digit_led(r"\b(?:\d+|\d\d) h"), digit_led(r"\d?%")
    (True, True, False)
    """
    rest = first_char(alternative)
    if rest.startswith("(?:"):
        end = group_end(rest)
        if rest[end + 1 : end + 2] in ("?", "*", "{"):  # the group may be left out
            return False
        return all(digit_led(inner) for inner in alternatives(rest[3:end]))
    return rest.startswith("\\d") and rest[2:3] not in ("?", "*", "{")


def first_char(alternative: str) -> str:
    """``alternative`` from what matches its first character: without the word boundaries
    and look-arounds before it, which match none."""
    rest = alternative
    while True:
        if rest.startswith("\\b"):
            rest = rest[2:]
        elif rest.startswith(("(?=", "(?!", "(?<=", "(?<!")):
            rest = rest[group_end(rest) + 1 :]
        else:
            return rest


def group_end(pattern: str) -> int:
    """The position of the parenthesis closing the group ``pattern`` starts with."""
    depth = 0
    for i, char in structure(pattern):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced parentheses in {pattern!r}")


class Needled:
    r"""A pattern searched only where it can match: when one of the literal strings its
    alternatives start with is in the text (``in`` is ~20x cheaper than trying a long
    alternation at every position), else only its alternatives without such a string are.

    >>> cue = Needled(re.compile(r"\bswitch|\b(?:turn|put)\b.*\bon\b|\d+ ?%"))
    >>> cue.search("put it on").start(), cue.search("at 50 %").start(), cue.search("hello")
    (0, 3, None)
    >>> cue.may_match("hello"), Needled(re.compile(r"\bswitch|\bturn")).may_match("hello")
    (True, False)
    """

    __slots__ = ("needles", "pattern", "rest")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        found: list[str] = []
        rest: list[str] = []
        # group references tie the alternatives together: such a pattern is searched whole
        parts = [] if GROUP_REFERENCE.search(pattern.pattern) else alternatives(pattern.pattern)
        for alternative in parts:
            said = needles(alternative)
            if said is None:
                rest.append(alternative)
            else:
                found.extend(n for n in said if n not in found)
        self.needles = tuple(found)
        self.rest: re.Pattern[str] | None
        if not found:
            self.rest = pattern
        else:
            self.rest = re.compile("|".join(rest), pattern.flags) if rest else None

    def search(self, text: str) -> re.Match[str] | None:
        """A match that starts where ``pattern.search(text)`` does, or None when it finds none
        (the match of an alternative without a needle when no needle is in ``text``: the
        others match nowhere)."""
        for needle in self.needles:
            if needle in text:
                return self.pattern.search(text)
        return self.rest.search(text) if self.rest is not None else None

    def may_match(self, text: str) -> bool:
        """False only when ``pattern`` matches nowhere in ``text``."""
        return self.rest is not None or any(needle in text for needle in self.needles)
