"""Encoding engines side by side, in one run on the same passages: which one builds and answers.

Engines: torch (sentence-transformers, the reference), the ONNX export on ONNX Runtime
(graph optimisations on), the same file on the OpenVINO runtime, and dynamic int8
quantisation (MatMul weights, per channel) of the export on each runtime. For each:

* build speed: passages/s of ``encode_passages`` (passage vectors plus late-pooled sentence
  vectors, what an index build runs) on BBC passages split as the indexer splits them,
  beside the bare floor ``SentenceTransformer.encode(texts, batch_size=32)``;
* question latency p50 over 200 BBC titles;
* agreement with torch: the lowest cosine over all passages;
* quality: SciFact test nDCG@10 (hybrid and dense) and dev-file answer accuracy, each from
  an index built with that engine (``--quality``; about 6 minutes an engine here).

The default is the fastest engine whose SciFact nDCG@10 and dev answer accuracy are
within 0.005 of torch (docs/benchmarks.md).

    python -m bench.backends --passages 2000 --quality --json bench/results/backends.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import report
from training.data import BBC, ROOT, SHARED

SCIFACT = SHARED / "eval" / "scifact"
DEV = ROOT / "tests" / "data" / "dev-questions.jsonl"
ENGINES = ("torch", "onnx-fp32", "openvino-fp32", "onnx-int8", "openvino-int8")


def bbc_passages(encoder: Any, count: int, folder: Path = BBC) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """The first ``count`` BBC passages of ``folder``, split as the indexer splits them, with their sentence spans."""
    from qa.ingest.corpus import parse_article
    from qa.passages.splitter import SplitSettings, split_article

    texts: list[str] = []
    spans: list[list[tuple[int, int]]] = []
    for path in sorted(folder.glob("*.txt")):
        article = parse_article(
            path.read_text(encoding="utf-8", errors="replace"), article_id=path.stem, source=path.name, digest=path.stem
        )
        for passage in split_article(article, encoder.token_offsets, SplitSettings(), encoder.max_tokens):
            texts.append(passage.text)
            spans.append([(s.start - passage.start, s.end - passage.start) for s in passage.sentences])
        if len(texts) >= count:
            break
    return texts[:count], spans[:count]


def _engines(work: Path) -> dict[str, Any]:
    from qa.embedding import EncoderSettings, open_export
    from qa.embedding.encoder import DEFAULT_MODEL
    from qa.embedding.export import export_model
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder

    engines: dict[str, Any] = {"torch": SentenceTransformerEncoder()}
    for precision in ("fp32", "int8"):
        folder = work / f"export-{precision}"
        export_model(DEFAULT_MODEL, folder, precision)
        for runtime in ("onnx", "openvino"):
            engines[f"{runtime}-{precision}"] = open_export(folder, EncoderSettings(backend=runtime))
    return engines


def _floor(texts: list[str]) -> float:
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder

    model = SentenceTransformerEncoder().model
    model.encode(texts[:64], batch_size=32)
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    return len(texts) / (time.perf_counter() - started)


def _speed(
    encoder: Any, texts: list[str], spans: list[list[tuple[int, int]]], questions: list[str]
) -> tuple[dict[str, float], np.ndarray]:
    encoder.encode_passages(texts[:64], spans[:64])
    started = time.perf_counter()
    vectors, _ = encoder.encode_passages(texts, spans)
    seconds = time.perf_counter() - started
    latencies = []
    for question in questions:
        began = time.perf_counter()
        encoder.encode([question])
        latencies.append(time.perf_counter() - began)
    return {"passages_per_s": len(texts) / seconds, "question_p50_ms": 1000 * statistics.median(latencies)}, vectors


def _quality(name: str, encoder: Any, work: Path) -> dict[str, float]:
    from qa import Library, Retriever
    from qa.app.evaluate import evaluate_beir, evaluate_questions, read_questions, write_beir_corpus

    corpus = work / "scifact-corpus"
    if not corpus.is_dir():
        write_beir_corpus(SCIFACT, corpus)
    index = work / f"scifact-{name}"
    started = time.perf_counter()
    Library(corpus, index, encoder=encoder).update(full=True)
    built = time.perf_counter() - started
    retriever = Retriever.load(index, encoder=encoder)
    figures = {"scifact_build_s": built}
    for mode in ("hybrid", "dense"):
        figures[f"scifact_ndcg10_{mode}"] = evaluate_beir(retriever, SCIFACT, mode, "test").ndcg_at_10
    seeds = work / f"seeds-{name}"
    Library(ROOT / "corpus", seeds, encoder=encoder).update(full=True)
    dev = evaluate_questions(Retriever.load(seeds, encoder=encoder), read_questions(DEV), "hybrid")
    figures["dev_answer_accuracy"] = dev.answer_accuracy
    figures["dev_answered"] = dev.answered_rate
    shutil.rmtree(index, ignore_errors=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=2000)
    parser.add_argument("--quality", action="store_true", help="also build SciFact and dev indexes with each engine")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="engines to time (the first is the reference for agreement)"
    )
    parser.add_argument(
        "--quality-engines", default=None, help="engines to build quality indexes with (default: all timed ones)"
    )
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "backends-work")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    engines = _engines(args.work)
    wanted = [e for e in args.engines.split(",") if e in engines]
    texts, spans = bbc_passages(engines["torch"], args.passages)
    questions = [
        path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].strip() + "?"
        for path in sorted(BBC.glob("*.txt"))[::11][:200]
    ]
    results: dict[str, Any] = {"passages": len(texts), "floor_passages_per_s": _floor(texts), "engines": {}}
    reference: np.ndarray | None = None
    for name in wanted:  # every speed first, so that no engine is timed beside another's index build
        figures, vectors = _speed(engines[name], texts, spans, questions)
        if reference is None:
            reference = vectors
        figures["min_cosine_to_torch"] = float(np.min(np.sum(vectors * reference, axis=1)))
        figures["x_floor"] = figures["passages_per_s"] / results["floor_passages_per_s"]
        results["engines"][name] = figures
        print(name, json.dumps({k: round(v, 4) for k, v in figures.items()}), flush=True)
    quality = [e for e in (args.quality_engines or ",".join(wanted)).split(",") if e in wanted]
    for name in quality if args.quality else []:
        results["engines"][name].update(_quality(name, engines[name], args.work))
        print(name, json.dumps({k: round(v, 4) for k, v in results["engines"][name].items()}), flush=True)
        report(results, args.json, show=False)
    report(results, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
