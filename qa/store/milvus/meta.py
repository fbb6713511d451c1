"""The ``<name>_meta`` rows: the state row that names the served generation, the article
records and the BM25 document frequencies of each generation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from qa.store.manifest import ArticleRecord
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.schema import MAX_TEXT, META_DIMENSION, NEVER, STATE_KEY, names, visible

STATE_FORMAT = 1  # bump when rows change meaning; an older collection is rebuilt with --full
QUERY_BATCH = 1000
FREQUENCY_CHUNK = 40_000  # characters of JSON per document-frequency row (a row holds at most MAX_TEXT)


@dataclass(frozen=True)
class CollectionState:
    """What the state row says: the generation readers serve and how it was built."""

    generation: int
    next_id: int
    model: str
    dimension: int
    encoder: dict[str, object]
    split: dict[str, object]
    created: float
    passage_count: int
    token_total: int  # BM25 tokens of every served passage (an empty one counts 1), for the mean length
    dense_index: str = "FLAT"
    format: int = STATE_FORMAT

    def to_json(self) -> str:
        """The state as one JSON object."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CollectionState:
        """Parse a state row's body."""
        return cls(**json.loads(text))


@dataclass
class FrequencyTable:
    """In how many served passages each BM25 token occurs."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, documents: list[list[str]], sign: int = 1) -> None:
        """Count (``sign=1``) or uncount (``-1``) the distinct tokens of each document."""
        for document in documents:
            for token in set(document):
                left = self.counts.get(token, 0) + sign
                if left > 0:
                    self.counts[token] = left
                else:
                    self.counts.pop(token, None)


def meta_row(key: str, kind: str, born: int, body: str, dead: int = NEVER) -> dict[str, Any]:
    """One ``<name>_meta`` row."""
    if len(body) > MAX_TEXT:
        raise ValueError(f"meta row {key} is {len(body)} characters, more than Milvus's {MAX_TEXT}")
    return {"key": key, "kind": kind, "born": born, "dead": dead, "body": body, "slot": [0.0] * META_DIMENSION}


def state_row(state: CollectionState) -> dict[str, Any]:
    """The row whose write makes ``state.generation`` the served one."""
    return meta_row(STATE_KEY, "state", 0, state.to_json())


def article_rows(records: list[ArticleRecord], generation: int) -> list[dict[str, Any]]:
    """One row per article record, made by ``generation``."""
    return [
        meta_row(
            f"article:{generation}:{record.article_id}",
            "article",
            generation,
            json.dumps(asdict(record), ensure_ascii=False),
        )
        for record in records
    ]


def frequency_rows(table: FrequencyTable, generation: int) -> list[dict[str, Any]]:
    """The document frequencies of ``generation``, as JSON chunks of at most ``FREQUENCY_CHUNK`` characters."""
    rows: list[dict[str, Any]] = []
    chunk: dict[str, int] = {}
    size = 2
    for token, count in sorted(table.counts.items()):
        entry = len(json.dumps({token: count}, ensure_ascii=False))
        if chunk and size + entry > FREQUENCY_CHUNK:
            rows.append(
                meta_row(f"df:{generation}:{len(rows)}", "df", generation, json.dumps(chunk, ensure_ascii=False))
            )
            chunk, size = {}, 2
        chunk[token] = count
        size += entry
    rows.append(meta_row(f"df:{generation}:{len(rows)}", "df", generation, json.dumps(chunk, ensure_ascii=False)))
    return rows


def query_all(client: Any, collection: str, filter: str, fields: list[str]) -> Iterator[dict[str, Any]]:
    """Every row matching ``filter`` (a query iterator: no 16,384-row cap)."""
    iterator = client.query_iterator(
        collection_name=collection, batch_size=QUERY_BATCH, filter=filter, output_fields=fields
    )
    try:
        while True:
            batch = iterator.next()
            if not batch:
                return
            yield from batch
    finally:
        iterator.close()


def read_state(client: Any, address: MilvusAddress) -> CollectionState | None:
    """The state row, or None for a collection no build has finished yet."""
    meta = names(address)[2]
    if meta not in client.list_collections():
        return None
    rows = client.query(collection_name=meta, filter=f'key == "{STATE_KEY}"', output_fields=["body"])
    return CollectionState.from_json(rows[0]["body"]) if rows else None


def read_articles(client: Any, address: MilvusAddress, generation: int) -> list[ArticleRecord]:
    """The article records ``generation`` serves, by first passage id."""
    rows = query_all(client, names(address)[2], f'kind == "article" and {visible(generation)}', ["body"])
    records = [ArticleRecord(**json.loads(row["body"])) for row in rows]
    return sorted(records, key=lambda record: record.first_passage)


def read_frequencies(client: Any, address: MilvusAddress, generation: int) -> FrequencyTable:
    """The BM25 document frequencies of ``generation``."""
    table = FrequencyTable()
    for row in query_all(client, names(address)[2], f'kind == "df" and {visible(generation)}', ["body"]):
        table.counts.update(json.loads(row["body"]))
    return table
