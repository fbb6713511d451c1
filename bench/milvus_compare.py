"""Same answers on both backends: the dev questions and the SciFact test split, scored
through the local index and through a Milvus Lite collection holding the same passages.

The collection is filled by ``copy_to_milvus`` from the local index (nothing embedded
twice, so vectors are identical); the candidates are ranked and fused by the local code,
so the figures can then differ only where Milvus's BM25 chooses other candidates (Milvus's
English analyzer and its own statistics over every row, against the local Snowball stemmer
with British/American spellings unified). Writes every figure of ``qa eval`` for both, and
their largest difference.

    python -m bench.milvus_compare --json bench/results/milvus_compare.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench.common import report
from qa import Library, Retriever
from qa.app import evaluate
from qa.indexing.milvus_sync import copy_to_milvus
from qa.store.milvus.address import MilvusAddress
from qa.store.snapshot import load_snapshot
from qa.types import SEARCH_MODES
from training.data import SHARED

ROOT = Path(__file__).resolve().parent.parent


def _figures(row: object) -> dict[str, float]:
    return {k: v for k, v in asdict(row).items() if isinstance(v, float) and "latency" not in k and "ms" not in k}  # type: ignore[call-overload]


def compare(local: Retriever, milvus: Retriever, score) -> dict[str, object]:  # type: ignore[no-untyped-def]
    rows: dict[str, object] = {}
    worst = 0.0
    for mode in SEARCH_MODES:
        a, b = _figures(score(local, mode)), _figures(score(milvus, mode))
        diffs = {key: round(b[key] - a[key], 4) for key in a}
        worst = max([worst, *(abs(d) for d in diffs.values())])
        rows[mode] = {"local": a, "milvus": b, "difference": diffs}
    rows["largest_difference"] = round(worst, 4)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=None, help="keep the indexes here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-milvus-compare-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        result: dict[str, object] = {}
        # the dev questions over the seed articles
        seeds = work / "seeds"
        Library(ROOT / "corpus", seeds).update()
        questions = evaluate.read_questions(SHARED / "eval" / "dev-questions.jsonl")
        started = time.perf_counter()
        dev_address = MilvusAddress(str(work / "dev.db"))
        copy_to_milvus(load_snapshot(seeds), dev_address)
        result["dev_copy_seconds"] = round(time.perf_counter() - started, 2)
        local, milvus = Retriever.load(seeds), Retriever.connect(dev_address, export_dir=seeds)
        result["dev"] = compare(local, milvus, lambda r, m: evaluate.evaluate_questions(r, questions, m))
        milvus.snapshot.client.close()  # type: ignore[attr-defined]
        # SciFact: the BEIR corpus indexed locally once, then copied
        scifact = SHARED / "eval" / "scifact"
        corpus, index = work / "scifact-corpus", work / "scifact"
        evaluate.write_beir_corpus(scifact, corpus)
        Library(corpus, index).update()
        started = time.perf_counter()
        address = MilvusAddress(str(work / "scifact.db"))
        copy_to_milvus(load_snapshot(index), address)
        result["scifact_copy_seconds"] = round(time.perf_counter() - started, 2)
        result["scifact_passages"] = load_snapshot(index).manifest.passage_count
        local, milvus = Retriever.load(index), Retriever.connect(address, export_dir=index)
        result["scifact"] = compare(local, milvus, lambda r, m: evaluate.evaluate_beir(r, scifact, m, "test"))
        report(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
