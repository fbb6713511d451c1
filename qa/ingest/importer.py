"""``qa add``: bring articles into the corpus folder from text, Markdown, HTML or JSON Lines.

Text and Markdown files are copied as they are; a saved HTML page becomes a Markdown
article with its main text, title, date and URL (extracted by trafilatura); each line of
a ``.jsonl`` file (``title``, ``text``, optional ``source``, ``url``, ``date``, ``id``)
becomes one article. Every file or line that cannot be used is reported and skipped.
Only the given files are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError
from qa.ingest.cleaning import single_spaced
from qa.ingest.corpus import ARTICLE_SUFFIXES, MAX_ARTICLE_BYTES, Problem
from qa.ingest.textfile import check_size, read_text_file

HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
MAX_JSONL_BYTES = 200 * 1024 * 1024
MIN_ARTICLE_WORDS = 5
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ImportReport:
    """Files written into the corpus, and what was skipped."""

    written: tuple[str, ...]
    problems: tuple[Problem, ...]


def slug(text: str, fallback: str = "article") -> str:
    """A file-name-safe version of ``text``: ``India, Russia talk`` -> ``india-russia-talk``."""
    value = _SLUG.sub("-", text.lower()).strip("-")[:80].strip("-")
    return value or fallback


def markdown_article(text: str, *, title: str = "", source: str = "", url: str = "", date: str = "") -> str:
    """An article file: front matter with the metadata that is present, then the text."""
    fields = [
        (k, single_spaced(str(v))) for k, v in (("title", title), ("source", source), ("url", url), ("date", date)) if v
    ]
    front = "".join(f"{key}: {value}\n" for key, value in fields)
    return (f"---\n{front}---\n" if front else "") + text.strip() + "\n"


def _from_html(path: Path) -> list[tuple[str, str]]:
    import trafilatura

    check_size(path.stat().st_size, MAX_ARTICLE_BYTES * 4)
    raw = path.read_bytes()
    document = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, include_tables=False)
    data = document.as_dict() if document is not None and hasattr(document, "as_dict") else document
    if not data or len((data.get("text") or "").split()) < MIN_ARTICLE_WORDS:
        raise ValueError(f"no article text found in the page (fewer than {MIN_ARTICLE_WORDS} words of main text)")
    title = data.get("title") or path.stem
    body = markdown_article(
        data["text"],
        title=title,
        source=data.get("sitename") or "",
        url=data.get("url") or "",
        date=data.get("date") or "",
    )
    return [(slug(title, slug(path.stem)), body)]


def _from_jsonl(path: Path, problems: list[Problem]) -> list[tuple[str, str]]:
    articles = []
    for number, line in enumerate(read_text_file(path, MAX_JSONL_BYTES).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(where, f"not valid JSON ({error.msg})"))
            continue
        if not isinstance(record, dict) or not str(record.get("text") or "").strip():
            problems.append(Problem(where, 'needs an object with a non-empty "text"'))
            continue
        title = single_spaced(str(record.get("title") or ""))
        name = slug(str(record.get("id") or title), f"{slug(path.stem)}-{number}")
        body = markdown_article(
            str(record["text"]),
            title=title,
            source=record.get("source") or "",
            url=record.get("url") or "",
            date=record.get("date") or "",
        )
        articles.append((name, body))
    return articles


def _write_unique(corpus: Path, name: str, suffix: str, body: str) -> Path | None:
    """Write ``body`` as a new file; None when an identical file is already there.

    The file is created with ``O_EXCL``, so two imports at once (an upload in the chat and
    ``qa add``) never overwrite each other: the second one takes the next free name.
    """
    for attempt in range(1, 1000):
        candidate = corpus / (f"{name}{suffix}" if attempt == 1 else f"{name}-{attempt}{suffix}")
        try:
            with candidate.open("x", encoding="utf-8") as handle:
                handle.write(body)
        except FileExistsError:
            if candidate.read_text(encoding="utf-8", errors="replace") == body:
                return None
            continue
        return candidate
    raise ValueError(f"too many files named {name}")


def import_files(paths: Iterable[str | Path], corpus_dir: str | Path) -> ImportReport:
    """Import each given file into ``corpus_dir``; report what was written and skipped."""
    corpus = Path(corpus_dir)
    try:
        corpus.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CorpusError(
            f"cannot create the corpus folder {corpus} ({error.strerror or error}): choose a writable one with --corpus (or QA_CORPUS)"
        ) from error
    written: list[str] = []
    problems: list[Problem] = []
    for given in paths:
        path = Path(given)
        shown = str(given)
        try:
            if path.is_symlink():
                raise ValueError("symbolic link: pass the file itself")
            if not path.exists():
                raise ValueError("no such file")
            if not path.is_file():
                raise ValueError("not a file (folders are not imported: pass the files)")
            suffix = path.suffix.lower()
            if suffix in ARTICLE_SUFFIXES:
                articles = [(slug(path.stem), read_text_file(path, MAX_ARTICLE_BYTES))]
            elif suffix in HTML_SUFFIXES:
                articles = [(name, body) for name, body in _from_html(path)]
            elif suffix in JSONL_SUFFIXES:
                articles = _from_jsonl(path, problems)
            else:
                raise ValueError("unsupported type: use .txt, .md, .html or .jsonl")
        except (OSError, ValueError) as error:
            problems.append(Problem(shown, str(error)))
            continue
        for name, body in articles:
            try:
                target = _write_unique(
                    corpus, name, path.suffix.lower() if path.suffix.lower() in ARTICLE_SUFFIXES else ".md", body
                )
            except OSError as error:
                problems.append(
                    Problem(
                        shown,
                        f"cannot be written into {corpus} ({error.strerror or error}): check the folder's permissions and free space",
                    )
                )
                continue
            if target is None:
                problems.append(Problem(shown, f"already in the corpus as {name}: skipped"))
            else:
                written.append(target.relative_to(corpus).as_posix())
    return ImportReport(tuple(written), tuple(problems))
