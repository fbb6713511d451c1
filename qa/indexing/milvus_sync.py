"""Bring a Milvus collection up to date: from the corpus (``qa index --uri``) or from a
local generation without re-embedding (``qa index --to-milvus``).

Both compare what should be served with the article records the collection serves, by
article id and content hash: unchanged articles are left alone, new and changed ones are
inserted as the next generation (embedded first when they come from the corpus), changed
and removed ones retired, and one write of the state row switches readers over
(``qa.store.milvus.writer``). A different model, model export or split setting rewrites
every article; a different vector size recreates the collections.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.embedding.encoder import TextEncoder
from qa.indexing.build import IndexReport, embed_parts
from qa.indexing.assemble import article_record
from qa.indexing.plan import STAMP_SAFETY_SECONDS, Part, new_part, no_usable_article
from qa.ingest.corpus import FileStamp, Problem, list_corpus, parse_file
from qa.passages.splitter import SplitSettings, embedding_text
from qa.store.lexical import tokenize
from qa.store.manifest import ArticleRecord
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.connection import connect, milvus_errors
from qa.store.milvus.meta import STATE_FORMAT, CollectionState, FrequencyTable, read_articles, read_frequencies, read_state
from qa.store.milvus.rows import passage_row, sentence_rows
from qa.store.milvus.schema import dense_index_type
from qa.store.milvus.writer import MilvusWriter
from qa.store.snapshot import IndexSnapshot
from qa.types import Article, ProgressFn


@dataclass
class SyncPlan:
    """What to write: parts to insert (with or without vectors yet), records kept, retired."""

    parts: list[Part] = field(default_factory=list)
    kept: list[ArticleRecord] = field(default_factory=list)
    retired: list[ArticleRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _served(
    client: Any, address: MilvusAddress, writer: MilvusWriter, state: CollectionState | None, model: str, export: dict[str, object], split: dict[str, object], full: bool
) -> tuple[list[ArticleRecord], str | None]:
    """The served records of ``state`` after recovering from a crashed build, and why
    nothing of them can be reused (None when it can)."""
    if state is not None:
        writer.recover(state)
    if state is None:
        return [], None
    records = read_articles(client, address, state.generation)
    if full:
        return records, "--full was asked for"
    if state.format != STATE_FORMAT:
        return records, f"the collection has format {state.format}, this version writes {STATE_FORMAT}"
    if state.model != model:
        return records, f"the model changed from {state.model} to {model}"
    if state.encoder != export:
        return records, f"the encoder changed from {state.encoder} to {export}"
    if state.split != split:
        return records, f"the split settings changed from {state.split} to {split}"
    return records, None


def plan_from_corpus(corpus_dir: str | Path, state: CollectionState | None, records: list[ArticleRecord], reusable: bool, encoder: TextEncoder, settings: SplitSettings) -> SyncPlan:
    """Split the new and changed articles of ``corpus_dir``; keep the unchanged records."""
    by_id = {record.article_id: record for record in records} if reusable else {}
    stamps = {r.source: FileStamp(r.size, r.mtime_ns, r.content_hash) for r in by_id.values() if r.size}
    trusted = int((state.created - STAMP_SAFETY_SECONDS) * 1e9) if state and reusable else 0
    files, problems = list_corpus(corpus_dir, stamps, trusted_before_ns=trusted)
    plan = SyncPlan(problems=problems)
    for file in files:
        record = by_id.get(file.article_id)
        if record is not None and record.content_hash == file.content_hash:
            plan.kept.append(record)
            continue
        article = parse_file(file)
        if isinstance(article, Problem):
            plan.problems.append(article)
            continue
        (plan.changed if record is not None else plan.added).append(article.article_id)
        plan.parts.append(new_part(file, article, encoder, settings))
    if not plan.kept and not any(part.count for part in plan.parts):
        raise no_usable_article(corpus_dir, plan.problems)
    _retire(plan, records, reusable)
    return plan


def plan_from_snapshot(snapshot: IndexSnapshot, records: list[ArticleRecord], reusable: bool) -> SyncPlan:
    """Every article of a local generation that the collection lacks, with its vectors."""
    by_id = {record.article_id: record for record in records} if reusable else {}
    plan = SyncPlan()
    for record in snapshot.manifest.articles:
        served = by_id.get(record.article_id)
        if served is not None and served.content_hash == record.content_hash:
            plan.kept.append(served)
            continue
        (plan.changed if served is not None else plan.added).append(record.article_id)
        first, last = record.first_passage, record.first_passage + record.passage_count
        rows = slice(int(snapshot.sentence_offsets[first]), int(snapshot.sentence_offsets[last]))
        article = Article(record.article_id, record.source, record.title, "", record.content_hash, (), record.url, record.date, record.publisher)
        plan.parts.append(
            Part(
                article,
                snapshot.table.rows(first, last),
                [snapshot.passages[i] for i in range(first, last)],
                vectors=snapshot.vectors[first:last],
                sentence_vectors=snapshot.sentence_vectors[rows],
                size=record.size,
                mtime_ns=record.mtime_ns,
            )
        )
    _retire(plan, records, reusable)
    return plan


def _retire(plan: SyncPlan, records: list[ArticleRecord], reusable: bool) -> None:
    """Retire every served record that is not kept as it is."""
    kept = {record.article_id for record in plan.kept}
    plan.retired = [record for record in records if record.article_id not in kept]
    wanted = {part.article.article_id for part in plan.parts} | kept
    plan.removed = sorted(record.article_id for record in records if record.article_id not in wanted) if reusable else []


def _publish(
    writer: MilvusWriter, state: CollectionState | None, reusable: bool, plan: SyncPlan, model: str, dimension: int, export: dict[str, object], settings: SplitSettings
) -> CollectionState:
    """Insert the plan's parts as the next generation and switch readers to it."""
    if state is not None and state.dimension != dimension:
        writer.drop()  # another vector size: the collections are remade (readers see no index until this build ends)
        state, reusable = None, False
    writer.create(dimension)
    generation = (state.generation if state else 0) + 1
    next_id = state.next_id if state else 0
    frequencies = read_frequencies(writer.client, writer.address, state.generation) if state and reusable else FrequencyTable()
    token_total = state.token_total if state and reusable else 0
    passage_count = state.passage_count if state and reusable else 0
    if reusable and state is not None and plan.retired:
        old_tokens = tokenize(writer.passage_texts([r.article_id for r in plan.retired], state.generation))
        frequencies.add(old_tokens, -1)
        token_total -= sum(max(len(t), 1) for t in old_tokens)
        passage_count -= sum(r.passage_count for r in plan.retired)
    passages: list[dict[str, Any]] = []
    sentences: list[dict[str, Any]] = []
    records: list[ArticleRecord] = []
    for part in plan.parts:
        if not part.count or part.vectors is None or part.sentence_vectors is None:
            continue
        first = next_id
        texts = [embedding_text(part.article.title, p.text, settings) for p in part.passages]
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
        model=model,
        dimension=dimension,
        encoder=export,
        split=settings.as_dict(),
        created=time.time(),
        passage_count=passage_count,
        token_total=token_total,
        dense_index=dense_index_type(writer.address),
    )
    return writer.publish(new_state, passages, sentences, records, plan.retired, frequencies)


def _report(address: MilvusAddress, generation: int, plan: SyncPlan, embedded: int, reason: str | None, started: float, embed_seconds: float) -> IndexReport:
    return IndexReport(
        index_dir=str(address),
        generation=f"g{generation}",
        added=tuple(plan.added),
        changed=tuple(plan.changed),
        removed=tuple(plan.removed),
        unchanged=tuple(r.article_id for r in plan.kept),
        passages_embedded=embedded,
        passages_total=sum(r.passage_count for r in plan.kept) + sum(p.count for p in plan.parts),
        problems=tuple(plan.problems),
        full_rebuild_reason=reason,
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
    )


def update_milvus(
    corpus_dir: str | Path,
    address: MilvusAddress,
    *,
    encoder: TextEncoder,
    settings: SplitSettings | None = None,
    full: bool = False,
    progress: ProgressFn | None = None,
) -> IndexReport:
    """Bring the collection at ``address`` up to date with the articles in ``corpus_dir``,
    embedding only new and changed articles. Raises ``CorpusError`` when no article is
    usable and ``BackendError`` when Milvus cannot be reached; the served generation stays."""
    started = time.perf_counter()
    client = connect(address)
    writer = MilvusWriter(client, address)
    with milvus_errors(address):
        state = read_state(client, address)
        settings = settings or (SplitSettings.from_dict(state.split) if state and not full else SplitSettings())
        records, reason = _served(client, address, writer, state, encoder.name, encoder.export, settings.as_dict(), full)
        reusable = reason is None
        plan = plan_from_corpus(corpus_dir, state, records, reusable, encoder, settings)
        if state is not None and reusable and not plan.parts and not plan.retired:
            return _report(address, state.generation, plan, 0, None, started, 0.0)
        embed_started = time.perf_counter()
        embedded = embed_parts(plan.parts, encoder, settings, progress)
        embed_seconds = time.perf_counter() - embed_started
        new_state = _publish(writer, state, reusable, plan, encoder.name, encoder.dimension, encoder.export, settings)
    return _report(address, new_state.generation, plan, embedded, reason, started, embed_seconds)


def copy_to_milvus(snapshot: IndexSnapshot, address: MilvusAddress, *, full: bool = False) -> IndexReport:
    """Serve the local generation ``snapshot`` from the collection at ``address``, copying its
    passages and vectors (nothing is embedded); only articles the collection lacks are written."""
    started = time.perf_counter()
    client = connect(address)
    writer = MilvusWriter(client, address)
    manifest = snapshot.manifest
    with milvus_errors(address):
        state = read_state(client, address)
        records, reason = _served(client, address, writer, state, manifest.model, manifest.encoder, manifest.split, full)
        reusable = reason is None
        plan = plan_from_snapshot(snapshot, records, reusable)
        if state is not None and reusable and not plan.parts and not plan.retired:
            return _report(address, state.generation, plan, 0, None, started, 0.0)
        settings = SplitSettings.from_dict(manifest.split)
        new_state = _publish(writer, state, reusable, plan, manifest.model, manifest.dimension, manifest.encoder, settings)
    return _report(address, new_state.generation, plan, 0, reason, started, 0.0)
