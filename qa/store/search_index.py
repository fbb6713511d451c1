"""The search seam: what a ``Retriever`` needs from an index, wherever the index lives.

Two implementations: ``IndexSnapshot`` (a generation folder on this machine: FAISS and
BM25 files, the default) and ``MilvusIndex`` (a Milvus collection, Lite or a cluster).
A search asks the index for its candidate passages (``candidates``) and gets them with
everything the retriever and the answer extractor read: texts, vectors, citations, the
passages' sentences and their late-pooled vectors. Nothing else crosses the seam.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.store.manifest import Manifest
from qa.store.vocabulary import Vocabulary
from qa.types import Citation, Passage, SearchMode


class PassageLookup(Protocol):
    """What answer extraction reads about the passages a search returned."""

    def passage(self, passage_id: int) -> Passage:
        """The passage with its sentence spans."""
        ...

    def passage_sentence_vectors(self, passage_id: int) -> np.ndarray:
        """The float32 vectors of the passage's sentences, in order."""
        ...

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """The BM25 (Lucene) IDF of each already tokenized term over the whole index."""
        ...

    @property
    def vocabulary(self) -> Vocabulary:
        """Every BM25 term of the index's passages."""
        ...


@dataclass(frozen=True)
class Candidates:
    """The candidate passages of one search, best first, with what ranking them needs.

    ``scores`` are the mode's own (fused for ``hybrid``), ``bm25`` each passage's BM25
    score with this index's tokens (0 when the mode computed none), ``vectors`` their
    unit embeddings; ``citation_of`` cites a candidate by its id (made only for the
    passages a search keeps); ``lookup`` answers for these passages afterwards.
    """

    ids: np.ndarray
    scores: np.ndarray
    bm25: np.ndarray
    vectors: np.ndarray
    texts: list[str]
    citation_of: Callable[[int], Citation]
    lookup: PassageLookup


class SearchIndex(Protocol):
    """One immutable view of an index (a generation); a search runs on one view."""

    @property
    def generation(self) -> str:
        """The name of the generation this view serves."""
        ...

    @property
    def manifest(self) -> Manifest:
        """The model, counts and article records of this generation."""
        ...

    def candidates(self, mode: SearchMode, question: str, vector: np.ndarray, pool: int) -> Candidates:
        """Up to ``pool`` candidate passages for ``question`` (embedded as ``vector``)."""
        ...

    def newer(self) -> SearchIndex | None:
        """A view of a newer generation, once one is complete; None when this is current."""
        ...
