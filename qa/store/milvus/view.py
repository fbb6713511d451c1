"""``MilvusIndex``: one generation of a Milvus collection, served through the ``SearchIndex`` seam.

Searches run in Milvus: dense (COSINE), BM25 (Milvus's own function over ``search_text``)
or both at once with ``hybrid_search`` and reciprocal rank fusion (the same constant as
the local index), restricted to the generation's rows by a filter. Each candidate comes
back with its text, spans and vector, so nothing is asked twice; the sentence vectors of
the few passages an answer reads are fetched in one more query.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from qa.errors import IndexIncompatibleError, IndexMissingError
from qa.store.lexical import bm25_scores, lucene_idf
from qa.store.manifest import FORMAT_VERSION, ArticleRecord, Manifest
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.connection import connect, milvus_errors
from qa.store.milvus.meta import STATE_FORMAT, CollectionState, FrequencyTable, read_articles, read_frequencies, read_state
from qa.store.milvus.rows import row_passage, row_vectors
from qa.store.milvus.schema import names, one_of, visible
from qa.store.ranking import RRF_K
from qa.store.search_index import Candidates
from qa.types import Citation, Passage, SearchMode

CANDIDATE_FIELDS = ["article_id", "start", "end", "sentences", "text", "search_text", "dense"]
SENTENCE_PREFETCH = 10  # the sentence vectors of this many top candidates are fetched together


def index_hint(address: MilvusAddress) -> str:
    """The command that (re)builds the collection at ``address``."""
    return f"build it with `qa index --full --uri {address.uri} --collection {address.collection}`"


class MilvusIndex:
    """One generation of the passages in a Milvus collection (immutable, like ``IndexSnapshot``)."""

    def __init__(self, client: Any, address: MilvusAddress, state: CollectionState, records: list[ArticleRecord], frequencies: FrequencyTable) -> None:
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
    def open(cls, address: MilvusAddress, client: Any | None = None) -> "MilvusIndex":
        """The generation the collection's state row names; errors name the fix."""
        client = client or connect(address, create=False)
        with milvus_errors(address):
            state = read_state(client, address)
        if state is None:
            raise IndexMissingError(f"no index in {address}: build it with `qa index --uri {address.uri} --collection {address.collection}`")
        return cls._load(client, address, state)

    @classmethod
    def _load(cls, client: Any, address: MilvusAddress, state: CollectionState) -> "MilvusIndex":
        if state.format != STATE_FORMAT:
            raise IndexIncompatibleError(f"the {address} has format {state.format}, this version reads {STATE_FORMAT}: {index_hint(address)}")
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

    def newer(self) -> "MilvusIndex | None":
        """A view of the generation the state row names now, if a build has published one since."""
        with milvus_errors(self.address):
            state = read_state(self.client, self.address)
        if state is None or state.generation == self.state.generation:
            return None
        return self._load(self.client, self.address, state)

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Lucene IDF of each (already tokenized) term over the generation's passages."""
        counts = np.array([self.frequencies.counts.get(token, 0) for token in tokens], dtype=np.float64)
        return lucene_idf(counts, self.state.passage_count).astype(np.float32)

    def candidates(self, mode: SearchMode, question: str, vector: np.ndarray, pool: int) -> Candidates:
        """Up to ``pool`` candidates, ranked (and for ``hybrid`` fused) by Milvus."""
        from pymilvus import AnnSearchRequest, RRFRanker

        collection, where = names(self.address)[0], visible(self.state.generation)
        dense_request = {"data": [np.asarray(vector, dtype=np.float32).tolist()], "anns_field": "dense", "limit": pool}
        sparse_request = {"data": [question], "anns_field": "sparse", "limit": pool}
        with milvus_errors(self.address):
            if mode == "hybrid":
                requests = [
                    AnnSearchRequest(param={"metric_type": "COSINE"}, expr=where, **dense_request),
                    AnnSearchRequest(param={"metric_type": "BM25"}, expr=where, **sparse_request),
                ]
                found = self.client.hybrid_search(collection, requests, ranker=RRFRanker(RRF_K), limit=pool, output_fields=CANDIDATE_FIELDS)
            else:
                request = dense_request if mode == "dense" else sparse_request
                metric = "COSINE" if mode == "dense" else "BM25"
                found = self.client.search(
                    collection, search_params={"metric_type": metric}, filter=where, output_fields=CANDIDATE_FIELDS, **request
                )
        hits = list(found[0]) if found else []
        rows = [dict(hit["entity"], id=int(hit["id"])) for hit in hits]
        texts = [row["text"] for row in rows]
        by_id = {int(row["id"]): row for row in rows}
        bm25 = (
            bm25_scores(question, [row["search_text"] for row in rows], self.idf, self._mean_length)
            if mode != "dense"
            else np.zeros(len(rows), dtype=np.float32)
        )
        return Candidates(
            ids=np.array([row["id"] for row in rows], dtype=np.int64),
            scores=np.array([float(hit["distance"]) for hit in hits], dtype=np.float64),
            bm25=bm25,
            vectors=row_vectors(rows, "dense", self.state.dimension),
            texts=texts,
            citation_of=lambda passage_id: self._citation(by_id[passage_id]),
            lookup=MilvusLookup(self, rows),
        )

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
            wanted = [passage_id] + [i for i in self._order[:SENTENCE_PREFETCH] if i not in self._sentence_vectors and i != passage_id]
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



