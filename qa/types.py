"""The result types: one frozen dataclass per idea, shared by every module; and the few
names every stage shares (search modes, the default folders). Imports nothing of ``qa``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DEFAULT_INDEX_DIR = Path("embeddings")
DEFAULT_CORPUS_DIR = Path("corpus")
SearchMode = Literal["hybrid", "dense", "bm25"]
SEARCH_MODES: tuple[SearchMode, ...] = ("hybrid", "dense", "bm25")
ProgressFn = Callable[[int, int], None]
"""Told ``(done, total)`` as a long step (embedding passages) advances."""


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` in an article's source text."""

    start: int
    end: int


@dataclass(frozen=True)
class Block:
    """One kept line of prose. Blocks in the same ``section`` have no boilerplate between them."""

    start: int
    end: int
    section: int


@dataclass(frozen=True)
class Article:
    """One article file after cleaning.

    ``text`` is the whole source file decoded as UTF-8 (no newline translation), so every
    offset in ``blocks`` and in citations indexes straight into the file.
    """

    article_id: str
    source: str
    title: str
    text: str
    content_hash: str
    blocks: tuple[Block, ...]
    url: str | None = None
    date: str | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: consecutive sentences of one article, within the model's limit.

    ``text`` is exactly ``article.text[start:end]``; ``sentences`` are source-file spans.
    """

    article_id: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from: in the file ``source`` (relative to the corpus folder),
    decoded as UTF-8, ``text[start:end]`` is the cited text."""

    article_id: str
    title: str
    source: str
    start: int
    end: int
    url: str | None = None
    date: str | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class Hit:
    """One search result, best first.

    ``score`` is the ranking score of the mode used (reciprocal-rank fusion for ``hybrid``,
    cosine for ``dense``, BM25 for ``bm25``); ``dense_score`` is always the cosine between
    question and passage, ``bm25_score`` the passage's BM25 score (0.0 when no term matches).
    ``also_in`` cites other articles that carry the same text (the same wire copy, say).
    """

    text: str
    score: float
    citation: Citation
    dense_score: float
    bm25_score: float
    passage_index: int
    also_in: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class AnswerSpan:
    """The exact phrase that answers the question: ``text`` is ``source_text[start:end]``
    of the article of hit ``hit_number``; ``confidence`` is the answer's calibrated
    probability of being right (``Answer.confidence``)."""

    text: str
    start: int
    end: int
    hit_number: int = 0
    confidence: float = 0.0


@dataclass(frozen=True)
class AnswerSentence:
    """A sentence copied verbatim from an article; ``hit_number`` is its 1-based citation.

    ``also_cited`` are hits from other articles that state the same; ``differs`` marks a
    statement from another article that gives a different figure than the answer.
    """

    text: str
    start: int
    end: int
    hit_number: int
    score: float
    also_cited: tuple[int, ...] = ()
    differs: bool = False


Evidence = dict[str, float]
"""What the answer score read (``qa.reading.answer_score.FEATURES``: the answer span's
probability, its passage's and the least probability of "no answer", its margin, agreement,
share of all span probability, rank, and whether a name of the question went unread), raw
values by name."""


@dataclass(frozen=True)
class Answer:
    """What ``Retriever.answer`` returns.

    When ``found`` is False the articles do not answer the question: ``text`` is empty and
    ``sentences`` too, while ``hits`` still lists the closest passages for inspection.
    ``confidence`` is the calibrated probability that the answer is right (``qa.reading.answer_score``);
    ``span`` is the exact phrase inside the first sentence that answers it, shown bold when
    ``confidence`` reaches the score's bold cut-off (else ``None``); ``reader_span`` is the
    reader's most probable phrase across the passages it read, shown or not, declined or not.
    ``unknown_names`` are the question's names that no article mentions, the reason for a
    decline when there are any (``qa.reading.unknown_names``).
    """

    question: str
    found: bool
    text: str
    sentences: tuple[AnswerSentence, ...]
    hits: tuple[Hit, ...]
    confidence: float
    mode: SearchMode = "hybrid"
    evidence: Evidence | None = None
    span: AnswerSpan | None = None
    reader_span: AnswerSpan | None = None
    unknown_names: tuple[str, ...] = ()
