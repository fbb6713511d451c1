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

import numpy as np

from qa.ann import INDEX_KINDS, VectorIndexSettings, build_vector_index
from qa.corpus import CorpusFile, FileStamp, Problem, list_corpus, parse_file
from qa.encoder import SentenceTransformerEncoder, TextEncoder
from qa.errors import CorpusError, IndexCorruptError, IndexIncompatibleError, IndexMissingError, QAError
from qa.lexical import LexicalIndex, Segment
from qa.passage_table import PassageTable
from qa.passages import SplitSettings, embedding_text, split_article
from qa.store import (
    FORMAT_VERSION,
    ArticleRecord,
    IndexSnapshot,
    Manifest,
    load_snapshot,
    read_manifest,
    write_generation,
    writer_lock,
)
from qa.types import Article, Passage

PROGRESS_THRESHOLD = 64
STAMP_SAFETY_SECONDS = 2.0


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
    if manifest.split != settings.as_dict():
        return None, f"the split settings changed from {manifest.split} to {settings.as_dict()}"
    return snapshot, None


def _settings_in_use(index_dir: Path) -> tuple[SplitSettings, VectorIndexSettings]:
    """The split and vector-index settings of the existing index (so a plain update keeps
    them), else defaults."""
    try:
        _, manifest = read_manifest(index_dir)
    except QAError:
        return SplitSettings(), VectorIndexSettings()
    try:
        split = SplitSettings(**manifest.split)  # type: ignore[arg-type]
    except TypeError:
        split = SplitSettings()
    kind = manifest.vector_index_requested
    return split, VectorIndexSettings(kind=kind if kind in INDEX_KINDS else "auto")  # type: ignore[arg-type]


@dataclass
class _Part:
    """One article's share of the new generation: new passages to embed, or the previous
    generation's rows (``previous``) reused as they are."""

    article: Article
    table: PassageTable
    passages: list[Passage] = field(default_factory=list)
    vectors: np.ndarray | None = None
    sentence_vectors: np.ndarray | None = None
    previous: range | None = None
    size: int = 0
    mtime_ns: int = 0

    @property
    def count(self) -> int:
        """How many passages the article has."""
        return len(self.table)


def _reusable(snapshot: IndexSnapshot | None, by_hash: dict[str, ArticleRecord], file: CorpusFile) -> _Part | None:
    """The previous passages and vectors of an unchanged file (matched by content hash, so a
    renamed file is reused too); the file is not even parsed."""
    record = by_hash.get(file.content_hash)
    if snapshot is None or record is None:
        return None
    article = Article(
        article_id=file.article_id,
        source=file.source,
        title=record.title,
        text="",
        content_hash=file.content_hash,
        blocks=(),
        url=record.url,
        date=record.date,
        publisher=record.publisher,
    )
    first, last = record.first_passage, record.first_passage + record.passage_count
    sentence_rows = slice(int(snapshot.sentence_offsets[first]), int(snapshot.sentence_offsets[last]))
    return _Part(
        article,
        snapshot.table.rows(first, last),  # memory-mapped views: copied once, when written
        vectors=snapshot.vectors[first:last],
        sentence_vectors=snapshot.sentence_vectors[sentence_rows],
        previous=range(first, last),
        size=file.size,
        mtime_ns=file.mtime_ns,
    )


def _embedding_inputs(part: _Part, settings: SplitSettings) -> list[tuple[str, list[tuple[int, int]]]]:
    """Each passage's model input and its sentence spans, relative to that input."""
    inputs = []
    for passage in part.passages:
        text = embedding_text(part.article.title, passage.text, settings)
        shift = len(text) - len(passage.text) - passage.start
        inputs.append((text, [(s.start + shift, s.end + shift) for s in passage.sentences]))
    return inputs


def _embed(parts: list[_Part], encoder: TextEncoder, settings: SplitSettings, progress: bool) -> int:
    """Embed the passages of the parts that have no vectors yet; return how many."""
    pending = [part for part in parts if part.vectors is None]
    inputs = [item for part in pending for item in _embedding_inputs(part, settings)]
    if not inputs:
        return 0
    vectors, sentence_vectors = encoder.encode_passages(
        [text for text, _ in inputs], [spans for _, spans in inputs], progress=progress and len(inputs) >= PROGRESS_THRESHOLD
    )
    row = sentence_row = 0
    for part in pending:
        sentences = part.table.sentence_count
        part.vectors = vectors[row : row + part.count]
        part.sentence_vectors = sentence_vectors[sentence_row : sentence_row + sentences]
        row += part.count
        sentence_row += sentences
    return len(inputs)


def _stack(blocks: list[np.ndarray | None], dimension: int, dtype: type = np.float32) -> np.ndarray:
    """One array of all rows, in the stored dtype (one copy, no float32 round trip)."""
    arrays = [b for b in blocks if b is not None and len(b)]
    if not arrays:
        return np.zeros((0, dimension), dtype)
    out = np.empty((sum(len(a) for a in arrays), dimension), dtype)
    np.concatenate(arrays, axis=0, out=out, casting="same_kind")
    return out


def _same_order(snapshot: IndexSnapshot, parts: list[_Part]) -> bool:
    """Whether the new generation would list exactly the indexed articles, under the same ids."""
    indexed = [(r.article_id, r.content_hash) for r in snapshot.manifest.articles]
    return indexed == [(p.article.article_id, p.article.content_hash) for p in parts if p.count]


@dataclass
class _Plan:
    """What an update will do: every article's part, and how each one changed."""

    parts: list[_Part]
    problems: list[Problem]
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    removed: tuple[str, ...]


def _plan(
    corpus_dir: str | Path, snapshot: IndexSnapshot | None, encoder: TextEncoder, settings: SplitSettings
) -> _Plan:
    """Read the corpus and split what is new or changed; reuse everything else."""
    records_before = snapshot.manifest.articles if snapshot else ()
    stamps = {r.source: FileStamp(r.size, r.mtime_ns, r.content_hash) for r in records_before if r.size}
    trusted = int((snapshot.manifest.created - STAMP_SAFETY_SECONDS) * 1e9) if snapshot else 0
    files, problems = list_corpus(corpus_dir, stamps, trusted_before_ns=trusted)
    known = {r.article_id for r in records_before}
    by_hash = {r.content_hash: r for r in records_before}
    plan = _Plan([], problems, [], [], [], ())
    for file in files:
        reused = _reusable(snapshot, by_hash, file)
        if reused is not None:
            plan.unchanged.append(file.article_id)
            plan.parts.append(reused)
            continue
        article = parse_file(file)
        if isinstance(article, Problem):
            plan.problems.append(article)
            continue
        (plan.changed if article.article_id in known else plan.added).append(article.article_id)
        passages = split_article(article, encoder.token_offsets, settings, encoder.max_tokens)
        plan.parts.append(_Part(article, PassageTable.from_passages(passages), passages, size=file.size, mtime_ns=file.mtime_ns))
    if not any(part.count for part in plan.parts):
        details = "; ".join(f"{p.path}: {p.reason}" for p in plan.problems) or "no .txt or .md files"
        raise CorpusError(f"no usable article in {corpus_dir} ({details}): add articles, then run `qa index` again")
    current = {part.article.article_id for part in plan.parts}
    plan.removed = tuple(sorted(a for a in known if a not in current))
    return plan


def _record(part: _Part, first_passage: int) -> ArticleRecord:
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


def _write(
    index_dir: Path,
    parts: list[_Part],
    snapshot: IndexSnapshot | None,
    encoder: TextEncoder,
    settings: SplitSettings,
    dimension: int,
    vector_settings: VectorIndexSettings,
) -> str:
    """Assemble the new generation from the parts and swap it in; return its name."""
    parts = [part for part in parts if part.count]
    records: list[ArticleRecord] = []
    total = 0
    for part in parts:
        records.append(_record(part, total))
        total += part.count
    vectors = _stack([part.vectors for part in parts], dimension)
    segments: list[Segment] = [
        part.previous if part.previous is not None else [embedding_text(part.article.title, p.text, settings) for p in part.passages]
        for part in parts
    ]
    lexical = LexicalIndex.assemble(_merge_ranges(segments), previous=snapshot.lexical if snapshot is not None else None)
    kind = vector_settings.chosen_kind(total)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=encoder.name,
        dimension=dimension,
        split=settings.as_dict(),
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
        table=PassageTable.concatenate([part.table for part in parts]),
        vectors=vectors,
        sentence_vectors=_stack([part.sentence_vectors for part in parts], dimension, np.float16),
        vector_index=build_vector_index(vectors, vector_settings),
        lexical=lexical,
    )


def build_index(
    corpus_dir: str | Path = "corpus",
    index_dir: str | Path = "embeddings",
    *,
    encoder: TextEncoder | None = None,
    settings: SplitSettings | None = None,
    full: bool = False,
    vector_settings: VectorIndexSettings | None = None,
    progress: bool = False,
) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with the articles in ``corpus_dir``.

    Raises ``CorpusError`` (and leaves any previous index serving) when no article is usable.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    encoder = encoder or SentenceTransformerEncoder()
    split_before, vectors_before = _settings_in_use(index_dir)
    settings = settings or split_before
    vector_settings = vector_settings or vectors_before
    embedded, embed_seconds = 0, 0.0
    with writer_lock(index_dir):
        snapshot, reason = _previous(index_dir, encoder, settings, full)
        plan = _plan(corpus_dir, snapshot, encoder, settings)
        nothing_changed = not (plan.added or plan.changed or plan.removed)
        same_kind = snapshot is not None and snapshot.manifest.vector_index_requested == vector_settings.kind
        if snapshot is not None and nothing_changed and same_kind and _same_order(snapshot, plan.parts):
            generation = snapshot.generation
        else:
            embed_started = time.perf_counter()
            embedded = _embed(plan.parts, encoder, settings, progress)
            embed_seconds = time.perf_counter() - embed_started
            dimension = encoder.dimension if embedded else snapshot.manifest.dimension  # type: ignore[union-attr]
            generation = _write(index_dir, plan.parts, snapshot, encoder, settings, dimension, vector_settings)
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
