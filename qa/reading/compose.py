"""The answer around the reader's span: the sentence that holds it, and what other articles say.

The answer sentence is the candidate sentence that holds the reader's best span. Another
article "gives a different figure" only when the reader, reading that article's passage
for the same question, marks a span of its own with confidence, both spans state figures,
and the figures differ: never a number about something else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.reading.reader import FoundSpan, Reading
from qa.reading.units import Unit

_QUANTITY = re.compile(
    r"(?i)[$€£₹]?\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:%|per\s?cent|billion|million|trillion|bn|m|thousand)(?![a-z]))?"
)


def figures(text: str) -> set[str]:
    """The numbers a span states, normalised (``$65 billion`` -> ``$65billion``, ``5 per cent`` -> ``5%``)."""
    values = (
        re.sub(r"[\s,]", "", match.group(0).lower()).replace("percent", "%") for match in _QUANTITY.finditer(text)
    )
    return {value for value in values if any(ch.isdigit() for ch in value)}


def unit_holding(units: Sequence[Unit], span: FoundSpan) -> int | None:
    """The index of the shortest candidate sentence of the span's hit that holds the span."""
    holding = [
        (u.span.end - u.span.start, i)
        for i, u in enumerate(units)
        if u.hit_number == span.hit_number and u.span.start <= span.start and span.end <= u.span.end
    ]
    if not holding:  # a span across two sentences: the sentence where it starts
        holding = [
            (u.span.end - u.span.start, i)
            for i, u in enumerate(units)
            if u.hit_number == span.hit_number and u.span.start <= span.start < u.span.end
        ]
    return min(holding)[1] if holding else None


def differing_answer(reading: Reading, units: Sequence[Unit], min_probability: float) -> int | None:
    """The unit of another article whose confident answer to the same question is a different figure."""
    best = reading.best
    if best is None or not figures(best.text):
        return None
    for other in reading.spans[1:]:
        if other.article_id == best.article_id or other.probability < min_probability:
            continue
        theirs = figures(other.text)
        if theirs and not theirs & figures(best.text):
            return unit_holding(units, other)
    return None


def other_sources(
    asks_figure: bool,
    best: Unit,
    units: Sequence[Unit],
    scores: np.ndarray,
    same_fact_cosine: float,
    related_cosine: float,
    related_margin: float,
) -> tuple[tuple[int, ...], list[tuple[Unit, float]]]:
    """Other articles that state the answer too (their hit numbers), and ones that differ.

    A sentence from another article states the same fact when it is nearly the same in
    meaning and gives no other figure; it differs when it is on the same subject, the
    question asks for a figure, and its figures are different.
    """
    best_figures = figures(best.text)
    floor = float(scores.max()) - related_margin
    same: list[int] = []
    differing: list[tuple[Unit, float]] = []
    # the same sentence in overlapping passages has one vector per passage: the closest counts
    copies = [u.vector for u in units if u.article_id == best.article_id and u.span == best.span] or [best.vector]
    for unit, score in zip(units, scores):
        if unit.article_id == best.article_id or score < floor:
            continue
        similarity = max(float(unit.vector @ copy) for copy in copies)
        theirs = figures(unit.text)
        if asks_figure and best_figures and theirs and not (theirs & best_figures) and similarity >= related_cosine:
            if not any(d.article_id == unit.article_id for d, _ in differing):
                differing.append((unit, float(score)))
        elif similarity >= same_fact_cosine and (not theirs or not best_figures or theirs & best_figures):
            if unit.hit_number not in same and unit.hit_number != best.hit_number:
                same.append(unit.hit_number)
    return tuple(same), differing[:1]
