"""Export a sentence-transformers model to ONNX, once, so that answering needs no torch.

The export is the model's own transformer (its very weights, traced by ``torch.onnx``)
with its pooling (mean or CLS) and L2 normalisation in the graph, and two outputs:
``token_embeddings`` (for late-pooled sentence vectors) and ``sentence_embedding``. Beside
``model.onnx`` lie the model's ``tokenizer.json`` and ``export.json`` (model name,
dimension, token limit, precision, SHA-256 of every file). An export is written into a
staging folder and renamed into place, so a crash leaves none or a whole one.

``int8`` adds dynamic int8 quantisation of the matrix multiplications (per channel); it
is a measured option (docs/benchmarks.md), not the default.

Only this module imports torch, and only while exporting.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qa.errors import ModelError
from qa.store.manifest import sha256_file

EXPORT_VERSION = 1
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "export.json"
PRECISIONS = ("fp32", "int8")
OPSET = 17


@dataclass(frozen=True)
class ExportInfo:
    """What ``export.json`` records of an export."""

    model: str
    dimension: int
    max_tokens: int
    pooling: str
    precision: str
    checksums: dict[str, str]
    pad_token: str = "[PAD]"
    pad_id: int = 0
    export_version: int = EXPORT_VERSION
    torch_version: str = ""
    created: float = 0.0

    @property
    def fingerprint(self) -> str:
        """The model file's SHA-256: what an index records to name the export it was built with."""
        return self.checksums[MODEL_FILE]


def export_key(model: str, precision: str) -> str:
    """The folder name of an export: the model's name made file-safe, and its precision."""
    safe = "".join(c if c.isalnum() or c in "-._" else "-" for c in model.strip("/")).strip("-.")
    return f"{safe or 'model'}-{precision}"


def read_export(folder: Path) -> ExportInfo:
    """The export in ``folder``, its files checked against their recorded SHA-256.

    Raises ``ModelError`` naming the fix when it is missing, unreadable or damaged.
    """
    try:
        data = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        info = ExportInfo(**data)
    except FileNotFoundError:
        raise ModelError(f"no model export in {folder}: run `qa index` to create it") from None
    except (OSError, ValueError, TypeError) as error:
        raise ModelError(
            f"the model export in {folder} is unreadable ({error}): delete {folder} and run `qa index`"
        ) from None
    for name, expected in info.checksums.items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != expected:
            raise ModelError(f"the model export file {path} is missing or damaged: delete {folder} and run `qa index`")
    return info


def _pooling(model: Any) -> str:
    """The pooling of a ``SentenceTransformer`` whose modules this exporter reproduces exactly."""
    modules = list(model)
    names = [type(module).__name__ for module in modules]
    if names[:2] != ["Transformer", "Pooling"] or any(name != "Normalize" for name in names[2:]):
        raise ModelError(f"the model's modules {names} cannot be exported: use QA_RUNTIME=torch for it")
    mode = getattr(modules[1], "pooling_mode", None) or modules[1].get_pooling_mode_str()
    if mode not in ("mean", "cls"):
        raise ModelError(f"the model pools by {mode!r}, which the exporter does not reproduce: use QA_RUNTIME=torch")
    return str(mode)


def _write_onnx(model: Any, pooling: str, path: Path) -> None:
    import torch

    transformer = model[0].auto_model.eval()
    tokenizer = model.tokenizer

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> tuple[torch.Tensor, torch.Tensor]:
            tokens = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            if pooling == "cls":
                pooled = tokens[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
                pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return tokens, torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    sample = tokenizer(
        ["an example passage", "a second, longer example passage for tracing"], padding=True, return_tensors="pt"
    )
    if "token_type_ids" not in sample:
        raise ModelError(
            "the model's tokenizer gives no token_type_ids, which the exporter expects: use QA_RUNTIME=torch"
        )
    dynamic = {
        name: {0: "batch", 1: "tokens"}
        for name in ("input_ids", "attention_mask", "token_type_ids", "token_embeddings")
    }
    dynamic["sentence_embedding"] = {0: "batch"}

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Graph(),
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_embeddings", "sentence_embedding"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )


def _quantize(path: Path) -> None:
    """Dynamic int8 quantisation of the matrix multiplications, per channel, in place."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = path.with_name("model.int8.onnx")
    quantize_dynamic(
        str(path), str(quantized), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
    )
    os.replace(quantized, path)


def export_model(model: str, folder: Path, precision: str = "fp32") -> ExportInfo:
    """Export ``model`` (a name the index records) into ``folder``; returns what was written."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder

    loaded = SentenceTransformerEncoder(model).model
    pooling = _pooling(loaded)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _write_onnx(loaded, pooling, staging / MODEL_FILE)
        if precision == "int8":
            _quantize(staging / MODEL_FILE)
        loaded.tokenizer.backend_tokenizer.save(str(staging / TOKENIZER_FILE))
        import torch

        info = ExportInfo(
            model=model,
            dimension=int(
                (getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension)() or 0
            ),
            max_tokens=int(loaded.max_seq_length or 0),
            pooling=pooling,
            precision=precision,
            pad_token=str(loaded.tokenizer.pad_token or "[PAD]"),
            pad_id=int(loaded.tokenizer.pad_token_id or 0),
            checksums={name: sha256_file(staging / name) for name in (MODEL_FILE, TOKENIZER_FILE)},
            torch_version=str(torch.__version__),
            created=time.time(),
        )
        (staging / INFO_FILE).write_text(json.dumps(asdict(info), indent=1), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return info


def ensure_export(model: str, folder: Path, precision: str = "fp32") -> ExportInfo:
    """The export in ``folder`` when it is whole and of ``model``; else a fresh one."""
    try:
        info = read_export(folder)
        if info.model == model and info.precision == precision and info.export_version == EXPORT_VERSION:
            return info
    except ModelError:
        pass
    return export_model(model, folder, precision)
