"""Text to vectors: the encoder protocol, the ONNX encoder (default), the torch encoder, a
model-free test encoder, and the ONNX export they share.

``load_encoder`` is the one place an encoder is chosen. By default a model is exported to
ONNX once (into the index folder's ``exports/``) and run by ONNX Runtime without torch;
``backend="openvino"`` (the runtime, ``QA_RUNTIME``) runs the same export on OpenVINO,
``backend="torch"`` runs sentence-transformers itself; ``ray=RaySettings(...)`` spreads passage embedding over Ray
actors running the export (``qa.embedding.ray_encoder``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.embedding.encoder import DEFAULT_MODEL, DelegatingEncoder, TextEncoder, canonical_model_name
from qa.embedding.ray_cluster import RaySettings
from qa.errors import ModelError, UsageError
from qa.types import ProgressFn

__all__ = [
    "BACKENDS",
    "DEFAULT_MODEL",
    "EXPORTS",
    "BuildEncoder",
    "DelegatingEncoder",
    "EncoderSettings",
    "LazyEncoder",
    "PRECISIONS",
    "RUNTIMES",
    "RaySettings",
    "TextEncoder",
    "load_encoder",
    "open_export",
]

RUNTIMES = ("onnx", "openvino", "torch")
BACKENDS = RUNTIMES  # the former name, kept for one release
PRECISIONS = ("fp32", "int8")
EXPORTS = "exports"  # the folder of model exports inside an index folder
# From this many passages on, a build embeds with the same weights in torch: its passage
# path is 1.1-1.3x faster than ONNX Runtime's on this CPU, which repays the 5-7 s of
# importing torch after about 1,000 passages (docs/benchmarks.md). Vectors agree with the
# export's to cosine 0.9999 (tests/test_onnx_encoder.py); the index records the export.
TORCH_BUILD_FROM = 1000


@dataclass(frozen=True)
class EncoderSettings:
    """How a model is run: the runtime (``backend``, one of ``RUNTIMES``; ``QA_RUNTIME``), the
    export's precision, the batch size for passages."""

    backend: str = "onnx"
    precision: str = "fp32"
    batch_size: int = 32
    torch_build_from: int = TORCH_BUILD_FROM
    ray: RaySettings | None = None

    def __post_init__(self) -> None:
        if self.backend not in RUNTIMES:
            raise ModelError(f"unknown encoder runtime {self.backend!r}: use one of {', '.join(RUNTIMES)} (QA_RUNTIME)")
        if self.precision not in PRECISIONS:
            raise ModelError(f"unknown precision {self.precision!r}: use one of {', '.join(PRECISIONS)} (QA_PRECISION)")
        if self.ray is not None and self.backend == "torch":
            raise UsageError("--ray runs the model's ONNX export on the workers: drop QA_RUNTIME=torch, or drop --ray")


def load_encoder(
    model: str | None = None, settings: EncoderSettings | None = None, index_dir: Path | None = None
) -> TextEncoder:
    """The encoder that embeds passages for ``model`` (None: the packaged all-MiniLM-L6-v2).

    With the ONNX runtimes the model is exported into ``index_dir/exports/`` on first use
    (the only time torch is imported), then read from there.
    """
    settings = settings or EncoderSettings()
    name = canonical_model_name(model)
    if settings.backend == "torch" or index_dir is None:
        from qa.embedding.sentence_transformer import SentenceTransformerEncoder

        return SentenceTransformerEncoder(name, batch_size=settings.batch_size)
    from qa.embedding.export import ensure_export, export_key

    folder = Path(index_dir) / EXPORTS / export_key(name, settings.precision)
    ensure_export(name, folder, settings.precision)
    encoder = open_export(folder, settings)
    if settings.ray is not None:
        from qa.embedding.ray_encoder import RayEncoder

        return RayEncoder(encoder, folder, settings.ray, runtime=settings.backend, batch_size=settings.batch_size)
    if settings.backend == "onnx" and settings.precision == "fp32" and settings.torch_build_from > 0:
        return BuildEncoder(encoder, settings)
    return encoder


def open_export(folder: Path, settings: EncoderSettings | None = None) -> TextEncoder:
    """The ONNX encoder over the export in ``folder`` (ONNX Runtime unless ``openvino``)."""
    from qa.embedding.onnx_encoder import OnnxEncoder

    settings = settings or EncoderSettings()
    runtime = "openvino" if settings.backend == "openvino" else "onnx"
    return OnnxEncoder(folder, runtime=runtime, batch_size=settings.batch_size)


class LazyEncoder(DelegatingEncoder):
    """An encoder made on first use: knows its model's name at once, loads (or exports) the
    model only when something must be embedded or its export checked."""

    def __init__(self, name: str, make: Callable[[], TextEncoder]) -> None:
        self.name = name
        self._make = make
        self._encoder: TextEncoder | None = None

    @property
    def made(self) -> TextEncoder | None:
        """The real encoder if it was made, else None (nothing loaded)."""
        return self._encoder

    @property
    def loaded(self) -> TextEncoder:
        """The real encoder (made now if it was not yet)."""
        if self._encoder is None:
            self._encoder = self._make()
        return self._encoder

    def _target(self) -> TextEncoder:
        return self.loaded


class BuildEncoder(DelegatingEncoder):
    """The export for everything, except that a long embedding run (``torch_build_from``
    passages or more) runs the very same weights in torch, the faster engine for it here.
    Its vectors equal the export's (fp32) to cosine 0.9999, so the index records the export
    and every question is embedded by it."""

    def __init__(self, export: TextEncoder, settings: EncoderSettings) -> None:
        self.name = export.name
        self._export = export
        self._settings = settings
        self.used_torch = False

    def _target(self) -> TextEncoder:
        return self._export

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if len(texts) < self._settings.torch_build_from:
            return self._export.encode_passages(texts, spans, progress=progress)
        from qa.embedding.sentence_transformer import SentenceTransformerEncoder

        self.used_torch = True
        torch_encoder = SentenceTransformerEncoder(self.name, batch_size=self._settings.batch_size)
        return torch_encoder.encode_passages(texts, spans, progress=progress)
