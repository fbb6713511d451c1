"""Every setting in one place: defaults, environment variables and flags, merged and checked once.

Each ``Option`` names its field, its environment variable, its flag, how its text is
parsed and what values it accepts. ``Settings.resolve`` starts from the defaults, applies
the environment, then the flags a command was given, and checks every value it uses; a
bad one raises ``UsageError`` naming the flag or variable and the accepted values. A
command resolves only the options it uses, so a malformed ``QA_PORT`` never stops
``qa ask``. A variable that is empty or only white space counts as unset. Library code takes the objects built here and never reads the environment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from qa.embedding import BACKENDS, PRECISIONS, EncoderSettings
from qa.embedding.ray_cluster import RaySettings, check_address
from qa.errors import UsageError
from qa.query.answer import AnswerSettings
from qa.query.question import MAX_HITS, parse_mode
from qa.store.milvus.address import DEFAULT_COLLECTION, DEFAULT_LITE_FILE, MilvusAddress, check_collection_name
from qa.store.vector_index import INDEX_KINDS, SearchTuning
from qa.types import SEARCH_MODES, SearchMode

DEFAULT_INDEX_DIR = Path("embeddings")
DEFAULT_CORPUS_DIR = Path("corpus")
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
    """One setting: its field, environment variable, flag, parser and help."""

    field: str
    env: str | None
    flag: str | None
    parse: Callable[[str], Any]
    help: str


OPTIONS: tuple[Option, ...] = (
    Option("index_dir", "QA_INDEX", "--index", _path, "index folder (default: embeddings)"),
    Option("corpus_dir", "QA_CORPUS", "--corpus", _path, "articles folder (default: corpus)"),
    Option("model", "QA_MODEL", "--model", _text, "sentence-transformers model name or path (default: the packaged all-MiniLM-L6-v2)"),
    Option("backend", "QA_BACKEND", None, _one_of(BACKENDS), "encoder runtime: onnx (default), openvino or torch"),
    Option("precision", "QA_PRECISION", None, _one_of(PRECISIONS), "precision of a new model export: fp32 (default) or int8"),
    Option("host", "QA_HOST", "--host", _text, "address the chat binds (default: 127.0.0.1)"),
    Option("port", "QA_PORT", "--port", _int_between(1, MAX_PORT), f"port of the chat, 1-{MAX_PORT} (default: 7860)"),
    Option("auth", "QA_AUTH", "--auth", _auth, "USER:PASSWORD required to use the chat"),
    Option("admin", "QA_ADMIN", "--admin", _flag, "let chat users upload articles and rebuild the index"),
    Option("mcp", "QA_MCP", "--mcp", _flag, "also serve the MCP tools over streamable HTTP at /mcp"),
    Option("min_confidence", "QA_MIN_CONFIDENCE", None, _fraction, "0-1, answer only above this confidence (default: 0.5)"),
    Option("nprobe", "QA_NPROBE", None, _int_between(1, MAX_PROBE), "IVF lists scanned per query (default: as built, a sixteenth of the lists, at least 32)"),
    Option("ef_search", "QA_EF_SEARCH", None, _int_between(1, MAX_EF_SEARCH), "HNSW beam width (default: 128)"),
    Option("k", None, "-k", _int_between(1, MAX_HITS), f"passages to retrieve, 1-{MAX_HITS} (default: 5)"),
    Option("mode", None, "--mode", _mode, "retrieval mode: hybrid, dense or bm25 (default: hybrid)"),
    Option("vector_index", None, "--vector-index", _one_of(INDEX_KINDS), "FAISS index kind: auto, flat, ivf or hnsw"),
    Option("max_tokens", None, "--max-tokens", _int_between(16, 8192), "word pieces per passage, 16-8192"),
    Option("store", "QA_STORE", "--backend", _one_of(STORES), "where the index lives: local (the --index folder, default) or milvus (see --uri)"),
    Option("uri", "QA_MILVUS_URI", "--uri", _text, f"Milvus Lite file (default ./{DEFAULT_LITE_FILE}) or server (http://host:19530); implies --backend milvus"),
    Option("token", "QA_MILVUS_TOKEN", "--token", _text, "Milvus credentials (user:password or an API key)"),
    Option("collection", "QA_COLLECTION", "--collection", _collection, f"Milvus collection name (default: {DEFAULT_COLLECTION})"),
    Option(
        "ray", "QA_RAY", "--ray", _ray_address,
        "embed on Ray actors: local (a cluster on this machine, the default of a bare --ray), auto, ray://HOST:10001 or HOST:6379",
    ),
    Option("ray_actors", "QA_RAY_ACTORS", "--ray-actors", _int_between(1, MAX_RAY_ACTORS), "encoder actors on Ray (default: one per CPU, or per GPU)"),
    Option("ray_gpus", "QA_RAY_GPUS", "--ray-gpus", _flag, "one GPU per Ray encoder actor (needs onnxruntime-gpu on the workers)"),
)
OPTION_BY_FIELD = {option.field: option for option in OPTIONS}
ENV_VARS = tuple(option.env for option in OPTIONS if option.env)


@dataclass(frozen=True)
class Settings:
    """The merged settings. ``None`` means "not given": the component's own default, or for
    ``vector_index`` and ``max_tokens`` what the existing index was built with."""

    index_dir: Path = DEFAULT_INDEX_DIR
    corpus_dir: Path = DEFAULT_CORPUS_DIR
    model: str | None = None
    backend: str = "onnx"
    precision: str = "fp32"
    host: str = "127.0.0.1"
    port: int = 7860
    auth: tuple[str, str] | None = None
    admin: bool = False
    mcp: bool = False
    min_confidence: float = 0.5
    nprobe: int | None = None
    ef_search: int | None = None
    k: int = 5
    mode: SearchMode = "hybrid"
    vector_index: str | None = None
    max_tokens: int | None = None
    store: str | None = None
    uri: str | None = None
    token: str | None = None
    collection: str = DEFAULT_COLLECTION
    ray: str | None = None
    ray_actors: int | None = None
    ray_gpus: bool = False

    @classmethod
    def resolve(
        cls,
        given: Mapping[str, str | bool | None] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        only: Iterable[str] | None = None,
        **defaults: Any,
    ) -> "Settings":
        """Defaults (``defaults`` override the built-in ones), then the environment, then
        ``given`` (flag values as typed, ``None`` when absent); only the fields in ``only``
        (all when None) are taken from the environment and flags, and each is checked."""
        environ = os.environ if environ is None else environ
        wanted = set(only) if only is not None else set(OPTION_BY_FIELD)
        unknown = (wanted | set(defaults)) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings {sorted(unknown)}")
        values: dict[str, Any] = dict(defaults)
        for name in sorted(wanted):
            option = OPTION_BY_FIELD[name]
            raw = (given or {}).get(name)
            source = option.flag
            if raw is None and option.env and environ.get(option.env, "").strip():
                raw, source = environ[option.env], option.env
            if raw is None:
                continue
            if isinstance(raw, bool):
                values[name] = raw
                continue
            try:
                values[name] = option.parse(raw)
            except ValueError as error:
                raise UsageError(f"{source} {error}: {option.help}") from None
        return replace(cls(), **values)

    def milvus_address(self) -> MilvusAddress | None:
        """The Milvus collection to use, or None for the local index folder."""
        if self.store == "local" and (self.uri or self.token):
            raise UsageError("--uri and --token are for --backend milvus: drop them, or use --backend milvus")
        if self.store != "milvus" and self.uri is None:
            return None
        return MilvusAddress(self.uri or DEFAULT_LITE_FILE, self.token, self.collection)

    def encoder_settings(self) -> EncoderSettings:
        """How the model is run (``ray``: passages embedded on a Ray cluster)."""
        return EncoderSettings(backend=self.backend, precision=self.precision, ray=self.ray_settings())

    def ray_settings(self) -> RaySettings | None:
        """Where passages are embedded: None in this process, else on Ray actors."""
        if self.ray is None:
            if self.ray_actors is not None or self.ray_gpus:
                raise UsageError(
                    "--ray-actors and --ray-gpus (QA_RAY_ACTORS, QA_RAY_GPUS) go with --ray (QA_RAY): "
                    "add --ray (a local cluster) or --ray ADDRESS"
                )
            return None
        return RaySettings(address=self.ray, actors=self.ray_actors, gpus=self.ray_gpus)

    def search_tuning(self) -> SearchTuning:
        """Query-time knobs of the vector index."""
        return SearchTuning(nprobe=self.nprobe, ef_search=self.ef_search)

    def answer_settings(self) -> AnswerSettings:
        """Answer extraction with this ``min_confidence``."""
        return AnswerSettings(min_confidence=self.min_confidence)


#: The settings each command reads; the others are left at their defaults and never parsed.
MILVUS_SETTINGS = ("store", "uri", "token", "collection")
RAY_SETTINGS = ("ray", "ray_actors", "ray_gpus")
COMMAND_SETTINGS: dict[str, tuple[str, ...]] = {
    "index": ("index_dir", "corpus_dir", "model", "backend", "precision", "vector_index", "max_tokens", *MILVUS_SETTINGS, *RAY_SETTINGS),
    "add": ("index_dir", "corpus_dir", "model", "backend", "precision", *MILVUS_SETTINGS, *RAY_SETTINGS),
    "remove": ("index_dir", "corpus_dir", "model", "backend", "precision", *MILVUS_SETTINGS, *RAY_SETTINGS),
    "ask": ("index_dir", "backend", "precision", "min_confidence", "nprobe", "ef_search", "k", "mode", *MILVUS_SETTINGS),
    "serve": (
        "index_dir", "corpus_dir", "model", "backend", "precision", "host", "port", "auth", "admin", "mcp",
        "min_confidence", "nprobe", "ef_search", *MILVUS_SETTINGS,
    ),
    "mcp": ("index_dir", "backend", "precision", "min_confidence", "nprobe", "ef_search", *MILVUS_SETTINGS),
    "eval": ("index_dir", "model", "backend", "precision", "min_confidence", "nprobe", "ef_search", "max_tokens", *MILVUS_SETTINGS),
}
