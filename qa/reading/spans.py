"""From the reader's logits to answer spans: the best span of each window, with its probability.

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


@dataclass(frozen=True)
class ReadSpan:
    """The reader's best span in one window: ``[start, end)`` in the window's passage text."""

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


def best_span(reading: WindowReading, window: int = 0, max_tokens: int = MAX_ANSWER_TOKENS) -> ReadSpan | None:
    """The most probable span of at most ``max_tokens`` word pieces within one line of the
    passage (an answer never runs into the next paragraph), or None for an empty passage."""
    positions = np.flatnonzero(reading.in_passage)
    if not len(positions):
        return None
    allowed = reading.in_passage.copy()
    allowed[0] = True
    starts = _softmax(reading.start_logits, allowed)
    ends = _softmax(reading.end_logits, allowed)
    s, e = starts[positions], ends[positions]
    grid = s[:, None] * e[None, :]
    band = np.triu(np.ones_like(grid, dtype=bool)) & ~np.triu(np.ones_like(grid, dtype=bool), max_tokens)
    lines = _line_numbers(reading, positions)
    band &= lines[:, None] == lines[None, :]
    grid = np.where(band, grid, 0.0)
    first, last = np.unravel_index(int(np.argmax(grid)), grid.shape)
    start = reading.offsets[int(positions[first])][0]
    end = reading.offsets[int(positions[last])][1]
    return ReadSpan(window, start, end, float(grid[first, last]), float(starts[0] * ends[0]))


def best_spans(readings: Sequence[WindowReading]) -> list[ReadSpan]:
    """Each window's best span, most probable first."""
    found = [span for number, reading in enumerate(readings) if (span := best_span(reading, number)) is not None]
    return sorted(found, key=lambda span: -span.probability)
