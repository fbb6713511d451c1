"""The torch encoder: a sentence-transformers model, loaded offline (``QA_RUNTIME=torch``).

Any sentence-transformers model can be named by path or hub name (a hub name must
already be in the local cache, ``hf download NAME``: models are loaded with
``local_files_only=True``, never fetched). It is what the ONNX
export is made from (``qa.embedding.export``), and the encoder for models that cannot be
exported. Encoding is serialised by a lock, because one fast tokenizer shared by several
threads raises "Already borrowed". A model is loaded once per process and shared.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from qa.embedding.encoder import DEFAULT_MODEL, canonical_model_name, packaged_model_dir, pool_spans
from qa.errors import ModelError
from qa.types import ProgressFn

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_LOADED: dict[tuple[str, str], tuple[SentenceTransformer, threading.Lock]] = {}
_LOAD_LOCK = threading.Lock()


class SentenceTransformerEncoder:
    """A sentence-transformers model behind a lock; loaded on first use."""

    def __init__(
        self,
        model: str | None = None,
        *,
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self.device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()  # replaced by the shared model's own lock once loaded

    @property
    def model(self) -> SentenceTransformer:
        """The loaded ``SentenceTransformer`` (loaded on first access, once per process)."""
        if self._model is None:
            key = (self.name, self.device)
            with _LOAD_LOCK:
                if key not in _LOADED:
                    _LOADED[key] = (self._load(), threading.Lock())
                self._model, self._lock = _LOADED[key]
        return self._model

    def _load(self) -> SentenceTransformer:
        from huggingface_hub.utils import disable_progress_bars
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        disable_progress_bars()
        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
        location = packaged_model_dir() if self.name == DEFAULT_MODEL else self.name
        try:
            return SentenceTransformer(location, device=self.device, local_files_only=True)
        except Exception as error:
            raise ModelError(
                f"cannot load the embedding model {self.name!r} ({type(error).__name__}: {error}). "
                "Name a local model folder, or a hub model already in the cache "
                f"(`hf download {self.name}` puts it there)"
            ) from error

    @property
    def export(self) -> dict[str, object]:
        """What the index records of the encoder its vectors were made with."""
        return {"runtime": "torch"}

    @property
    def dimension(self) -> int:
        """Length of one embedding vector."""
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        size: int | None = getter()
        if size is not None and size > 0:
            return size
        return int(self.encode(["dimension probe"]).shape[1])  # pragma: no cover - unusual models

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads before it truncates, special tokens included."""
        limit: int | None = self.model.max_seq_length
        if limit is None:  # pragma: no cover - a model without a limit
            raise ModelError(f"the model {self.name!r} declares no maximum sequence length: choose another --model")
        return limit

    def encode(self, texts: Sequence[str]) -> np.ndarray:
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
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character offsets of each word piece of each text, special tokens left out."""
        if not texts:
            return []
        tokenizer = self.model.tokenizer
        with self._lock:
            encoded = tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True, truncation=False)
        return [[(int(a), int(b)) for a, b in row] for row in encoded["offset_mapping"]]

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passage vectors, and a vector for every span of every passage, from one forward pass.

        A span's vector is the mean of the passage's contextual token embeddings inside it
        (late pooling), so sentences get embeddings at no extra model cost. Returns
        ``(passage_vectors, span_vectors)`` with the spans of all passages stacked in order.
        """
        dimension = self.dimension
        if not texts:
            return np.zeros((0, dimension), np.float32), np.zeros((0, dimension), np.float32)
        model = self.model
        # Longest first over the whole input, as SentenceTransformer.encode does within one
        # call: batches of similar length waste no work on padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        passage_rows: list[np.ndarray] = [np.empty(0, np.float32)] * len(texts)
        span_rows: list[np.ndarray] = [np.empty((0, dimension), np.float32)] * len(texts)
        chunk = max(self.batch_size * 4, 64)
        for first in range(0, len(texts), chunk):
            rows = order[first : first + chunk]
            batch = [texts[i] for i in rows]
            with self._lock:
                encoded = model.encode(batch, batch_size=self.batch_size, output_value=None, convert_to_numpy=False)
                outputs = cast(list[dict[str, Any]], encoded)
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
            if progress is not None:
                progress(min(first + chunk, len(texts)), len(texts))
        sentence_vectors = np.vstack(span_rows) if span_rows else np.zeros((0, dimension), np.float32)
        return np.vstack(passage_rows).astype(np.float32), sentence_vectors.astype(np.float32)
