"""``Library``: the one front object of the write side. Articles in, index up to date.

The CLI (``qa index``, ``qa add``, ``qa remove``), the chat's first start and its admin
uploads, ``ui.py`` and ``build_index`` all go through it, so importing, rebuilding and
reporting happen one way::

    library = Library("corpus", "embeddings")     # or Library("corpus", "milvus:./milvus.db")
    library.add(["story.txt", "page.html"])      # import, then update the index
    library.remove(["world/old-story"])          # delete the article files, then update
    library.update(full=True)                    # rebuild from scratch
    library.ensure_index()                       # build only if there is no index yet
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.embedding import EncoderSettings, LazyEncoder, load_encoder
from qa.embedding.encoder import TextEncoder, canonical_model_name
from qa.errors import CorpusError, UsageError
from qa.indexing.build import IndexReport, copy_index, update_store
from qa.indexing.local_store import FolderStore
from qa.indexing.stores import IndexStore
from qa.ingest.corpus import ARTICLE_SUFFIXES, Problem
from qa.ingest.importer import ImportReport, import_files
from qa.passages.splitter import SplitSettings
from qa.store.milvus.address import Location, MilvusAddress, parse_location
from qa.store.vector_index import VectorIndexSettings
from qa.types import DEFAULT_CORPUS_DIR, DEFAULT_INDEX_DIR, ProgressFn


def open_store(location: Location, vector: VectorIndexSettings | None = None) -> IndexStore:
    """The store at ``location``: a folder, or a Milvus collection (a ``MilvusAddress`` or
    ``milvus:<uri>[#<collection>]``); ``vector`` (the FAISS kind) applies to folders only."""
    where = parse_location(location)
    if isinstance(where, MilvusAddress):
        from qa.indexing.milvus_sync import MilvusStore

        return MilvusStore(where)
    return FolderStore(where, vector)


@dataclass(frozen=True)
class AddReport:
    """What ``Library.add`` did: the import, and the index update (None when not indexed)."""

    imported: ImportReport
    indexed: IndexReport | None

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every file or line skipped, by the import or by the index update."""
        return self.imported.problems + (self.indexed.problems if self.indexed else ())


class Library:
    """A corpus folder and the index built from it, wherever it lives (``location``).

    ``index_dir`` names a folder, or a Milvus collection (a ``MilvusAddress`` or
    ``milvus:<uri>[#<collection>]``; ``qa.store.milvus.address.parse_location``); the
    ``milvus`` keyword names one too. For a collection, the ``index_dir`` attribute is the
    folder that keeps the model export (``export_dir``, default ``embeddings``) and the
    local index that ``copy_to_milvus`` copies.
    """

    def __init__(
        self,
        corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
        index_dir: Location = DEFAULT_INDEX_DIR,
        *,
        model: str | None = None,
        encoder: TextEncoder | None = None,
        encoder_settings: EncoderSettings | None = None,
        split: SplitSettings | None = None,
        vector: VectorIndexSettings | None = None,
        progress: ProgressFn | None = None,
        milvus: MilvusAddress | None = None,
        export_dir: str | Path | None = None,
    ) -> None:
        where = parse_location(index_dir)
        self.milvus = milvus if milvus is not None or isinstance(where, Path) else where
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = where if isinstance(where, Path) else Path(export_dir or DEFAULT_INDEX_DIR)
        self._model = model
        self._encoder = encoder
        self._encoder_settings = encoder_settings
        self.split = split
        self.vector = vector
        self.progress = progress

    @property
    def encoder(self) -> TextEncoder:
        """The encoder passages are embedded with (loaded on first use)."""
        if self._encoder is None:
            model, settings, index_dir = self._model, self._encoder_settings, self.index_dir
            self._encoder = LazyEncoder(canonical_model_name(model), lambda: load_encoder(model, settings, index_dir))
        return self._encoder

    @property
    def location(self) -> Path | MilvusAddress:
        """Where the index lives: the Milvus collection if one is named, else the folder
        (``str()`` of either names it in messages)."""
        return self.milvus if self.milvus is not None else self.index_dir

    @property
    def store(self) -> IndexStore:
        """The store at ``location``, as the write side sees it."""
        return open_store(self.location, self.vector)

    def has_index(self) -> bool:
        """Whether the index folder (or Milvus collection) has a generation being served."""
        return self.store.has_index()

    def update(self, *, full: bool = False) -> IndexReport:
        """Bring the index up to date with the corpus (only new and changed articles are
        embedded, renamed ones are not; ``full`` rebuilds everything)."""
        return update_store(
            self.store, self.corpus_dir, encoder=self.encoder, settings=self.split, full=full, progress=self.progress
        )

    def copy_to_milvus(self, *, full: bool = False) -> IndexReport:
        """Serve the local index (``index_dir``) from the Milvus collection too, copying its
        passages and vectors: nothing is embedded, only articles the collection lacks are written."""
        if self.milvus is None:
            raise UsageError(
                "copying to Milvus needs a collection: give --uri (a Milvus Lite file such as ./milvus.db, or http://host:19530)"
            )
        from qa.store.snapshot import load_snapshot

        return copy_index(open_store(self.milvus), load_snapshot(self.index_dir), full=full)

    def ensure_index(self) -> IndexReport | None:
        """Build the index when there is none yet; None when one is already there."""
        return None if self.has_index() else self.update()

    def add(self, paths: Iterable[str | Path], *, index: bool = True) -> AddReport:
        """Import ``paths`` (.txt, .md, .html, .jsonl) into the corpus, then update the index
        unless ``index`` is False. Raises ``CorpusError`` when nothing could be imported."""
        imported = import_files(paths, self.corpus_dir)
        if not imported.written:
            details = "; ".join(f"{p.path}: {p.reason}" for p in imported.problems) or "no files were given"
            raise CorpusError(f"nothing was imported ({details}): fix or choose other files and try again")
        return AddReport(imported, self.update() if index else None)

    def remove(self, article_ids: Sequence[str]) -> IndexReport:
        """Delete the files of ``article_ids`` (ids as in citations) from the corpus, then
        update the index. Unknown ids are refused before anything is deleted."""
        files = [self._file_of(article_id) for article_id in article_ids]
        if not files:
            raise UsageError("name at least one article id to remove (ids are shown in citations)")
        for file in files:
            file.unlink()
        return self.update()

    def _file_of(self, article_id: str) -> Path:
        root = self.corpus_dir.resolve()
        for suffix in ARTICLE_SUFFIXES:
            candidate = (root / f"{article_id}{suffix}").resolve()
            if (
                candidate.is_relative_to(root)
                and candidate.is_file()
                and not (root / f"{article_id}{suffix}").is_symlink()
            ):
                return candidate
        raise UsageError(
            f"no article {article_id!r} in {self.corpus_dir}: use an id from a citation (its path without .txt/.md)"
        )


def build_index(
    corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
    index_dir: str | Path = DEFAULT_INDEX_DIR,
    *,
    encoder: TextEncoder | None = None,
    settings: SplitSettings | None = None,
    full: bool = False,
    vector_settings: VectorIndexSettings | None = None,
    progress: ProgressFn | None = None,
) -> IndexReport:
    """Build or update the index in ``index_dir`` from ``corpus_dir``: ``Library.update``.

    Only new and changed articles are embedded; ``settings`` (how articles are split) and
    ``vector_settings`` (the FAISS kind) default to what the existing index was built with.
    """
    library = Library(corpus_dir, index_dir, encoder=encoder, split=settings, vector=vector_settings, progress=progress)
    return library.update(full=full)
