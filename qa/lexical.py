"""BM25 over the same passages the dense index holds, with ``bm25s``.

Lucene's IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``, is positive for every term, so a
term found in most passages of a five-article corpus still counts a little instead of
turning negative. Tokens are lower-cased, English stop words dropped, Snowball-stemmed.
"""

from __future__ import annotations

import json
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
    """A BM25 index whose document numbers are the passage numbers.

    It keeps each passage's token ids (``tokens.npy``, ``token_offsets.npy``) under a vocabulary
    that only grows (``qa_vocab.json``), so an update re-tokenizes only new passages.
    """

    def __init__(self, bm25: bm25s.BM25, size: int, vocab: dict[str, int], tokens: np.ndarray, offsets: np.ndarray) -> None:
        self._bm25 = bm25
        self.size = size
        self.vocab = vocab
        self.tokens = tokens
        self.offsets = offsets

    @classmethod
    def build(
        cls,
        texts: Sequence[str | None],
        *,
        previous: "LexicalIndex | None" = None,
        reuse: Sequence[int | None] = (),
    ) -> "LexicalIndex":
        """Index ``texts`` (document ``i`` is passage ``i``).

        ``reuse[i]``, when given, names the passage of ``previous`` whose tokens passage ``i``
        takes instead of tokenizing ``texts[i]`` again.
        """
        vocab = dict(previous.vocab) if previous is not None else {}
        vocab.setdefault("", len(vocab))
        reuse = list(reuse) + [None] * (len(texts) - len(reuse))
        fresh_rows = [i for i, old in enumerate(reuse) if old is None or previous is None]
        fresh = iter(tokenize([texts[i] or "" for i in fresh_rows])) if fresh_rows else iter(())
        ids: list[list[int]] = []
        for old in reuse:
            if old is not None and previous is not None:
                ids.append(previous.tokens[previous.offsets[old] : previous.offsets[old + 1]].tolist())
            else:
                ids.append([vocab.setdefault(token, len(vocab)) for token in next(fresh)])
        bm25 = bm25s.BM25(method="lucene")
        bm25.index(bm25s.tokenization.Tokenized(ids=[row or [vocab[""]] for row in ids], vocab=vocab), show_progress=False)
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in ids], out=offsets[1:])
        tokens = np.fromiter((t for row in ids for t in row), dtype=np.int32, count=int(offsets[-1]))
        return cls(bm25, len(texts), vocab, tokens, offsets)

    def save(self, folder: Path) -> None:
        """Write the index as JSON and ``.npy`` files (no pickle) into ``folder``."""
        self._bm25.save(str(folder), show_progress=False)
        np.save(folder / "tokens.npy", self.tokens, allow_pickle=False)
        np.save(folder / "token_offsets.npy", self.offsets, allow_pickle=False)
        (folder / "qa_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex":
        """Read an index written by ``save``; arrays are memory-mapped."""
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        tokens = np.load(folder / "tokens.npy", mmap_mode="r", allow_pickle=False)
        offsets = np.load(folder / "token_offsets.npy", allow_pickle=False)
        vocab = json.loads((folder / "qa_vocab.json").read_text(encoding="utf-8"))
        return cls(bm25, size, vocab, tokens, offsets)

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
