"""The answer around the reader's span: the sentence that holds it, and what other articles say.

The answer sentence is the sentence of the span's passage that holds the span (the
sentences it runs across, when it crosses one's end). Another article states the same when
one of its sentences among the hits is nearly the same in meaning (sentence vectors) and
states no other figure; it gives a different figure when the reader, reading its passage
for the same question, marks with confidence a figure of the same kind (an amount of
money, a percentage, a count) that differs: never a number about something else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.reading.reader import FoundSpan
from qa.store.search_index import PassageLookup
from qa.types import Hit, Span

_QUANTITY = re.compile(
    r"(?i)(?P<currency>[$€£₹]|\b(?:us|rs)\.?\s?)?\s?\d[\d,]*(?:\.\d+)?"
    r"(?P<unit>\s?(?:%|per\s?cent|percent|billion|million|trillion|bn|m|thousand)(?![a-z]))?"
)


_SCALES = {"bn": "billion", "m": "million"}
SAME_FACT_COSINE = 0.8  # another article's sentence this close in meaning states the same (and no other figure)


def figures(text: str) -> set[str]:
    """The numbers a span states, normalised (``$65 billion`` and ``$65bn`` -> ``$65billion``,
    ``5 per cent`` -> ``5%``)."""
    values = set()
    for match in _QUANTITY.finditer(text):
        unit = (match.group("unit") or "").strip().lower()
        number = match.group(0)[: match.start("unit") - match.start()] if match.group("unit") else match.group(0)
        value = re.sub(r"[\s,]", "", number.lower()) + _SCALES.get(unit, unit.replace(" ", "").replace("percent", "%"))
        if any(ch.isdigit() for ch in value):
            values.add(value)
    return values


def figure_kind(text: str) -> str | None:
    """What a span's first figure measures: ``money``, ``percentage`` or ``count`` (None without one)."""
    match = _QUANTITY.search(text)
    if match is None:
        return None
    unit = (match.group("unit") or "").strip().lower()
    if match.group("currency"):
        return "money"
    if unit.replace(" ", "") in ("%", "percent"):
        return "percentage"
    return "count"


def sentence_holding(span: FoundSpan, hit: Hit, lookup: PassageLookup) -> tuple[Span, str]:
    """The sentence(s) of ``hit``'s passage that hold ``span``: their span in the article and text."""
    passage = lookup.passage(hit.passage_index)
    inside = [s for s in passage.sentences if s.start < span.end and span.start < s.end]
    if not inside:  # a span in the passage's heading or between sentences: the line that holds it
        offset = span.start - passage.start
        start = passage.text.rfind("\n", 0, offset) + 1
        end = passage.text.find("\n", offset)
        end = len(passage.text) if end < 0 else end
        return Span(passage.start + start, passage.start + end), passage.text[start:end].strip()
    whole = Span(inside[0].start, inside[-1].end)
    return whole, passage.text[whole.start - passage.start : whole.end - passage.start]


def same_fact_elsewhere(
    sentence: Span, hit_number: int, hits: Sequence[Hit], lookup: PassageLookup, cosine: float = SAME_FACT_COSINE
) -> tuple[int, ...]:
    """The hit numbers of other articles with a sentence nearly the same in meaning as the
    answer sentence (at least ``cosine``) that states no other figure."""
    vectors = _sentence_vectors(hits[hit_number - 1], lookup)
    answer = [v for span, v, _ in vectors if span.start >= sentence.start and span.end <= sentence.end]
    if not answer:
        return ()
    article = hits[hit_number - 1].citation.article_id
    stated = figures(" ".join(text for span, _, text in vectors if sentence.start <= span.start < sentence.end))
    same = []
    for number, hit in enumerate(hits, start=1):
        if hit.citation.article_id == article or number in same:
            continue
        for _, vector, text in _sentence_vectors(hit, lookup):
            theirs = figures(text)
            if max(float(vector @ a) for a in answer) >= cosine and (not theirs or not stated or theirs & stated):
                same.append(number)
                break
    return tuple(same)


def _sentence_vectors(hit: Hit, lookup: PassageLookup) -> list[tuple[Span, np.ndarray, str]]:
    """Each sentence of the hit's passage: its span, its vector and its text."""
    passage = lookup.passage(hit.passage_index)
    vectors = lookup.passage_sentence_vectors(hit.passage_index)
    return [
        (span, vectors[i].astype(np.float32), passage.text[span.start - passage.start : span.end - passage.start])
        for i, span in enumerate(passage.sentences)
    ]


def differing_figure(best: FoundSpan, confident: Sequence[FoundSpan]) -> FoundSpan | None:
    """Another article's confident span stating a figure of the best span's kind that differs from it."""
    kind, stated = figure_kind(best.text), figures(best.text)
    if kind is None:
        return None
    for other in confident:
        if other.article_id == best.article_id or figure_kind(other.text) != kind:
            continue
        theirs = figures(other.text)
        if theirs and not theirs & stated:
            return other
    return None
