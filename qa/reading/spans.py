"""From the reader's logits to answer spans: the best spans of each window, with their probabilities.

Within a window, start and end probabilities are a softmax over the passage's word pieces
and ``[CLS]`` (the reader was trained to put its mass on ``[CLS]`` when a passage does not
answer), so a span's probability ``P(start) * P(end)`` compares across windows, and
``P(no answer) = P_start([CLS]) * P_end([CLS])``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.reading.model import WindowReading

MAX_ANSWER_TOKENS = 30
SPANS_PER_PASSAGE = 2  # spans of each passage the answer score rates (chosen on news dev)


@dataclass(frozen=True)
class ReadSpan:
    """A span the reader marked in one window: ``[start, end)`` in the window's passage text."""

    window: int
    start: int
    end: int
    probability: float
    no_answer: float


def _softmax(logits: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    masked = np.where(allowed, logits.astype(np.float64), -np.inf)
    masked -= masked.max()
    weights = np.exp(masked)
    return weights / weights.sum()


def _line_numbers(reading: WindowReading, positions: np.ndarray) -> np.ndarray:
    """The line of the passage each word piece at ``positions`` starts on (0 without a passage)."""
    breaks = np.cumsum([character == "\n" for character in reading.passage], dtype=np.int64)
    if not len(breaks):
        return np.zeros(len(positions), dtype=np.int64)
    return np.array([breaks[reading.offsets[p][0]] for p in positions], dtype=np.int64)


def _span_grid(reading: WindowReading, max_tokens: int) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The passage's word pieces, ``P(start) * P(end)`` of every allowed span over them (at
    most ``max_tokens`` long, within one line; 0 elsewhere) and ``P(no answer)``."""
    positions = np.flatnonzero(reading.in_passage)
    if not len(positions):
        return None
    allowed = reading.in_passage.copy()
    allowed[0] = True
    starts = _softmax(reading.start_logits, allowed)
    ends = _softmax(reading.end_logits, allowed)
    grid = starts[positions][:, None] * ends[positions][None, :]
    band = np.triu(np.ones_like(grid, dtype=bool)) & ~np.triu(np.ones_like(grid, dtype=bool), max_tokens)
    lines = _line_numbers(reading, positions)
    band &= lines[:, None] == lines[None, :]
    return positions, np.where(band, grid, 0.0), float(starts[0] * ends[0])


def _best_in(
    reading: WindowReading, window: int, positions: np.ndarray, grid: np.ndarray, no_answer: float, count: int
) -> list[ReadSpan]:
    """The ``count`` most probable spans of ``grid`` that do not overlap, most probable first."""
    grid = grid.copy()
    spans: list[ReadSpan] = []
    for _ in range(count):
        first, last = np.unravel_index(int(np.argmax(grid)), grid.shape)
        if spans and grid[first, last] <= 0.0:
            break
        start = reading.offsets[int(positions[first])][0]
        end = reading.offsets[int(positions[last])][1]
        spans.append(ReadSpan(window, start, end, float(grid[first, last]), no_answer))
        grid[first : last + 1, :] = 0.0  # spans that start inside this one
        grid[:first, first:] = 0.0  # spans that start before it and reach into it
    return spans


def top_spans(
    reading: WindowReading, window: int = 0, count: int = SPANS_PER_PASSAGE, max_tokens: int = MAX_ANSWER_TOKENS
) -> list[ReadSpan]:
    """The ``count`` most probable spans of one window that do not overlap, each of at most
    ``max_tokens`` word pieces within one line of the passage (an answer never runs into the
    next paragraph), most probable first; none for an empty passage."""
    found = _span_grid(reading, max_tokens)
    return _best_in(reading, window, *found, count) if found is not None else []


def best_span(reading: WindowReading, window: int = 0, max_tokens: int = MAX_ANSWER_TOKENS) -> ReadSpan | None:
    """The most probable span of one window (see ``top_spans``), or None for an empty passage."""
    spans = top_spans(reading, window, 1, max_tokens)
    return spans[0] if spans else None


def read_windows(
    readings: Sequence[WindowReading], per_window: int = SPANS_PER_PASSAGE
) -> tuple[list[ReadSpan], tuple[float, ...]]:
    """The ``per_window`` best spans of each window, most probable first, and the probability
    each window puts on all its allowed spans together, from one grid per window."""
    spans: list[ReadSpan] = []
    masses = []
    for number, reading in enumerate(readings):
        found = _span_grid(reading, MAX_ANSWER_TOKENS)
        if found is not None:
            spans.extend(_best_in(reading, number, *found, per_window))
        masses.append(float(found[1].sum()) if found is not None else 0.0)
    return sorted(spans, key=lambda span: -span.probability), tuple(masses)
