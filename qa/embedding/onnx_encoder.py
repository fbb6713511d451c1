"""The torch-free encoder: the model's own tokenizer (``tokenizers``) and its ONNX export.

Runs on ONNX Runtime (the default) or on the OpenVINO runtime reading the same file
(``QA_RUNTIME=openvino``, needs ``pip install openvino``); neither imports torch,
transformers or sentence-transformers. Vectors equal sentence-transformers' to cosine
0.9999 or better (tested). Passages get their sentence vectors from the same forward
pass (late pooling), as with the torch encoder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.embedding.encoder import pool_spans
from qa.embedding.export import MODEL_FILE, TOKENIZER_FILE, ExportInfo, read_export
from qa.errors import ModelError
from qa.types import ProgressFn

RUNTIMES = ("onnx", "openvino")
Feeds = dict[str, np.ndarray]


def _onnxruntime_session(
    model: Path, threads: int, device: str = "cpu"
) -> Callable[[Feeds], tuple[np.ndarray, np.ndarray]]:
    import onnxruntime

    providers = ["CPUExecutionProvider"]
    if device == "cuda":
        if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
            raise ModelError(
                "a GPU encoder needs ONNX Runtime's CUDA provider: pip install onnxruntime-gpu (on every GPU node)"
            )
        providers.insert(0, "CUDAExecutionProvider")
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(model), options, providers=providers)

    def run(feeds: Feeds) -> tuple[np.ndarray, np.ndarray]:
        tokens, pooled = session.run(["token_embeddings", "sentence_embedding"], feeds)
        return tokens, pooled

    return run


def _openvino_session(
    model: Path, threads: int, device: str = "cpu"
) -> Callable[[Feeds], tuple[np.ndarray, np.ndarray]]:
    try:
        import openvino
    except ImportError:
        raise ModelError(
            "QA_RUNTIME=openvino needs the OpenVINO runtime: pip install 'qa[openvino]' (or unset QA_RUNTIME)"
        ) from None
    if device != "cpu":
        raise ModelError(
            "OpenVINO runs here on the CPU only: for GPU workers unset QA_RUNTIME=openvino (ONNX Runtime's CUDA provider is used)"
        )
    core = openvino.Core()
    compiled = core.compile_model(
        core.read_model(str(model)), "CPU", {"INFERENCE_NUM_THREADS": threads} if threads else {}
    )
    lock = threading.Lock()
    request = compiled.create_infer_request()

    def run(feeds: Feeds) -> tuple[np.ndarray, np.ndarray]:
        with lock:
            outputs = request.infer(feeds)
            return np.array(outputs["token_embeddings"]), np.array(outputs["sentence_embedding"])

    return run


class OnnxEncoder:
    """An exported model on ONNX Runtime or OpenVINO; safe to share between threads."""

    def __init__(
        self, folder: str | Path, *, runtime: str = "onnx", batch_size: int = 32, threads: int = 0, device: str = "cpu"
    ) -> None:
        if runtime not in RUNTIMES:
            raise ModelError(f"unknown runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
        self.folder = Path(folder)
        self.info: ExportInfo = read_export(self.folder)
        self.name = self.info.model
        self.runtime = runtime
        self.batch_size = batch_size
        from tokenizers import Tokenizer

        self._splitting = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self._splitting.no_truncation()
        self._splitting.no_padding()
        self._model_input = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self._model_input.enable_truncation(max_length=self.info.max_tokens)
        self._model_input.enable_padding(pad_id=self.info.pad_id, pad_token=self.info.pad_token)
        start = _onnxruntime_session if runtime == "onnx" else _openvino_session
        self._run = start(self.folder / MODEL_FILE, threads, device)

    @property
    def export(self) -> dict[str, object]:
        """What the index records of the export its vectors were made with."""
        return {
            "runtime": "onnx",
            "precision": self.info.precision,
            "sha256": self.info.fingerprint,
            "folder": self.folder.name,
        }

    @property
    def dimension(self) -> int:
        """Length of one embedding vector."""
        return self.info.dimension

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads before it truncates, special tokens included."""
        return self.info.max_tokens

    def _forward(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]], np.ndarray]:
        """Token vectors, unit passage vectors, token offsets and the attention mask of a batch."""
        encodings = self._model_input.encode_batch(list(texts))
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        tokens, pooled = self._run(feeds)
        return tokens, pooled, [list(e.offsets) for e in encodings], feeds["attention_mask"]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for first in range(0, len(texts), self.batch_size):
            rows = order[first : first + self.batch_size]
            out[rows] = self._forward([texts[i] for i in rows])[1]
        return out

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character offsets of each word piece of each text, special tokens left out."""
        if not texts:
            return []
        return [list(e.offsets) for e in self._splitting.encode_batch(list(texts), add_special_tokens=False)]

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passage vectors, and a vector for every span of every passage, from one forward pass
        (late pooling: a span's vector is the mean of the passage's token vectors inside it)."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32), np.zeros((0, self.dimension), np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        passages = np.empty((len(texts), self.dimension), dtype=np.float32)
        span_rows: list[np.ndarray] = [np.empty((0, self.dimension), np.float32)] * len(texts)
        for first in range(0, len(texts), self.batch_size):
            rows = order[first : first + self.batch_size]
            tokens, pooled, offsets, mask = self._forward([texts[i] for i in rows])
            for number, row in enumerate(rows):
                kept = mask[number].astype(bool)
                passages[row] = pooled[number]
                span_rows[row] = pool_spans(tokens[number][kept], offsets[number], spans[row], pooled[number])
            if progress is not None:
                progress(min(first + self.batch_size, len(texts)), len(texts))
        return passages, np.vstack(span_rows).astype(np.float32)
