"""What the write side did, as lines for people: one wording for the CLI and the chat."""

from __future__ import annotations

from typing import Iterable

from qa.indexing.build import IndexReport
from qa.indexing.library import Library
from qa.ingest.corpus import Problem
from qa.query.retriever import Retriever
from qa.settings import Settings
from qa.types import ProgressFn

PROGRESS_THRESHOLD = 64


def problem_lines(problems: Iterable[Problem]) -> list[str]:
    """``skipped PATH: REASON`` for each file or line that was not used."""
    return [f"skipped {problem.path}: {problem.reason}" for problem in problems]


def index_lines(report: IndexReport) -> list[str]:
    """Why a full rebuild happened (if it did), then the one-line summary."""
    lines = [f"full rebuild: {report.full_rebuild_reason}"] if report.full_rebuild_reason else []
    return [*lines, f"indexed into {report.index_dir}: {report.summary()}"]


def ensure_index_for(library: Library) -> None:
    """Build the library's index when there is none yet, saying so (the chat's first start)."""
    if library.has_index():
        return
    print(f"No index in {library.index_dir}: building it from {library.corpus_dir} (first start only)…", flush=True)
    report = library.update()
    for line in problem_lines(report.problems) + index_lines(report):
        print(line, flush=True)


def load_retriever(settings: Settings) -> Retriever:
    """The retriever over the settings' index, with their answer, search and encoder settings."""
    return Retriever.load(
        settings.index_dir,
        answer_settings=settings.answer_settings(),
        tuning=settings.search_tuning(),
        encoder_settings=settings.encoder_settings(),
    )


def terminal_progress(enabled: bool) -> ProgressFn | None:
    """A tqdm bar on stderr for long embedding runs (64 passages or more), or None."""
    if not enabled:
        return None
    from tqdm.auto import tqdm

    bar: list[tqdm] = []

    def update(done: int, total: int) -> None:
        if total < PROGRESS_THRESHOLD:
            return
        if not bar:
            bar.append(tqdm(total=total, unit="passage", desc="Embedding"))
        bar[0].update(done - bar[0].n)
        if done >= total:
            bar[0].close()

    return update
