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
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from qa.store.faults import reached
from qa.store.lexical import LexicalIndex
from qa.store.manifest import CURRENT, LEXICAL, MANIFEST, SENTENCE_VECTORS, VECTOR_INDEX, VECTORS, Manifest, sha256_file
from qa.store.passage_table import PassageTable
from qa.store.vector_index import write_vector_index

_KEEP_GENERATIONS = 2


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_generation(
    index_dir: Path,
    *,
    manifest: Manifest,
    table: PassageTable,
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    vector_index: faiss.Index,
    lexical: LexicalIndex,
) -> str:
    """Write a complete generation, then make it current atomically; return its name."""
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"
    staging = index_dir / f".{name}.partial"
    staging.mkdir()
    try:
        table.save(staging)
        reached("written-passages")
        np.save(staging / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        reached("written-vectors")
        np.save(
            staging / SENTENCE_VECTORS, np.ascontiguousarray(sentence_vectors, dtype=np.float16), allow_pickle=False
        )
        reached("written-sentences")
        write_vector_index(vector_index, staging / VECTOR_INDEX)
        reached("written-faiss")
        (staging / LEXICAL).mkdir()
        lexical.save(staging / LEXICAL)
        reached("written-bm25")
        files = _data_files(staging)
        checksums = {p.relative_to(staging).as_posix(): sha256_file(p) for p in files}
        sizes = {p.relative_to(staging).as_posix(): p.stat().st_size for p in files}
        final_manifest = replace(manifest, checksums=checksums, sizes=sizes)
        (staging / MANIFEST).write_text(final_manifest.to_json(), encoding="utf-8")
        reached("before-fsync")
        for path in [*files, staging / MANIFEST]:
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        for folder in {p.parent for p in files} | {staging}:
            _fsync_dir(folder)
        reached("after-fsync")
        os.rename(staging, index_dir / name)
        pointer = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
        with pointer.open("w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        reached("before-swap")
        os.replace(pointer, index_dir / CURRENT)
        _fsync_dir(index_dir)
        reached("after-swap")
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
        reached("pruning")
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


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
