"""The index on disk: generations, manifest, checksums, atomic swap and a writer lock.

Layout of ``embeddings/``::

    CURRENT              name of the generation being served (replaced atomically)
    gen-<time>-<pid>/    one complete index
        manifest.json    format, model, dimension, split settings, articles, sizes, checksums
        passage_*, sentence_*, text_offsets.npy
                         the passages, column-wise (see ``qa.passage_table``)
        vectors.npy      float32 unit vectors, row i = passage i
        sentences.npy    float16 unit vectors of every passage's sentences, in order
        vectors.faiss    the FAISS index over those vectors
        bm25/            the BM25 index (JSON and .npy, no pickle)
    .lock                held by the one ``qa index`` run allowed at a time

A new generation is written in full, fsynced, then named in ``CURRENT`` by
``os.replace``: a crash leaves the old generation or the new one, never a mix. Loading
checks every file's size, and its SHA-256 too unless the index is larger than
``VERIFY_CHECKSUMS_UP_TO`` bytes (then ``load_snapshot(verify="full")`` does it on demand),
so a million-passage index opens in about a second.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Literal, Sequence, overload

import numpy as np

from qa.ann import read_vector_index, write_vector_index
from qa.arrays import mapped
from qa.errors import IndexCorruptError, IndexIncompatibleError, IndexMissingError
from qa.lexical import LexicalIndex
from qa.passage_table import PassageTable
from qa.types import Citation, Passage

FORMAT_VERSION = 2
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"
SENTENCE_VECTORS = "sentences.npy"
VECTOR_INDEX = "vectors.faiss"
LEXICAL = "bm25"
_KEEP_GENERATIONS = 2
VERIFY_CHECKSUMS_UP_TO = 512 * 1024 * 1024
Verification = Literal["auto", "full", "sizes"]


def rebuild_hint(index_dir: Path | str) -> str:
    """The command that rebuilds the index in ``index_dir`` from scratch."""
    return f"rebuild it with `qa index --full --index {index_dir}`"


@dataclass(frozen=True)
class ArticleRecord:
    """What the manifest keeps of an article: metadata, version and its passage range."""

    article_id: str
    title: str
    source: str
    content_hash: str
    first_passage: int
    passage_count: int
    url: str | None = None
    date: str | None = None
    publisher: str | None = None
    size: int = 0
    mtime_ns: int = 0


@dataclass(frozen=True)
class Manifest:
    """Everything needed to decide whether an index can be used, and to check its files."""

    format_version: int
    model: str
    dimension: int
    split: dict[str, object]
    vector_index: str
    passage_count: int
    articles: tuple[ArticleRecord, ...]
    checksums: dict[str, str]
    created: float
    sizes: dict[str, int] = field(default_factory=dict)
    vector_index_requested: str = "auto"

    def to_json(self) -> str:
        """The manifest as JSON, one article per line."""
        head = {k: v for k, v in vars(self).items() if k != "articles"}
        articles = ",\n".join(json.dumps(vars(record), ensure_ascii=False) for record in self.articles)
        return json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": [\n' + articles + "\n]}\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        """Parse a manifest; raise ``IndexCorruptError``-friendly ``ValueError`` on bad input."""
        data = json.loads(text)
        data["articles"] = tuple(ArticleRecord(**record) for record in data["articles"])
        return cls(**data)


class SnapshotPassages(Sequence[Passage]):
    """The passages of a snapshot as ``Passage`` objects, built when read."""

    def __init__(self, snapshot: "IndexSnapshot") -> None:
        self._snapshot = snapshot

    def __len__(self) -> int:
        return len(self._snapshot.table)

    @overload
    def __getitem__(self, index: int) -> Passage: ...

    @overload
    def __getitem__(self, index: slice) -> list[Passage]: ...

    def __getitem__(self, index: int | slice) -> Passage | list[Passage]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(f"passage {index} out of range")
        index %= len(self)
        return self._snapshot.table.passage(index, self._snapshot.article_of(index).article_id)


@dataclass(frozen=True)
class IndexSnapshot:
    """One loaded generation: immutable, so searches never see a half-swapped index."""

    generation: str
    manifest: Manifest
    table: PassageTable
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    vector_index: object
    lexical: LexicalIndex
    articles: dict[str, ArticleRecord]
    article_starts: np.ndarray

    @property
    def passages(self) -> SnapshotPassages:
        """Every passage, in index order."""
        return SnapshotPassages(self)

    @property
    def sentence_offsets(self) -> np.ndarray:
        """Row of each passage's first sentence vector (length ``passages + 1``)."""
        return self.table.sentence_offsets

    def article_of(self, passage_index: int) -> ArticleRecord:
        """The article that passage ``passage_index`` belongs to."""
        row = int(np.searchsorted(self.article_starts, passage_index, side="right")) - 1
        return self.manifest.articles[row]

    def passage_text(self, passage_index: int) -> str:
        """The text of passage ``passage_index``."""
        return self.table.text(passage_index)

    def passage_sentence_vectors(self, passage_index: int) -> np.ndarray:
        """The float32 vectors of passage ``passage_index``'s sentences, in order."""
        rows = slice(int(self.sentence_offsets[passage_index]), int(self.sentence_offsets[passage_index + 1]))
        return np.asarray(self.sentence_vectors[rows], dtype=np.float32)

    def citation(self, passage_index: int) -> Citation:
        """The citation of passage ``passage_index``."""
        start, end = (int(x) for x in self.table.spans[passage_index])
        record = self.article_of(passage_index)
        return Citation(
            article_id=record.article_id,
            title=record.title,
            source=record.source,
            start=start,
            end=end,
            url=record.url,
            date=record.date,
            publisher=record.publisher,
        )


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def current_generation(index_dir: Path) -> str | None:
    """The name of the generation being served, or None when there is no index."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def write_generation(
    index_dir: Path,
    *,
    manifest: Manifest,
    table: PassageTable,
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    vector_index: object,
    lexical: LexicalIndex,
) -> str:
    """Write a complete generation, then make it current atomically; return its name."""
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"
    staging = index_dir / f".{name}.partial"
    staging.mkdir()
    try:
        table.save(staging)
        np.save(staging / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        np.save(staging / SENTENCE_VECTORS, np.ascontiguousarray(sentence_vectors, dtype=np.float16), allow_pickle=False)
        write_vector_index(vector_index, staging / VECTOR_INDEX)
        (staging / LEXICAL).mkdir()
        lexical.save(staging / LEXICAL)
        files = _data_files(staging)
        checksums = {p.relative_to(staging).as_posix(): _sha256(p) for p in files}
        sizes = {p.relative_to(staging).as_posix(): p.stat().st_size for p in files}
        final_manifest = replace(manifest, checksums=checksums, sizes=sizes)
        (staging / MANIFEST).write_text(final_manifest.to_json(), encoding="utf-8")
        for path in [*files, staging / MANIFEST]:
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        for folder in {p.parent for p in files} | {staging}:
            _fsync_dir(folder)
        os.rename(staging, index_dir / name)
        pointer = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
        with pointer.open("w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, index_dir / CURRENT)
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(index_dir, keep=name)
    return name


def _prune(index_dir: Path, keep: str) -> None:
    """Delete old generations and leftovers of interrupted runs, keeping the newest few."""
    generations = sorted(p for p in index_dir.glob("gen-*") if p.is_dir())
    old = [p for p in generations if p.name != keep][: max(0, len(generations) - _KEEP_GENERATIONS)]
    for path in old + [p for p in index_dir.glob(".gen-*.partial")] + list(index_dir.glob(f".{CURRENT}.*.tmp")):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> tuple[str, Manifest]:
    """The current generation's name and manifest; errors name the fix."""
    name = current_generation(index_dir)
    if name is None:
        raise IndexMissingError(f"no index in {index_dir}: build one with `qa index --index {index_dir}`")
    folder = index_dir / name
    try:
        manifest = Manifest.from_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise IndexCorruptError(f"the index in {index_dir} is missing its manifest: {rebuild_hint(index_dir)}") from error
    except (ValueError, TypeError, KeyError) as error:
        raise IndexCorruptError(f"the index manifest in {folder} is unreadable ({error}): {rebuild_hint(index_dir)}") from error
    if manifest.format_version != FORMAT_VERSION:
        raise IndexIncompatibleError(
            f"the index in {index_dir} has format {manifest.format_version}, this version reads "
            f"format {FORMAT_VERSION}: {rebuild_hint(index_dir)}"
        )
    return name, manifest


def verify_files(folder: Path, manifest: Manifest, index_dir: Path, verify: Verification = "auto") -> None:
    """Check every data file's size, and its SHA-256 unless ``verify`` says sizes only (or
    ``auto`` finds the index larger than ``VERIFY_CHECKSUMS_UP_TO``); raise ``IndexCorruptError``."""
    total = sum(manifest.sizes.values())
    with_checksums = verify == "full" or (verify == "auto" and (not manifest.sizes or total <= VERIFY_CHECKSUMS_UP_TO))
    for relative, expected in manifest.checksums.items():
        path = folder / relative
        if not path.is_file():
            raise IndexCorruptError(f"index file {path} is missing: {rebuild_hint(index_dir)}")
        if relative in manifest.sizes and path.stat().st_size != manifest.sizes[relative]:
            raise IndexCorruptError(f"index file {path} is damaged (wrong size): {rebuild_hint(index_dir)}")
        if with_checksums and _sha256(path) != expected:
            raise IndexCorruptError(f"index file {path} is damaged (checksum mismatch): {rebuild_hint(index_dir)}")


def load_snapshot(index_dir: Path | str, *, verify: Verification = "auto") -> IndexSnapshot:
    """Load the current generation of ``index_dir``, checking it before use; arrays are
    memory-mapped, so only what a search touches is read from disk."""
    index_dir = Path(index_dir)
    name, manifest = read_manifest(index_dir)
    folder = index_dir / name
    verify_files(folder, manifest, index_dir, verify)
    try:
        table = PassageTable.load(folder)
        vectors = mapped(folder / VECTORS)
        sentence_vectors = mapped(folder / SENTENCE_VECTORS)
        vector_index = read_vector_index(folder / VECTOR_INDEX)
        lexical = LexicalIndex.load(folder / LEXICAL, len(table))
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        raise IndexCorruptError(f"the index in {folder} cannot be read ({error}): {rebuild_hint(index_dir)}") from error
    sizes = {len(table), int(vectors.shape[0]), int(vector_index.ntotal), manifest.passage_count, lexical.size}
    if len(sizes) != 1 or int(vectors.shape[1] if vectors.ndim == 2 else -1) != manifest.dimension:
        raise IndexCorruptError(f"the index files in {folder} disagree in size: {rebuild_hint(index_dir)}")
    if table.sentence_count != int(sentence_vectors.shape[0]):
        raise IndexCorruptError(f"the sentence vectors in {folder} do not match the passages: {rebuild_hint(index_dir)}")
    starts = np.array([record.first_passage for record in manifest.articles], dtype=np.int64)
    counts = np.array([record.passage_count for record in manifest.articles], dtype=np.int64)
    if len(starts) and (starts[0] != 0 or np.any(starts[1:] != starts[:-1] + counts[:-1]) or starts[-1] + counts[-1] != len(table)):
        raise IndexCorruptError(f"the article records in {folder} do not cover the passages: {rebuild_hint(index_dir)}")
    articles = {record.article_id: record for record in manifest.articles}
    return IndexSnapshot(name, manifest, table, vectors, sentence_vectors, vector_index, lexical, articles, starts)


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's writer lock; concurrent ``qa index`` runs queue up behind it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
