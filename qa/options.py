"""Every option the commands take: its field, environment variable, flag, parser and help.

``OPTIONS`` is the table (one line per option, with the former names a renamed option
still accepts for one release); ``COMMAND_SETTINGS`` says which options each command
uses. The value parsers here raise ``ValueError`` with the accepted values;
``qa.settings.Settings.resolve`` merges defaults, environment and flags with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.embedding import PRECISIONS, RUNTIMES
from qa.embedding.ray_cluster import check_address
from qa.errors import UsageError
from qa.query.question import MAX_HITS, parse_mode
from qa.store.milvus.address import DEFAULT_COLLECTION, DEFAULT_LITE_FILE, check_collection_name
from qa.store.vector_index import INDEX_KINDS
from qa.types import SEARCH_MODES, SearchMode

STORES = ("local", "milvus")
MAX_PORT = 65535
MAX_PROBE = 65536
MAX_EF_SEARCH = 65536
MAX_RAY_ACTORS = 100_000
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,18}")


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value.strip()


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not _WHOLE_NUMBER.fullmatch(value.strip()):
            raise ValueError(f"must be a whole number between {low} and {high}, not {value!r}")
        number = int(value.strip())
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}, not {number}")
        return number

    return parse


def _fraction(value: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise ValueError(f"must be a number between 0 and 1, not {value!r}") from None
    if not 0.0 <= number <= 1.0:  # also refuses nan
        raise ValueError(f"must be between 0 and 1, not {value.strip()}")
    return number


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS or not word:
        return False
    raise ValueError(f"must be one of {', '.join(TRUE_WORDS + FALSE_WORDS)}, not {value!r}")


def _one_of(choices: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(choices)

    def parse(value: str) -> str:
        if value.strip() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {value!r}")
        return value.strip()

    return parse


def _mode(value: str) -> SearchMode:
    if value.strip() not in SEARCH_MODES:
        raise ValueError(f"must be one of {', '.join(SEARCH_MODES)}, not {value!r}")
    return parse_mode(value.strip())


def _auth(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("takes USER:PASSWORD (both non-empty, joined by a colon)")
    return user, password


def _ray_address(value: str) -> str:
    address = _text(value)
    try:
        check_address(address)
    except UsageError:
        raise ValueError(f"is not a Ray address: {address!r}") from None
    return address


def _collection(value: str) -> str:
    return check_collection_name(value.strip())


def _path(value: str) -> Path:
    return Path(_text(value)).expanduser()


@dataclass(frozen=True)
class Option:
    """One setting: its field, environment variable, flag, parser and help; ``old_env`` and
    ``old_flag``: its former names, still accepted (with a deprecation line) for one release."""

    field: str
    env: str | None
    flag: str | None
    parse: Callable[[str], Any]
    help: str
    old_env: str | None = None
    old_flag: str | None = None


def deprecation(old: str, new: str) -> str:
    """The one line printed when a deprecated flag or variable is used."""
    return f"qa: {old} is deprecated and will be removed in the next release: use {new} instead (same values)"


# One option per line, a table: the formatter leaves it as written.
# fmt: off
OPTIONS: tuple[Option, ...] = (
    Option("index_dir", "QA_INDEX", "--index", _path, "index folder (default: embeddings)"),
    Option("corpus_dir", "QA_CORPUS", "--corpus", _path, "articles folder (default: corpus)"),
    Option("model", "QA_MODEL", "--model", _text, "sentence-transformers model name or path (default: the packaged all-MiniLM-L6-v2)"),
    Option("runtime", "QA_RUNTIME", None, _one_of(RUNTIMES), "encoder runtime: onnx (default), openvino or torch", old_env="QA_BACKEND"),
    Option("precision", "QA_PRECISION", None, _one_of(PRECISIONS), "precision of a new model export: fp32 (default) or int8"),
    Option("host", "QA_HOST", "--host", _text, "address the chat binds (default: 127.0.0.1)"),
    Option("port", "QA_PORT", "--port", _int_between(1, MAX_PORT), f"port of the chat, 1-{MAX_PORT} (default: 7860)"),
    Option("auth", "QA_AUTH", "--auth", _auth, "USER:PASSWORD required to use the chat"),
    Option("admin", "QA_ADMIN", "--admin", _flag, "let chat users upload articles and rebuild the index"),
    Option("mcp", "QA_MCP", "--mcp", _flag, "also serve the MCP tools over streamable HTTP at /mcp"),
    Option("min_confidence", "QA_MIN_CONFIDENCE", None, _fraction, "0-1, decline answers less likely than this to be right (default: the fitted cut-off, docs/quality.md)"),
    Option("nprobe", "QA_NPROBE", None, _int_between(1, MAX_PROBE), "IVF lists scanned per query (default: as built, a sixteenth of the lists, at least 32)"),
    Option("ef_search", "QA_EF_SEARCH", None, _int_between(1, MAX_EF_SEARCH), "HNSW beam width (default: 128)"),
    Option("k", None, "-k", _int_between(1, MAX_HITS), f"passages to retrieve, 1-{MAX_HITS} (default: 5)"),
    Option("mode", None, "--mode", _mode, "retrieval mode: hybrid, dense or bm25 (default: hybrid)"),
    Option("vector_index", None, "--vector-index", _one_of(INDEX_KINDS), "FAISS index kind: auto, flat, ivf or hnsw"),
    Option("max_tokens", None, "--max-tokens", _int_between(16, 8192), "word pieces per passage, 16-8192"),
    Option("store", "QA_STORE", "--store", _one_of(STORES), "where the index lives: local (the --index folder, default) or milvus (see --uri)", old_flag="--backend"),
    Option("uri", "QA_MILVUS_URI", "--uri", _text, f"Milvus Lite file (default ./{DEFAULT_LITE_FILE}) or server (http://host:19530); implies --store milvus"),
    Option("token", "QA_MILVUS_TOKEN", "--token", _text, "Milvus credentials (user:password or an API key)"),
    Option("collection", "QA_COLLECTION", "--collection", _collection, f"Milvus collection name (default: {DEFAULT_COLLECTION})"),
    Option("ray", "QA_RAY", "--ray", _ray_address, "embed on Ray actors: local (a cluster on this machine, the default of a bare --ray), auto, ray://HOST:10001 or HOST:6379"),
    Option("ray_actors", "QA_RAY_ACTORS", "--ray-actors", _int_between(1, MAX_RAY_ACTORS), "encoder actors on Ray (default: one per CPU, or per GPU)"),
    Option("ray_gpus", "QA_RAY_GPUS", "--ray-gpus", _flag, "one GPU per Ray encoder actor (needs onnxruntime-gpu on the workers)"),
)
# fmt: on
OPTION_BY_FIELD = {option.field: option for option in OPTIONS}


MILVUS_SETTINGS = ("store", "uri", "token", "collection")
RAY_SETTINGS = ("ray", "ray_actors", "ray_gpus")
COMMAND_SETTINGS: dict[str, tuple[str, ...]] = {
    "index": (
        "index_dir",
        "corpus_dir",
        "model",
        "runtime",
        "precision",
        "vector_index",
        "max_tokens",
        *MILVUS_SETTINGS,
        *RAY_SETTINGS,
    ),
    "add": ("index_dir", "corpus_dir", "model", "runtime", "precision", *MILVUS_SETTINGS, *RAY_SETTINGS),
    "remove": ("index_dir", "corpus_dir", "model", "runtime", "precision", *MILVUS_SETTINGS, *RAY_SETTINGS),
    "ask": (
        "index_dir",
        "runtime",
        "precision",
        "min_confidence",
        "nprobe",
        "ef_search",
        "k",
        "mode",
        *MILVUS_SETTINGS,
    ),
    "serve": (
        "index_dir",
        "corpus_dir",
        "model",
        "runtime",
        "precision",
        "host",
        "port",
        "auth",
        "admin",
        "mcp",
        "min_confidence",
        "nprobe",
        "ef_search",
        *MILVUS_SETTINGS,
    ),
    "mcp": ("index_dir", "runtime", "precision", "min_confidence", "nprobe", "ef_search", *MILVUS_SETTINGS),
    "eval": (
        "index_dir",
        "model",
        "runtime",
        "precision",
        "min_confidence",
        "nprobe",
        "ef_search",
        "max_tokens",
        *MILVUS_SETTINGS,
    ),
}
