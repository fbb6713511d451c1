"""Folding near-identical passages into one result."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.ingest.cleaning import single_spaced

DUPLICATE_COSINE = 0.95


def group_duplicates(
    order: Sequence[int] | np.ndarray,
    texts: Sequence[str],
    vectors: np.ndarray,
    *,
    limit: int,
    threshold: float = DUPLICATE_COSINE,
) -> list[tuple[int, list[int]]]:
    """Walk ``order`` best first; fold each item into an earlier kept one it duplicates.

    Two items are duplicates when their whitespace-collapsed texts are equal or their
    vectors' cosine is at least ``threshold``. Returns up to ``limit`` groups of
    ``(kept item, [its duplicates])``; ``texts``/``vectors`` are indexed like ``order``.
    Once ``limit`` groups are kept, only the next ``limit // 2 + 10`` items are looked at
    (copies of a passage score alike, so they rank next to it).
    """
    groups: list[tuple[int, list[int]]] = []
    kept = np.empty((max(min(limit, len(order)), 1), vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    kept_texts: dict[str, int] = {}
    full_at: int | None = None
    for row, item in enumerate(order):
        if full_at is not None and row - full_at > limit // 2 + 10:
            break
        text = single_spaced(texts[row].lower())
        match = kept_texts.get(text)
        if match is None and groups:
            similarity = kept[: len(groups)] @ vectors[row]
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                match = best
        if match is not None:
            groups[match][1].append(item)
            continue
        if len(groups) == limit:
            continue  # still fold later duplicates into kept groups
        kept_texts[text] = len(groups)
        kept[len(groups)] = vectors[row]
        groups.append((item, []))
        if len(groups) == limit:
            full_at = row
    return groups
