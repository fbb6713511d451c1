"""How the index grows: 10k, 100k and 1M passages built around a real BBC index.

Vectors are drawn around the real passage embeddings (real vector + Gaussian noise, so a
synthetic passage is about as close to its source as a paraphrase, cosine ~0.9); BM25
and the passage texts are the real passages' tokens and texts, replicated. Each size is
built in one child process and queried in a fresh one, so the memory figures are the
serving process's own. Queries are the BBC article titles, encoded once beforehand:
the latencies exclude question encoding. Recall@10 compares the FAISS index's top 10
with exact search over the same vectors.

    python -m bench.scale --source bench/results/bbc-index --json bench/results/scale.json
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

ROOT = Path(__file__).resolve().parent.parent

from bench.common import article_titles, peak_rss_mb, percentile_ms, report, rss_mb, rss_split_mb
from qa.store.generations import write_generation
from qa.store.lexical import LexicalIndex
from qa.store.manifest import ArticleRecord, current_generation
from qa.store.passage_table import PassageTable
from qa.store.snapshot import load_snapshot
from qa.store.vector_index import VectorIndexSettings, build_vector_index, search_vectors

NOISE = 0.025  # per dimension; |noise| ~ 0.49 on 384 dimensions, cosine to the source ~0.9
QUERIES = 200


def _synthetic_vectors(real: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    for first in range(0, size, 100_000):
        rows = np.arange(first, min(size, first + 100_000)) % len(real)
        block = real[rows] + rng.normal(0, NOISE, size=(len(rows), real.shape[1])).astype(np.float32)
        out[first : first + len(rows)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def _replicated_ranges(real_size: int, size: int) -> list[range]:
    full, rest = divmod(size, real_size)
    return [range(0, real_size)] * full + ([range(0, rest)] if rest else [])


def build(source: Path, target: Path, size: int, kind: str) -> dict[str, float]:
    """Write a ``size``-passage generation into ``target``; return timings in seconds."""
    real = load_snapshot(source)
    ranges = _replicated_ranges(len(real.table), size)
    started = time.perf_counter()
    vectors = _synthetic_vectors(np.asarray(real.vectors), size)
    synth_seconds = time.perf_counter() - started

    started = time.perf_counter()
    table = PassageTable.concatenate([real.table.rows(r.start, r.stop) for r in ranges])
    sentence_vectors = np.concatenate([real.sentence_vectors[int(real.sentence_offsets[r.start]) : int(real.sentence_offsets[r.stop])] for r in ranges])
    records: list[ArticleRecord] = []
    for copy, rows in enumerate(ranges):
        base = copy * len(real.table)
        for record in real.manifest.articles:
            if record.first_passage >= rows.stop:
                break
            count = min(record.passage_count, rows.stop - record.first_passage)
            records.append(replace(record, article_id=f"{copy}/{record.article_id}", first_passage=base + record.first_passage, passage_count=count, size=0))
    assemble_seconds = time.perf_counter() - started

    started = time.perf_counter()
    lexical = LexicalIndex.assemble(ranges, previous=real.lexical)
    lexical_seconds = time.perf_counter() - started

    started = time.perf_counter()
    settings = VectorIndexSettings(kind=kind)  # type: ignore[arg-type]
    vector_index = build_vector_index(vectors, settings)
    vector_seconds = time.perf_counter() - started

    manifest = replace(
        real.manifest,
        vector_index=settings.chosen_kind(size),
        vector_index_requested=kind,
        passage_count=size,
        articles=tuple(records),
        checksums={},
        sizes={},
        created=time.time(),
    )
    started = time.perf_counter()
    write_generation(
        target, manifest=manifest, table=table, vectors=vectors, sentence_vectors=sentence_vectors, vector_index=vector_index, lexical=lexical
    )
    write_seconds = time.perf_counter() - started
    return {
        "synthesise_seconds": synth_seconds,
        "assemble_seconds": assemble_seconds,
        "bm25_build_seconds": lexical_seconds,
        "vector_index_build_seconds": vector_seconds,
        "write_seconds": write_seconds,
        "build_seconds_excluding_model": assemble_seconds + lexical_seconds + vector_seconds + write_seconds,
        "build_peak_rss_mb": peak_rss_mb(),
    }


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
    result: dict[str, float] = {"load_seconds": load_seconds, "rss_before_load_mb": rss_before, "rss_after_load_mb": rss_loaded}
    for mode in ("hybrid", "dense", "bm25"):
        retriever._search(snapshot, questions[0], question_vectors[0], 10, mode)  # type: ignore[arg-type]
        times = []
        for question, vector in zip(questions, question_vectors):
            started = time.perf_counter()
            retriever._search(snapshot, question, vector, 10, mode)  # type: ignore[arg-type]
            times.append(time.perf_counter() - started)
        result[f"{mode}_p50_ms"], result[f"{mode}_p95_ms"] = percentile_ms(times, 50), percentile_ms(times, 95)
    result["rss_after_queries_mb"] = rss_mb()
    split = rss_split_mb()
    result["rss_after_queries_anonymous_mb"], result["rss_after_queries_file_backed_mb"] = split["anonymous_mb"], split["file_backed_mb"]
    result["serving_peak_rss_mb"] = peak_rss_mb()
    vectors = np.asarray(snapshot.vectors)  # exact search below reads every vector: measured after the memory figures
    found = []
    for vector in question_vectors:
        approximate = set(search_vectors(snapshot.vector_index, vector, 10)[0].tolist())
        scores = vectors @ vector
        exact = set(np.argpartition(-scores, 10)[:10].tolist())
        found.append(len(approximate & exact) / 10)
    result["recall_at_10"] = float(np.mean(found))
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
    out["disk_passages_mb"] = sum(v for k, v in sizes.items() if k.startswith(("passage_", "sentence_", "text_"))) / 2**20
    out["disk_total_mb"] = sum(sizes.values()) / 2**20
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="a real index (e.g. the BBC one built by bench/speed.py)")
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
        print(json.dumps(build(args.source, target, args.size, args.kind)))  # type: ignore[arg-type]
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
            command = [sys.executable, "-m", "bench.scale", "--child", child, "--size", str(size), "--source", str(args.source), "--kind", args.kind, "--work", str(args.work)]
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
