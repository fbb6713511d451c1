"""BM25 over the same passages the dense index holds, with ``bm25s``.

Lucene's IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``, is positive for every term, so a
term found in most passages of a five-article corpus still counts a little instead of
turning negative. Tokens are lower-cased, English stop words dropped, Snowball-stemmed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

import bm25s
import numpy as np


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens of each text."""
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


class LexicalIndex:
    """A BM25 index whose document numbers are the passage numbers."""

    def __init__(self, bm25: bm25s.BM25, size: int) -> None:
        self._bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        """Index ``texts``; document ``i`` is passage ``i``."""
        bm25 = bm25s.BM25(method="lucene")
        bm25.index(tokenize(texts), show_progress=False)
        return cls(bm25, len(texts))

    def save(self, folder: Path) -> None:
        """Write the index as JSON and ``.npy`` files (no pickle) into ``folder``."""
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex":
        """Read an index written by ``save``; arrays are memory-mapped."""
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return cls(bm25, size)

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Lucene IDF of each (already tokenized) term; unseen terms get the highest IDF."""
        vocabulary = self._bm25.vocab_dict
        pointers = self._bm25.scores["indptr"]
        frequencies = np.array(
            [pointers[vocabulary[t] + 1] - pointers[vocabulary[t]] if t in vocabulary else 0 for t in tokens],
            dtype=np.float64,
        )
        return np.log1p((self.size - frequencies + 0.5) / (frequencies + 0.5)).astype(np.float32)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when no term matches)."""
        tokens = tokenize([query])[0]
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def top(self, query: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best passages with a positive score: (indices, scores), best first."""
        scores = self.scores(query)
        n = min(n, self.size)
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        candidates = np.argpartition(-scores, n - 1)[:n] if n < self.size else np.arange(self.size)
        candidates = candidates[scores[candidates] > 0]
        order = candidates[np.lexsort((candidates, -scores[candidates]))]
        return order.astype(np.int64), scores[order]
