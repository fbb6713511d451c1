"""The FAISS vector index: which kind to build for a collection, and safe searching.

The choice lives here and nowhere else. ``auto`` picks exact inner-product search
(``flat``) while a scan is cheap, up to ``exact_up_to`` vectors (50,000: under 10 ms a
query on two cores), and an inverted-file index (``ivf``: k-means lists, a few of them
scanned per query) above it; ``hnsw`` is there for those who prefer a graph. Vectors are
unit length, so inner product is cosine similarity. Every setting can be overridden with
``VectorIndexSettings`` (``qa index --vector-index``, ``QA_NPROBE``/``QA_EF_SEARCH`` at
query time, through ``SearchTuning``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

IndexKind = Literal["auto", "flat", "ivf", "hnsw"]
INDEX_KINDS: tuple[IndexKind, ...] = ("auto", "flat", "ivf", "hnsw")
_TRAINING_SAMPLE_PER_LIST = 64


@dataclass(frozen=True)
class VectorIndexSettings:
    """How the vector index is built and searched."""

    kind: IndexKind = "auto"
    exact_up_to: int = 50_000
    ivf_lists: int | None = None  # None: sqrt(vectors), rounded to a power of two
    ivf_probe: int | None = None  # None: a sixteenth of the lists, at least 32 (probe_for)
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128

    @classmethod
    def for_kind(cls, kind: str) -> VectorIndexSettings:
        """Default settings of one ``kind``; ``ValueError`` for a kind this version does not know."""
        for known in INDEX_KINDS:
            if kind == known:
                return cls(kind=known)
        raise ValueError(f"unknown vector index kind {kind!r}: use one of {', '.join(INDEX_KINDS)}")

    def chosen_kind(self, size: int) -> Literal["flat", "ivf", "hnsw"]:
        """The kind for ``size`` vectors: ``kind`` unless it is ``auto``."""
        if self.kind != "auto":
            return self.kind
        return "ivf" if size > self.exact_up_to else "flat"

    def probe_for(self, lists: int) -> int:
        """IVF lists scanned per query: ``ivf_probe``, else a sixteenth of ``lists``, at least 32.
        (32 at 100k passages, 64 at 1M: recall@10 0.970 and 0.965 on distinct texts, where a
        fixed 32 fell to 0.922 at 1M; docs/benchmarks.md.)"""
        return max(1, min(self.ivf_probe or max(32, lists // 16), lists))

    def lists_for(self, size: int) -> int:
        """Number of IVF lists for ``size`` vectors."""
        if self.ivf_lists:
            return max(1, min(self.ivf_lists, size))
        return max(1, min(1 << round(math.log2(math.sqrt(max(size, 1)))), size // 39 or 1))


def build_vector_index(vectors: np.ndarray, settings: VectorIndexSettings | None = None) -> faiss.Index:
    """A FAISS index over ``vectors`` (rows are unit length, float32)."""
    settings = settings or VectorIndexSettings()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dimension = int(vectors.shape[1])
    chosen = settings.chosen_kind(len(vectors))
    index: faiss.Index
    if chosen == "hnsw":
        graph = faiss.IndexHNSWFlat(dimension, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = settings.hnsw_ef_construction
        graph.hnsw.efSearch = settings.hnsw_ef_search
        index = graph
    elif chosen == "ivf":
        lists = settings.lists_for(len(vectors))
        inverted = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, lists, faiss.METRIC_INNER_PRODUCT)
        sample = vectors
        if len(vectors) > lists * _TRAINING_SAMPLE_PER_LIST:
            rows = np.random.default_rng(0).choice(len(vectors), lists * _TRAINING_SAMPLE_PER_LIST, replace=False)
            sample = vectors[np.sort(rows)]
        inverted.train(sample)
        inverted.nprobe = settings.probe_for(lists)
        index = inverted
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)
    return index


@dataclass(frozen=True)
class SearchTuning:
    """Query-time knobs of a loaded index; None keeps what the build chose."""

    nprobe: int | None = None  # IVF lists scanned per query
    ef_search: int | None = None  # HNSW beam width


def tune_search(index: faiss.Index, tuning: SearchTuning) -> None:
    """Set the query-time knobs of a loaded index (IVF lists scanned, HNSW beam width)."""
    if tuning.nprobe and isinstance(index, faiss.IndexIVF):
        index.nprobe = min(tuning.nprobe, index.nlist)
    if tuning.ef_search and isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = tuning.ef_search


def search_vectors(index: faiss.Index, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` nearest rows to one query vector: (ids, scores), best first, no ``-1`` padding."""
    n = min(n, index.ntotal)
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), n)
    keep = ids[0] >= 0
    return ids[0][keep].astype(np.int64), scores[0][keep]


def write_vector_index(index: faiss.Index, path: Path) -> None:
    """Write ``index`` to ``path`` (a new file in a generation folder, never in place)."""
    faiss.write_index(index, str(path))


def read_vector_index(path: Path, tuning: SearchTuning | None = None) -> faiss.Index:
    """Read an index written by ``write_vector_index``, memory-mapped where FAISS allows it
    (IVF lists), with the build's query-time settings unless ``tuning`` overrides them."""
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        index = faiss.read_index(str(path))
    tune_search(index, tuning or SearchTuning())
    return index
