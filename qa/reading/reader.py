"""Read the top passages: the reader's best spans in each, placed in the cited files.

All windows are read in one runtime call; a window is a retrieved passage (the unit the
reader was trained on). The answer score rates every span found (``answer_score``): the one
it rates highest is the answer's phrase; the others are what another article says in answer
to the same question.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.reading.model import PACKAGED_READER, ReaderModel
from qa.reading.spans import SPANS_PER_PASSAGE, read_windows
from qa.types import Hit

_SHARED: dict[Path, ReaderModel] = {}
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class FoundSpan:
    """A span the reader marked: ``text`` is ``file[start:end]`` of hit ``hit_number``'s article."""

    hit_number: int
    article_id: str
    start: int
    end: int
    text: str
    probability: float
    no_answer: float  # its window's probability of no answer


@dataclass(frozen=True)
class Reading:
    """What the reader found in the top passages, most probable span first."""

    spans: tuple[FoundSpan, ...]
    no_answer: float  # the least P(no answer) over the windows read
    masses: tuple[float, ...] = ()  # the probability of all spans of each window read, in hit order

    @property
    def best(self) -> FoundSpan | None:
        return self.spans[0] if self.spans else None

    @property
    def mass(self) -> float:
        """The probability the reader put on any span, summed over the windows read."""
        return sum(self.masses)

    def first(self, passages: int) -> Reading:
        """What reading only the first ``passages`` passages would have found."""
        spans = tuple(s for s in self.spans if s.hit_number <= passages)
        return Reading(spans, min((s.no_answer for s in spans), default=1.0), self.masses[:passages])


def shared_reader(folder: Path = PACKAGED_READER) -> ReaderModel:
    """The reader in ``folder``, loaded once per process (it is thread-safe)."""
    with _SHARED_LOCK:
        if folder not in _SHARED:
            _SHARED[folder] = ReaderModel(folder)
        return _SHARED[folder]


def read_hits(
    reader: ReaderModel, question: str, hits: Sequence[Hit], passages: int, per_passage: int = SPANS_PER_PASSAGE
) -> Reading:
    """The reader's ``per_passage`` best spans in each of the first ``passages`` hits."""
    windows = list(hits[:passages])
    readings = reader.read(question, [hit.text for hit in windows])
    spans, masses = read_windows(readings, per_passage)
    found = []
    for span in spans:
        hit = windows[span.window]
        text = hit.text[span.start : span.end]
        if text.strip():
            start = hit.citation.start + span.start
            found.append(
                FoundSpan(
                    span.window + 1,
                    hit.citation.article_id,
                    start,
                    start + len(text),
                    text,
                    span.probability,
                    span.no_answer,
                )
            )
    return Reading(tuple(found), min((s.no_answer for s in spans), default=1.0), masses)
