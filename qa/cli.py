"""The ``qa`` command: ``qa index``, ``qa add``, ``qa ask``, ``qa serve``, ``qa eval``.

Exit codes: 0 success (for ``ask``: an answer was found), 1 ``ask`` found no answer in the
articles, 2 bad usage or question, 3 the index is missing, damaged or incompatible,
4 the corpus or model is unusable. Two ``qa index`` runs at once queue behind a lock.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from qa.errors import QAError
from qa.types import SEARCH_MODES

EXIT_NOT_FOUND = 1


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _add_paths(parser: argparse.ArgumentParser, *, corpus: bool) -> None:
    parser.add_argument("--index", default=_env("QA_INDEX", "embeddings"), help="index folder (env QA_INDEX; default: embeddings)")
    if corpus:
        parser.add_argument("--corpus", default=_env("QA_CORPUS", "corpus"), help="articles folder (env QA_CORPUS; default: corpus)")


def _add_split_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-tokens", type=int, default=None, help="word pieces per passage (default: as before, else 128)")
    parser.add_argument(
        "--title-in-embedding",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="prefix each passage with its article's title when embedding (default: as before, else off)",
    )


def _split_settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Split settings from the flags; None (keep the index's own) when no flag was given."""
    from dataclasses import replace

    from qa.passages import SplitSettings

    if args.max_tokens is None and args.title_in_embedding is None:
        return None
    changes = {"max_tokens": args.max_tokens, "title_in_embedding": args.title_in_embedding}
    return replace(SplitSettings(), **{k: v for k, v in changes.items() if v is not None})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Answer questions from news articles, with citations.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="build or update the index from the corpus")
    _add_paths(index, corpus=True)
    index.add_argument("--model", default=os.environ.get("QA_MODEL"), help="sentence-transformers model name or path (env QA_MODEL)")
    index.add_argument("--full", action="store_true", help="rebuild from scratch instead of updating")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument(
        "--vector-index",
        choices=("auto", "flat", "ivf", "hnsw"),
        default=None,
        help="FAISS index kind (default: as before, else auto = exact up to 50k passages, IVF above)",
    )
    _add_split_options(index)

    add = commands.add_parser("add", help="import articles (.txt, .md, .html, .jsonl) into the corpus")
    add.add_argument("files", nargs="+", help="files to import")
    _add_paths(add, corpus=True)
    add.add_argument("--index-now", action="store_true", help="run `qa index` after importing")

    ask = commands.add_parser("ask", help="answer one question from the index")
    ask.add_argument("question", help="the question, in quotes")
    _add_paths(ask, corpus=False)
    ask.add_argument("-k", type=int, default=5, help="passages to retrieve (default: 5)")
    ask.add_argument("--mode", choices=SEARCH_MODES, default="hybrid", help="retrieval mode (default: hybrid)")
    ask.add_argument("--json", action="store_true", help="print the answer and hits as one JSON object")

    serve = commands.add_parser("serve", help="start the chat in the browser")
    _add_paths(serve, corpus=True)
    serve.add_argument("--host", default=_env("QA_HOST", "127.0.0.1"), help="address to bind (env QA_HOST; default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=int(_env("QA_PORT", "7860")), help="port (env QA_PORT; default: 7860)")
    serve.add_argument("--auth", default=os.environ.get("QA_AUTH"), help="USER:PASSWORD required to use the chat (env QA_AUTH)")
    serve.add_argument("--model", default=os.environ.get("QA_MODEL"), help="model for a first build (env QA_MODEL)")
    serve.add_argument(
        "--admin", action="store_true", default=os.environ.get("QA_ADMIN", "") in ("1", "true", "yes"),
        help="let chat users upload articles and rebuild the index (env QA_ADMIN=1; off by default)",
    )
    evaluate = commands.add_parser("eval", help="score retrieval and answers on a question file or a BEIR folder")
    evaluate.add_argument("path", help="questions .jsonl (dev-questions format) or a BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")
    evaluate.add_argument("--index", default=None, help="index to use (questions: default embeddings; BEIR: default .qa-eval/<name>)")
    evaluate.add_argument("--modes", default=",".join(SEARCH_MODES), help="comma-separated modes (default: hybrid,dense,bm25)")
    evaluate.add_argument("--split", default="test", help="BEIR qrels split (default: test)")
    evaluate.add_argument("--model", default=os.environ.get("QA_MODEL"), help="model for building a BEIR index (env QA_MODEL)")
    _add_split_options(evaluate)
    evaluate.add_argument("--json", dest="json_out", default=None, help="also write the results to this JSON file")
    evaluate.add_argument(
        "--calibrate", action="store_true", help="fit the decline model on this question file, print it and score with it"
    )
    return parser


def _run_eval(args: argparse.Namespace) -> int:
    from dataclasses import asdict
    from pathlib import Path

    from qa.encoder import SentenceTransformerEncoder
    from qa.evaluate import (
        calibrate_abstention,
        evaluate_beir,
        evaluate_questions,
        format_table,
        read_questions,
        write_beir_corpus,
    )
    from qa.indexer import build_index
    from qa.retriever import Retriever

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in SEARCH_MODES]
    if unknown or not modes:
        print(f"qa eval: unknown mode(s) {unknown}: use {', '.join(SEARCH_MODES)}", file=sys.stderr)
        return 2
    path = Path(args.path)
    if path.is_dir():
        index = Path(args.index or Path(".qa-eval") / path.name)
        corpus = index.with_name(index.name + "-corpus")
        write_beir_corpus(path, corpus)
        report = build_index(
            corpus, index, encoder=SentenceTransformerEncoder(args.model), settings=_split_settings(args), progress=sys.stderr.isatty()
        )
        print(f"index {index}: {report.summary()}", file=sys.stderr)
        retriever = Retriever.load(index)
        rows = [evaluate_beir(retriever, path, mode, args.split) for mode in modes]  # type: ignore[arg-type]
    elif path.is_file():
        retriever = Retriever.load(args.index or _env("QA_INDEX", "embeddings"))
        questions = read_questions(path)
        if args.calibrate:
            from dataclasses import replace

            model = calibrate_abstention(retriever, questions)
            print(f"fitted: {model}", file=sys.stderr)
            retriever.answer_settings = replace(retriever.answer_settings, abstention=model)
        rows = [evaluate_questions(retriever, questions, mode) for mode in modes]  # type: ignore[arg-type]
    else:
        print(f"qa eval: {path} is neither a question file nor a BEIR folder", file=sys.stderr)
        return 2
    print(format_table(rows))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps([asdict(r) for r in rows], indent=2), encoding="utf-8")
    return 0


def _run_index(args: argparse.Namespace) -> int:
    from qa.ann import VectorIndexSettings
    from qa.encoder import SentenceTransformerEncoder
    from qa.indexer import build_index

    report = build_index(
        args.corpus,
        args.index,
        encoder=SentenceTransformerEncoder(args.model),
        settings=_split_settings(args),
        full=args.full,
        vector_settings=VectorIndexSettings(kind=args.vector_index) if args.vector_index else None,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    for problem in report.problems:
        print(f"skipped {problem.path}: {problem.reason}", file=sys.stderr)
    if report.full_rebuild_reason:
        print(f"full rebuild: {report.full_rebuild_reason}")
    print(f"indexed {args.corpus} into {args.index}: {report.summary()}")
    return 0


def _run_add(args: argparse.Namespace) -> int:
    from qa.importer import import_files

    report = import_files(args.files, args.corpus)
    for problem in report.problems:
        print(f"skipped {problem.path}: {problem.reason}", file=sys.stderr)
    for name in report.written:
        print(f"added {args.corpus}/{name}")
    if not report.written:
        print("qa add: nothing was imported", file=sys.stderr)
        return 4
    if args.index_now:
        args.model, args.full, args.quiet = os.environ.get("QA_MODEL"), False, False
        args.max_tokens, args.title_in_embedding = None, None
        return _run_index(args)
    print(f"run `qa index` to make the {len(report.written)} new article(s) searchable")
    return 0


def _run_ask(args: argparse.Namespace) -> int:
    from qa.render import answer_dict, answer_text
    from qa.retriever import Retriever

    if args.k < 1:
        print("qa ask: -k must be at least 1", file=sys.stderr)
        return 2
    answer = Retriever.load(args.index).answer(args.question, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps(answer_dict(answer), ensure_ascii=False, indent=2))
    else:
        print(answer_text(answer))
    return 0 if answer.found else EXIT_NOT_FOUND


def _run_serve(args: argparse.Namespace) -> int:
    from qa.chat import ServeSettings, serve

    settings = ServeSettings(
        index_dir=args.index, corpus_dir=args.corpus, host=args.host, port=args.port, auth=args.auth, model=args.model, admin=args.admin
    )
    serve(settings)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qa`` command; return its exit code."""
    args = _parser().parse_args(argv)
    runners = {"index": _run_index, "add": _run_add, "ask": _run_ask, "serve": _run_serve, "eval": _run_eval}
    try:
        return runners[args.command](args)
    except QAError as error:
        print(f"qa {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
