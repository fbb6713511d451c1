"""Answers without a generative model: the best sentence(s) of the top passages, verbatim.

Each sentence of the top passages is scored against the question by meaning (cosine of
sentence and question embeddings) and by words (the share of the question's content
words it contains). A sentence that introduces a list ("Key motivations include:") is
kept together with its items. The answer is declined when the evidence is weak.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from qa.errors import UsageError
from qa.reading.abstention import DEFAULT_ABSTENTION, AbstentionModel
from qa.reading.answer_type import answer_type, content_stems
from qa.reading.choice_model import LinearChoice
from qa.reading.compose import differing_answer, other_sources, unit_holding
from qa.reading.confidence import BOLD_PROBABILITY, DEFAULT_SPAN_CONFIDENCE, SpanConfidence, kind_fits
from qa.reading.model import ReaderModel
from qa.reading.phrase_rules import find_span
from qa.reading.reader import read_hits
from qa.reading.sentence_choice import SENTENCE_FEATURES, SENTENCE_MODEL, AskedQuestion, describe_units
from qa.reading.units import Unit, answer_units
from qa.reading.unknown_names import names_not_in, unknown_names
from qa.store.search_index import PassageLookup
from qa.types import Answer, AnswerSentence, AnswerSpan, Evidence, Hit, SearchMode

_CUES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"(?i)^\s*why\b|\bwhy (?:did|do|does|is|are|was|were|has|have)\b"),
        re.compile(
            r"(?i)\b(because|reasons?|due to|owing to|stems? from|driven by|in response to|as a result|the cause)\b"
        ),
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
    sentence_model: LinearChoice = SENTENCE_MODEL
    same_fact_cosine: float = 0.8
    related_cosine: float = 0.5
    related_margin: float = 0.35
    read: bool = True  # the extractive reader marks the span and chooses the sentence
    span_confidence: SpanConfidence = DEFAULT_SPAN_CONFIDENCE
    bold_probability: float = BOLD_PROBABILITY  # the span is shown when its calibrated confidence reaches this
    differing_probability: float = 0.3  # another article's span must reach this to be "a different figure"
    second_opinion: bool = True  # the sentence model's sentence follows the reader's when they differ
    sentence_confidence: float = (
        0.2  # the reader's sentence is the answer from this span confidence on (else the sentence model's)
    )
    no_answer_veto: float = (
        0.95  # declined when every passage read says "no answer" with at least this probability (> 1: never)
    )
    name_veto: float = 0.8  # ... or this, when a name of two words or more of the question is in no passage read
    decline_unknown_names: bool = True  # declined when the question names what no article mentions

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise UsageError(f"min_confidence must be between 0 and 1, not {self.min_confidence} (QA_MIN_CONFIDENCE)")
        for name, veto in (("no_answer_veto", self.no_answer_veto), ("name_veto", self.name_veto)):
            if veto < 0.0:
                raise UsageError(f"{name} must be at least 0 (above 1 turns that veto off), not {veto}")


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
    lookup: PassageLookup | None,
    settings: AnswerSettings,
    mode: SearchMode,
    reader: ReaderModel | None = None,
    in_context: bool = False,
) -> Answer:
    """Pick the answer sentence(s) from the top ``hits``, or decline. With a ``reader``, the
    answer sentence is the one that holds the reader's best span across the top passages,
    and the reader's "no answer" in every passage declines, except for a follow-up read
    ``in_context`` ("and what about defence?" is no question on its own)."""
    units = answer_units(hits, lookup, settings.answer_passages) if lookup is not None else []
    if lookup is None or not units:
        return declined(question, hits, 0.0, mode, None)
    unknown = unknown_names(question, lookup.vocabulary) if settings.decline_unknown_names else ()
    if unknown:  # the question names what no article mentions: nothing here can answer it
        return replace(declined(question, hits, 0.0, mode, None), unknown_names=unknown)
    reading = read_hits(reader, question, hits, settings.answer_passages) if reader is not None else None
    question_tokens = content_stems(question)
    weights = lookup.idf(question_tokens)
    asked = AskedQuestion(question, question_vector, question_tokens, weights, answer_type(question))
    features = describe_units(asked, units, hits)
    meaning = features[:, SENTENCE_FEATURES.index("meaning")]
    words = features[:, SENTENCE_FEATURES.index("words")]
    cues = np.array([answer_cue(question, u.text) for u in units], dtype=np.float32)
    scores = meaning + settings.word_weight * words + settings.cue_weight * cues
    best = modelled = _with_list(units, int(np.argmax(settings.sentence_model.scores(features))))
    span_confidence = settings.span_confidence.probability(question, reading) if reading is not None else 0.0
    read = reading.best if reading is not None else None
    held = unit_holding(units, read) if read is not None else None
    if held is not None and read is not None and span_confidence >= settings.sentence_confidence:
        # the reader's sentence, unless its span is not what is asked ("New Delhi" for "when")
        best = held if kind_fits(question, read.text) else best
    evidence = Evidence(  # the sentence model's choice: the sentence evidence the decline model was fitted on
        sentence_meaning=float(meaning[modelled]),
        sentence_words=float(words[modelled]),
        evidence_words=float(features[:, SENTENCE_FEATURES.index("passage_words")].max()),
        passage_meaning=float(hits[0].dense_score),
        answer_probability=span_confidence,
        reader_no_answer=reading.no_answer if reading is not None else 1.0,
    )
    confidence = settings.abstention.probability(evidence)
    if (
        reading is not None
        and not in_context
        and reading.spans
        and _vetoed(question, hits, reading.no_answer, settings)
    ):
        # the reader found no answer in any passage: its no-answer evidence overrules the sentence evidence
        return declined(question, hits, min(confidence, 1.0 - reading.no_answer), mode, evidence)
    if confidence < settings.min_confidence:
        return declined(question, hits, confidence, mode, evidence)
    top_score = float(scores[best])
    chosen = [units[best]]
    chosen_scores = [top_score]
    follow_up = _cue_in_next_sentence(question, units[best], lookup, hits)
    if reading is not None and settings.second_opinion and not _overlaps(units[modelled], units[best]):
        # the sentence model chose another sentence: it follows the reader's as a second opinion
        chosen.append(units[modelled])
        chosen_scores.append(float(scores[modelled]))
    elif follow_up is not None:
        chosen.append(follow_up)
        chosen_scores.append(top_score)
    elif not cues[best]:
        # a second sentence only when it has what the question asks for and the first lacks it
        for index in [int(i) for i in np.argsort(-scores, kind="stable")]:
            if len(chosen) >= settings.max_sentences or scores[index] < top_score - settings.second_sentence_margin:
                break
            if cues[index] and not any(_overlaps(units[index], c) for c in chosen):
                chosen.append(units[index])
                chosen_scores.append(float(scores[index]))
    also, differing = other_sources(
        bool(_CUES[1][0].search(question)),
        chosen[0],
        units,
        scores,
        settings.same_fact_cosine,
        settings.related_cosine,
        settings.related_margin,
    )
    if reading is not None:
        other = differing_answer(reading, units, settings.differing_probability)
        differing = (
            [(units[other], float(scores[other]))]
            if other is not None and not _overlaps(units[other], chosen[0])
            else []
        )
    sentences = [
        AnswerSentence(u.text, u.span.start, u.span.end, u.hit_number, score, also if i == 0 else ())
        for i, (u, score) in enumerate(zip(chosen, chosen_scores))
    ]
    sentences += [
        AnswerSentence(u.text, u.span.start, u.span.end, u.hit_number, float(score), (), True) for u, score in differing
    ]
    text = " ".join(s.text for s in sentences)
    first = chosen[0]
    reader_span = AnswerSpan(read.text, read.start, read.end, read.hit_number, span_confidence) if read else None
    return Answer(
        question=question,
        found=True,
        text=text,
        sentences=tuple(sentences),
        hits=tuple(hits),
        confidence=confidence,
        mode=mode,
        evidence=evidence,
        span=_shown_span(reader_span, first, span_confidence >= settings.bold_probability)
        if reading is not None
        else _rule_span(question, first),
        reader_span=reader_span,
    )


def _vetoed(question: str, hits: Sequence[Hit], no_answer: float, settings: AnswerSettings) -> bool:
    """The reader's veto: it is sure no passage read answers, or fairly sure and the passages
    read do not name what the question names."""
    if no_answer >= settings.no_answer_veto:
        return True
    return no_answer >= settings.name_veto and bool(
        names_not_in(question, [hit.text for hit in hits[: settings.answer_passages]])
    )


def _shown_span(span: AnswerSpan | None, sentence: Unit, sure: bool) -> AnswerSpan | None:
    """The reader's span when it lies in the answer sentence and the reader is ``sure`` enough."""
    if span is None or not sure or span.hit_number != sentence.hit_number:
        return None
    return span if sentence.span.start <= span.start < sentence.span.end else None


def _rule_span(question: str, sentence: Unit) -> AnswerSpan | None:
    """The phrase the hand rules find in the answer sentence (no reader)."""
    span = find_span(question, sentence.text, sentence.span.start)
    return replace(span, hit_number=sentence.hit_number) if span is not None else None


def declined(
    question: str, hits: Sequence[Hit], confidence: float, mode: SearchMode, evidence: Evidence | None
) -> Answer:
    """The answer when the articles do not answer ``question``: no text, the closest hits kept."""
    return Answer(
        question=question,
        found=False,
        text="",
        sentences=(),
        hits=tuple(hits),
        confidence=confidence,
        mode=mode,
        evidence=evidence,
    )


def _cue_in_next_sentence(question: str, unit: Unit, lookup: PassageLookup, hits: Sequence[Hit]) -> Unit | None:
    """The sentence right after ``unit`` when it, not ``unit``, has what the question asks for."""
    if unit.next_sentence is None or answer_cue(question, unit.text) or not any(a.search(question) for a, _ in _CUES):
        return None
    passage = lookup.passage(hits[unit.hit_number - 1].passage_index)
    span = unit.next_sentence
    text = passage.text[span.start - passage.start : span.end - passage.start]
    if not answer_cue(question, text):
        return None
    return Unit(unit.hit_number, unit.article_id, span, text, unit.vector, None)


def _with_list(units: Sequence[Unit], best: int) -> int:
    """The lead-in-and-items unit when ``best`` is a list's lead-in ("Key motivations include:")."""
    unit = units[best]
    if not unit.text.rstrip().endswith(":"):
        return best
    for index, other in enumerate(units):
        if (
            other.hit_number == unit.hit_number
            and other.span.start == unit.span.start
            and other.span.end > unit.span.end
        ):
            return index
    return best


def _overlaps(a: Unit, b: Unit) -> bool:
    """Same text, or overlapping spans of one article."""
    if " ".join(a.text.split()) == " ".join(b.text.split()):
        return True
    return a.article_id == b.article_id and a.span.start < b.span.end and b.span.start < a.span.end
