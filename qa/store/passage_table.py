"""Passages stored column-wise: numpy arrays and one UTF-8 text file, memory-mapped on load.

A million passages load in milliseconds (nothing is parsed until a passage is read), and an
update copies the unchanged articles' rows as array slices instead of re-encoding them.

Files (in a generation folder)::

    passage_spans.npy     int64 (n, 2)  start, end of each passage in its article's source
    passage_texts.bin     the passages' texts, UTF-8, back to back
    text_offsets.npy      int64 (n + 1) byte offsets of each text in passage_texts.bin
    sentence_spans.npy    int64 (s, 2)  every passage's sentence spans, in order
    sentence_offsets.npy  int64 (n + 1) row of each passage's first sentence span
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.store.arrays import mapped, offsets_from_lengths
from qa.types import Passage, Span


@dataclass(frozen=True)
class PassageTable:
    """Passage ``i`` of one index: its span, text and sentence spans (no article id: the
    manifest's article records own contiguous passage ranges)."""

    spans: np.ndarray
    texts: np.ndarray  # uint8
    text_offsets: np.ndarray
    sentence_spans: np.ndarray
    sentence_offsets: np.ndarray

    def __len__(self) -> int:
        return int(self.spans.shape[0])

    def text(self, row: int) -> str:
        """The text of passage ``row``."""
        return self.texts[int(self.text_offsets[row]) : int(self.text_offsets[row + 1])].tobytes().decode("utf-8")

    def sentences(self, row: int) -> tuple[Span, ...]:
        """The sentence spans of passage ``row``."""
        rows = self.sentence_spans[int(self.sentence_offsets[row]) : int(self.sentence_offsets[row + 1])]
        return tuple(Span(int(a), int(b)) for a, b in rows)

    def passage(self, row: int, article_id: str) -> Passage:
        """Passage ``row`` as a ``Passage`` of ``article_id``."""
        start, end = (int(x) for x in self.spans[row])
        return Passage(article_id, start, end, self.text(row), self.sentences(row))

    @property
    def sentence_count(self) -> int:
        """Sentence spans over all passages."""
        return int(self.sentence_spans.shape[0])

    def rows(self, first: int, last: int) -> PassageTable:
        """Passages ``first`` to ``last - 1`` as a table of views (no copy)."""
        text_from, text_to = int(self.text_offsets[first]), int(self.text_offsets[last])
        sentence_from, sentence_to = int(self.sentence_offsets[first]), int(self.sentence_offsets[last])
        return PassageTable(
            self.spans[first:last],
            self.texts[text_from:text_to],
            self.text_offsets[first : last + 1] - text_from,
            self.sentence_spans[sentence_from:sentence_to],
            self.sentence_offsets[first : last + 1] - sentence_from,
        )

    @classmethod
    def from_passages(cls, passages: Sequence[Passage]) -> PassageTable:
        """A table holding ``passages``, in order."""
        encoded = [p.text.encode("utf-8") for p in passages]
        return cls(
            np.array([(p.start, p.end) for p in passages], dtype=np.int64).reshape(-1, 2),
            np.frombuffer(b"".join(encoded), dtype=np.uint8),
            offsets_from_lengths(len(e) for e in encoded),
            np.array([(s.start, s.end) for p in passages for s in p.sentences], dtype=np.int64).reshape(-1, 2),
            offsets_from_lengths(len(p.sentences) for p in passages),
        )

    @classmethod
    def concatenate(cls, tables: Sequence[PassageTable]) -> PassageTable:
        """One table with the rows of ``tables``, in order."""
        tables = [t for t in tables if len(t)] or [cls.from_passages([])]
        return cls(
            np.concatenate([t.spans for t in tables]),
            np.concatenate([t.texts for t in tables]),
            offsets_from_lengths(np.concatenate([np.diff(t.text_offsets) for t in tables])),
            np.concatenate([t.sentence_spans for t in tables]),
            offsets_from_lengths(np.concatenate([np.diff(t.sentence_offsets) for t in tables])),
        )

    def save(self, folder: Path) -> None:
        """Write the table's files into ``folder``."""
        np.save(folder / "passage_spans.npy", np.ascontiguousarray(self.spans, dtype=np.int64), allow_pickle=False)
        (folder / "passage_texts.bin").write_bytes(np.ascontiguousarray(self.texts).tobytes())
        np.save(folder / "text_offsets.npy", np.asarray(self.text_offsets, dtype=np.int64), allow_pickle=False)
        np.save(
            folder / "sentence_spans.npy", np.ascontiguousarray(self.sentence_spans, dtype=np.int64), allow_pickle=False
        )
        np.save(folder / "sentence_offsets.npy", np.asarray(self.sentence_offsets, dtype=np.int64), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> PassageTable:
        """Read a table written by ``save``, memory-mapped; raise ``ValueError`` if inconsistent."""
        spans, text_offsets, sentence_spans, sentence_offsets = (
            mapped(folder / name)
            for name in ("passage_spans.npy", "text_offsets.npy", "sentence_spans.npy", "sentence_offsets.npy")
        )
        text_path = folder / "passage_texts.bin"
        size = text_path.stat().st_size
        texts = np.asarray(np.memmap(text_path, dtype=np.uint8, mode="r")) if size else np.zeros(0, np.uint8)
        count = int(spans.shape[0])
        if (
            spans.ndim != 2
            or len(text_offsets) != count + 1
            or len(sentence_offsets) != count + 1
            or int(text_offsets[-1]) != size
            or int(sentence_offsets[-1]) != int(sentence_spans.shape[0])
        ):
            raise ValueError("the passage files disagree in size")
        return cls(spans, texts, text_offsets, sentence_spans, sentence_offsets)
