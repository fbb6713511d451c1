"""What kind of answer a question asks for, read from its wording (no model).

``how many`` asks for a number, ``when`` for a date, ``who`` for a person, ``where`` for a
place, ``why`` for a reason; ``which``/``what`` + a noun is read through the noun ("what
year" is a date, "which city" a place; another noun asks for a ``thing``, often a name).
Anything else ("what did ... do") asks for a phrase.
"""

from __future__ import annotations

import re
from typing import Literal

from qa.store.lexical import tokenize

AnswerType = Literal["number", "date", "person", "place", "name", "thing", "reason", "phrase"]
ANSWER_TYPES: tuple[AnswerType, ...] = ("number", "date", "person", "place", "name", "thing", "reason", "phrase")

_NOUNS = {
    "date": r"year|years|date|day|month|century|decade|era|time|period|season",
    "number": (
        r"percentage|percent|share|proportion|number|amount|volume|value|size|figure|total|cost|price|rate|"
        r"population|distance|length|height|weight|age|speed|temperature|score|sum|fraction|ratio|margin"
    ),
    "place": r"country|countries|city|cities|state|states|town|place|region|area|location|nation|continent|island|river|stadium|county|province|venue",
    "person": r"person|man|woman|people|player|president|king|queen|leader|minister|author|scientist|company founder|coach|member|official",
    "name": r"team|company|organization|organisation|group|party|agency|university|school|network|newspaper|book|film|album|name|body|institution|club",
}
_WHICH = r"(?:what|which)(?:\s+\w+)?\s+(?:{nouns})\b"
_RULES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    ("number", re.compile(r"(?i)\bhow\s+(?:many|much|long|far|old|big|large|tall|high|wide|deep|often|fast|heavy)\b")),
    (
        "date",
        re.compile(
            r"(?i)^\W*when\b|\bwhen\s+(?:did|was|were|is|does|do|will|had|has)\b|\bin\s+what\s+year\b|"
            + _WHICH.format(nouns=_NOUNS["date"])
        ),
    ),
    ("number", re.compile(r"(?i)" + _WHICH.format(nouns=_NOUNS["number"]))),
    (
        "reason",
        re.compile(
            r"(?i)^\W*why\b|\bwhy\s+(?:did|do|does|is|are|was|were|has|have|had|would|could)\b|\bwhat\s+(?:caused|causes|led to|was the reason)\b"
        ),
    ),
    (
        "person",
        re.compile(
            r"(?i)^\W*(?:who|whom|whose)\b|\b(?:who|whom|whose)\s+(?:is|was|were|are|did|does|had|has)\b|"
            + _WHICH.format(nouns=_NOUNS["person"])
        ),
    ),
    (
        "place",
        re.compile(
            r"(?i)^\W*where\b|\bwhere\s+(?:did|was|were|is|are|does|do)\b|\bin\s+what\s+(?:city|country|state|place)\b|"
            + _WHICH.format(nouns=_NOUNS["place"])
        ),
    ),
    (
        "name",
        re.compile(
            r"(?i)"
            + _WHICH.format(nouns=_NOUNS["name"])
            + r"|\bwhat\s+is\s+the\s+name\b|\bwhat\s+\w+\s+is\s+called\b|\bwhat\s+is\s+\w+\s+called\b"
        ),
    ),
    ("person", re.compile(r"(?i)\bwho\b")),
    ("date", re.compile(r"(?i)\bwhen\b")),
    ("place", re.compile(r"(?i)\bwhere\b")),
    ("phrase", re.compile(r"(?i)\b(?:what|which)\s+(?:kind|type|sort|form|way|method|role|reason|purpose)s?\b")),
    (
        "thing",
        re.compile(
            r"(?i)\b(?:what|which)\s+(?!is\b|was\b|are\b|were\b|did\b|do\b|does\b|has\b|have\b|had\b|can\b|could\b|would\b|will\b|should\b|may\b|might\b|must\b)[a-z]+"
        ),
    ),
)


# Stems of the words that make a question a question; they say nothing of its subject.
ASKING_STEMS = frozenset(
    "how much mani what which who whom whose when where whi doe did do were between among accord kind type".split()
)


def content_stems(question: str) -> list[str]:
    """The question's subject words, stemmed as the BM25 index stems them, each once."""
    return [s for s in dict.fromkeys(tokenize([question])[0]) if s not in ASKING_STEMS]


def answer_type(question: str) -> AnswerType:
    """The kind of answer ``question`` asks for; ``phrase`` when its wording does not say."""
    for kind, pattern in _RULES:
        if pattern.search(question):
            return kind
    return "phrase"
