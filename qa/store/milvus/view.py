"""``MilvusIndex``: one generation of a Milvus collection, served through the ``SearchIndex`` seam.

Milvus finds the candidates, restricted to the generation's rows by a filter: the nearest
passages (COSINE) and the passages its BM25 function (over ``search_text``) matches. They
are ranked here as the local index ranks its own: BM25 by ``qa.store.lexical``'s formula
with the local IDF the collection keeps (passages with no matching term left out), hybrid
by ``reciprocal_rank_fusion`` of the two; so the scores have one scale on both stores and
the engine's own BM25 scores and fusion are never used. Each candidate comes back with its
text, spans and vector, so nothing is asked twice; the sentence vectors of the few
passages an answer reads are fetched in one more query.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np

from qa.errors import IndexIncompatibleError, IndexMissingError
from qa.store.lexical import bm25_scores, lucene_idf
from qa.store.manifest import FORMAT_VERSION, ArticleRecord, Manifest
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.connection import connect, milvus_errors
from qa.store.milvus.meta import (
    STATE_FORMAT,
    CollectionState,
    FrequencyTable,
    read_articles,
    read_frequencies,
    read_state,
)
from qa.store.milvus.rows import row_passage, row_vectors
from qa.store.milvus.schema import names, one_of, visible
from qa.store.ranking import reciprocal_rank_fusion
from qa.store.search_index import Candidates
from qa.store.vocabulary import Vocabulary
from qa.types import Citation, Passage, SearchMode

CANDIDATE_FIELDS = ["article_id", "start", "end", "sentences", "text", "search_text", "dense"]
SENTENCE_PREFETCH = 10  # the sentence vectors of this many top candidates are fetched together


def index_hint(address: MilvusAddress) -> str:
    """The command that (re)builds the collection at ``address``."""
    return f"build it with `qa index --full --uri {address.uri} --collection {address.collection}`"


class MilvusIndex:
    """One generation of the passages in a Milvus collection (immutable, like ``IndexSnapshot``)."""

    def __init__(
        self,
        client: Any,
        address: MilvusAddress,
        state: CollectionState,
        records: list[ArticleRecord],
        frequencies: FrequencyTable,
    ) -> None:
        self.client = client
        self.address = address
        self.state = state
        self.frequencies = frequencies
        self.records = {record.article_id: record for record in records}
        self._manifest = Manifest(
            format_version=FORMAT_VERSION,
            model=state.model,
            dimension=state.dimension,
            split=state.split,
            vector_index=state.dense_index,
            passage_count=state.passage_count,
            articles=tuple(records),
            checksums={},
            created=state.created,
            encoder=state.encoder,
        )
        self._mean_length = state.token_total / state.passage_count if state.passage_count else 1.0

    @classmethod
    def open(cls, address: MilvusAddress, client: Any | None = None) -> MilvusIndex:
        """The generation the collection's state row names; errors name the fix."""
        client = client or connect(address, create=False)
        with milvus_errors(address):
            state = read_state(client, address)
        if state is None:
            raise IndexMissingError(
                f"no index in {address}: build it with `qa index --uri {address.uri} --collection {address.collection}`"
            )
        return cls._load(client, address, state)

    @classmethod
    def _load(cls, client: Any, address: MilvusAddress, state: CollectionState) -> MilvusIndex:
        if state.format != STATE_FORMAT:
            raise IndexIncompatibleError(
                f"the {address} has format {state.format}, this version reads {STATE_FORMAT}: {index_hint(address)}"
            )
        with milvus_errors(address):
            records = read_articles(client, address, state.generation)
            frequencies = read_frequencies(client, address, state.generation)
        return cls(client, address, state, records, frequencies)

    @property
    def generation(self) -> str:
        """``g<number>``, the generation the state row named when this view was opened."""
        return f"g{self.state.generation}"

    @property
    def manifest(self) -> Manifest:
        """Model, counts and article records of this generation."""
        return self._manifest

    def newer(self) -> MilvusIndex | None:
        """A view of the generation the state row names now, if a build has published one since."""
        with milvus_errors(self.address):
            state = read_state(self.client, self.address)
        if state is None or state.generation == self.state.generation:
            return None
        return self._load(self.client, self.address, state)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The BM25 terms of the generation's passages (built on first use)."""
        return Vocabulary(self.frequencies.counts)

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Lucene IDF of each (already tokenized) term over the generation's passages."""
        counts = np.array([self.frequencies.counts.get(token, 0) for token in tokens], dtype=np.float64)
        return lucene_idf(counts, self.state.passage_count).astype(np.float32)

    def candidates(self, mode: SearchMode, question: str, vector: np.ndarray, pool: int) -> Candidates:
        """Up to ``pool`` candidates from each of Milvus's searches the mode needs, ranked here."""
        near = (
            self._search("dense", np.asarray(vector, dtype=np.float32).tolist(), "COSINE", pool)
            if mode != "bm25"
            else []
        )
        matched = self._search("sparse", question, "BM25", pool) if mode != "dense" else []
        rows = {row["id"]: row for row in [*near, *matched]}
        bm25 = dict.fromkeys(rows, 0.0)
        if mode != "dense":
            scores = bm25_scores(question, [row["search_text"] for row in rows.values()], self.idf, self._mean_length)
            bm25 = dict(zip(rows, map(float, scores)))
        lexical = sorted(
            (row["id"] for row in matched if bm25[row["id"]] > 0), key=lambda i: -bm25[i]
        )  # ties: Milvus's order
        if mode == "dense":
            ranked = [(row["id"], row["distance"]) for row in near]
        elif mode == "bm25":
            ranked = [(i, bm25[i]) for i in lexical]
        else:
            ranked = reciprocal_rank_fusion([[row["id"] for row in near], lexical])
        kept = [rows[i] for i, _ in ranked]
        return Candidates(
            ids=np.array([i for i, _ in ranked], dtype=np.int64),
            scores=np.array([score for _, score in ranked], dtype=np.float64),
            bm25=np.array([bm25[i] for i, _ in ranked], dtype=np.float32),
            vectors=row_vectors(kept, "dense", self.state.dimension),
            texts=[row["text"] for row in kept],
            citation_of=lambda passage_id: self._citation(rows[passage_id]),
            lookup=MilvusLookup(self, kept),
        )

    def _search(self, field: str, query: Any, metric: str, pool: int) -> list[dict[str, Any]]:
        """The ``pool`` best rows of the served generation by ``field``, best first, each
        with its ``id``, its ``distance`` and the fields a candidate needs."""
        with milvus_errors(self.address):
            found = self.client.search(
                names(self.address)[0],
                data=[query],
                anns_field=field,
                limit=pool,
                search_params={"metric_type": metric},
                filter=visible(self.state.generation),
                output_fields=CANDIDATE_FIELDS,
            )
        return [
            dict(hit["entity"], id=int(hit["id"]), distance=float(hit["distance"]))
            for hit in (found[0] if found else [])
        ]

    def _citation(self, row: dict[str, Any]) -> Citation:
        record = self.records.get(row["article_id"])
        return Citation(
            article_id=row["article_id"],
            title=record.title if record else row["article_id"],
            source=record.source if record else "",
            start=int(row["start"]),
            end=int(row["end"]),
            url=record.url if record else None,
            date=record.date if record else None,
            publisher=record.publisher if record else None,
        )

    def sentence_vectors_of(self, passage_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The sentence vectors of each passage in ``passage_ids``, in sentence order."""
        if not passage_ids:
            return {}
        with milvus_errors(self.address):
            rows = self.client.query(
                collection_name=names(self.address)[1],
                filter=one_of("passage_id", [int(i) for i in passage_ids]),
                output_fields=["id", "passage_id", "vector"],
            )
        rows = sorted(rows, key=lambda row: int(row["id"]))
        grouped: dict[int, list[dict[str, Any]]] = {int(i): [] for i in passage_ids}
        for row in rows:
            grouped.setdefault(int(row["passage_id"]), []).append(row)
        return {pid: row_vectors(group, "vector", self.state.dimension) for pid, group in grouped.items()}


class MilvusLookup:
    """The passages of one Milvus search, for answer extraction (``PassageLookup``)."""

    def __init__(self, index: MilvusIndex, rows: list[dict[str, Any]]) -> None:
        self._index = index
        self._rows = {int(row["id"]): row for row in rows}
        self._order = [int(row["id"]) for row in rows]
        self._sentence_vectors: dict[int, np.ndarray] = {}

    def passage(self, passage_id: int) -> Passage:
        """A candidate passage with its sentence spans."""
        return row_passage(self._rows[int(passage_id)])

    def passage_sentence_vectors(self, passage_id: int) -> np.ndarray:
        """Its sentence vectors (fetched with those of the next top candidates)."""
        passage_id = int(passage_id)
        if passage_id not in self._sentence_vectors:
            wanted = [passage_id] + [
                i for i in self._order[:SENTENCE_PREFETCH] if i not in self._sentence_vectors and i != passage_id
            ]
            self._sentence_vectors.update(self._index.sentence_vectors_of(wanted))
        vectors = self._sentence_vectors[passage_id]
        expected = len(self.passage(passage_id).sentences)
        if len(vectors) != expected:
            raise IndexIncompatibleError(
                f"passage {passage_id} in {self._index.address} has {len(vectors)} sentence vectors for {expected} sentences: "
                f"{index_hint(self._index.address)}"
            )
        return vectors

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Lucene IDF over the generation's passages."""
        return self._index.idf(tokens)

    @property
    def vocabulary(self) -> Vocabulary:
        """The generation's BM25 terms."""
        return self._index.vocabulary
