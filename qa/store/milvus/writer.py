"""Publish a new generation to a Milvus collection so that readers never see half of it.

Order of writes for generation ``n = g + 1`` while readers serve ``g``:

1. recover from a build that died earlier: delete rows born after ``g`` and un-retire rows
   an unfinished build retired (``g < dead < NEVER``);
2. insert the new passages, their sentence vectors, article records and BM25 document
   frequencies with ``born = n`` (invisible to readers of ``g``);
3. retire the rows of changed and removed articles (``dead = n``: still visible to ``g``);
4. flush, then upsert the state row naming ``n``: the one write that switches readers;
5. delete what no reader of ``g`` or ``n`` can see (``dead <= g``).

A kill at any point leaves ``g`` served (before 4) or ``n`` (after); the next build starts
with step 1. ``qa.store.faults`` names each step for the crash drill.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from qa.store import faults
from qa.store.manifest import ArticleRecord
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.meta import CollectionState, FrequencyTable, article_rows, frequency_rows, query_all, state_row
from qa.store.milvus.schema import NEVER, PASSAGE_FIELDS, create_collections, names, one_of, visible

WRITE_BATCH = 500  # rows per insert or upsert call (a 384-d batch is about 1 MB on the wire)
META_FIELDS = ["key", "kind", "born", "dead", "body", "slot"]


def batches(rows: Iterable[dict[str, Any]], size: int = WRITE_BATCH) -> Iterator[list[dict[str, Any]]]:
    """``rows`` in lists of at most ``size``."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _plain(row: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """A queried row as insertable values (vectors as lists of floats)."""
    out = {}
    for name in fields:
        value = row[name]
        out[name] = [float(x) for x in value] if name in ("dense", "slot", "vector") else value
    return out


class MilvusWriter:
    """Writes generations of one collection; one writer at a time (Milvus Lite's file lock
    enforces it; on a server, run one ``qa index`` per collection)."""

    def __init__(self, client: Any, address: MilvusAddress) -> None:
        self.client = client
        self.address = address
        self.passages, self.sentences, self.meta = names(address)

    def create(self, dimension: int) -> None:
        """Create the collections if they are missing."""
        create_collections(self.client, self.address, dimension)

    def drop(self) -> None:
        """Drop the three collections (a full rebuild with another vector size)."""
        for name in (self.passages, self.sentences, self.meta):
            if name in self.client.list_collections():
                self.client.drop_collection(name)

    def recover(self, state: CollectionState | None) -> None:
        """Undo what a build that died before publishing left behind."""
        generation = state.generation if state else 0
        next_id = state.next_id if state else 0
        self.client.delete(self.passages, filter=f"born > {generation}")
        self.client.delete(self.sentences, filter=f"passage_id >= {next_id}")
        self.client.delete(self.meta, filter=f'born > {generation} and kind != "state"')
        for collection, fields in ((self.passages, PASSAGE_FIELDS), (self.meta, META_FIELDS)):
            stale = [
                dict(_plain(row, fields), dead=NEVER)
                for row in query_all(self.client, collection, f"dead > {generation} and dead < {NEVER}", list(fields))
            ]
            for batch in batches(stale):
                self.client.upsert(collection, batch)

    def passage_texts(self, article_ids: Sequence[str], generation: int) -> list[str]:
        """The BM25 texts of the served passages of ``article_ids`` (to uncount their tokens)."""
        return [row["search_text"] for row in self._rows_of(article_ids, generation, ["search_text"])]

    def _rows_of(self, article_ids: Sequence[str], generation: int, fields: list[str]) -> Iterator[dict[str, Any]]:
        ids = list(article_ids)
        for start in range(0, len(ids), WRITE_BATCH):
            chunk = ids[start : start + WRITE_BATCH]
            yield from query_all(
                self.client, self.passages, f"{one_of('article_id', chunk)} and {visible(generation)}", fields
            )

    def publish(
        self,
        state: CollectionState,
        passage_rows: Iterable[dict[str, Any]],
        sentence_rows: Iterable[dict[str, Any]],
        new_records: list[ArticleRecord],
        retired: list[ArticleRecord],
        frequencies: FrequencyTable,
    ) -> CollectionState:
        """Write generation ``state.generation`` (rows made with ``born`` = it), retire
        ``retired`` and switch readers to it; return the state now served."""
        new, old = state.generation, state.generation - 1
        for batch in batches(passage_rows):
            self.client.insert(self.passages, batch)
        faults.reached("milvus-inserted-passages")
        for batch in batches(sentence_rows):
            self.client.insert(self.sentences, batch)
        faults.reached("milvus-inserted-sentences")
        for batch in batches(article_rows(new_records, new) + frequency_rows(frequencies, new)):
            self.client.insert(self.meta, batch)
        faults.reached("milvus-inserted-meta")
        retiring = [
            dict(_plain(row, PASSAGE_FIELDS), dead=new)
            for row in self._rows_of([r.article_id for r in retired], old, list(PASSAGE_FIELDS))
        ]
        for batch in batches(retiring):
            self.client.upsert(self.passages, batch)
        retired_ids = {record.article_id for record in retired}
        old_meta = [
            dict(_plain(row, META_FIELDS), dead=new)
            for row in query_all(self.client, self.meta, f'kind != "state" and {visible(old)}', META_FIELDS)
            if row["kind"] == "df" or _article_id(row["key"]) in retired_ids
        ]
        for batch in batches(old_meta):
            self.client.upsert(self.meta, batch)
        faults.reached("milvus-retired")
        for collection in (self.passages, self.sentences, self.meta):
            self.client.flush(collection)
        faults.reached("milvus-before-switch")
        state = replace(state, created=time.time())
        self.client.upsert(self.meta, [state_row(state)])
        self.client.flush(self.meta)
        faults.reached("milvus-after-switch")
        self.prune(old)
        return state

    def prune(self, generation: int) -> None:
        """Delete the rows no reader of ``generation`` or later can see."""
        gone = [int(row["id"]) for row in query_all(self.client, self.passages, f"dead <= {generation}", ["id"])]
        faults.reached("milvus-pruning")
        for start in range(0, len(gone), WRITE_BATCH):
            self.client.delete(self.sentences, filter=one_of("passage_id", gone[start : start + WRITE_BATCH]))
        self.client.delete(self.passages, filter=f"dead <= {generation}")
        self.client.delete(self.meta, filter=f"dead <= {generation}")


def _article_id(key: str) -> str:
    """The article id in an ``article:<generation>:<id>`` meta key."""
    return key.split(":", 2)[2] if key.startswith("article:") else ""
