"""The manifest of an index generation: what it was built with, its articles and its files.

``CURRENT`` names the generation being served; ``read_manifest`` reads that generation's
``manifest.json`` and refuses one of another format; ``verify_files`` checks every data
file's size, and its SHA-256 too unless the index is larger than ``VERIFY_CHECKSUMS_UP_TO``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from qa.errors import IndexCorruptError, IndexIncompatibleError, IndexMissingError

FORMAT_VERSION = 4  # 4: BM25 tokens unify British and American spellings
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"
SENTENCE_VECTORS = "sentences.npy"
VECTOR_INDEX = "vectors.faiss"
LEXICAL = "bm25"
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
    encoder: dict[str, object] = field(default_factory=dict)  # the runtime and model export the vectors came from

    def to_json(self) -> str:
        """The manifest as JSON, one article per line."""
        head = {k: v for k, v in vars(self).items() if k != "articles"}
        articles = ",\n".join(json.dumps(vars(record), ensure_ascii=False) for record in self.articles)
        return json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": [\n' + articles + "\n]}\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; raise ``IndexCorruptError``-friendly ``ValueError`` on bad input."""
        data = json.loads(text)
        data["articles"] = tuple(ArticleRecord(**record) for record in data["articles"])
        return cls(**data)


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def current_generation(index_dir: Path) -> str | None:
    """The name of the generation being served, or None when there is no index."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise IndexCorruptError(
            f"cannot read {index_dir / CURRENT} ({error}): check the folder's permissions, or {rebuild_hint(index_dir)}"
        ) from error
    return name or None


def read_manifest(index_dir: Path) -> tuple[str, Manifest]:
    """The current generation's name and manifest; errors name the fix."""
    name = current_generation(index_dir)
    if name is None:
        raise IndexMissingError(f"no index in {index_dir}: build one with `qa index --index {index_dir}`")
    folder = index_dir / name
    try:
        manifest = Manifest.from_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise IndexCorruptError(
            f"the index in {index_dir} is missing its manifest: {rebuild_hint(index_dir)}"
        ) from error
    except (ValueError, TypeError, KeyError) as error:
        raise IndexCorruptError(
            f"the index manifest in {folder} is unreadable ({error}): {rebuild_hint(index_dir)}"
        ) from error
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
        if with_checksums and sha256_file(path) != expected:
            raise IndexCorruptError(f"index file {path} is damaged (checksum mismatch): {rebuild_hint(index_dir)}")
