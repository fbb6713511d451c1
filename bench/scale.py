"""How the index grows: 10k, 100k and 1M passages of distinct texts around real indexes.

The real passages come first (the BBC index, then squad-half's with ``--also``), with the
model's own vectors; synthetic passages fill the rest, each a new combination of 3-5 real
sentences with the token-weighted mean of their vectors (``bench/distinct_collection.py``:
no copies, no near-copies, and the count of synthetic passages is in every row). Each size is
built in one child process and queried in a fresh one, so the memory figures are the
serving process's own. Queries are the BBC article titles, encoded once beforehand:
the latencies exclude question encoding. Recall@10 compares the FAISS index's top 10
with exact search over the same vectors. Each mode also records the hits returned for
k=10, how many distinct texts they hold, and the highest cosine between two of them.

    qa index --corpus ../shared/eval/squad-half/corpus --index bench/results/squad-index
    python -m bench.scale --source bench/results/bbc-index --also bench/results/squad-index --json bench/results/scale.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.common import article_titles, peak_rss_mb, percentile_ms, report, rss_mb, rss_split_mb
from bench.distinct_collection import build_collection
from qa.store.generations import write_generation
from qa.store.manifest import current_generation
from qa.store.snapshot import load_snapshot
from qa.store.vector_index import VectorIndexSettings, build_vector_index, search_vectors

ROOT = Path(__file__).resolve().parent.parent

QUERIES = 200
PROBE_SWEEP = (16, 32, 64, 128, 256)


def build(sources: list[Path], target: Path, size: int, kind: str) -> dict[str, float]:
    """Write a ``size``-passage generation of distinct texts into ``target``; return timings
    in seconds and how many passages are real and synthetic."""
    started = time.perf_counter()
    collection = build_collection(sources, size)
    assemble_seconds = time.perf_counter() - started

    started = time.perf_counter()
    settings = VectorIndexSettings(kind=kind)  # type: ignore[arg-type]
    vector_index = build_vector_index(collection.vectors, settings)
    vector_seconds = time.perf_counter() - started

    manifest = replace(
        load_snapshot(sources[0]).manifest,
        vector_index=settings.chosen_kind(size),
        vector_index_requested=kind,
        passage_count=size,
        articles=tuple(collection.records),
        checksums={},
        sizes={},
        created=time.time(),
    )
    started = time.perf_counter()
    write_generation(
        target,
        manifest=manifest,
        table=collection.table,
        vectors=collection.vectors,
        sentence_vectors=collection.sentence_vectors,
        vector_index=vector_index,
        lexical=collection.lexical,
    )
    write_seconds = time.perf_counter() - started
    return {
        "real_passages": collection.real_passages,
        "synthetic_passages": collection.synthetic_passages,
        "assemble_seconds": assemble_seconds,  # texts, sentence pool, synthetic passages, BM25
        "vector_index_build_seconds": vector_seconds,
        "write_seconds": write_seconds,
        "build_seconds_excluding_model": assemble_seconds + vector_seconds + write_seconds,
        "build_peak_rss_mb": peak_rss_mb(),
    }


def _hit_figures(snapshot: object, hits: list) -> tuple[int, int, float]:  # type: ignore[type-arg]
    """Hits returned, distinct texts among them, and the highest cosine between two of them
    (near 1: near-copies crowd the top 10)."""
    vectors = np.asarray([snapshot.vectors[hit.passage_index] for hit in hits], dtype=np.float32)  # type: ignore[attr-defined]
    closest = 0.0
    if len(vectors) > 1:
        similarity = vectors @ vectors.T
        np.fill_diagonal(similarity, -1.0)
        closest = float(similarity.max())
    return len(hits), len({hit.text for hit in hits}), closest


def query(target: Path, queries: Path) -> dict[str, float]:
    """Load ``target`` and time searches with the pre-encoded questions in ``queries``."""
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder
    from qa.query.retriever import Retriever

    data = json.loads(queries.read_text(encoding="utf-8"))
    questions, question_vectors = data["questions"], np.asarray(data["vectors"], dtype=np.float32)
    rss_before = rss_mb()
    started = time.perf_counter()
    retriever = Retriever.load(target, encoder=SentenceTransformerEncoder())  # the model is never loaded here
    load_seconds = time.perf_counter() - started
    rss_loaded = rss_mb()
    snapshot = retriever.snapshot
    result: dict[str, float] = {
        "load_seconds": load_seconds,
        "rss_before_load_mb": rss_before,
        "rss_after_load_mb": rss_loaded,
    }
    for mode in ("hybrid", "dense", "bm25"):
        retriever.search_with_vector(questions[0], question_vectors[0], 10, mode)
        times, figures = [], []
        for question, vector in zip(questions, question_vectors):
            started = time.perf_counter()
            hits = retriever.search_with_vector(question, vector, 10, mode)
            times.append(time.perf_counter() - started)
            figures.append(_hit_figures(snapshot, hits))
        result[f"{mode}_p50_ms"], result[f"{mode}_p95_ms"] = percentile_ms(times, 50), percentile_ms(times, 95)
        returned, distinct, closest = (np.array(column, dtype=np.float64) for column in zip(*figures))
        result[f"{mode}_hits_mean"], result[f"{mode}_distinct_hits_mean"] = (
            float(returned.mean()),
            float(distinct.mean()),
        )
        result[f"{mode}_closest_pair_cosine_mean"] = float(closest.mean())
    result["rss_after_queries_mb"] = rss_mb()
    split = rss_split_mb()
    result["rss_after_queries_anonymous_mb"], result["rss_after_queries_file_backed_mb"] = (
        split["anonymous_mb"],
        split["file_backed_mb"],
    )
    result["serving_peak_rss_mb"] = peak_rss_mb()
    vectors = np.asarray(snapshot.vectors)  # exact search below reads every vector: measured after the memory figures
    exact_tops = [set(np.argpartition(-(vectors @ vector), 10)[:10].tolist()) for vector in question_vectors]
    found = [
        len(set(search_vectors(snapshot.vector_index, vector, 10)[0].tolist()) & exact) / 10
        for vector, exact in zip(question_vectors, exact_tops)
    ]
    result["recall_at_10"] = float(np.mean(found))
    index = snapshot.vector_index
    if hasattr(index, "nprobe"):  # IVF: recall and FAISS time at other nprobe values, the same questions
        chosen = index.nprobe
        for probe in PROBE_SWEEP:
            index.nprobe = min(probe, index.nlist)
            times, hits = [], []
            for vector, exact in zip(question_vectors, exact_tops):
                started = time.perf_counter()
                top = set(search_vectors(index, vector, 10)[0].tolist())
                times.append(time.perf_counter() - started)
                hits.append(len(top & exact) / 10)
            result[f"nprobe_{probe}_recall_at_10"] = float(np.mean(hits))
            result[f"nprobe_{probe}_faiss_p50_ms"] = percentile_ms(times, 50)
        index.nprobe = chosen
    return result


def _encode_queries(source: Path, path: Path) -> None:
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder

    titles = article_titles(source, QUERIES)
    vectors = SentenceTransformerEncoder(load_snapshot(source).manifest.model).encode(titles)
    path.write_text(json.dumps({"questions": titles, "vectors": vectors.tolist()}), encoding="utf-8")


def _folder_sizes(index: Path) -> dict[str, float]:
    generation = index / (current_generation(index) or "")
    sizes = {p.relative_to(generation).as_posix(): p.stat().st_size for p in generation.rglob("*") if p.is_file()}
    groups = {"vectors.faiss": ["vectors.faiss"], "vectors.npy": ["vectors.npy"], "sentences.npy": ["sentences.npy"]}
    out = {f"disk_{name}_mb": sum(sizes.get(f, 0) for f in files) / 2**20 for name, files in groups.items()}
    out["disk_bm25_mb"] = sum(v for k, v in sizes.items() if k.startswith("bm25/")) / 2**20
    out["disk_passages_mb"] = (
        sum(v for k, v in sizes.items() if k.startswith(("passage_", "sentence_", "text_"))) / 2**20
    )
    out["disk_total_mb"] = sum(sizes.values()) / 2**20
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, required=True, help="a real index (e.g. the BBC one built by bench/speed.py)"
    )
    parser.add_argument(
        "--also", type=Path, nargs="*", default=[], help="more real indexes (e.g. squad-half's), after --source"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kind", default="auto", choices=("auto", "flat", "ivf", "hnsw"))
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "scale-work")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic indexes")
    parser.add_argument("--child", choices=("build", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    target = args.work / f"index-{args.size}-{args.kind}" if args.size else None
    if args.child == "build":
        print(json.dumps(build([args.source, *args.also], target, args.size, args.kind)))  # type: ignore[arg-type]
        return 0
    if args.child == "query":
        print(json.dumps(query(target, args.work / "queries.json")))  # type: ignore[arg-type]
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    _encode_queries(args.source, args.work / "queries.json")
    rows = []
    for size in args.sizes:
        target = args.work / f"index-{size}-{args.kind}"
        shutil.rmtree(target, ignore_errors=True)
        row: dict[str, object] = {"passages": size, "kind": VectorIndexSettings(kind=args.kind).chosen_kind(size)}  # type: ignore[arg-type]
        for child in ("build", "query"):
            command = [
                sys.executable,
                "-m",
                "bench.scale",
                "--child",
                child,
                "--size",
                str(size),
                "--source",
                str(args.source),
                "--also",
                *map(str, args.also),
                "--kind",
                args.kind,
                "--work",
                str(args.work),
            ]
            output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
            row.update(json.loads(output.strip().splitlines()[-1]))
        row.update(_folder_sizes(target))
        rows.append(row)
        print(json.dumps(row), flush=True)
        if not args.keep:
            shutil.rmtree(target, ignore_errors=True)
    report(rows, args.json, show=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
