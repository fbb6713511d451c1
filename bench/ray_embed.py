"""Embedding on a local Ray cluster against in-process, in one run on the same BBC passages.

Runs, on the first ``--passages`` BBC passages split as the indexer splits them:

* in-process torch (what ``qa index`` runs for 1,000 passages or more) and in-process ONNX
  Runtime (the export, 2 threads);
* Ray Data ``map_batches`` over 1 and over 2 encoder actors (one CPU each) on a local
  cluster started by ``ray.init()``: passages/s of the whole call (each call starts its
  own actor pool), the fixed cost of a call (timed on one tiny passage per actor), and the
  steady rate (passages over the whole call's time less that fixed cost);
* agreement: the lowest cosine, passage and sentence vectors, of each Ray run against the
  in-process ONNX run and against torch.

From the per-actor steady rate it projects the hours for 10M passages on N CPU workers,
and on N GPUs from an assumed per-GPU rate (see ``GPU_SENTENCES_PER_S``).

    python -m bench.ray_embed --passages 2000 --json bench/results/ray_embed.json
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.backends import bbc_passages
from bench.common import report
from training.data import RESULTS

# sbert.net "Pretrained Models" table: all-MiniLM-L6-v2 encodes 14,200 sentences/s on one
# V100 GPU (750/s on a CPU). Those are short sentences; cost grows about linearly with the
# tokens at these lengths, so a passage of T tokens is counted as T / SBERT_SENTENCE_TOKENS
# sentences. The sentence length is our assumption (STS-style sentences), stated in docs.
GPU_SENTENCES_PER_S = 14_200
SBERT_SENTENCE_TOKENS = 16
TEN_MILLION = 10_000_000


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))


def _ray_run(
    export: Any, folder: Path, texts: list[str], spans: list[list[tuple[int, int]]], actors: int
) -> dict[str, Any]:
    from qa.embedding.ray_cluster import RaySettings
    from qa.embedding.ray_encoder import RayEncoder

    encoder = RayEncoder(export, folder, RaySettings(actors=actors))
    started = time.perf_counter()
    encoder.encode_passages(texts[-actors:], spans[-actors:])  # a fresh pool on one tiny passage each: the fixed cost
    startup = time.perf_counter() - started
    started = time.perf_counter()
    vectors, sentences = encoder.encode_passages(texts, spans)
    total = time.perf_counter() - started
    return {
        "actors": actors,
        "seconds": total,
        "passages_per_s": len(texts) / total,
        "startup_s": startup,  # every run starts its own actor pool: this much is paid once per build
        "steady_passages_per_s": len(texts) / (total - startup),
        "vectors": vectors,
        "sentences": sentences,
    }


def measure(count: int) -> dict[str, Any]:
    """Every run on the same ``count`` passages, and the agreement between them."""
    import tempfile

    from qa.embedding import open_export
    from qa.embedding.encoder import DEFAULT_MODEL
    from qa.embedding.export import export_model
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder

    work = Path(tempfile.mkdtemp(prefix="qa-ray-bench-"))
    folder = work / "export"
    export_model(DEFAULT_MODEL, folder)
    export = open_export(folder)
    texts, spans = bbc_passages(export, count)
    tokens = float(np.mean([len(o) for o in export.token_offsets(texts)]))
    runs: dict[str, Any] = {}
    for name, encoder in (("in-process torch", SentenceTransformerEncoder()), ("in-process onnx", export)):
        encoder.encode_passages(texts[:32], spans[:32])  # warm
        started = time.perf_counter()
        vectors, sentences = encoder.encode_passages(texts, spans)
        seconds = time.perf_counter() - started
        runs[name] = {"seconds": seconds, "passages_per_s": count / seconds, "vectors": vectors, "sentences": sentences}
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        for actors in (1, 2):
            runs[f"ray {actors} actor{'s' if actors > 1 else ''}"] = _ray_run(export, folder, texts, spans, actors)
    finally:
        ray.shutdown()
    for name, run in runs.items():
        if name.startswith("ray"):
            for reference in ("in-process onnx", "in-process torch"):
                key = reference.split()[-1]
                run[f"min_cosine_vs_{key}"] = _min_cosine(run["vectors"], runs[reference]["vectors"])
                run[f"min_sentence_cosine_vs_{key}"] = _min_cosine(run["sentences"], runs[reference]["sentences"])
    for run in runs.values():
        del run["vectors"], run["sentences"]
    return {"passages": count, "mean_tokens_per_passage": tokens, "runs": runs, "projection": _projection(runs, tokens)}


def _projection(runs: dict[str, Any], tokens: float) -> dict[str, Any]:
    """Hours for 10M passages: on N one-CPU workers at the measured per-actor rate (scaled
    by the measured 1 -> 2 actor efficiency), and on N GPUs at the assumed per-GPU rate."""
    one = runs["ray 1 actor"]["steady_passages_per_s"]
    two = runs["ray 2 actors"]["steady_passages_per_s"]
    efficiency = two / (2 * one)
    gpu_rate = GPU_SENTENCES_PER_S * SBERT_SENTENCE_TOKENS / tokens
    workers = (1, 8, 32, 128, 512)
    return {
        "per_cpu_worker_passages_per_s": one,
        "two_worker_efficiency": efficiency,
        "cpu_workers_hours": {n: TEN_MILLION / (one * (efficiency if n > 1 else 1.0) * n) / 3600 for n in workers},
        "assumed_gpu_passages_per_s": gpu_rate,
        "gpus_hours": {n: TEN_MILLION / (gpu_rate * n) / 3600 for n in (1, 2, 4, 8, 16)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=RESULTS / "ray_embed.json")
    args = parser.parse_args()
    report(measure(args.passages), args.json)


if __name__ == "__main__":
    main()
