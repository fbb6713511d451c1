"""The extractive reader's runtime: its packaged ONNX export on ONNX Runtime (no torch).

The reader is all-MiniLM-L6-v2 fine-tuned to mark answers: it reads "[CLS] question
[SEP] passage [SEP]" and gives each word piece a start and an end logit; ``[CLS]`` stands
for "no answer here". The files (``reader.onnx``, ``tokenizer.json``, ``reader.json``: the
card with each file's SHA-256) ship inside the package under ``qa/reading/model/`` and are
checked at load. ``training.train_reader`` and ``training.export_reader`` make them again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ModelError
from qa.store.manifest import sha256_file

PACKAGED_READER = Path(__file__).resolve().parent / "model"
MODEL_FILE = "reader.onnx"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "reader.json"
MAX_QUESTION_TOKENS = 64
_REMAKE = "reinstall the package (pip install -e .), or make it again: python -m training.train_reader && python -m training.export_reader"


@dataclass(frozen=True)
class WindowReading:
    """The reader's logits over one window and where each word piece lies in the passage."""

    start_logits: np.ndarray  # one per word piece of the window; [0] is [CLS]
    end_logits: np.ndarray
    offsets: tuple[tuple[int, int], ...]  # character range of each word piece in the passage
    in_passage: np.ndarray  # bool: the word piece is part of the passage
    passage: str = ""  # the passage read (spans never cross its line breaks)


def read_card(folder: Path) -> dict:
    """The reader's card, every file it lists checked against its SHA-256."""
    try:
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
        checksums = card["checksums"]
    except FileNotFoundError:
        raise ModelError(f"the reader model is missing from {folder}: {_REMAKE}") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelError(f"the reader's card {folder / CARD_FILE} is unreadable ({error}): {_REMAKE}") from None
    for name, expected in checksums.items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != expected:
            raise ModelError(f"the reader model file {path} is missing or damaged: {_REMAKE}")
    return dict(card)


class ReaderModel:
    """The packaged reader on ONNX Runtime; safe to share between threads."""

    def __init__(self, folder: str | Path = PACKAGED_READER, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self.card = read_card(self.folder)
        self.max_tokens = int(self.card.get("max_tokens", 256))
        self._question = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self._question.no_truncation()
        self._question.no_padding()
        self._pairs = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self._pairs.enable_truncation(max_length=self.max_tokens, strategy="only_second")
        self._pairs.enable_padding(
            pad_id=int(self.card.get("pad_id", 0)), pad_token=str(self.card.get("pad_token", "[PAD]"))
        )
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(self.folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        """The model file's SHA-256."""
        return str(self.card["checksums"][MODEL_FILE])

    def short_question(self, question: str) -> str:
        """The question cut to its first ``MAX_QUESTION_TOKENS`` word pieces (as in training)."""
        with self._lock:
            offsets = self._question.encode(question, add_special_tokens=False).offsets
        return question if len(offsets) <= MAX_QUESTION_TOKENS else question[: offsets[MAX_QUESTION_TOKENS - 1][1]]

    def read(self, question: str, passages: Sequence[str]) -> list[WindowReading]:
        """Start and end logits of ``question`` over each passage, in one runtime call."""
        if not passages:
            return []
        asked = self.short_question(question)
        with self._lock:
            encodings = self._pairs.encode_batch([(asked, passage) for passage in passages])
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        starts, ends = self._session.run(["start_logits", "end_logits"], feeds)
        readings = []
        for row, encoding in enumerate(encodings):
            in_passage = np.array([kind == 1 for kind in encoding.sequence_ids], dtype=bool)
            readings.append(WindowReading(starts[row], ends[row], tuple(encoding.offsets), in_passage, passages[row]))
        return readings
