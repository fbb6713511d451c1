"""From checked settings to the objects every face uses: the ``Library`` (write side), the
first build, and the ``Retriever`` (read side). One place for the CLI, the chat and ui.py."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from qa.app.reports import index_lines, problem_lines
from qa.embedding.encoder import TextEncoder
from qa.indexing.library import Library
from qa.passages.splitter import SplitSettings
from qa.query.retriever import Retriever
from qa.settings import Settings
from qa.store.vector_index import VectorIndexSettings
from qa.types import ProgressFn


def library_for(
    settings: Settings,
    *,
    progress: ProgressFn | None = None,
    encoder: TextEncoder | None = None,
    split: SplitSettings | None = None,
) -> Library:
    """The ``Library`` of the settings' corpus and index (a folder or a Milvus collection;
    ``encoder``: share one)."""
    vector = VectorIndexSettings.for_kind(settings.vector_index) if settings.vector_index else None
    return Library(
        settings.corpus_dir,
        settings.milvus_address() or settings.index_dir,
        export_dir=settings.index_dir,
        model=settings.model,
        encoder=encoder,
        encoder_settings=settings.encoder_settings(),
        split=split,
        vector=vector,
        progress=progress,
    )


def ensure_index(settings: Settings) -> None:
    """Build the index when there is none yet, saying so (the chat's first start)."""
    library = library_for(settings)
    if library.has_index():
        return
    print(f"No index in {library.location}: building it from {library.corpus_dir} (first start only)…", flush=True)
    report = library.update()
    for line in problem_lines(report.problems) + index_lines(report):
        print(line, flush=True)


def load_retriever(settings: Settings) -> Retriever:
    """The retriever over the settings' index (a folder or a Milvus collection), with their
    answer, search and encoder settings (the model export of a collection is kept in the
    index folder)."""
    return Retriever.load(
        settings.milvus_address() or settings.index_dir,
        export_dir=settings.index_dir,
        answer_settings=settings.answer_settings(),
        tuning=settings.search_tuning(),
        encoder_settings=settings.encoder_settings(),
    )


def load_in_background(settings: Settings) -> Future[Retriever]:
    """Build the index if there is none, then load the retriever, in a thread: the chat's
    start, which imports Gradio (its slowest part) meanwhile. The future raises what
    ``ensure_index`` or ``load_retriever`` raised."""
    loading: Future[Retriever] = Future()

    def run() -> None:
        try:
            ensure_index(settings)
            loading.set_result(load_retriever(settings))
        except BaseException as error:  # handed to the waiting caller
            loading.set_exception(error)

    threading.Thread(target=run, name="qa-load-index", daemon=True).start()
    return loading
