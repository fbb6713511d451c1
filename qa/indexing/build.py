"""Build or update an index, in a local folder or a Milvus collection, embedding only what changed.

One pipeline for both stores (``qa.indexing.stores.IndexStore``): read what the store
serves, plan (``qa.indexing.plan``: an article whose file bytes are unchanged keeps its
passages and vectors, even when it was renamed; new and changed articles are split and
embedded; removed ones drop out; a different model, model export, split setting or store
format forces a full rebuild, and the report says why), fill the reused parts, embed, and
publish. Nothing is replaced unless the new generation was written completely.
``copy_index`` fills a store from a local generation instead, embedding nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.embedding.encoder import TextEncoder
from qa.indexing.plan import GenerationSettings, Part, Plan, Served, plan_copy, plan_update, reuse_reason
from qa.indexing.stores import IndexStore
from qa.ingest.corpus import Problem
from qa.passages.splitter import SplitSettings, embedding_text
from qa.store.snapshot import IndexSnapshot
from qa.types import ProgressFn


@dataclass(frozen=True)
class IndexReport:
    """What one update or copy did; ``location`` names the folder or the collection."""

    location: str
    generation: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    passages_embedded: int
    passages_total: int
    problems: tuple[Problem, ...]
    full_rebuild_reason: str | None
    seconds: float
    embed_seconds: float = field(default=0.0)

    def summary(self) -> str:
        """One line for people: what changed and how much was embedded."""
        parts = [
            f"{len(self.added)} added",
            f"{len(self.changed)} changed",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
            f"{self.passages_embedded} of {self.passages_total} passages embedded",
            f"{len(self.problems)} files skipped",
        ]
        return ", ".join(parts) + f" in {self.seconds:.1f}s"

    @property
    def index_dir(self) -> str:
        """``location``, under its former name."""
        return self.location


def _embedding_inputs(part: Part, settings: SplitSettings) -> list[tuple[str, list[tuple[int, int]]]]:
    """Each passage's model input and its sentence spans, relative to that input."""
    inputs = []
    for passage in part.passages:
        text = embedding_text(part.article.title, passage.text, settings)
        shift = len(text) - len(passage.text) - passage.start
        inputs.append((text, [(s.start + shift, s.end + shift) for s in passage.sentences]))
    return inputs


def embed_parts(parts: list[Part], encoder: TextEncoder, settings: SplitSettings, progress: ProgressFn | None) -> int:
    """Embed the passages of the parts that have no vectors yet; return how many."""
    pending = [part for part in parts if part.reused is None and part.vectors is None and part.table is not None]
    inputs = [item for part in pending for item in _embedding_inputs(part, settings)]
    if not inputs:
        return 0
    vectors, sentence_vectors = encoder.encode_passages(
        [text for text, _ in inputs], [spans for _, spans in inputs], progress=progress
    )
    row = sentence_row = 0
    for part in pending:
        sentences = part.table.sentence_count if part.table is not None else 0
        part.vectors = vectors[row : row + part.count]
        part.sentence_vectors = sentence_vectors[sentence_row : sentence_row + sentences]
        row += part.count
        sentence_row += sentences
    return len(inputs)


def _publish(
    store: IndexStore,
    plan: Plan,
    served: Served | None,
    reason: str | None,
    make: Callable[[list[Part]], tuple[int, GenerationSettings]],
) -> tuple[str, int]:
    """Publish the plan unless the store already serves exactly it; return the generation
    served and how many passages ``make`` (which embeds) embedded."""
    if served is not None and reason is None and served.index_kind == store.index_kind and plan.same_articles(served):
        return served.generation, 0
    store.fill(plan.parts)
    embedded, settings = make(plan.parts)
    return store.publish(plan, served is not None and reason is None, settings), embedded


def _report(
    store: IndexStore, run: tuple[str, int], plan: Plan, reason: str | None, started: float, embed_seconds: float
) -> IndexReport:
    return IndexReport(
        location=str(store.location),
        generation=run[0],
        added=tuple(plan.added),
        changed=tuple(plan.changed),
        removed=plan.removed,
        unchanged=tuple(plan.unchanged),
        passages_embedded=run[1],
        passages_total=sum(part.count for part in plan.parts),
        problems=tuple(plan.problems),
        full_rebuild_reason=reason,
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
    )


def update_store(
    store: IndexStore,
    corpus_dir: str | Path,
    *,
    encoder: TextEncoder,
    settings: SplitSettings | None = None,
    full: bool = False,
    progress: ProgressFn | None = None,
) -> IndexReport:
    """Bring ``store`` up to date with the articles in ``corpus_dir``, embedding only new
    and changed articles. ``settings`` default to the served index's own (else the
    defaults). Raises ``CorpusError`` (and the served generation stays) when no article is
    usable, and the store's errors (``IndexWriteError``, ``BackendError``)."""
    started = time.perf_counter()
    embed_seconds = 0.0

    def embed(parts: list[Part]) -> tuple[int, GenerationSettings]:
        nonlocal embed_seconds
        embed_started = time.perf_counter()
        embedded = embed_parts(parts, encoder, split, progress)
        embed_seconds = time.perf_counter() - embed_started
        reused = served is not None and reason is None and not embedded
        dimension = served.dimension if served is not None and reused else encoder.dimension
        return embedded, GenerationSettings(encoder.name, dict(encoder.export), dimension, split)

    with store.session():
        served = store.served(full)
        split = settings or (served.split_in_use if served is not None else None) or SplitSettings()
        reason = reuse_reason(served, full, encoder.name, lambda: encoder.export, split)
        plan = plan_update(corpus_dir, served if reason is None else None, encoder, split)
        run = _publish(store, plan, served, reason, embed)
    return _report(store, run, plan, reason, started, embed_seconds)


def copy_index(store: IndexStore, snapshot: IndexSnapshot, *, full: bool = False) -> IndexReport:
    """Serve the local generation ``snapshot`` from ``store`` too, copying its passages and
    vectors (nothing is embedded); only articles the store lacks are written."""
    started = time.perf_counter()
    manifest = snapshot.manifest
    split = SplitSettings.from_dict(manifest.split)
    settings = GenerationSettings(manifest.model, dict(manifest.encoder), manifest.dimension, split)
    with store.session():
        served = store.served(full)
        reason = reuse_reason(served, full, manifest.model, lambda: manifest.encoder, split)
        plan = plan_copy(snapshot, served if reason is None else None)
        run = _publish(store, plan, served, reason, lambda parts: (0, settings))
    return _report(store, run, plan, reason, started, 0.0)
