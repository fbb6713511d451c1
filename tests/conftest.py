"""Shared fixtures: a fake encoder for fast tests, the real model and a real index for slow ones;
shared helpers (``from conftest import ...``): a free port, the ``qa`` CLI, the dev questions."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from doubles import HashingEncoder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
BBC_SAMPLE = ROOT / "tests" / "data" / "bbc"  # the BBC archive's first 25 articles (sorted), in the repository
DEV_QUESTIONS = Path(__file__).resolve().parent / "data" / "dev-questions.jsonl"
QA = str(Path(sys.executable).with_name("qa"))  # the console script of the venv running the tests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_qa(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``qa ARGS...`` in ``cwd``, output captured as text; ``env`` is added to this process's environment."""
    return subprocess.run(
        [QA, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env={**os.environ, **(env or {})}
    )


def dev_questions(path: Path = DEV_QUESTIONS) -> list[dict[str, Any]]:
    """The records of a JSON-lines question file (the dev questions by default), blank lines skipped."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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
