"""The torch-free path: the ONNX export gives sentence-transformers' vectors, answers the
same, imports no torch, and is refused or re-created when missing, damaged or different."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import dev_questions

from bench.backends import bbc_passages
from training.data import BBC

pytestmark = pytest.mark.slow

PASSAGES = 1000


def _questions() -> list[str]:
    return [q["question"] for q in dev_questions()]


def test_export_vectors_match_sentence_transformers(real_encoder, torch_encoder) -> None:  # type: ignore[no-untyped-def]
    if not BBC.is_dir():
        # CI's full run must have them; its bare-clone run (QA_SHARED pointing nowhere) skips
        assert not os.environ.get("CI") or os.environ.get("QA_SHARED"), f"CI must have the BBC articles in {BBC}"
        pytest.skip(f"needs the BBC articles in {BBC} (../shared/news/bbc)")
    texts, spans = bbc_passages(real_encoder, PASSAGES)
    assert len(texts) == PASSAGES
    # the two tokenizers split the same way
    assert real_encoder.token_offsets(texts[:50]) == torch_encoder.token_offsets(texts[:50])
    onnx_passages, onnx_sentences = real_encoder.encode_passages(texts, spans)
    torch_passages, torch_sentences = torch_encoder.encode_passages(texts, spans)
    assert onnx_sentences.shape == torch_sentences.shape and len(onnx_sentences) > PASSAGES
    assert float(np.min(np.sum(onnx_passages * torch_passages, axis=1))) >= 0.9999
    assert float(np.min(np.sum(onnx_sentences * torch_sentences, axis=1))) >= 0.9999
    questions = _questions()
    cosines = np.sum(real_encoder.encode(questions) * torch_encoder.encode(questions), axis=1)
    assert len(cosines) == len(questions) and float(cosines.min()) >= 0.9999


def test_the_same_answers_as_the_torch_encoder(real_index: Path, torch_encoder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qa import Library, Retriever

    Library(real_index / "corpus", tmp_path / "torch-index", encoder=torch_encoder).update()
    onnx = Retriever.load(real_index / "embeddings")
    torch_side = Retriever.load(tmp_path / "torch-index", encoder=torch_encoder)
    assert onnx.snapshot.manifest.encoder["runtime"] == "onnx" and torch_side.snapshot.manifest.encoder == {
        "runtime": "torch"
    }
    for question in _questions():
        a, b = onnx.answer(question, k=10), torch_side.answer(question, k=10)
        assert [h.citation for h in a.hits] == [h.citation for h in b.hits], question
        assert (a.found, a.text) == (b.found, b.text), question
        assert abs(a.confidence - b.confidence) < 1e-3, question


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_asking_and_serving_import_no_torch(real_index: Path) -> None:
    code = (
        "import sys\n"
        "from qa.app.cli import main\n"
        "code = main(['ask', 'Who is India\\'s National Security Adviser?'])\n"
        "from qa import Retriever, Settings\n"
        "from qa.app.chat import build_app\n"
        "build_app(Retriever.load('embeddings'), Settings())\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules)\n"
        "print('exit', code, 'heavy', heavy)\n"
    )
    result = _python(code, real_index)
    assert "exit 0 heavy []" in result.stdout, result.stdout + result.stderr


def test_a_missing_damaged_or_different_export_is_refused_then_recreated(real_index: Path, tmp_path: Path) -> None:
    from qa import Library, Retriever
    from qa.embedding import EXPORTS
    from qa.errors import IndexCorruptError, IndexIncompatibleError

    shutil.copytree(real_index / "corpus", tmp_path / "corpus")
    shutil.copytree(real_index / "embeddings", tmp_path / "embeddings")
    index = tmp_path / "embeddings"
    (export,) = (index / EXPORTS).iterdir()
    model = export / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="damaged: delete .* and run `qa index`"):
        Retriever.load(index)
    shutil.rmtree(export)
    with pytest.raises(IndexCorruptError, match="no model export .*run `qa index`"):
        Retriever.load(index)
    report = Library(tmp_path / "corpus", index).update()  # re-creates the export; same bytes, so nothing re-embedded
    assert report.full_rebuild_reason is None and report.passages_embedded == 0
    assert Retriever.load(index).answer("Who met Ajit Doval in Moscow?").found
    info = json.loads((export / "export.json").read_text(encoding="utf-8"))
    info["precision"] = "int8"  # a whole export, but not the one the index was built with
    (export / "export.json").write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(IndexIncompatibleError, match="not the one the index .* was built with"):
        Retriever.load(index)


def test_a_long_build_runs_torch_and_records_the_export(real_index: Path, tmp_path: Path) -> None:
    """From ``torch_build_from`` passages on, a build embeds with torch; the index still records
    the export, and questions embedded by the export find the same answers."""
    from qa import Library, Retriever
    from qa.embedding import BuildEncoder, EncoderSettings, load_encoder

    shutil.copytree(real_index / "embeddings" / "exports", tmp_path / "index" / "exports")
    encoder = load_encoder(None, EncoderSettings(torch_build_from=10), tmp_path / "index")
    assert isinstance(encoder, BuildEncoder)
    Library(real_index / "corpus", tmp_path / "index", encoder=encoder).update()
    assert encoder.used_torch
    built = Retriever.load(tmp_path / "index")
    reference = Retriever.load(real_index / "embeddings")
    assert built.snapshot.manifest.encoder == reference.snapshot.manifest.encoder
    assert np.min(np.sum(built.snapshot.vectors[:] * reference.snapshot.vectors[:], axis=1)) >= 0.9999
    for question in _questions():
        a, b = built.answer(question), reference.answer(question)
        assert (a.found, a.text, [h.citation for h in a.hits]) == (b.found, b.text, [h.citation for h in b.hits]), (
            question
        )
