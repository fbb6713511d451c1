"""Build or update the index from a corpus folder, embedding only what changed.

An article whose file bytes are unchanged (same SHA-256) keeps its passages and vectors
from the previous generation, even when it was renamed; new and changed articles are
split and embedded; removed ones drop out. A different model, split setting or index
format forces a full rebuild, and the report says why. Nothing is replaced unless the
new generation was written completely.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from qa.embedding.encoder import TextEncoder
from qa.errors import IndexCorruptError, IndexIncompatibleError, IndexMissingError, IndexWriteError
from qa.indexing.assemble import write_parts
from qa.indexing.plan import Part, plan_update, same_order
from qa.ingest.corpus import Problem
from qa.passages.splitter import SplitSettings, embedding_text
from qa.store.generations import writer_lock
from qa.store.manifest import read_manifest, rebuild_hint
from qa.store.snapshot import IndexSnapshot, load_snapshot
from qa.store.vector_index import VectorIndexSettings
from qa.types import ProgressFn


@dataclass(frozen=True)
class IndexReport:
    """What one ``build_index`` run did."""

    index_dir: str
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


def _previous(index_dir: Path, encoder: TextEncoder, settings: SplitSettings, full: bool) -> tuple[IndexSnapshot | None, str | None]:
    """The previous generation when it can be reused, else None and the reason."""
    if full:
        return None, "--full was asked for"
    try:
        snapshot = load_snapshot(index_dir)
    except IndexMissingError:
        return None, None
    except (IndexIncompatibleError, IndexCorruptError) as error:
        return None, f"the previous index cannot be reused ({error})"
    manifest = snapshot.manifest
    if manifest.model != encoder.name:
        return None, f"the model changed from {manifest.model} to {encoder.name}"
    if manifest.encoder != encoder.export:
        return None, f"the encoder changed from {manifest.encoder} to {encoder.export}"
    if manifest.split != settings.as_dict():
        return None, f"the split settings changed from {manifest.split} to {settings.as_dict()}"
    return snapshot, None


def _settings_in_use(index_dir: Path, full: bool) -> tuple[SplitSettings | None, VectorIndexSettings | None]:
    """The split and vector-index settings of the existing index, so that a plain update
    keeps them; None where there is no index to take them from (or ``full`` ignores it)."""
    try:
        _, manifest = read_manifest(index_dir)
    except (IndexMissingError, IndexCorruptError, IndexIncompatibleError):
        return None, None
    try:
        split = SplitSettings.from_dict(manifest.split)
        vector = VectorIndexSettings.for_kind(manifest.vector_index_requested)
    except ValueError as error:
        if full:
            return None, None
        raise IndexIncompatibleError(f"the index in {index_dir} has settings this version cannot reuse ({error}): {rebuild_hint(index_dir)}") from None
    return split, vector


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
    pending = [part for part in parts if part.vectors is None]
    inputs = [item for part in pending for item in _embedding_inputs(part, settings)]
    if not inputs:
        return 0
    vectors, sentence_vectors = encoder.encode_passages(
        [text for text, _ in inputs], [spans for _, spans in inputs], progress=progress
    )
    row = sentence_row = 0
    for part in pending:
        sentences = part.table.sentence_count
        part.vectors = vectors[row : row + part.count]
        part.sentence_vectors = sentence_vectors[sentence_row : sentence_row + sentences]
        row += part.count
        sentence_row += sentences
    return len(inputs)



def update_index(
    corpus_dir: str | Path,
    index_dir: str | Path,
    *,
    encoder: TextEncoder | None = None,
    settings: SplitSettings | None = None,
    full: bool = False,
    vector_settings: VectorIndexSettings | None = None,
    progress: ProgressFn | None = None,
) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with the articles in ``corpus_dir``.

    ``settings`` and ``vector_settings`` default to the existing index's own (else the
    defaults); ``progress`` is told ``(done, total)`` passages while embedding. Raises
    ``CorpusError`` (and leaves any previous index serving) when no article is usable,
    ``IndexWriteError`` when the index folder cannot be written.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if encoder is None:
        from qa.embedding import DEFAULT_MODEL, LazyEncoder, load_encoder

        encoder = LazyEncoder(DEFAULT_MODEL, lambda: load_encoder(index_dir=index_dir))
    split_before, vectors_before = _settings_in_use(index_dir, full)
    settings = settings or split_before or SplitSettings()
    vector_settings = vector_settings or vectors_before or VectorIndexSettings()
    embedded, embed_seconds = 0, 0.0
    try:
        with writer_lock(index_dir):
            snapshot, reason = _previous(index_dir, encoder, settings, full)
            plan = plan_update(corpus_dir, snapshot, encoder, settings)
            nothing_changed = not (plan.added or plan.changed or plan.removed)
            same_kind = snapshot is not None and snapshot.manifest.vector_index_requested == vector_settings.kind
            if snapshot is not None and nothing_changed and same_kind and same_order(snapshot, plan.parts):
                generation = snapshot.generation
            else:
                embed_started = time.perf_counter()
                embedded = embed_parts(plan.parts, encoder, settings, progress)
                embed_seconds = time.perf_counter() - embed_started
                dimension = encoder.dimension if embedded or snapshot is None else snapshot.manifest.dimension
                generation = write_parts(index_dir, plan.parts, snapshot, encoder, settings, dimension, vector_settings)
    except OSError as error:
        raise IndexWriteError(
            f"cannot write the index in {index_dir} ({error.strerror or error}): choose a writable folder with --index "
            "(or QA_INDEX), or free some disk space; the previous index, if any, keeps serving"
        ) from error
    return IndexReport(
        index_dir=str(index_dir),
        generation=generation,
        added=tuple(plan.added),
        changed=tuple(plan.changed),
        removed=plan.removed,
        unchanged=tuple(plan.unchanged),
        passages_embedded=embedded,
        passages_total=sum(part.count for part in plan.parts),
        problems=tuple(plan.problems),
        full_rebuild_reason=reason,
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
    )
