"""What the write side did, as lines for people: one wording for the CLI and the chat."""

from __future__ import annotations

from collections.abc import Iterable

from qa.embedding.encoder import TextEncoder
from qa.indexing.build import IndexReport
from qa.ingest.corpus import Problem
from qa.types import ProgressFn

PROGRESS_THRESHOLD = 64


def problem_lines(problems: Iterable[Problem]) -> list[str]:
    """``skipped PATH: REASON`` for each file or line that was not used."""
    return [f"skipped {problem.path}: {problem.reason}" for problem in problems]


def index_lines(report: IndexReport) -> list[str]:
    """Why a full rebuild happened (if it did), then the one-line summary."""
    lines = [f"full rebuild: {report.full_rebuild_reason}"] if report.full_rebuild_reason else []
    return [*lines, f"indexed into {report.index_dir}: {report.summary()}"]


def ray_lines(encoder: TextEncoder) -> list[str]:
    """Where the passages were embedded, when Ray embedded them (else nothing)."""
    from qa.embedding import LazyEncoder
    from qa.embedding.ray_encoder import RayEncoder

    made = encoder.made if isinstance(encoder, LazyEncoder) else encoder
    if not isinstance(made, RayEncoder) or made.last_run is None:
        return []
    run = made.last_run
    actors = f"{run.actors} actor{'s' if run.actors != 1 else ''}"
    passages = f"{run.passages} passage{'s' if run.passages != 1 else ''}"
    return [f"embedded on Ray ({made.settings.address}) by {actors}: {passages} in {run.seconds:.1f}s"]


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
