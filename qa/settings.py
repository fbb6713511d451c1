"""Every setting in one place: defaults, environment variables and flags, merged and checked once.

The options are declared in ``qa.options`` (field, environment variable, flag, parser,
accepted values). ``Settings.resolve`` starts from the defaults, applies the environment,
then the flags a command was given, and checks every value it uses; a bad one raises
``UsageError`` naming the flag or variable and the accepted values. A command resolves
only the options it uses, so a malformed ``QA_PORT`` never stops ``qa ask``. A variable
that is empty or only white space counts as unset. Library code takes the objects built
here and never reads the environment. A renamed option's old flag or variable still
works for one release, printing a deprecation line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from qa.embedding import EncoderSettings
from qa.embedding.ray_cluster import RaySettings
from qa.errors import UsageError
from qa.options import OPTION_BY_FIELD, deprecation
from qa.reading.answer import AnswerSettings
from qa.store.milvus.address import DEFAULT_COLLECTION, DEFAULT_LITE_FILE, MilvusAddress
from qa.store.vector_index import SearchTuning
from qa.types import DEFAULT_CORPUS_DIR, DEFAULT_INDEX_DIR, SearchMode


@dataclass(frozen=True)
class Settings:
    """The merged settings. ``None`` means "not given": the component's own default, or for
    ``vector_index`` and ``max_tokens`` what the existing index was built with."""

    index_dir: Path = DEFAULT_INDEX_DIR
    corpus_dir: Path = DEFAULT_CORPUS_DIR
    model: str | None = None
    runtime: str = "onnx"
    precision: str = "fp32"
    host: str = "127.0.0.1"
    port: int = 7860
    auth: tuple[str, str] | None = None
    admin: bool = False
    mcp: bool = False
    min_confidence: float | None = None  # None: the answer score's fitted cut-off
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
        given_old: Mapping[str, str | None] | None = None,
        **defaults: Any,
    ) -> Settings:
        """Defaults (``defaults`` override the built-in ones), then the environment, then
        ``given`` (flag values as typed, ``None`` when absent); only the fields in ``only``
        (all when None) are taken from the environment and flags, and each is checked.
        ``given_old``: values typed under a field's deprecated flag (the new flag wins); a
        deprecated flag or variable in use prints its deprecation line to stderr."""
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
            old_raw = (given_old or {}).get(name)
            if option.old_flag and old_raw is not None:
                print(deprecation(option.old_flag, str(option.flag)), file=sys.stderr)
                if raw is None:
                    raw, source = old_raw, option.old_flag
            if raw is None and option.env and environ.get(option.env, "").strip():
                raw, source = environ[option.env], option.env
            if option.old_env and environ.get(option.old_env, "").strip():
                print(deprecation(option.old_env, str(option.env)), file=sys.stderr)
                if raw is None:
                    raw, source = environ[option.old_env], option.old_env
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
            raise UsageError("--uri and --token are for --store milvus: drop them, or use --store milvus")
        if self.store != "milvus" and self.uri is None:
            return None
        return MilvusAddress(self.uri or DEFAULT_LITE_FILE, self.token, self.collection)

    def encoder_settings(self) -> EncoderSettings:
        """How the model is run (``ray``: passages embedded on a Ray cluster)."""
        return EncoderSettings(backend=self.runtime, precision=self.precision, ray=self.ray_settings())

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
        """Answer reading with this ``min_confidence`` (None: the answer score's fitted cut-off)."""
        return AnswerSettings(min_confidence=self.min_confidence)


#: The settings each command reads; the others are left at their defaults and never parsed.
