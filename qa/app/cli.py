"""The ``qa`` command: ``qa index``, ``add``, ``remove``, ``ask``, ``serve``, ``mcp``, ``eval``.

Exit codes: 0 success (for ``ask``: an answer was found), 1 ``ask`` found no answer in the
articles, 2 bad usage, a bad value or a bad question, 3 the index is missing, damaged,
incompatible or cannot be written, 4 the corpus or model is unusable, 130 interrupted.
Any other failure is a bug: it exits 70 with a one-line message (``QA_DEBUG=1`` shows the
traceback). Two ``qa index`` runs at once queue behind a lock.

Flags are parsed as text here and checked in ``qa.settings``, together with the
environment, so a bad value gets the same message from a flag or a variable. A renamed
flag (``--backend``, now ``--store``) is still accepted for one release, with a deprecation line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from qa.errors import QAError, UsageError
from qa.options import COMMAND_SETTINGS, OPTION_BY_FIELD
from qa.settings import Settings

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse that raises ``UsageError`` instead of exiting, so ``main`` handles every error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _option(parser: argparse.ArgumentParser, field: str) -> None:
    """A flag whose value is checked by ``qa.settings`` (so flags and variables agree)."""
    option = OPTION_BY_FIELD[field]
    env = f" (env {option.env})" if option.env else ""
    parser.add_argument(
        str(option.flag), dest=field, default=None, metavar=field.split("_")[0].upper(), help=option.help + env
    )
    if option.old_flag:
        parser.add_argument(
            option.old_flag,
            dest=f"old_{field}",
            default=None,
            metavar=field.split("_")[0].upper(),
            help=f"deprecated name of {option.flag}, removed in the next release",
        )


def _split_flags(parser: argparse.ArgumentParser) -> None:
    _option(parser, "max_tokens")
    parser.add_argument(
        "--title-in-embedding",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="prefix each passage with its article's title when embedding (default: as before, else off)",
    )


def _milvus_flags(parser: argparse.ArgumentParser) -> None:
    for field in ("store", "uri", "token", "collection"):
        _option(parser, field)


def _ray_flags(parser: argparse.ArgumentParser) -> None:
    option = OPTION_BY_FIELD["ray"]
    parser.add_argument(
        "--ray",
        dest="ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help=f"{option.help} (env {option.env})",
    )
    actors = OPTION_BY_FIELD["ray_actors"]
    parser.add_argument(
        "--ray-actors", dest="ray_actors", default=None, metavar="N", help=f"{actors.help} (env {actors.env})"
    )
    gpus = OPTION_BY_FIELD["ray_gpus"]
    parser.add_argument(
        "--ray-gpus", dest="ray_gpus", action="store_true", default=None, help=f"{gpus.help} (env {gpus.env}=1)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``qa`` argument parser (every value checked later, by ``qa.settings``)."""
    parser = _Parser(prog="qa", description="Answer questions from news articles, with citations.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    index = commands.add_parser("index", help="build or update the index from the corpus")
    for field in ("corpus_dir", "index_dir", "model", "vector_index"):
        _option(index, field)
    index.add_argument("--full", action="store_true", help="rebuild from scratch instead of updating")
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument(
        "--to",
        choices=["milvus"],
        default=None,
        help="copy the local index (--index) into the Milvus collection (--uri) without embedding anything",
    )
    _split_flags(index)
    _milvus_flags(index)
    _ray_flags(index)

    add = commands.add_parser("add", help="import articles (.txt, .md, .html, .jsonl) into the corpus")
    add.add_argument("files", nargs="+", help="files to import")
    for field in ("corpus_dir", "index_dir"):
        _option(add, field)
    add.add_argument("--index-now", action="store_true", help="update the index right after importing")
    _milvus_flags(add)
    _ray_flags(add)

    remove = commands.add_parser("remove", help="delete articles from the corpus by id and update the index")
    remove.add_argument("ids", nargs="+", help="article ids, as in citations (the file's path without .txt/.md)")
    for field in ("corpus_dir", "index_dir"):
        _option(remove, field)
    _milvus_flags(remove)
    _ray_flags(remove)

    ask = commands.add_parser("ask", help="answer one question from the index")
    ask.add_argument("question", help="the question, in quotes")
    for field in ("index_dir", "k", "mode"):
        _option(ask, field)
    ask.add_argument("--json", action="store_true", help="print the answer and hits as one JSON object")
    _milvus_flags(ask)

    serve = commands.add_parser("serve", help="start the chat in the browser")
    for field in ("corpus_dir", "index_dir", "host", "port", "auth", "model"):
        _option(serve, field)
    serve.add_argument(
        "--admin", action="store_true", default=None, help=OPTION_BY_FIELD["admin"].help + " (env QA_ADMIN=1)"
    )
    serve.add_argument("--mcp", action="store_true", default=None, help=OPTION_BY_FIELD["mcp"].help + " (env QA_MCP=1)")
    _milvus_flags(serve)

    mcp = commands.add_parser("mcp", help="serve the MCP tools over stdio, for desktop agents")
    _option(mcp, "index_dir")
    _milvus_flags(mcp)

    evaluate = commands.add_parser("eval", help="score retrieval and answers on a question file or a BEIR folder")
    evaluate.add_argument(
        "path", help="questions .jsonl (dev-questions format) or a BEIR folder (corpus.jsonl, queries.jsonl, qrels/)"
    )
    evaluate.add_argument(
        "--index",
        dest="index_dir",
        default=None,
        help="index to use (questions: QA_INDEX or embeddings; BEIR: .qa-eval/<name>)",
    )
    evaluate.add_argument("--modes", default=None, help="comma-separated modes (default: hybrid,dense,bm25)")
    evaluate.add_argument("--split", default="test", help="BEIR qrels split (default: test)")
    _option(evaluate, "model")
    _split_flags(evaluate)
    evaluate.add_argument("--json", dest="json_out", default=None, help="also write the results to this JSON file")
    _milvus_flags(evaluate)
    evaluate.add_argument(
        "--calibrate",
        action="store_true",
        help="fit the answer score on this question file, print it and score with it",
    )
    return parser


def resolve_settings(args: argparse.Namespace) -> Settings:
    """The command's settings: defaults, then the environment, then its flags, all checked."""
    used = COMMAND_SETTINGS[args.command]
    given = {field: getattr(args, field, None) for field in used}
    given_old = {field: getattr(args, f"old_{field}", None) for field in used}
    return Settings.resolve(given, only=used, given_old=given_old)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qa`` command; return its exit code."""
    from qa.app import commands

    command = "qa"
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as done:  # --help
            return int(done.code or 0)
        command = f"qa {args.command}"
        settings = resolve_settings(args)
        runners = {
            "index": commands.run_index,
            "add": commands.run_add,
            "remove": commands.run_remove,
            "ask": commands.run_ask,
            "serve": commands.run_serve,
            "eval": commands.run_eval,
            "mcp": commands.run_mcp,
        }
        return runners[args.command](args, settings)
    except QAError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line for the user, the traceback on demand
        if os.environ.get("QA_DEBUG"):
            raise
        print(
            f"{command}: internal error ({type(error).__name__}: {error}); set QA_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
