"""``IndexStore``: the one interface the write side needs from where an index lives.

A local folder (``FolderStore``) and a Milvus collection (``MilvusStore``) implement it,
and ``qa.indexing.build`` runs every update and copy through it: read what is served,
plan once (``qa.indexing.plan``), give the reused articles' passages and vectors, embed
the rest, publish. ``qa.indexing.library.open_store`` picks the store for a location (a
folder, a ``MilvusAddress`` or ``milvus:<uri>[#<collection>]``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from qa.indexing.plan import GenerationSettings, Part, Plan, Served
from qa.store.milvus.address import MilvusAddress


class IndexStore(Protocol):
    """Where an index is written and served from, as the write side sees it."""

    @property
    def location(self) -> Path | MilvusAddress:
        """The folder or the collection (``str()`` of it names it in messages)."""

    @property
    def index_kind(self) -> str | None:
        """The store's own search-index setting a new generation would get (None: none)."""

    def has_index(self) -> bool:
        """Whether a generation is being served."""

    def session(self) -> AbstractContextManager[None]:
        """Hold the store for one update: its writer lock or connection; its failures are
        turned into ``qa.errors`` that name the fix."""

    def served(self, full: bool) -> Served | None:
        """What is served now, after undoing what a crashed build left; None when nothing
        is. Refuses settings this version cannot read unless ``full``."""

    def fill(self, parts: list[Part]) -> None:
        """Give the reused parts the passages and vectors the new generation needs from
        the served one (nothing is embedded again, renamed articles included)."""

    def publish(self, plan: Plan, reuse: bool, settings: GenerationSettings) -> str:
        """Write the plan's generation (reusing what is served when ``reuse``), switch
        readers to it, prune what no reader needs; return the generation's name."""
