"""Local index and Milvus Lite side by side at 10k and 100k passages (bench/scale.py's
BBC-based collections: real BBC texts and BM25, vectors drawn around the real ones, so the
figures are synthetic): time to fill the collection from the local generation, hybrid
p50/p95 over 200 questions (BBC titles, encoded once beforehand: encoding excluded), the
dense top 10 against exact search, and memory: the client's RSS and the Milvus Lite server
process's own.

    python -m bench.milvus_scale --source bench/results/bbc-index --json bench/results/milvus_scale.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import percentile_ms, report, rss_mb
from bench.scale import _encode_queries, build
from qa.indexing.milvus_sync import copy_to_milvus
from qa.query.retriever import Retriever
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.view import MilvusIndex
from qa.store.snapshot import load_snapshot
from tests.doubles import HashingEncoder

ROOT = Path(__file__).resolve().parent.parent


def _server_rss_mb() -> float:
    """RSS of this process's Milvus Lite server child (the ``milvus`` executable)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if command.endswith("milvus_lite/lib/milvus") and int(fields.get("PPid", "0").strip()) == os.getpid():
            total += int(fields["VmRSS"].split()[0]) / 1024
    return total


def _timed(retriever: Retriever, questions: list[str], vectors: np.ndarray) -> tuple[float, float]:
    retriever.search_with_vector(questions[0], vectors[0], 10)
    times = []
    for question, vector in zip(questions, vectors):
        started = time.perf_counter()
        retriever.search_with_vector(question, vector, 10)
        times.append(time.perf_counter() - started)
    return percentile_ms(times, 50), percentile_ms(times, 95)


def measure(source: Path, work: Path, size: int, queries: dict[str, object]) -> dict[str, object]:
    target = work / f"index-{size}"
    shutil.rmtree(target, ignore_errors=True)
    build(source, target, size, "auto")
    snapshot = load_snapshot(target)
    address = MilvusAddress(str(work / f"milvus-{size}.db"))
    Path(address.uri).unlink(missing_ok=True)
    started = time.perf_counter()
    copy_to_milvus(snapshot, address)
    fill = time.perf_counter() - started
    questions = list(queries["questions"])  # type: ignore[call-overload]
    vectors = np.asarray(queries["vectors"], dtype=np.float32)
    encoder = HashingEncoder(snapshot.manifest.model, snapshot.manifest.dimension)  # never used: questions come encoded
    local = Retriever(snapshot, encoder, target)
    index = MilvusIndex.open(address)
    milvus = Retriever(index, encoder, str(address))
    row: dict[str, object] = {
        "passages": size,
        "milvus_fill_seconds": round(fill, 1),
        "milvus_rows_per_second": round(size / fill),
    }
    # alternate the two, twice, so neither profits from running second
    local_a, milvus_a, local_b, milvus_b = (_timed(r, questions, vectors) for r in (local, milvus, local, milvus))
    row["local_hybrid_p50_ms"], row["local_hybrid_p95_ms"] = min(local_a[0], local_b[0]), min(local_a[1], local_b[1])
    row["milvus_hybrid_p50_ms"], row["milvus_hybrid_p95_ms"] = (
        min(milvus_a[0], milvus_b[0]),
        min(milvus_a[1], milvus_b[1]),
    )
    row["milvus_over_local_p50"] = round(float(row["milvus_hybrid_p50_ms"]) / float(row["local_hybrid_p50_ms"]), 2)  # type: ignore[arg-type]
    all_vectors = np.asarray(snapshot.vectors)
    recall = []
    for vector in vectors:
        exact = set(np.argpartition(-(all_vectors @ vector), 10)[:10].tolist())
        found = index.candidates("dense", "", vector, 10)
        positions = {(c.article_id, c.start) for c in map(found.citation_of, map(int, found.ids))}
        exact_positions = {(snapshot.article_of(i).article_id, int(snapshot.table.spans[i][0])) for i in exact}
        recall.append(len(positions & exact_positions) / 10)
    row["milvus_recall_at_10"] = float(np.mean(recall))
    row["client_rss_mb"] = round(rss_mb())
    row["milvus_server_rss_mb"] = round(_server_rss_mb())
    row["milvus_file_mb"] = (
        round(sum(p.stat().st_size for p in Path(address.uri).rglob("*") if p.is_file()) / 2**20)
        if Path(address.uri).is_dir()
        else round(Path(address.uri).stat().st_size / 2**20)
    )
    index.client.close()
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, required=True, help="a real index (e.g. the BBC one built by bench/speed.py)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "milvus-scale-work")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    queries_path = args.work / "queries.json"
    if not queries_path.exists():
        _encode_queries(args.source, queries_path)
    queries = json.loads(queries_path.read_text(encoding="utf-8"))
    rows = [measure(args.source, args.work, size, queries) for size in args.sizes]
    report({"synthetic": True, "rows": rows}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
