"""Answers without a generative model: the reader's span, in the sentence that holds it, or a decline.

A question that names what no article mentions is declined first (``unknown_names``).
Otherwise the extractive reader reads the top passages and marks its two best spans in
each (``reader``). One calibrated probability that an answer is right (``answer_score``) rates
each span; the answer is the sentence holding the span it rates highest, copied verbatim
(``compose``). That probability decides the rest: below its lower cut-off the question is declined, from its upper cut-off
on the span is shown in bold. Other articles whose confident span is the same are cited
with the sentence; one whose confident span is a different figure of the same kind is
shown after it, cited to its own article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.errors import ModelError, UsageError
from qa.reading.answer_score import AnswerScore, evidence_of, packaged_score
from qa.reading.compose import differing_figure, same_fact_elsewhere, sentence_holding
from qa.reading.model import ReaderModel
from qa.reading.reader import FoundSpan, read_hits
from qa.reading.unknown_names import unknown_names
from qa.store.search_index import PassageLookup
from qa.types import Answer, AnswerSentence, AnswerSpan, Evidence, Hit, SearchMode


@dataclass(frozen=True)
class AnswerSettings:
    """How answers are read: how many passages, the answer score and its decline cut-off."""

    read_passages: int = 5  # the reader reads this many of the top passages (chosen on dev)
    min_confidence: float | None = None  # declined below this probability (None: the score's fitted cut-off)
    score: AnswerScore | None = None  # None: the score that ships with the reader
    decline_unknown_names: bool = True  # declined when the question names what no article mentions

    def __post_init__(self) -> None:
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise UsageError(f"min_confidence must be between 0 and 1, not {self.min_confidence} (QA_MIN_CONFIDENCE)")
        if self.read_passages < 1:
            raise UsageError(f"read_passages must be at least 1, not {self.read_passages}")

    @property
    def answer_score(self) -> AnswerScore:
        """The score in use."""
        return self.score or packaged_score()

    @property
    def decline_below(self) -> float:
        """The probability below which a question is declined."""
        return self.answer_score.decline_below if self.min_confidence is None else self.min_confidence


def extract_answer(
    question: str,
    hits: Sequence[Hit],
    lookup: PassageLookup | None,
    settings: AnswerSettings,
    mode: SearchMode,
    reader: ReaderModel,
    read_as: str | None = None,
) -> Answer:
    """The answer to ``question`` from the top ``hits``, or a decline. ``read_as`` is what the
    reader reads when it differs from the question (a follow-up with its earlier subject)."""
    if lookup is None or not hits:
        return declined(question, hits, 0.0, mode)
    unknown = unknown_names(question, lookup.vocabulary) if settings.decline_unknown_names else ()
    if unknown:  # the question names what no article mentions: nothing here can answer it
        return declined(question, hits, 0.0, mode, unknown_names=unknown)
    score = settings.answer_score
    if score.reader_sha256 and score.reader_sha256 != reader.fingerprint:
        raise ModelError(
            "the answer score was fitted for another reader: fit it again for this one (python -m training.fit_answer_score)"
        )
    read = list(hits[: settings.read_passages])
    reading = read_hits(reader, read_as or question, read, len(read))
    texts = [hit.text for hit in read]
    rated = score.rate(question, reading, texts)  # the answer's span first
    if not rated:
        evidence = evidence_of(question, reading, texts)
        return declined(question, hits, score.probability(evidence), mode, evidence=evidence)
    confidence, best, evidence = rated[0]
    if confidence < settings.decline_below:
        return declined(question, hits, confidence, mode, evidence=evidence)
    span, text = sentence_holding(best, hits[best.hit_number - 1], lookup)
    also = same_fact_elsewhere(span, best.hit_number, read, lookup)
    sentences = [AnswerSentence(text, span.start, span.end, best.hit_number, confidence, also)]
    confident = [s for p, s, _ in rated[1:] if p >= settings.decline_below]
    other = differing_figure(best, confident)
    if other is not None:
        where, said = sentence_holding(other, hits[other.hit_number - 1], lookup)
        sentences.append(AnswerSentence(said, where.start, where.end, other.hit_number, confidence, (), True))
    found = _span_of(best, confidence)
    return Answer(
        question=question,
        found=True,
        text=" ".join(s.text for s in sentences),
        sentences=tuple(sentences),
        hits=tuple(hits),
        confidence=confidence,
        mode=mode,
        evidence=evidence,
        span=found if confidence >= score.bold_from else None,
        reader_span=found,
    )


def _span_of(span: FoundSpan, confidence: float) -> AnswerSpan:
    return AnswerSpan(span.text, span.start, span.end, span.hit_number, confidence)


def declined(
    question: str,
    hits: Sequence[Hit],
    confidence: float,
    mode: SearchMode,
    *,
    evidence: Evidence | None = None,
    unknown_names: tuple[str, ...] = (),
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
        unknown_names=unknown_names,
    )
