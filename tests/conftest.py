"""Shared fixtures: a fake encoder for fast tests, the real model and a real index for slow ones."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
DEV_QUESTIONS = Path(__file__).resolve().parent / "data" / "dev-questions.jsonl"
_WORD = re.compile(r"\S+")


class FakeEncoder:
    """Bag-of-hashed-words vectors: deterministic, no weights, counts what it embeds."""

    def __init__(self, name: str = "fake-encoder", dimension: int = 64) -> None:
        self.name = name
        self._dimension = dimension
        self.encoded_passages = 0

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return 256

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self._dimension, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.md5(word.encode()).digest()
            vector[digest[0] % self._dimension] += 1.0 if digest[1] % 2 else -1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return np.array([self._vector(t) for t in texts], dtype=np.float32).reshape(len(texts), self._dimension)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [[m.span() for m in _WORD.finditer(t)] for t in texts]

    def encode_passages(self, texts, spans, *, progress=False):  # type: ignore[no-untyped-def]
        self.encoded_passages += len(texts)
        sentences = [t[a:b] for t, row in zip(texts, spans) for a, b in row]
        return self.encode(texts), self.encode(sentences)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def real_encoder():  # type: ignore[no-untyped-def]
    from qa.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder()


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory, real_encoder) -> Path:  # type: ignore[no-untyped-def]
    """A real index of the seed articles, built once per test session with the real model."""
    from qa.indexer import build_index

    folder = tmp_path_factory.mktemp("real")
    corpus = folder / "corpus"
    shutil.copytree(SEEDS, corpus)
    build_index(corpus, folder / "embeddings", encoder=real_encoder)
    return folder
