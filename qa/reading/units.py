"""Candidate answer sentences: each sentence of the top passages, and each list with its lead-in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.ingest.cleaning import looks_like_headline
from qa.store.search_index import PassageLookup
from qa.types import Hit, Passage, Span

_MAX_LIST_ITEMS = 5
_MIN_WORDS = 4
_MAX_HEADING_WORDS = 15
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Unit:
    """One candidate answer: a sentence (or a list with its lead-in) of hit ``hit_number``.

    ``context`` is the text of the sentences on either side and ``context_vector`` their
    mean vector, ``position`` the sentence's place in its passage (0 = first).
    """

    hit_number: int
    article_id: str
    span: Span
    text: str
    vector: np.ndarray
    next_sentence: Span | None
    context: str = ""
    position: int = 0
    context_vector: np.ndarray | None = None


def _is_heading(text: str) -> bool:
    """A short line without a full stop (a cut-up long sentence is longer than this)."""
    return looks_like_headline(text) and len(text.split()) <= _MAX_HEADING_WORDS and not _BULLET.match(text)


def _normalise(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def sentence_units(passage: Passage, vectors: np.ndarray) -> list[tuple[Span, np.ndarray, Span | None, int]]:
    """Candidate answers in a passage: each sentence, and each list with its lead-in.

    Returns ``(span, vector, span of the following sentence or None, sentence number)``
    for each unit; ``vectors`` are the passage's sentence vectors.
    """
    spans = passage.sentences
    units: list[tuple[Span, np.ndarray, Span | None, int]] = []
    for i, span in enumerate(spans):
        following = spans[i + 1] if i + 1 < len(spans) else None
        text = passage.text[span.start - passage.start : span.end - passage.start]
        if text.rstrip().endswith(":") and following is not None:
            last = min(i + _MAX_LIST_ITEMS, len(spans) - 1)
            after = spans[last + 1] if last + 1 < len(spans) else None
            units.append((Span(span.start, spans[last].end), _normalise(vectors[i : last + 1].mean(axis=0)), after, i))
        units.append((span, vectors[i], following, i))
    return units


def _piece(passage: Passage, span: Span) -> str:
    """The text of ``span`` (offsets in the article) inside ``passage``."""
    return passage.text[span.start - passage.start : span.end - passage.start]


def answer_units(hits: Sequence[Hit], lookup: PassageLookup, limit: int) -> list[Unit]:
    """The candidate answers of the first ``limit`` hits, headings and fragments left out."""
    units: list[Unit] = []
    for number, hit in enumerate(hits[:limit], start=1):
        passage = lookup.passage(hit.passage_index)
        vectors = lookup.passage_sentence_vectors(hit.passage_index)

        for span, vector, following, position in sentence_units(passage, vectors):
            text = _piece(passage, span)
            if len(text.split()) >= _MIN_WORDS and not _is_heading(text):
                near = [j for j in (position - 1, position + 1) if 0 <= j < len(passage.sentences)]
                near = [
                    j
                    for j in near
                    if not (passage.sentences[j].start >= span.start and passage.sentences[j].end <= span.end)
                ]
                context = " ".join(_piece(passage, passage.sentences[j]) for j in near)
                context_vector = _normalise(vectors[near].mean(axis=0)) if near else None
                units.append(
                    Unit(number, passage.article_id, span, text, vector, following, context, position, context_vector)
                )
    return units
