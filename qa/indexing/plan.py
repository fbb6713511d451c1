"""Plan an update for either store: what to embed, what to reuse, what changed.

An article whose file bytes are unchanged (same SHA-256) keeps the passages and vectors
its store serves, even when it was renamed (reuse goes by content hash, not by id), and
is not even parsed; new and changed articles are split into passages; removed ones drop
out. Whether anything can be reused at all (same model, model export, split settings and
store format, no ``--full``) is decided here too, once for both stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
MAX_SHOWN_PROBLEMS = 5  # a refused corpus names this many files, then counts the rest


@dataclass(frozen=True)
class Served:
    """What a store serves now, as its writer reads it (after recovering a crashed build).

    ``split`` is the split settings as recorded, ``split_in_use`` the settings a plain
    update keeps (None: unreadable); ``problem`` says why none of it can be reused whatever
    the settings (a damaged index, another store format); ``index_kind`` is the store's own
    search-index setting."""

    generation: str
    records: tuple[ArticleRecord, ...] = ()
    model: str = ""
    encoder: dict[str, object] = field(default_factory=dict)
    split: dict[str, object] = field(default_factory=dict)
    split_in_use: SplitSettings | None = None
    dimension: int = 0
    created: float = 0.0
    index_kind: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class GenerationSettings:
    """How a new generation is made: the model, its export, the vector size, the split."""

    model: str
    encoder: dict[str, object]
    dimension: int
    split: SplitSettings


@dataclass
class Part:
    """One article's share of the new generation: new passages to embed (or copied with
    their vectors), or a served article reused as it is (``reused``: its served record;
    the store gives its passages and vectors, ``IndexStore.fill``)."""

    article: Article
    table: PassageTable | None = None
    passages: list[Passage] = field(default_factory=list)
    vectors: np.ndarray | None = None
    sentence_vectors: np.ndarray | None = None
    reused: ArticleRecord | None = None
    previous: range | None = None  # the reused rows in the local store's served generation
    size: int = 0
    mtime_ns: int = 0

    @property
    def count(self) -> int:
        """How many passages the article has."""
        if self.table is not None:
            return len(self.table)
        return self.reused.passage_count if self.reused is not None else 0

    @property
    def kept_as_served(self) -> bool:
        """Whether the served article is reused under the same id and file (not renamed)."""
        record = self.reused
        return record is not None and (record.article_id, record.source) == (
            self.article.article_id,
            self.article.source,
        )


@dataclass
class Plan:
    """What an update will do: every article's part, and how each one changed (a renamed
    file is unchanged under its new id, and its old id is removed)."""

    parts: list[Part]
    problems: list[Problem]
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    removed: tuple[str, ...]

    def same_articles(self, served: Served) -> bool:
        """Whether the new generation would serve exactly the served articles, under the same ids."""
        planned = sorted((p.article.article_id, p.article.content_hash) for p in self.parts if p.count)
        return not (self.added or self.changed or self.removed) and planned == sorted(
            (r.article_id, r.content_hash) for r in served.records
        )


def reuse_reason(
    served: Served | None, full: bool, model: str, export: Callable[[], dict[str, object]], split: SplitSettings
) -> str | None:
    """Why nothing served can be reused (None when it can): ``--full``, a damaged index or
    another store format, or another model, model export or split setting."""
    if full:
        return "--full was asked for"
    if served is None:
        return None
    if served.problem:
        return served.problem
    if served.model != model:
        return f"the model changed from {served.model} to {model}"
    if served.encoder != export():
        return f"the encoder changed from {served.encoder} to {export()}"
    if served.split != split.as_dict():
        return f"the split settings changed from {served.split} to {split.as_dict()}"
    return None


def reused_part(record: ArticleRecord, article_id: str, source: str, size: int, mtime_ns: int) -> Part:
    """A served article reused by content hash, under its (maybe new) id and file."""
    article = Article(
        article_id, source, record.title, "", record.content_hash, (), record.url, record.date, record.publisher
    )
    return Part(article, reused=record, size=size, mtime_ns=mtime_ns)


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


def _finish(plan: Plan, known: Iterable[str]) -> Plan:
    current = {part.article.article_id for part in plan.parts}
    plan.removed = tuple(sorted(a for a in set(known) if a not in current))
    return plan


def plan_update(corpus_dir: str | Path, served: Served | None, encoder: TextEncoder, settings: SplitSettings) -> Plan:
    """Read the corpus and split what is new or changed; reuse everything ``served`` has
    (pass None when nothing can be reused)."""
    records = served.records if served is not None else ()
    stamps = {r.source: FileStamp(r.size, r.mtime_ns, r.content_hash) for r in records if r.size}
    trusted = int((served.created - STAMP_SAFETY_SECONDS) * 1e9) if served is not None else 0
    files, problems = list_corpus(corpus_dir, stamps, trusted_before_ns=trusted)
    known = {r.article_id for r in records}
    by_hash = {r.content_hash: r for r in records}
    plan = Plan([], problems, [], [], [], ())
    for file in files:
        record = by_hash.get(file.content_hash)
        if record is not None:
            plan.unchanged.append(file.article_id)
            plan.parts.append(reused_part(record, file.article_id, file.source, file.size, file.mtime_ns))
            continue
        article = parse_file(file)
        if isinstance(article, Problem):
            plan.problems.append(article)
            continue
        (plan.changed if article.article_id in known else plan.added).append(article.article_id)
        plan.parts.append(new_part(file, article, encoder, settings))
    if not any(part.count for part in plan.parts):
        raise no_usable_article(corpus_dir, plan.problems)
    return _finish(plan, known)


def plan_copy(snapshot: IndexSnapshot, served: Served | None) -> Plan:
    """Every article of the local generation ``snapshot``: reused where ``served`` has its
    content, else copied with its passages and vectors (nothing to embed)."""
    records = served.records if served is not None else ()
    known = {r.article_id for r in records}
    by_hash = {r.content_hash: r for r in records}
    plan = Plan([], [], [], [], [], ())
    for record in snapshot.manifest.articles:
        part = reused_part(record, record.article_id, record.source, record.size, record.mtime_ns)
        part.reused = by_hash.get(record.content_hash)
        if part.reused is not None:
            plan.unchanged.append(record.article_id)
        else:
            (plan.changed if record.article_id in known else plan.added).append(record.article_id)
        if not part.kept_as_served:  # new, changed or renamed: the local generation has its rows
            first, last = record.first_passage, record.first_passage + record.passage_count
            rows = slice(int(snapshot.sentence_offsets[first]), int(snapshot.sentence_offsets[last]))
            part.table = snapshot.table.rows(first, last)
            part.passages = [snapshot.passages[i] for i in range(first, last)]
            part.vectors, part.sentence_vectors = snapshot.vectors[first:last], snapshot.sentence_vectors[rows]
        plan.parts.append(part)
    return _finish(plan, known)
