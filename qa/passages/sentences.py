"""Sentence boundaries with exact offsets, for English news prose.

A boundary is end punctuation (``.``, ``!``, ``?``, ``…``), optional closing quotes or
brackets, white space, then something that can open a sentence. Abbreviations
(``Mr.``, ``U.S.``, ``Col-Gen.``) and initials (``S. Jaishankar``) do not end one.
Line ends always do: headings and list items are sentences of their own.
"""

from __future__ import annotations

import re

from qa.types import Span

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft col gen lt sgt capt cmdr adm gov sen rep pres
    rev hon messrs mme no nos vol vs etc al inc ltd co corp bros dept est approx fig
    jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e a.m p.m u.s u.k u.n e.u
    u.s.a d.c""".split()
)
_BOUNDARY = re.compile(r"""([.!?…]+)(['"”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"([\w.\-]+)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the full stop at ``text[dot]`` closes an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, 0, dot)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    last = word.rsplit("-", 1)[-1]
    if len(last) == 1 and last.isalpha():
        return True  # an initial: "S. Jaishankar", "A.Savin"
    return last in _ABBREVIATIONS or word in _ABBREVIATIONS


def split_sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentence spans inside ``text[start:end]`` (one line), trimmed of outer white space."""
    spans: list[Span] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if match.group(1) == "." and _is_abbreviation(text, match.start(1)):
            continue
        stop = match.end(2)
        if stop > cursor:
            spans.append(Span(cursor, stop))
        cursor = match.end(3)
    if cursor < end:
        spans.append(Span(cursor, end))
    return [span for span in (_trim(text, s) for s in spans) if span.end > span.start]


def _trim(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
