"""The FAISS vector index: which kind to build for a collection, and safe searching.

The choice lives here and nowhere else: exact inner-product search (``Flat``) while the
collection is small enough to scan, HNSW above ``HNSW_THRESHOLD`` vectors. Vectors are
unit length, so inner product is cosine similarity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import faiss
import numpy as np

IndexKind = Literal["auto", "flat", "hnsw"]
HNSW_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def choose_kind(size: int, requested: IndexKind = "auto") -> Literal["flat", "hnsw"]:
    """The index kind for ``size`` vectors: ``requested`` unless it is ``auto``."""
    if requested != "auto":
        return requested
    return "hnsw" if size >= HNSW_THRESHOLD else "flat"


def build_vector_index(vectors: np.ndarray, kind: IndexKind = "auto") -> faiss.Index:
    """A FAISS index over ``vectors`` (rows are unit length, float32)."""
    dimension = int(vectors.shape[1])
    chosen = choose_kind(len(vectors), kind)
    if chosen == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


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


def read_vector_index(path: Path) -> faiss.Index:
    """Read an index written by ``write_vector_index``, memory-mapped where FAISS allows it."""
    try:
        return faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        return faiss.read_index(str(path))
