"""Candidate rankings of a local generation, one function per search mode: the only place
the mode is looked at for the local index.

``dense`` ranks by FAISS (cosine), ``bm25`` by BM25 (passages with no matching term left
out), ``hybrid`` by reciprocal rank fusion of both. Each returns the candidates best first
with the mode's own score, and the BM25 scores of every passage when it computed them.
Reciprocal rank fusion uses ranks only, so BM25's unbounded scores and cosine similarity
never have to be put on one scale (the usual way hybrid search goes wrong); a Milvus
collection's candidates are fused by the same function (``qa.store.milvus.view``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from qa.store.lexical import LexicalIndex
from qa.store.vector_index import search_vectors
from qa.types import SearchMode

RRF_K = 60


@dataclass(frozen=True)
class Ranking:
    """Candidate passages best first, the mode's score of each, and BM25 of all passages
    (None when the mode did not compute it)."""

    ids: np.ndarray
    scores: np.ndarray
    bm25_all: np.ndarray | None


def top_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest scores, best first, ties by index."""
    if n <= 0 or len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int] | np.ndarray], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Fuse best-first lists of ids: ``score(d) = sum_i w_i / (k + rank_i(d))``, best first.

    Ties are broken by the id's best rank in any list, then by the id, so the order is
    deterministic.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    best_rank: dict[int, int] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            item = int(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            best_rank[item] = min(best_rank.get(item, rank), rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], best_rank[pair[0]], pair[0]))


def _bm25_ids(lexical: LexicalIndex, question: str, pool: int) -> tuple[np.ndarray, np.ndarray]:
    scores = lexical.scores(question)
    top = top_indices(scores, pool)
    return top[scores[top] > 0].astype(np.int64), scores


def dense_ranking(vectors: faiss.Index, lexical: LexicalIndex, question: str, vector: np.ndarray, pool: int) -> Ranking:
    """The ``pool`` nearest passages by cosine."""
    ids, scores = search_vectors(vectors, vector, pool)
    return Ranking(ids, scores.astype(np.float64), None)


def bm25_ranking(vectors: faiss.Index, lexical: LexicalIndex, question: str, vector: np.ndarray, pool: int) -> Ranking:
    """The ``pool`` best passages by BM25 that match at least one question term."""
    ids, scores = _bm25_ids(lexical, question, pool)
    return Ranking(ids, scores[ids].astype(np.float64), scores)


def hybrid_ranking(
    vectors: faiss.Index, lexical: LexicalIndex, question: str, vector: np.ndarray, pool: int
) -> Ranking:
    """Reciprocal rank fusion of the dense and BM25 pools."""
    dense_ids, _ = search_vectors(vectors, vector, pool)
    lexical_ids, scores = _bm25_ids(lexical, question, pool)
    fused = reciprocal_rank_fusion([dense_ids, lexical_ids])
    ids = np.array([item for item, _ in fused], dtype=np.int64)
    return Ranking(ids, np.array([score for _, score in fused], dtype=np.float64), scores)


Ranker = Callable[[faiss.Index, LexicalIndex, str, np.ndarray, int], Ranking]
"""``(vector index, BM25 index, question, question vector, pool)`` to a ``Ranking``."""
RANKERS: dict[SearchMode, Ranker] = {
    "hybrid": hybrid_ranking,
    "dense": dense_ranking,
    "bm25": bm25_ranking,
}
