"""Combining ranked lists, and folding near-identical passages into one result.

Reciprocal rank fusion uses ranks only, so BM25's unbounded scores and cosine similarity
never have to be put on one scale (the usual way hybrid search goes wrong).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

RRF_K = 60
DUPLICATE_COSINE = 0.95


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], *, k: int = RRF_K, weights: Sequence[float] | None = None
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


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def group_duplicates(
    order: Sequence[int], texts: Sequence[str], vectors: np.ndarray, *, limit: int, threshold: float = DUPLICATE_COSINE
) -> list[tuple[int, list[int]]]:
    """Walk ``order`` best first; fold each item into an earlier kept one it duplicates.

    Two items are duplicates when their whitespace-collapsed texts are equal or their
    vectors' cosine is at least ``threshold``. Returns up to ``limit`` groups of
    ``(kept item, [its duplicates])``; ``texts``/``vectors`` are indexed like ``order``.
    """
    groups: list[tuple[int, list[int]]] = []
    kept_rows: list[int] = []
    kept_texts: dict[str, int] = {}
    for row, item in enumerate(order):
        text = _normalised(texts[row])
        match = kept_texts.get(text)
        if match is None and kept_rows:
            similarity = vectors[kept_rows] @ vectors[row]
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                match = best
        if match is not None:
            groups[match][1].append(item)
            continue
        if len(groups) == limit:
            continue  # still fold later duplicates into kept groups
        kept_texts[text] = len(groups)
        kept_rows.append(row)
        groups.append((item, []))
    return groups
