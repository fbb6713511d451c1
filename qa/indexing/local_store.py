"""``FolderStore``: the index in a local folder, as the write side's ``IndexStore``.

Generations are written whole beside the served one and swapped in by ``CURRENT``
(``qa.store.generations``), under the folder's writer lock; reused articles take their
passages, vectors and BM25 token ids from the served generation's memory maps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IndexCorruptError, IndexIncompatibleError, IndexMissingError, IndexWriteError
from qa.indexing.assemble import write_parts
from qa.indexing.plan import GenerationSettings, Part, Plan, Served
from qa.passages.splitter import SplitSettings
from qa.store.generations import writer_lock
from qa.store.manifest import current_generation, read_manifest, rebuild_hint
from qa.store.snapshot import IndexSnapshot, load_snapshot
from qa.store.vector_index import VectorIndexSettings


class FolderStore:
    """The generations in one index folder; ``vector`` is the FAISS kind to build (None:
    the served index's own, else the default)."""

    def __init__(self, path: str | Path, vector: VectorIndexSettings | None = None) -> None:
        self.path = Path(path)
        self.vector = vector
        self._snapshot: IndexSnapshot | None = None

    @property
    def location(self) -> Path:
        """The index folder."""
        return self.path

    @property
    def index_kind(self) -> str:
        """The FAISS kind asked for (``auto`` unless set or kept from the served index)."""
        return (self.vector or VectorIndexSettings()).kind

    def has_index(self) -> bool:
        """Whether ``CURRENT`` names a generation."""
        return current_generation(self.path) is not None

    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold the writer lock; a failing disk becomes ``IndexWriteError``."""
        try:
            with writer_lock(self.path):
                yield
        except OSError as error:
            raise IndexWriteError(
                f"cannot write the index in {self.path} ({error.strerror or error}): choose a writable folder with --index "
                "(or QA_INDEX), or free some disk space; the previous index, if any, keeps serving"
            ) from error

    def served(self, full: bool) -> Served | None:
        """The served generation: its settings from the manifest (kept by a plain update),
        its records from the checked snapshot (not loaded when ``full``)."""
        try:
            name, manifest = read_manifest(self.path)
        except IndexMissingError:
            return None
        except (IndexCorruptError, IndexIncompatibleError) as error:
            return Served("", problem=f"the previous index cannot be reused ({error})")
        split: SplitSettings | None = None
        try:
            split = SplitSettings.from_dict(manifest.split)
            self.vector = self.vector or VectorIndexSettings.for_kind(manifest.vector_index_requested)
        except ValueError as error:
            if not full:
                raise IndexIncompatibleError(
                    f"the index in {self.path} has settings this version cannot reuse ({error}): {rebuild_hint(self.path)}"
                ) from None
        if full:
            return Served(name, split=manifest.split, split_in_use=split, index_kind=manifest.vector_index_requested)
        try:
            self._snapshot = load_snapshot(self.path)
        except (IndexIncompatibleError, IndexCorruptError) as error:
            return Served(
                name, split=manifest.split, split_in_use=split, problem=f"the previous index cannot be reused ({error})"
            )
        return Served(
            generation=self._snapshot.generation,
            records=manifest.articles,
            model=manifest.model,
            encoder=manifest.encoder,
            split=manifest.split,
            split_in_use=split,
            dimension=manifest.dimension,
            created=manifest.created,
            index_kind=manifest.vector_index_requested,
        )

    def fill(self, parts: list[Part]) -> None:
        """Reused parts as memory-mapped views of the served generation's rows (copied
        once, when written); their BM25 token ids are reused by row range."""
        for part in parts:
            record, snapshot = part.reused, self._snapshot
            if record is None or part.previous is not None:
                continue
            if snapshot is None:
                raise RuntimeError("fill() needs served() first")  # a programming error
            first, last = record.first_passage, record.first_passage + record.passage_count
            sentence_rows = slice(int(snapshot.sentence_offsets[first]), int(snapshot.sentence_offsets[last]))
            part.table = snapshot.table.rows(first, last)
            part.vectors, part.sentence_vectors = snapshot.vectors[first:last], snapshot.sentence_vectors[sentence_rows]
            part.previous = range(first, last)

    def publish(self, plan: Plan, reuse: bool, settings: GenerationSettings) -> str:
        """Write the whole generation, make it ``CURRENT``, prune old ones."""
        snapshot = self._snapshot if reuse else None
        return write_parts(self.path, plan.parts, snapshot, settings, self.vector or VectorIndexSettings())
