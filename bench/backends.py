"""Encoding backends: PyTorch (the default) against OpenVINO, on the packaged model.

sentence-transformers exports the packaged all-MiniLM-L6-v2 to OpenVINO from its local
weights (optimum-intel), offline. Each backend is measured on: passages per second
encoding BBC passages (batch 32, the build's setting), single-question latency p50 (the
warm query's model share), and retrieval quality on SciFact (nDCG@10, Recall@100 with
``evaluate_beir``). ONNX Runtime is not measured: its sentence-transformers extra needs
optimum-onnx, which requires transformers < 4.58, and sentence-transformers 6 requires
transformers >= 5 (see docs/benchmarks.md).

Needs, in its own environment (it pins transformers < 5.6):
``pip install -e . "transformers>=5,<5.6" "optimum-intel[openvino]==2.2.0" && pip uninstall torchvision``
(the PyPI torchvision does not match the CPU torch build and breaks transformers' import).

    python -m bench.backends --json bench/results/backends.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from bench.common import BBC, percentile_ms, report
from qa.embedding.encoder import packaged_model_dir
from qa.embedding.sentence_transformer import SentenceTransformerEncoder

SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"


class BackendEncoder(SentenceTransformerEncoder):
    """The packaged model on another sentence-transformers backend."""

    def __init__(self, backend: str, folder: str, file_name: str | None = None) -> None:
        super().__init__()
        self.backend, self.folder, self.file_name = backend, folder, file_name

    def _load(self):  # type: ignore[no-untyped-def]
        from sentence_transformers import SentenceTransformer

        kwargs = {"model_kwargs": {"file_name": self.file_name}} if self.file_name else {}
        return SentenceTransformer(self.folder, device="cpu", backend=self.backend, **kwargs)


def _export(work: Path) -> dict[str, SentenceTransformerEncoder]:
    from sentence_transformers import SentenceTransformer

    exported = work / "openvino-model"
    SentenceTransformer(packaged_model_dir(), device="cpu", backend="openvino").save(str(exported))  # from the local weights
    return {"torch": SentenceTransformerEncoder(), "openvino": BackendEncoder("openvino", str(exported))}


def _speed(encoder: SentenceTransformerEncoder, passages: list[str], questions: list[str]) -> dict[str, float]:
    encoder.encode(passages[:64])
    started = time.perf_counter()
    encoder.encode(passages)
    rate = len(passages) / (time.perf_counter() - started)
    times = []
    for question in questions:
        started = time.perf_counter()
        encoder.encode([question])
        times.append(time.perf_counter() - started)
    return {"passages_per_second": rate, "question_p50_ms": percentile_ms(times, 50)}


def _quality(encoder: SentenceTransformerEncoder, work: Path, split: str) -> dict[str, float]:
    from qa import build_index
    from qa.app.evaluate import evaluate_beir, write_beir_corpus
    from qa.query.retriever import Retriever

    corpus = work / "scifact-corpus"
    if not corpus.exists():
        write_beir_corpus(SCIFACT, corpus)
    index = work / f"scifact-index-{getattr(encoder, 'backend', 'torch')}"
    started = time.perf_counter()
    build_index(corpus, index, encoder=encoder)
    build_seconds = time.perf_counter() - started
    retriever = Retriever.load(index, encoder=encoder)
    result: dict[str, float] = {"scifact_build_seconds": build_seconds}
    for mode in ("dense", "hybrid"):
        row = evaluate_beir(retriever, SCIFACT, mode, split)
        result[f"{mode}_ndcg_at_10"] = row.ndcg_at_10
        result[f"{mode}_recall_at_100"] = row.recall_at_100
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=2000, help="BBC passages to encode for the speed figure")
    parser.add_argument("--split", default="test")
    parser.add_argument("--quality", nargs="*", default=["torch", "openvino"], help="backends to evaluate on SciFact (builds take minutes each)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    texts = [p.read_text(encoding="utf-8") for p in sorted(BBC.glob("*.txt"))]
    passages = [" ".join(block.split()[:100]) for text in texts for block in text.split("\n\n") if len(block.split()) > 20][: args.passages]
    questions = [f"What happened: {text.splitlines()[0]}?" for text in texts[::11]][:200]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="qa-backends-") as folder:
        work = Path(folder)
        for name, encoder in _export(work).items():
            results[name] = _speed(encoder, passages, questions)
            if name in args.quality:
                results[name].update(_quality(encoder, work, args.split))
            print(name, json.dumps(results[name]), flush=True)
    base = results["torch"]
    for name, row in results.items():
        row["speed_ratio"] = row["passages_per_second"] / base["passages_per_second"]
        row["question_latency_ratio"] = row["question_p50_ms"] / base["question_p50_ms"]
    report(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
