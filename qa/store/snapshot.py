"""A loaded index generation: immutable, memory-mapped, checked before use.

``load_snapshot`` opens the generation named in ``CURRENT``; arrays are memory-mapped, so
only what a search touches is read from disk, and a search holds one snapshot from start
to end, so it never sees a half-swapped index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import overload

import faiss
import numpy as np

from qa.errors import IndexCorruptError
from qa.store.arrays import mapped
from qa.store.lexical import LexicalIndex
from qa.store.manifest import (
    LEXICAL,
    SENTENCE_VECTORS,
    VECTOR_INDEX,
    VECTORS,
    ArticleRecord,
    Manifest,
    Verification,
    current_generation,
    read_manifest,
    rebuild_hint,
    verify_files,
)
from qa.store.passage_table import PassageTable
from qa.store.ranking import RANKERS
from qa.store.search_index import Candidates
from qa.store.vector_index import SearchTuning, read_vector_index
from qa.store.vocabulary import Vocabulary
from qa.types import Citation, Passage, SearchMode


class SnapshotPassages(Sequence[Passage]):
    """The passages of a snapshot as ``Passage`` objects, built when read."""

    def __init__(self, snapshot: IndexSnapshot) -> None:
        self._snapshot = snapshot

    def __len__(self) -> int:
        return len(self._snapshot.table)

    @overload
    def __getitem__(self, index: int) -> Passage: ...

    @overload
    def __getitem__(self, index: slice) -> list[Passage]: ...

    def __getitem__(self, index: int | slice) -> Passage | list[Passage]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(f"passage {index} out of range")
        index %= len(self)
        return self._snapshot.table.passage(index, self._snapshot.article_of(index).article_id)


@dataclass(frozen=True)
class IndexSnapshot:
    """One loaded generation: immutable, so searches never see a half-swapped index."""

    generation: str
    manifest: Manifest
    table: PassageTable
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    vector_index: faiss.Index
    lexical: LexicalIndex
    articles: dict[str, ArticleRecord]
    article_starts: np.ndarray
    index_dir: Path = Path(".")
    tuning: SearchTuning | None = None

    @property
    def passages(self) -> SnapshotPassages:
        """Every passage, in index order."""
        return SnapshotPassages(self)

    @property
    def sentence_offsets(self) -> np.ndarray:
        """Row of each passage's first sentence vector (length ``passages + 1``)."""
        return self.table.sentence_offsets

    def article_of(self, passage_index: int) -> ArticleRecord:
        """The article that passage ``passage_index`` belongs to."""
        row = int(np.searchsorted(self.article_starts, passage_index, side="right")) - 1
        return self.manifest.articles[row]

    def passage_text(self, passage_index: int) -> str:
        """The text of passage ``passage_index``."""
        return self.table.text(passage_index)

    def passage_sentence_vectors(self, passage_index: int) -> np.ndarray:
        """The float32 vectors of passage ``passage_index``'s sentences, in order."""
        rows = slice(int(self.sentence_offsets[passage_index]), int(self.sentence_offsets[passage_index + 1]))
        return np.asarray(self.sentence_vectors[rows], dtype=np.float32)

    def passage(self, passage_id: int) -> Passage:
        """Passage ``passage_id`` with its sentence spans."""
        return self.passages[passage_id]

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Lucene IDF of each (already tokenized) term over every passage."""
        return self.lexical.idf(tokens)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The BM25 terms of the served passages (built on first use)."""
        return Vocabulary(self.lexical.indexed_terms())

    def candidates(self, mode: SearchMode, question: str, vector: np.ndarray, pool: int) -> Candidates:
        """Up to ``pool`` candidates ranked by FAISS, BM25 or both (``qa.store.ranking``)."""
        ranking = RANKERS[mode](self.vector_index, self.lexical, question, vector, pool)
        ids = ranking.ids
        bm25 = ranking.bm25_all[ids] if ranking.bm25_all is not None else np.zeros(len(ids), dtype=np.float32)
        return Candidates(
            ids=ids,
            scores=ranking.scores,
            bm25=np.asarray(bm25, dtype=np.float32),
            vectors=np.asarray(self.vectors[ids], dtype=np.float32).reshape(len(ids), -1),
            texts=[self.passage_text(int(i)) for i in ids],
            citation_of=self.citation,
            lookup=self,
        )

    def newer(self) -> IndexSnapshot | None:
        """The generation ``CURRENT`` names now, loaded and checked, if it is not this one."""
        name = current_generation(self.index_dir)
        if name is None or name == self.generation:
            return None
        return load_snapshot(self.index_dir, tuning=self.tuning)

    def citation(self, passage_index: int) -> Citation:
        """The citation of passage ``passage_index``."""
        start, end = (int(x) for x in self.table.spans[passage_index])
        record = self.article_of(passage_index)
        return Citation(
            article_id=record.article_id,
            title=record.title,
            source=record.source,
            start=start,
            end=end,
            url=record.url,
            date=record.date,
            publisher=record.publisher,
        )


def load_snapshot(
    index_dir: Path | str, *, verify: Verification = "auto", tuning: SearchTuning | None = None
) -> IndexSnapshot:
    """Load the current generation of ``index_dir``, checking it before use; arrays are
    memory-mapped, so only what a search touches is read from disk."""
    index_dir = Path(index_dir)
    name, manifest = read_manifest(index_dir)
    folder = index_dir / name
    verify_files(folder, manifest, index_dir, verify)
    try:
        table = PassageTable.load(folder)
        vectors = mapped(folder / VECTORS)
        sentence_vectors = mapped(folder / SENTENCE_VECTORS)
        vector_index = read_vector_index(folder / VECTOR_INDEX, tuning)
        lexical = LexicalIndex.load(folder / LEXICAL, len(table))
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        raise IndexCorruptError(f"the index in {folder} cannot be read ({error}): {rebuild_hint(index_dir)}") from error
    sizes = {len(table), int(vectors.shape[0]), int(vector_index.ntotal), manifest.passage_count, lexical.size}
    if len(sizes) != 1 or int(vectors.shape[1] if vectors.ndim == 2 else -1) != manifest.dimension:
        raise IndexCorruptError(f"the index files in {folder} disagree in size: {rebuild_hint(index_dir)}")
    if table.sentence_count != int(sentence_vectors.shape[0]):
        raise IndexCorruptError(
            f"the sentence vectors in {folder} do not match the passages: {rebuild_hint(index_dir)}"
        )
    starts = np.array([record.first_passage for record in manifest.articles], dtype=np.int64)
    counts = np.array([record.passage_count for record in manifest.articles], dtype=np.int64)
    if len(starts) and (
        starts[0] != 0 or np.any(starts[1:] != starts[:-1] + counts[:-1]) or starts[-1] + counts[-1] != len(table)
    ):
        raise IndexCorruptError(f"the article records in {folder} do not cover the passages: {rebuild_hint(index_dir)}")
    articles = {record.article_id: record for record in manifest.articles}
    return IndexSnapshot(
        name, manifest, table, vectors, sentence_vectors, vector_index, lexical, articles, starts, index_dir, tuning
    )
