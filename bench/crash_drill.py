"""Crash drill: SIGKILL real index rebuilds at random moments; every index left must load and answer.

Each round changes one article (or asks for a full rebuild), starts ``build_index`` in a
child process, kills it with ``kill -9`` after a random delay drawn over the whole length
of a rebuild, then loads the index in this process, checks every file against the
manifest's checksums and runs a search. The model-free ``HashingEncoder`` keeps a round
short; the code path that writes and swaps generations is the real one.

    python -m bench.crash_drill --corpus ../shared/news/bbc --articles 400 --runs 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from bench.common import BBC
from qa import build_index
from qa.embedding.hashing import HashingEncoder
from qa.query.retriever import Retriever
from qa.store.manifest import current_generation
from qa.store.snapshot import load_snapshot

CHILD = """
from qa import build_index
from qa.embedding.hashing import HashingEncoder
build_index({corpus!r}, {index!r}, encoder=HashingEncoder(), full={full!r})
"""


@dataclass(frozen=True)
class DrillResult:
    """What the drill saw."""

    runs: int
    killed: int
    finished: int
    old_generation_served: int
    new_generation_served: int
    loads_ok: int
    searches_ok: int
    failures: int
    rebuild_seconds: float


def _child(corpus: Path, index: Path, full: bool) -> subprocess.Popen[bytes]:
    code = CHILD.format(root=str(ROOT), corpus=str(corpus), index=str(index), full=full)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _touch_article(corpus: Path, rng: random.Random, round_number: int) -> None:
    article = rng.choice(sorted(corpus.glob("*.txt")))
    with article.open("a", encoding="utf-8") as handle:
        handle.write(f"\nDrill round {round_number} added this sentence.\n")


def run_drill(source: Path, *, articles: int, runs: int, seed: int = 0) -> DrillResult:
    """Run ``runs`` kill rounds on a copy of ``articles`` files from ``source``."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="qa-crash-") as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for path in sorted(source.glob("*.txt"))[:articles]:
            shutil.copy(path, corpus / path.name)
        index = Path(work) / "embeddings"
        build_index(corpus, index, encoder=HashingEncoder())
        started = time.perf_counter()
        _child(corpus, index, True).wait()
        duration = time.perf_counter() - started
        killed = finished = old = new = loads = searches = failures = 0
        for round_number in range(runs):
            before = current_generation(index)
            full = round_number % 3 == 0
            if not full:
                _touch_article(corpus, rng, round_number)
            child = _child(corpus, index, full)
            time.sleep(rng.uniform(0.0, duration * 1.1))
            if child.poll() is None:
                os.kill(child.pid, signal.SIGKILL)
                killed += 1
            else:
                finished += 1
            child.wait()
            try:
                snapshot = load_snapshot(index)  # verifies every checksum
                loads += 1
                old += snapshot.generation == before
                new += snapshot.generation != before
                hits = Retriever(snapshot, HashingEncoder(), index).search("the government said on Monday", k=5)
                searches += bool(hits)
            except Exception as error:  # noqa: BLE001 - any failure is what the drill counts
                failures += 1
                print(f"round {round_number}: {type(error).__name__}: {error}", file=sys.stderr)
        return DrillResult(runs, killed, finished, old, new, loads, searches, failures, round(duration, 3))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BBC)
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the result here too")
    args = parser.parse_args()
    result = run_drill(args.corpus, articles=args.articles, runs=args.runs, seed=args.seed)
    print(json.dumps(asdict(result), indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
