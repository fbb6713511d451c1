"""What each ``qa`` command does, given its parsed flags and checked settings.

Every command that writes goes through ``qa.Library``; every command that reads goes
through ``qa.Retriever``. Heavy modules (the model, Gradio) are imported only by the
commands that need them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from qa.app import startup
from qa.app.reports import index_lines, problem_lines, ray_lines, terminal_progress
from qa.errors import UsageError
from qa.indexing.library import Library
from qa.passages.splitter import SplitSettings
from qa.settings import Settings
from qa.types import SEARCH_MODES, SearchMode

if TYPE_CHECKING:
    from qa.query.retriever import Retriever

EXIT_NOT_FOUND = 1


def _split_settings(args: argparse.Namespace, settings: Settings) -> SplitSettings | None:
    """Split settings from the flags; None (keep the index's own) when no flag was given."""
    title = getattr(args, "title_in_embedding", None)
    if settings.max_tokens is None and title is None:
        return None
    base = SplitSettings()
    return replace(
        base,
        max_tokens=settings.max_tokens if settings.max_tokens is not None else base.max_tokens,
        title_in_embedding=title if title is not None else base.title_in_embedding,
    )


def library_for(settings: Settings, *, progress: bool = False, args: argparse.Namespace | None = None) -> Library:
    """The ``Library`` of the settings' folders, with a terminal progress bar and the split flags."""
    return startup.library_for(
        settings,
        progress=terminal_progress(progress and sys.stderr.isatty()),
        split=_split_settings(args, settings) if args is not None else None,
    )


def _print_problems(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def run_index(args: argparse.Namespace, settings: Settings) -> int:
    """``qa index``: build or update the index (``--to milvus``: copy the local one to Milvus)."""
    if args.to == "milvus" and settings.milvus_address() is None:
        settings = replace(settings, store="milvus")  # the default collection (Milvus Lite ./milvus.db)
    library = library_for(settings, progress=not args.quiet, args=args)
    if args.to == "milvus":
        report = library.copy_to_milvus(full=args.full)
    else:
        report = library.update(full=args.full)
    _print_problems(problem_lines(report.problems))
    print("\n".join(index_lines(report) + ray_lines(library.encoder)))
    return 0


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    """``qa add``: import files into the corpus, and index them with ``--index-now``."""
    library = library_for(settings, progress=True)
    report = library.add(args.files, index=args.index_now)
    _print_problems(problem_lines(report.problems))
    for name in report.imported.written:
        print(f"added {settings.corpus_dir / name}")
    if report.indexed is None:
        print(f"run `qa index` to make the {len(report.imported.written)} new article(s) searchable")
    else:
        print("\n".join(index_lines(report.indexed) + ray_lines(library.encoder)))
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    """``qa remove``: delete articles by id and update the index."""
    library = library_for(settings, progress=True)
    report = library.remove(args.ids)
    _print_problems(problem_lines(report.problems))
    print(f"removed {', '.join(report.removed) or 'nothing'}")
    print("\n".join(index_lines(report) + ray_lines(library.encoder)))
    return 0


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    """``qa ask``: answer one question; exit 1 when the articles do not answer it."""
    from qa.app.render import answer_dict, answer_text
    from qa.query.question import clean_question

    question = clean_question(args.question)  # a bad question is refused before the index is loaded
    answer = _retriever(settings.index_dir, settings).answer(question, k=settings.k, mode=settings.mode)
    if args.json:
        print(json.dumps(answer_dict(answer), ensure_ascii=False, indent=2))
    else:
        print(answer_text(answer))
    return 0 if answer.found else EXIT_NOT_FOUND


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """``qa serve``: the chat, until interrupted. The index is built (if need be) and loaded
    in a thread while Gradio, the slowest import, is imported here."""
    loading = startup.load_in_background(settings)
    from qa.app.server import serve

    serve(settings, loading.result())
    return 0


def run_mcp(args: argparse.Namespace, settings: Settings) -> int:
    """``qa mcp``: the MCP tools over stdio (stdout carries the protocol, so nothing else is printed there)."""
    from qa.app.mcp_tools import build_mcp

    build_mcp(startup.load_retriever(settings)).run(transport="stdio")
    return 0


def _modes(value: str | None) -> list[SearchMode]:
    if value is None:
        return list(SEARCH_MODES)
    wanted = [m.strip() for m in value.split(",") if m.strip()]
    modes = [known for name in wanted for known in SEARCH_MODES if name == known]
    if not wanted or len(modes) != len(wanted):
        raise UsageError(f"--modes takes a comma-separated list of {', '.join(SEARCH_MODES)}, not {value!r}")
    return modes


def _retriever(index: Path, settings: Settings) -> Retriever:
    return startup.load_retriever(replace(settings, index_dir=index))


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """``qa eval``: score a question file or a BEIR folder."""
    from qa.app import calibrate, evaluate

    modes = _modes(args.modes)
    path = Path(args.path)
    rows: list[evaluate.QuestionMetrics | evaluate.BeirMetrics] = []
    if path.is_dir():
        evaluate.check_beir_folder(path, args.split)
        index = Path(args.index_dir) if args.index_dir else Path(".qa-eval") / path.name
        corpus = index.with_name(index.name + "-corpus")
        evaluate.write_beir_corpus(path, corpus)
        eval_settings = replace(settings, corpus_dir=corpus, index_dir=index)
        report = library_for(eval_settings, progress=True, args=args).update()
        print(f"index {index}: {report.summary()}", file=sys.stderr)
        retriever = _retriever(index, settings)
        rows += [evaluate.evaluate_beir(retriever, path, mode, args.split) for mode in modes]
    elif path.is_file():
        questions = evaluate.read_questions(path)
        retriever = _retriever(settings.index_dir, settings)
        if args.calibrate:
            score = calibrate.calibrate_score(retriever, questions)
            print(f"fitted: {score}", file=sys.stderr)
            retriever = retriever.with_answer_settings(replace(retriever.answer_settings, score=score))
        rows += [evaluate.evaluate_questions(retriever, questions, mode) for mode in modes]
    else:
        raise UsageError(
            f"{path} is neither a question file nor a BEIR folder: give a .jsonl file or a folder with corpus.jsonl"
        )
    print(evaluate.format_table(rows))
    if args.json_out:
        try:
            Path(args.json_out).write_text(json.dumps([asdict(row) for row in rows], indent=2), encoding="utf-8")
        except OSError as error:
            raise UsageError(
                f"cannot write {args.json_out} ({error.strerror or error}): give a writable path to --json"
            ) from error
    return 0
