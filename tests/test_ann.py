"""The FAISS index choice: exact when small, approximate kinds close to exact when large."""

from __future__ import annotations

import numpy as np
import pytest

from qa.store.vector_index import VectorIndexSettings, build_vector_index, search_vectors


def _clustered(count: int, dimension: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(count // 20, dimension))
    vectors = centres[rng.integers(0, len(centres), count)] + 0.3 * rng.normal(size=(count, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_auto_is_exact_up_to_the_threshold_and_ivf_above() -> None:
    settings = VectorIndexSettings(exact_up_to=1000)
    assert settings.chosen_kind(1000) == "flat" and settings.chosen_kind(1001) == "ivf"
    assert VectorIndexSettings(kind="hnsw").chosen_kind(10) == "hnsw"
    assert VectorIndexSettings().lists_for(1_000_000) == 1024


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_kinds_find_what_exact_search_finds(kind: str) -> None:
    data = _clustered(6050)
    vectors, queries = data[:6000], data[6000:]  # queries from the same collection, held out
    exact = build_vector_index(vectors, VectorIndexSettings(kind="flat"))
    # IVF scans 8 of its 64 lists here (a real approximation, not an exhaustive scan);
    # HNSW with a narrow beam
    approximate = build_vector_index(vectors, VectorIndexSettings(kind=kind, ivf_probe=8, hnsw_ef_search=32))  # type: ignore[arg-type]
    if kind == "ivf":
        assert approximate.nprobe * 8 <= approximate.nlist
    found = [len(set(search_vectors(approximate, q, 10)[0]) & set(search_vectors(exact, q, 10)[0])) for q in queries]
    assert np.mean(found) / 10 >= 0.9
    ids, _ = search_vectors(approximate, queries[0], 10_000)
    assert len(ids) == len(set(ids)) and (ids >= 0).all()  # asking for more than exist: no -1 padding
