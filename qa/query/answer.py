"""Answers without a generative model: the best sentence(s) of the top passages, verbatim.

Each sentence of the top passages is scored against the question by meaning (cosine of
sentence and question embeddings) and by words (the share of the question's content
words it contains). A sentence that introduces a list ("Key motivations include:") is
kept together with its items. The answer is declined when the evidence is weak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from qa.errors import UsageError
from qa.ingest.cleaning import looks_like_headline
from qa.query.abstention import DEFAULT_ABSTENTION, AbstentionModel
from qa.store.lexical import tokenize
from qa.store.snapshot import IndexSnapshot
from qa.types import Answer, AnswerSentence, Evidence, Hit, Passage, SearchMode, Span

_MAX_LIST_ITEMS = 5
_QUANTITY = re.compile(
    r"(?i)[$€£₹]?\s?\d[\d,]*(?:\.\d+)?\s?(?:%|percent|per cent|billion|million|trillion|bn|thousand)?"
)
_MIN_WORDS = 4
_MAX_HEADING_WORDS = 15
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
_CUES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"(?i)^\s*why\b|\bwhy (?:did|do|does|is|are|was|were|has|have)\b"),
        re.compile(r"(?i)\b(because|reasons?|due to|owing to|stems? from|driven by|in response to|as a result|the cause)\b"),
    ),
    (
        re.compile(
            r"(?i)\bhow (?:many|much|long|far|big|large)\b|\bwhat(?: is| was| are| were)?(?: the)? "
            r"(?:share|percentage|proportion|number|amount|volume|value|size|figure|total|cost|price)\b"
        ),
        # a quantity: a number that is not a bare year, a currency sign, a percentage, a number word
        re.compile(
            r"(?<![\w.])(?!(?:1[89]|20)\d\d\b)\d|[$€£₹%]|(?i:\b(per ?cent|one|two|three|four|five|six|seven|eight|nine"
            r"|ten|dozen|hundred|thousand|million|billion)\b)"
        ),
    ),
    (
        re.compile(r"(?i)^\s*when\b|\bwhat (?:year|date|day|month)\b"),
        re.compile(
            r"(?i)\b(1[89]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|"
            r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
            r"tomorrow|(?:last|next|this) (?:week|month|year))\b"
        ),
    ),
)


@dataclass(frozen=True)
class AnswerSettings:
    """Knobs of answer extraction; ``min_confidence`` decides between answer and decline."""

    answer_passages: int = 5
    max_sentences: int = 2
    word_weight: float = 0.5
    cue_weight: float = 0.1
    second_sentence_margin: float = 0.1
    min_confidence: float = 0.5
    abstention: AbstentionModel = DEFAULT_ABSTENTION
    same_fact_cosine: float = 0.8
    related_cosine: float = 0.5
    related_margin: float = 0.35

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise UsageError(f"min_confidence must be between 0 and 1, not {self.min_confidence} (QA_MIN_CONFIDENCE)")


@dataclass(frozen=True)
class _Unit:
    hit_number: int
    article_id: str
    span: Span
    text: str
    vector: np.ndarray
    next_sentence: Span | None


def _is_heading(text: str) -> bool:
    """A short line without a full stop (a cut-up long sentence is longer than this)."""
    return looks_like_headline(text) and len(text.split()) <= _MAX_HEADING_WORDS and not _BULLET.match(text)


def _normalise(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def sentence_units(passage: Passage, vectors: np.ndarray) -> list[tuple[Span, np.ndarray, Span | None]]:
    """Candidate answers in a passage: each sentence, and each list with its lead-in.

    Returns ``(span, vector, span of the following sentence or None)`` for each unit;
    ``vectors`` are the passage's sentence vectors.
    """
    spans = passage.sentences
    units: list[tuple[Span, np.ndarray, Span | None]] = []
    for i, span in enumerate(spans):
        following = spans[i + 1] if i + 1 < len(spans) else None
        text = passage.text[span.start - passage.start : span.end - passage.start]
        if text.rstrip().endswith(":") and following is not None:
            last = min(i + _MAX_LIST_ITEMS, len(spans) - 1)
            after = spans[last + 1] if last + 1 < len(spans) else None
            units.append((Span(span.start, spans[last].end), _normalise(vectors[i : last + 1].mean(axis=0)), after))
        units.append((span, vectors[i], following))
    return units


def _units(hits: Sequence[Hit], snapshot: IndexSnapshot, limit: int) -> list[_Unit]:
    units: list[_Unit] = []
    for number, hit in enumerate(hits[:limit], start=1):
        passage = snapshot.passages[hit.passage_index]
        vectors = snapshot.passage_sentence_vectors(hit.passage_index)
        for span, vector, following in sentence_units(passage, vectors):
            text = passage.text[span.start - passage.start : span.end - passage.start]
            if len(text.split()) >= _MIN_WORDS and not _is_heading(text):
                units.append(_Unit(number, passage.article_id, span, text, vector, following))
    return units


def word_coverage(question_tokens: Sequence[str], weights: np.ndarray, text: str) -> float:
    """IDF-weighted share of the question's content words (stemmed) found in ``text``."""
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    present = set(tokenize([text])[0])
    return float(sum(w for t, w in zip(question_tokens, weights) if t in present)) / total


def answer_cue(question: str, text: str) -> float:
    """1.0 when ``text`` has what the question type asks for (a reason, a number, a date)."""
    for asks, gives in _CUES:
        if asks.search(question):
            return 1.0 if gives.search(text) else 0.0
    return 0.0


def extract_answer(
    question: str,
    question_vector: np.ndarray,
    hits: Sequence[Hit],
    snapshot: IndexSnapshot,
    settings: AnswerSettings,
    mode: SearchMode,
) -> Answer:
    """Pick the answer sentence(s) from the top ``hits``, or decline."""
    units = _units(hits, snapshot, settings.answer_passages)
    if not units:
        return declined(question, hits, 0.0, mode, None)
    question_tokens = list(dict.fromkeys(tokenize([question])[0]))
    weights = snapshot.lexical.idf(question_tokens)
    meaning = np.stack([u.vector for u in units]) @ question_vector
    words = np.array([word_coverage(question_tokens, weights, u.text) for u in units], dtype=np.float32)
    cues = np.array([answer_cue(question, u.text) for u in units], dtype=np.float32)
    scores = meaning + settings.word_weight * words + settings.cue_weight * cues
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    best = order[0]
    passages = {u.hit_number: hits[u.hit_number - 1].text for u in units}
    evidence = Evidence(
        sentence_meaning=float(meaning[best]),
        sentence_words=float(words[best]),
        evidence_words=max(word_coverage(question_tokens, weights, text) for text in passages.values()),
        passage_meaning=float(hits[0].dense_score),
    )
    confidence = settings.abstention.probability(evidence)
    if confidence < settings.min_confidence:
        return declined(question, hits, confidence, mode, evidence)
    top_score = float(scores[best])
    chosen = [units[best]]
    chosen_scores = [top_score]
    follow_up = _cue_in_next_sentence(question, units[best], snapshot, hits)
    if follow_up is not None:
        chosen.append(follow_up)
        chosen_scores.append(top_score)
    for index in order[1:]:
        if len(chosen) >= settings.max_sentences or scores[index] < top_score - settings.second_sentence_margin:
            break
        if not any(_overlaps(units[index], c) for c in chosen):
            chosen.append(units[index])
            chosen_scores.append(float(scores[index]))
    also, differing = _other_sources(question, chosen[0], units, scores, settings)
    sentences = [
        AnswerSentence(u.text, u.span.start, u.span.end, u.hit_number, score, also if i == 0 else ())
        for i, (u, score) in enumerate(zip(chosen, chosen_scores))
    ]
    sentences += [
        AnswerSentence(u.text, u.span.start, u.span.end, u.hit_number, float(score), (), True) for u, score in differing
    ]
    text = " ".join(s.text for s in sentences)
    return Answer(
        question=question,
        found=True,
        text=text,
        sentences=tuple(sentences),
        hits=tuple(hits),
        confidence=confidence,
        mode=mode,
        evidence=evidence,
    )


def declined(question: str, hits: Sequence[Hit], confidence: float, mode: SearchMode, evidence: Evidence | None) -> Answer:
    """The answer when the articles do not answer ``question``: no text, the closest hits kept."""
    return Answer(
        question=question, found=False, text="", sentences=(), hits=tuple(hits), confidence=confidence, mode=mode, evidence=evidence
    )


def quantities(text: str) -> set[str]:
    """The numbers a sentence states, normalised (``$65 billion`` -> ``$65billion``)."""
    found = set()
    for match in _QUANTITY.finditer(text):
        value = re.sub(r"[\s,]", "", match.group(0).lower()).replace("percent", "%")
        if any(ch.isdigit() for ch in value):
            found.add(value)
    return found


def _other_sources(
    question: str, best: _Unit, units: list[_Unit], scores: np.ndarray, settings: AnswerSettings
) -> tuple[tuple[int, ...], list[tuple[_Unit, float]]]:
    """Other articles that state the answer too (their hit numbers), and ones that differ.

    A sentence from another article states the same fact when it is nearly the same in
    meaning and gives no other figure; it differs when it is on the same subject, the
    question asks for a figure, and its figures are different.
    """
    asks_figure = bool(_CUES[1][0].search(question))
    best_figures = quantities(best.text)
    floor = float(scores.max()) - settings.related_margin
    same: list[int] = []
    differing: list[tuple[_Unit, float]] = []
    for unit, score in zip(units, scores):
        if unit.article_id == best.article_id or score < floor:
            continue
        similarity = float(unit.vector @ best.vector)
        figures = quantities(unit.text)
        if asks_figure and best_figures and figures and not (figures & best_figures) and similarity >= settings.related_cosine:
            if not any(d.article_id == unit.article_id for d, _ in differing):
                differing.append((unit, float(score)))
        elif similarity >= settings.same_fact_cosine and (not figures or not best_figures or figures & best_figures):
            if unit.hit_number not in same and unit.hit_number != best.hit_number:
                same.append(unit.hit_number)
    return tuple(same), differing[:1]


def _cue_in_next_sentence(question: str, unit: _Unit, snapshot: IndexSnapshot, hits: Sequence[Hit]) -> _Unit | None:
    """The sentence right after ``unit`` when it, not ``unit``, has what the question asks for."""
    if unit.next_sentence is None or answer_cue(question, unit.text) or not any(a.search(question) for a, _ in _CUES):
        return None
    passage = snapshot.passages[hits[unit.hit_number - 1].passage_index]
    span = unit.next_sentence
    text = passage.text[span.start - passage.start : span.end - passage.start]
    if not answer_cue(question, text):
        return None
    return _Unit(unit.hit_number, unit.article_id, span, text, unit.vector, None)


def _overlaps(a: _Unit, b: _Unit) -> bool:
    """Same text, or overlapping spans of one article."""
    if " ".join(a.text.split()) == " ".join(b.text.split()):
        return True
    return a.article_id == b.article_id and a.span.start < b.span.end and b.span.start < a.span.end
