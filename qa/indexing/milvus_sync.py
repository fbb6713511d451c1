"""``MilvusStore``: a Milvus collection, as the write side's ``IndexStore``; and
``update_milvus`` / ``copy_to_milvus``, the one pipeline (``qa.indexing.build``) run on it.

An update leaves the served rows of articles kept as they are (same id, same file, same
content), inserts new, changed and renamed ones as the next generation (renamed ones with
the passages and vectors read back from the collection: nothing is embedded again),
retires the served rows of every other article, and switches readers with one write of the
state row (``qa.store.milvus.writer``). A different vector size recreates the collections.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa.embedding.encoder import TextEncoder
from qa.errors import IndexIncompatibleError
from qa.indexing.assemble import article_record
from qa.indexing.build import IndexReport, copy_index, update_store
from qa.indexing.plan import GenerationSettings, Part, Plan, Served
from qa.passages.splitter import SplitSettings, embedding_text
from qa.store.lexical import tokenize
from qa.store.manifest import ArticleRecord
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.connection import connect, milvus_errors
from qa.store.milvus.meta import (
    STATE_FORMAT,
    CollectionState,
    FrequencyTable,
    query_all,
    read_articles,
    read_frequencies,
    read_state,
)
from qa.store.milvus.rows import passage_row, row_passage, row_vectors, sentence_rows
from qa.store.milvus.schema import dense_index_type, names, one_of, visible
from qa.store.milvus.view import index_hint
from qa.store.milvus.writer import WRITE_BATCH, MilvusWriter
from qa.store.passage_table import PassageTable
from qa.store.snapshot import IndexSnapshot
from qa.types import ProgressFn


class MilvusStore:
    """The generations of one Milvus collection (a Milvus Lite file or a server)."""

    index_kind: str | None = None  # the dense index type is fixed when the collections are created

    def __init__(self, address: MilvusAddress) -> None:
        self.address = address
        self._writer: MilvusWriter | None = None
        self._state: CollectionState | None = None
        self._records: list[ArticleRecord] = []

    @property
    def location(self) -> MilvusAddress:
        """The collection."""
        return self.address

    @property
    def writer(self) -> MilvusWriter:
        """The writer of the open session."""
        if self._writer is None:
            raise RuntimeError("MilvusStore needs an open session()")  # a programming error
        return self._writer

    def has_index(self) -> bool:
        """Whether the collection's state row names a generation."""
        if self.address.is_lite and not Path(self.address.uri).expanduser().exists():
            return False
        with milvus_errors(self.address):
            return read_state(connect(self.address), self.address) is not None

    @contextmanager
    def session(self) -> Iterator[None]:
        """Connect; Milvus's failures become ``BackendError`` (one writer at a time: Milvus
        Lite's file lock enforces it; on a server, run one ``qa index`` per collection)."""
        client = connect(self.address)
        self._writer = MilvusWriter(client, self.address)
        try:
            with milvus_errors(self.address):
                yield
        finally:
            self._writer = None

    def served(self, full: bool) -> Served | None:
        """The state row's generation, after undoing what a crashed build left."""
        writer = self.writer
        state = self._state = read_state(writer.client, self.address)
        if state is None:
            return None
        writer.recover(state)
        self._records = read_articles(writer.client, self.address, state.generation)
        split: SplitSettings | None = None
        try:
            split = SplitSettings.from_dict(state.split)
        except ValueError as error:
            if not full:
                raise IndexIncompatibleError(
                    f"the {self.address} has settings this version cannot reuse ({error}): {index_hint(self.address)}"
                ) from None
        return Served(
            generation=f"g{state.generation}",
            records=tuple(self._records),
            model=state.model,
            encoder=state.encoder,
            split=state.split,
            split_in_use=split,
            dimension=state.dimension,
            created=state.created,
            problem=f"the collection has format {state.format}, this version writes {STATE_FORMAT}"
            if state.format != STATE_FORMAT
            else None,
        )

    def fill(self, parts: list[Part]) -> None:
        """A renamed article's passages and vectors, read back from the served rows of its
        former id (kept articles are left where they are)."""
        for part in parts:
            if part.reused is None or part.kept_as_served or part.vectors is not None or self._state is None:
                continue
            self._copy_rows(part, part.reused, self._state)

    def _copy_rows(self, part: Part, record: ArticleRecord, state: CollectionState) -> None:
        passages_collection, sentences_collection, _ = names(self.address)
        fields = ["id", "start", "end", "sentences", "text", "dense"]
        where = f"{one_of('article_id', [record.article_id])} and {visible(state.generation)}"
        rows = sorted(query_all(self.writer.client, passages_collection, where, fields), key=lambda row: int(row["id"]))
        ids = [int(row["id"]) for row in rows]
        sentences: list[dict[str, Any]] = []
        for start in range(0, len(ids), WRITE_BATCH):
            sentences += query_all(
                self.writer.client,
                sentences_collection,
                one_of("passage_id", ids[start : start + WRITE_BATCH]),
                ["id", "vector"],
            )
        part.passages = [row_passage(dict(row, article_id=part.article.article_id)) for row in rows]
        part.table = PassageTable.from_passages(part.passages)
        if len(rows) != record.passage_count or len(sentences) != part.table.sentence_count:
            raise IndexIncompatibleError(
                f"the rows of {record.article_id} in {self.address} do not match its record: {index_hint(self.address)}"
            )
        part.vectors = row_vectors(rows, "dense", state.dimension)
        part.sentence_vectors = row_vectors(
            sorted(sentences, key=lambda row: int(row["id"])), "vector", state.dimension
        )

    def publish(self, plan: Plan, reuse: bool, settings: GenerationSettings) -> str:
        """Insert the plan's new and moved articles as the next generation, retire the rest
        of the served ones, switch readers to it; return ``g<number>``."""
        writer, state = self.writer, self._state
        if state is not None and state.dimension != settings.dimension:
            writer.drop()  # another vector size: the collections are remade (readers see no index until this build ends)
            state, reuse = None, False
        writer.create(settings.dimension)
        kept = {part.article.article_id for part in plan.parts if reuse and part.kept_as_served}
        retired = [record for record in self._records if record.article_id not in kept] if state is not None else []
        generation = (state.generation if state else 0) + 1
        next_id = state.next_id if state else 0
        frequencies = (
            read_frequencies(writer.client, self.address, state.generation) if state and reuse else FrequencyTable()
        )
        token_total = state.token_total if state and reuse else 0
        passage_count = state.passage_count if state and reuse else 0
        if reuse and state is not None and retired:
            old_tokens = tokenize(writer.passage_texts([r.article_id for r in retired], state.generation))
            frequencies.add(old_tokens, -1)
            token_total -= sum(max(len(t), 1) for t in old_tokens)
            passage_count -= sum(r.passage_count for r in retired)
        passages: list[dict[str, Any]] = []
        sentences: list[dict[str, Any]] = []
        records: list[ArticleRecord] = []
        for part in plan.parts:
            if (
                part.article.article_id in kept
                or not part.count
                or part.vectors is None
                or part.sentence_vectors is None
            ):
                continue
            first = next_id
            texts = [embedding_text(part.article.title, p.text, settings.split) for p in part.passages]
            sentence_row = 0
            for passage, text, vector in zip(part.passages, texts, part.vectors):
                passages.append(passage_row(next_id, passage, text, vector, generation))
                count = len(passage.sentences)
                sentences += sentence_rows(next_id, part.sentence_vectors[sentence_row : sentence_row + count])
                sentence_row += count
                next_id += 1
            tokens = tokenize(texts)
            frequencies.add(tokens)
            token_total += sum(max(len(t), 1) for t in tokens)
            passage_count += part.count
            records.append(article_record(part, first))
        new_state = CollectionState(
            generation=generation,
            next_id=next_id,
            model=settings.model,
            dimension=settings.dimension,
            encoder=dict(settings.encoder),
            split=settings.split.as_dict(),
            created=time.time(),
            passage_count=passage_count,
            token_total=token_total,
            dense_index=dense_index_type(self.address),
        )
        return f"g{writer.publish(new_state, passages, sentences, records, retired, frequencies).generation}"


def update_milvus(
    corpus_dir: str | Path,
    address: MilvusAddress,
    *,
    encoder: TextEncoder,
    settings: SplitSettings | None = None,
    full: bool = False,
    progress: ProgressFn | None = None,
) -> IndexReport:
    """Bring the collection at ``address`` up to date with the articles in ``corpus_dir``
    (``update_store`` on a ``MilvusStore``). Raises ``CorpusError`` when no article is
    usable and ``BackendError`` when Milvus cannot be reached; the served generation stays."""
    return update_store(
        MilvusStore(address), corpus_dir, encoder=encoder, settings=settings, full=full, progress=progress
    )


def copy_to_milvus(snapshot: IndexSnapshot, address: MilvusAddress, *, full: bool = False) -> IndexReport:
    """Serve the local generation ``snapshot`` from the collection at ``address``, copying its
    passages and vectors (nothing is embedded); only articles the collection lacks are written."""
    return copy_index(MilvusStore(address), snapshot, full=full)
