"""Crash drill: kill real index rebuilds inside the write and the swap; the index left must load and answer.

A rebuild runs in a child process that arms one named fault point of the write path
(``qa.store.faults``: after each file, before and after the fsyncs, before and after the
``CURRENT`` swap, while pruning old generations) and SIGKILLs itself there. Every point
is hit ``--rounds`` times (a child that does not die by SIGKILL at its point is a
failure: the point was never reached). After each kill this process loads the index,
checking every file against the manifest's checksums, runs a search, and checks which
generation is served: the previous one when the kill came before the swap, the new one
after it. The model-free ``HashingEncoder`` keeps a round short; the code path that
writes and swaps generations is the real one.

    python -m bench.crash_drill --corpus ../shared/news/bbc --articles 400 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from qa import build_index
from qa.query.retriever import Retriever
from qa.store.faults import POINTS
from qa.store.manifest import current_generation
from qa.store.snapshot import load_snapshot
from tests.doubles import HashingEncoder
from training.data import BBC

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
from qa import build_index
from tests.doubles import HashingEncoder
from qa.store import faults
faults.arm({point!r})
build_index({corpus!r}, {index!r}, encoder=HashingEncoder(), full={full!r})
"""
AFTER_SWAP = ("after-swap", "pruning")


@dataclass(frozen=True)
class DrillResult:
    """What the drill saw, per fault point and in all."""

    rounds_per_point: int
    hits: dict[str, int]
    old_generation_served: int
    new_generation_served: int
    loads_ok: int
    searches_ok: int
    failures: int


def _child(corpus: Path, index: Path, full: bool, point: str) -> subprocess.Popen[bytes]:
    code = CHILD.format(corpus=str(corpus), index=str(index), full=full, point=point)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)


def _touch_article(corpus: Path, rng: random.Random, round_number: int) -> None:
    article = rng.choice(sorted(corpus.glob("*.txt")))
    with article.open("a", encoding="utf-8") as handle:
        handle.write(f"\nDrill round {round_number} added this sentence.\n")


def run_drill(source: Path, *, articles: int, rounds: int, seed: int = 0) -> DrillResult:
    """Kill ``rounds`` rebuilds at every fault point, on a copy of ``articles`` files from ``source``."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="qa-crash-") as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for path in sorted(source.glob("*.txt"))[:articles]:
            shutil.copy(path, corpus / path.name)
        index = Path(work) / "embeddings"
        for _ in range(3):  # three generations: the swap has one to replace, pruning one to delete
            build_index(corpus, index, encoder=HashingEncoder(), full=True)
        hits = {point: 0 for point in POINTS}
        old = new = loads = searches = failures = 0
        number = 0
        for point in POINTS:
            for _ in range(rounds):
                number += 1
                before = current_generation(index)
                full = number % 3 == 0
                if not full:
                    _touch_article(corpus, rng, number)
                child = _child(corpus, index, full, point)
                _, error = child.communicate(timeout=300)
                if child.returncode != -signal.SIGKILL:
                    failures += 1
                    print(
                        f"{point}: the child was not killed there (exit {child.returncode}): {error.decode()[-300:]}",
                        file=sys.stderr,
                    )
                    continue
                hits[point] += 1
                try:
                    snapshot = load_snapshot(index, verify="full")
                    loads += 1
                    swapped = snapshot.generation != before
                    old += not swapped
                    new += swapped
                    if swapped != (point in AFTER_SWAP):
                        raise RuntimeError(
                            f"served {'the new' if swapped else 'the old'} generation after a kill at {point}"
                        )
                    found = Retriever(snapshot, HashingEncoder(), index).search("the government said on Monday", k=5)
                    searches += bool(found)
                except Exception as problem:  # noqa: BLE001 - any failure is what the drill counts
                    failures += 1
                    print(f"{point}: {type(problem).__name__}: {problem}", file=sys.stderr)
        return DrillResult(rounds, hits, old, new, loads, searches, failures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BBC)
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5, help="kills at every fault point")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the result here too")
    args = parser.parse_args()
    result = run_drill(args.corpus, articles=args.articles, rounds=args.rounds, seed=args.seed)
    print(json.dumps(asdict(result), indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
