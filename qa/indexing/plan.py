"""Plan an update: which articles are new or changed (to split and embed), which are reused.

An article whose file bytes are unchanged (same SHA-256) keeps its passages and vectors
from the previous generation, even when it was renamed, and is not even parsed; new and
changed articles are split into passages; removed ones drop out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.embedding.encoder import TextEncoder
from qa.errors import CorpusError
from qa.ingest.corpus import CorpusFile, FileStamp, Problem, list_corpus, parse_file
from qa.passages.splitter import SplitSettings, split_article
from qa.store.manifest import ArticleRecord
from qa.store.passage_table import PassageTable
from qa.store.snapshot import IndexSnapshot
from qa.types import Article, Passage

STAMP_SAFETY_SECONDS = 2.0


@dataclass
class Part:
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


def _reusable(snapshot: IndexSnapshot | None, by_hash: dict[str, ArticleRecord], file: CorpusFile) -> Part | None:
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
    return Part(
        article,
        snapshot.table.rows(first, last),  # memory-mapped views: copied once, when written
        vectors=snapshot.vectors[first:last],
        sentence_vectors=snapshot.sentence_vectors[sentence_rows],
        previous=range(first, last),
        size=file.size,
        mtime_ns=file.mtime_ns,
    )


def same_order(snapshot: IndexSnapshot, parts: list[Part]) -> bool:
    """Whether the new generation would list exactly the indexed articles, under the same ids."""
    indexed = [(r.article_id, r.content_hash) for r in snapshot.manifest.articles]
    return indexed == [(p.article.article_id, p.article.content_hash) for p in parts if p.count]


@dataclass
class Plan:
    """What an update will do: every article's part, and how each one changed."""

    parts: list[Part]
    problems: list[Problem]
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    removed: tuple[str, ...]


MAX_SHOWN_PROBLEMS = 5  # a refused corpus names this many files, then counts the rest


def new_part(file: CorpusFile, article: Article, encoder: TextEncoder, settings: SplitSettings) -> Part:
    """A new or changed article split into passages, to embed."""
    passages = split_article(article, encoder.token_offsets, settings, encoder.max_tokens)
    return Part(article, PassageTable.from_passages(passages), passages, size=file.size, mtime_ns=file.mtime_ns)


def no_usable_article(corpus_dir: str | Path, problems: list[Problem]) -> CorpusError:
    """The error for a corpus without one usable article, naming the first problems."""
    shown = [f"{p.path}: {p.reason}" for p in problems[:MAX_SHOWN_PROBLEMS]]
    more = len(problems) - len(shown)
    details = "; ".join(shown + ([f"and {more} more"] if more > 0 else [])) or "no .txt or .md files"
    return CorpusError(f"no usable article in {corpus_dir} ({details}): add articles, then run `qa index` again")


def plan_update(
    corpus_dir: str | Path, snapshot: IndexSnapshot | None, encoder: TextEncoder, settings: SplitSettings
) -> Plan:
    """Read the corpus and split what is new or changed; reuse everything else."""
    records_before = snapshot.manifest.articles if snapshot else ()
    stamps = {r.source: FileStamp(r.size, r.mtime_ns, r.content_hash) for r in records_before if r.size}
    trusted = int((snapshot.manifest.created - STAMP_SAFETY_SECONDS) * 1e9) if snapshot else 0
    files, problems = list_corpus(corpus_dir, stamps, trusted_before_ns=trusted)
    known = {r.article_id for r in records_before}
    by_hash = {r.content_hash: r for r in records_before}
    plan = Plan([], problems, [], [], [], ())
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
        plan.parts.append(new_part(file, article, encoder, settings))
    if not any(part.count for part in plan.parts):
        raise no_usable_article(corpus_dir, plan.problems)
    current = {part.article.article_id for part in plan.parts}
    plan.removed = tuple(sorted(a for a in known if a not in current))
    return plan

