"""The reader's export (training/export_reader.py): the ONNX graph computes what the trained
model computes, its attention fused into ONNX Runtime's operators, and both ways of naming
the model (``--model``, ``--checkpoint``) package a reader the product loads (the real
packaged model after a few training steps; two tiny dev splits)."""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

import numpy as np
import pytest

from qa.reading.model import CARD_FILE, MODEL_FILE, ReaderModel
from training import export_reader
from training.train_reader import Window, gold_spans, train

PASSAGE = "Acme Holdings said profit rose by 12% to $3.5m. Its chief executive is Maria Lopez."


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reader run of three steps: its ``model/`` and ``checkpoint.pt``."""
    out = tmp_path_factory.mktemp("export") / "reader"
    windows = [
        Window("By how much did Acme's profit rise?", PASSAGE, gold_spans(PASSAGE, ["12%"]), "retrieved", ["12%"]),
        Window("Who runs Acme?", PASSAGE, gold_spans(PASSAGE, ["Maria Lopez"]), "retrieved", ["Maria Lopez"]),
        Window("Who bought Zeta Foods?", PASSAGE, [], "negative", ["Omega"]),
    ]
    args = argparse.Namespace(out=out, epochs=1, lr=1e-4, batch=1, threads=1, log_every=1, save_every=3)
    train(windows, {}, args)
    return out


def _ops(path: Path) -> collections.Counter[str]:
    import onnx

    return collections.Counter(node.op_type for node in onnx.load(str(path)).graph.node)


def test_the_fused_graph_computes_what_the_trained_model_computes(trained: Path, tmp_path: Path) -> None:
    import onnxruntime
    import torch
    from transformers import AutoModel, AutoTokenizer

    export_reader.write_onnx(trained / "model", tmp_path / "reader.onnx")
    assert _ops(tmp_path / "reader.onnx")["Attention"] == 6  # one fused attention per layer

    tokenizer = AutoTokenizer.from_pretrained(trained / "model")
    batch = tokenizer(
        ["Who runs Acme?", "How much did profit rise?"], [PASSAGE, PASSAGE[:40]], padding=True, return_tensors="pt"
    )
    encoder = AutoModel.from_pretrained(trained / "model").eval()
    head = torch.nn.Linear(encoder.config.hidden_size, 2)
    head.load_state_dict(torch.load(trained / "model" / "head.pt"))
    with torch.no_grad():
        expected = head(encoder(**batch).last_hidden_state).numpy()
    session = onnxruntime.InferenceSession(str(tmp_path / "reader.onnx"), providers=["CPUExecutionProvider"])
    starts, ends = session.run(["start_logits", "end_logits"], {k: v.numpy() for k, v in batch.items()})
    mask = batch["attention_mask"].numpy().astype(bool)  # padding positions are never read
    assert np.allclose(starts[mask], expected[..., 0][mask], atol=1e-3)
    assert np.allclose(ends[mask], expected[..., 1][mask], atol=1e-3)


@pytest.mark.parametrize("named_by", ["--model", "--checkpoint"])
def test_the_export_packages_a_reader_the_product_loads(
    trained: Path, tmp_path: Path, named_by: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = {"tiny": [Window("Who leads Acme?", PASSAGE, gold_spans(PASSAGE, ["Maria Lopez"]), "score", ["Maria Lopez"])]}
    asked: list[int] = []

    def held_out(limit: int) -> dict[str, list[Window]]:
        asked.append(limit)
        return dev

    monkeypatch.setattr(export_reader, "held_out_windows", held_out)
    source = trained / "model" if named_by == "--model" else trained / "checkpoint.pt"
    out = tmp_path / "packaged"
    assert export_reader.main([named_by, str(source), "--out", str(out), "--limit", "1"]) == 0
    assert asked == [1]
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert list(printed[0]) == ["fp32"] and printed[-1]["folder"] == str(out)

    card = json.loads((out / CARD_FILE).read_text(encoding="utf-8"))
    assert card["precision"] == printed[-1]["shipped"] and set(card["dev_figures_gold_paragraph"]) >= {"fp32"}
    if card["precision"] != "fp32":
        assert _ops(out / MODEL_FILE)["QAttention"] == 6  # the fused attention, quantised
    reader = ReaderModel(out)  # checks both files' SHA-256 against the card
    (reading,) = reader.read("Who runs Acme?", [PASSAGE])
    assert reading.start_logits.shape == reading.end_logits.shape and reading.in_passage.any()
    exported = trained / "model" if named_by == "--model" else trained / "checkpoint-model"  # written beside it
    assert card["command"].endswith(f"python -m training.export_reader --model {exported}")
