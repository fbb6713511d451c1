"""Reciprocal rank fusion against a brute-force definition, and duplicate folding."""

from __future__ import annotations

import random

import numpy as np

from qa.query.fusion import group_duplicates
from qa.store.ranking import reciprocal_rank_fusion


def test_rrf_matches_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(50):
        lists = [rng.sample(range(30), rng.randint(0, 20)) for _ in range(rng.randint(1, 3))]
        fused = reciprocal_rank_fusion(lists, k=60)
        expected = {}
        for ranking in lists:
            for rank, item in enumerate(ranking, start=1):
                expected[item] = expected.get(item, 0.0) + 1.0 / (60 + rank)
        assert {item: round(score, 12) for item, score in fused} == {i: round(s, 12) for i, s in expected.items()}
        scores = [score for _, score in fused]
        assert scores == sorted(scores, reverse=True)


def test_item_in_both_lists_beats_item_in_one() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 4, 5]])
    assert fused[0][0] == 3


def test_duplicates_fold_into_the_better_ranked_item() -> None:
    vectors = np.eye(4, dtype=np.float32)
    vectors[2] = vectors[0]  # item 12 is a near copy of item 10
    texts = ["alpha text", "beta text", "ALPHA   text", "gamma"]
    groups = group_duplicates([10, 11, 12, 13], texts, vectors, limit=2)
    assert groups == [(10, [12]), (11, [])]
