"""Read the articles in a corpus folder: front matter, cleaning, stable ids, content hashes.

Only regular ``.txt`` and ``.md`` files inside the folder are read. Hidden files, symbolic
links, empty, binary, invalid UTF-8, oversized and duplicate files are reported and
skipped; one bad file never stops the others from loading.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.cleaning import clean, single_spaced
from qa.ingest.textfile import check_size, decode_text
from qa.types import Article, Block

ARTICLE_SUFFIXES = (".txt", ".md")
MAX_ARTICLE_BYTES = 5 * 1024 * 1024
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*(\r?\n|\Z)", re.S | re.M)
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_TITLE_WORDS = 14


@dataclass(frozen=True)
class Problem:
    """A file that was skipped, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class CorpusScan:
    """Every usable article of a corpus folder, and every file that was skipped."""

    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]


def content_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as hex: the article's version for incremental indexing."""
    return hashlib.sha256(data).hexdigest()


def article_id_for(relative: Path) -> str:
    """A stable id from the file's path inside the corpus: ``world/2025-08-07_doval``."""
    return relative.with_suffix("").as_posix()


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """``key: value`` pairs between leading ``---`` lines, and where the body starts."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    fields: dict[str, str] = {}
    for line in match.group(1).splitlines():
        pair = _FRONT_KEY.match(line)
        if pair:
            value = pair.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            fields[pair.group(1).lower()] = value
    return fields, match.end()


def _derived_title(text: str, blocks: tuple[Block, ...], fallback: str) -> str:
    """The first words of the first kept line, for an article without a headline."""
    if not blocks:
        return fallback
    words = text[blocks[0].start : blocks[0].end].split()
    if len(words) <= _TITLE_WORDS:
        return " ".join(words)
    return " ".join(words[:_TITLE_WORDS]).rstrip(",;:") + "…"


def parse_article(text: str, *, article_id: str, source: str, digest: str) -> Article:
    """Turn one decoded file into an ``Article``: metadata, title and kept prose blocks."""
    fields, body_start = parse_front_matter(text)
    given_title = fields.get("title", "").strip()
    cleaned = clean(text, body_start)  # a headline line is metadata even when front matter names the title
    if given_title:
        title = given_title
    elif cleaned.title_line is not None:
        title = cleaned.title_line.text
    else:
        title = _derived_title(text, cleaned.blocks, article_id)
    return Article(
        article_id=article_id,
        source=source,
        title=single_spaced(title),
        text=text,
        content_hash=digest,
        blocks=cleaned.blocks,
        url=fields.get("url") or None,
        date=fields.get("date") or None,
        publisher=fields.get("source") or fields.get("publisher") or None,
    )


@dataclass(frozen=True)
class CorpusFile:
    """A readable article file, decoded but not yet cleaned.

    ``text`` is empty when the file was recognised as unchanged by its stamp and not read.
    """

    article_id: str
    source: str
    text: str
    content_hash: str
    size: int = 0
    mtime_ns: int = 0


@dataclass(frozen=True)
class FileStamp:
    """What a file looked like when it was last read: size, modification time, content hash."""

    size: int
    mtime_ns: int
    content_hash: str


def _read_file(path: Path, root: Path) -> CorpusFile | Problem:
    relative = path.relative_to(root)
    shown = relative.as_posix()
    if path.is_symlink():
        return Problem(shown, "symbolic link: not followed; copy the file into the corpus instead")
    try:
        resolved = path.resolve(strict=True)
    except OSError as error:
        return Problem(shown, f"cannot be read ({error.strerror or error})")
    if not resolved.is_relative_to(root):
        return Problem(shown, "resolves outside the corpus folder: not read")
    status = resolved.stat()
    if not stat.S_ISREG(status.st_mode):
        return Problem(shown, "not a regular file: skipped")
    size = status.st_size
    try:
        check_size(size, MAX_ARTICLE_BYTES)
        data = resolved.read_bytes()
        text = decode_text(data)
    except OSError as error:
        return Problem(shown, f"cannot be read ({error.strerror or error}): check its permissions")
    except ValueError as error:
        return Problem(shown, str(error))
    return CorpusFile(article_id_for(relative), shown, text, content_hash(data), size, status.st_mtime_ns)


def parse_file(file: CorpusFile) -> Article | Problem:
    """Clean one file into an ``Article``, or say why it holds no article."""
    article = parse_article(file.text, article_id=file.article_id, source=file.source, digest=file.content_hash)
    if not article.blocks:
        return Problem(file.source, "no article text left after removing boilerplate")
    return article


def iter_candidate_files(root: Path) -> tuple[list[Path], list[Path]]:
    """Article files under ``root`` in a stable order, and the hidden ones left out (hidden
    folders are not entered)."""
    found: list[Path] = []
    hidden: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in names:
            if os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES:
                (hidden if name.startswith(".") else found).append(Path(folder, name))
    return sorted(found), sorted(hidden)


def _unchanged(path: Path, root: Path, stamp: FileStamp | None, trusted_before_ns: int) -> CorpusFile | None:
    """The file as last read, when its size and time say it is unchanged (git's rule: a time
    too close to the last read is not trusted)."""
    if stamp is None or path.is_symlink():
        return None
    status = path.stat()
    if status.st_size != stamp.size or status.st_mtime_ns != stamp.mtime_ns or status.st_mtime_ns >= trusted_before_ns:
        return None
    relative = path.relative_to(root)
    return CorpusFile(article_id_for(relative), relative.as_posix(), "", stamp.content_hash, stamp.size, stamp.mtime_ns)


def list_corpus(
    folder: str | Path, stamps: Mapping[str, FileStamp] | None = None, *, trusted_before_ns: int = 0
) -> tuple[list[CorpusFile], list[Problem]]:
    """Every readable, distinct article file under ``folder``, and every file skipped.

    A file whose ``stamps`` entry (by source path) still matches its size and modification
    time, and which was last changed before ``trusted_before_ns``, is not read again.
    """
    root = Path(folder).resolve()
    if not root.is_dir():
        return [], [Problem(str(folder), "corpus folder does not exist: create it and add .txt or .md articles")]
    files: list[CorpusFile] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    stamps = stamps or {}
    candidates, hidden = iter_candidate_files(root)
    for path in candidates:
        known = stamps.get(path.relative_to(root).as_posix())
        result = _unchanged(path, root, known, trusted_before_ns) or _read_file(path, root)
        if isinstance(result, Problem):
            problems.append(result)
        elif result.content_hash in seen:
            problems.append(Problem(result.source, f"duplicate of {seen[result.content_hash]}: skipped"))
        else:
            seen[result.content_hash] = result.source
            files.append(result)
    for path in hidden:
        problems.append(
            Problem(path.relative_to(root).as_posix(), "hidden file: skipped (rename it without the leading dot)")
        )
    return files, problems


def scan_corpus(folder: str | Path) -> CorpusScan:
    """Load and clean every article under ``folder``; report each skipped file with the reason."""
    files, problems = list_corpus(folder)
    articles: list[Article] = []
    for file in files:
        result = parse_file(file)
        if isinstance(result, Problem):
            problems.append(result)
        else:
            articles.append(result)
    return CorpusScan(tuple(articles), tuple(problems))
