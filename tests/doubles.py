"""A model-free encoder for tests, crash drills and examples: no weights, no downloads.

``HashingEncoder`` turns words into signed hashed counts, so texts that share words get
similar unit vectors. It implements the same interface as the real encoder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from qa.types import ProgressFn

_WORD = re.compile(r"\S+")
_TERM = re.compile(r"\w+")


class HashingEncoder:
    """Bag-of-hashed-words vectors; counts the passages it embeds in ``encoded_passages``."""

    def __init__(self, name: str = "hashing-encoder", dimension: int = 64) -> None:
        self.name = name
        self._dimension = dimension
        self.encoded_passages = 0

    @property
    def export(self) -> dict[str, object]:
        """What the index records of this encoder."""
        return {"runtime": "hashing"}

    @property
    def dimension(self) -> int:
        """Length of one vector."""
        return self._dimension

    @property
    def max_tokens(self) -> int:
        """Tokens (white-space words here) read before truncation."""
        return 256

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self._dimension, dtype=np.float32)
        for word in _TERM.findall(text.lower()):
            digest = hashlib.md5(word.encode()).digest()
            vector[digest[0] % self._dimension] += 1.0 if digest[1] % 2 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text."""
        return np.array([self._vector(t) for t in texts], dtype=np.float32).reshape(len(texts), self._dimension)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """White-space words as tokens."""
        return [[m.span() for m in _WORD.finditer(t)] for t in texts]

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passage vectors and a vector per span (each span embedded on its own)."""
        self.encoded_passages += len(texts)
        if progress is not None:
            progress(len(texts), len(texts))
        sentences = [text[a:b] for text, row in zip(texts, spans) for a, b in row]
        return self.encode(texts), self.encode(sentences)
