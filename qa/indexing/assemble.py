"""Write a new generation from the planned parts: passages, vectors, BM25, FAISS, manifest."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from qa.indexing.plan import GenerationSettings, Part
from qa.passages.splitter import embedding_text
from qa.store.generations import write_generation
from qa.store.lexical import LexicalIndex, Segment
from qa.store.manifest import FORMAT_VERSION, ArticleRecord, Manifest
from qa.store.passage_table import PassageTable
from qa.store.snapshot import IndexSnapshot
from qa.store.vector_index import VectorIndexSettings, build_vector_index


def _stack(blocks: list[np.ndarray | None], dimension: int, dtype: type = np.float32) -> np.ndarray:
    """One array of all rows, in the stored dtype (one copy, no float32 round trip)."""
    arrays = [b for b in blocks if b is not None and len(b)]
    if not arrays:
        return np.zeros((0, dimension), dtype)
    out: np.ndarray = np.empty((sum(len(a) for a in arrays), dimension), dtype)
    np.concatenate(arrays, axis=0, out=out, casting="same_kind")
    return out


def article_record(part: Part, first_passage: int) -> ArticleRecord:
    """The manifest record of a written part whose first passage is ``first_passage``."""
    article = part.article
    return ArticleRecord(
        article_id=article.article_id,
        title=article.title,
        source=article.source,
        content_hash=article.content_hash,
        first_passage=first_passage,
        passage_count=part.count,
        url=article.url,
        date=article.date,
        publisher=article.publisher,
        size=part.size,
        mtime_ns=part.mtime_ns,
    )


def _merge_ranges(segments: list[Segment]) -> list[Segment]:
    """Adjacent reused ranges joined into one, so an update copies a few long runs of tokens."""
    merged: list[Segment] = []
    for segment in segments:
        last = merged[-1] if merged else None
        if isinstance(segment, range) and isinstance(last, range) and last.stop == segment.start:
            merged[-1] = range(last.start, segment.stop)
        else:
            merged.append(segment)
    return merged


def write_parts(
    index_dir: Path,
    parts: list[Part],
    snapshot: IndexSnapshot | None,
    settings: GenerationSettings,
    vector_settings: VectorIndexSettings,
) -> str:
    """Assemble the new generation from the parts (reused ones filled from ``snapshot``)
    and swap it in; return its name."""
    parts = [part for part in parts if part.count]
    tables = [part.table for part in parts if part.table is not None]
    if len(tables) != len(parts):
        raise ValueError("every part needs its passages: fill the reused ones first (IndexStore.fill)")
    dimension, split = settings.dimension, settings.split
    records: list[ArticleRecord] = []
    total = 0
    for part in parts:
        records.append(article_record(part, total))
        total += part.count
    vectors = _stack([part.vectors for part in parts], dimension)
    segments: list[Segment] = [
        part.previous
        if part.previous is not None
        else [embedding_text(part.article.title, p.text, split) for p in part.passages]
        for part in parts
    ]
    lexical = LexicalIndex.assemble(
        _merge_ranges(segments), previous=snapshot.lexical if snapshot is not None else None
    )
    kind = vector_settings.chosen_kind(total)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=settings.model,
        encoder=dict(settings.encoder),
        dimension=dimension,
        split=split.as_dict(),
        vector_index=kind,
        vector_index_requested=vector_settings.kind,
        passage_count=total,
        articles=tuple(records),
        checksums={},
        created=time.time(),
    )
    return write_generation(
        index_dir,
        manifest=manifest,
        table=PassageTable.concatenate(tables),
        vectors=vectors,
        sentence_vectors=_stack([part.sentence_vectors for part in parts], dimension, np.float16),
        vector_index=build_vector_index(vectors, vector_settings),
        lexical=lexical,
    )
