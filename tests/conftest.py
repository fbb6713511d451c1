"""Shared fixtures: a fake encoder for fast tests, the real model and a real index for slow ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.embedding.hashing import HashingEncoder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
DEV_QUESTIONS = Path(__file__).resolve().parent / "data" / "dev-questions.jsonl"


class FakeEncoder(HashingEncoder):
    """The package's model-free encoder under the name the tests use."""

    def __init__(self, name: str = "fake-encoder", dimension: int = 64) -> None:
        super().__init__(name, dimension)


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
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the seed articles, built once per test session as a user builds it:
    the packaged model, exported to ONNX into the index folder, on ONNX Runtime."""
    from qa import Library

    folder = tmp_path_factory.mktemp("real")
    corpus = folder / "corpus"
    shutil.copytree(SEEDS, corpus)
    Library(corpus, folder / "embeddings").update()
    return folder


@pytest.fixture(scope="session")
def real_encoder(real_index: Path):  # type: ignore[no-untyped-def]
    """The encoder of the real index (its ONNX export), shared by the tests that need one."""
    from qa import Retriever

    return Retriever.load(real_index / "embeddings").encoder


@pytest.fixture(scope="session")
def torch_encoder():  # type: ignore[no-untyped-def]
    """The same model run by sentence-transformers (torch): the reference the export must match."""
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder

    return SentenceTransformerEncoder()
