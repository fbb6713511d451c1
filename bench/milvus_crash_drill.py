"""Crash drill for the Milvus backend: kill real updates of a Milvus Lite collection at every
step of publishing a generation; the collection left must serve a whole generation.

Like ``bench.crash_drill`` for the local index: an update runs in a child process that
arms one named point of ``MilvusWriter.publish`` (``qa.store.faults.MILVUS_POINTS``: after
inserting passages, sentence vectors, meta rows, after retiring rows, before and after the
state-row switch, while pruning) and SIGKILLs itself there. A checker process then opens
the collection and checks that the generation served is the previous one before the
switch and the new one after it, that the rows it sees are exactly its passage count, that
every served article's passages are there, and that a search answers. The next update
starts by recovering what the killed one left. Milvus Lite allows one process per file,
so the checks run in a child too. Model-free ``HashingEncoder``; real Milvus writes.

    python -m bench.milvus_crash_drill --articles 60 --rounds 5
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

from bench.crash_drill import _touch_article
from qa.store.faults import MILVUS_POINTS

ROOT = Path(__file__).resolve().parent.parent

UPDATE = """
import sys
from tests.doubles import HashingEncoder
from qa.indexing.milvus_sync import update_milvus
from qa.store import faults
from qa.store.milvus.address import MilvusAddress
if {point!r}:
    faults.arm({point!r})
update_milvus({corpus!r}, MilvusAddress({uri!r}), encoder=HashingEncoder(), full={full!r})
"""
CHECK = """
import json
from tests.doubles import HashingEncoder
from qa.query.retriever import Retriever
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.meta import query_all
from qa.store.milvus.schema import names, visible
from qa.store.milvus.view import MilvusIndex
index = MilvusIndex.open(MilvusAddress({uri!r}))
generation = index.state.generation
rows = list(query_all(index.client, names(index.address)[0], visible(generation), ["id", "article_id"]))
by_article = {{}}
for row in rows:
    by_article[row["article_id"]] = by_article.get(row["article_id"], 0) + 1
records_ok = all(by_article.get(r.article_id) == r.passage_count for r in index.manifest.articles)
answer = Retriever(index, HashingEncoder(), "drill").answer("the government said on Monday")
print(json.dumps({{"generation": generation, "rows": len(rows), "passages": index.state.passage_count,
                  "records_ok": records_ok and len(by_article) == len(index.manifest.articles), "hits": len(answer.hits)}}))
"""
AFTER_SWITCH = ("milvus-after-switch", "milvus-pruning")


@dataclass(frozen=True)
class MilvusDrillResult:
    """What the drill saw, per fault point and in all."""

    rounds_per_point: int
    hits: dict[str, int]
    old_generation_served: int
    new_generation_served: int
    whole_generations: int
    searches_ok: int
    failures: int


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT)


def _check(uri: str) -> dict[str, int | bool]:
    done = _run(CHECK.format(uri=uri))
    if done.returncode != 0:
        raise RuntimeError(f"the check failed: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_milvus_drill(source: Path, *, articles: int, rounds: int, seed: int = 0) -> MilvusDrillResult:
    """Kill ``rounds`` updates at every Milvus fault point, on ``articles`` files from ``source``."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="qa-milvus-crash-") as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for path in sorted(source.glob("*.txt"))[:articles]:
            shutil.copy(path, corpus / path.name)
        uri = str(Path(work) / "milvus.db")
        for full in (True, True):  # two generations: a retired one for pruning to delete
            done = _run(UPDATE.format(point="", corpus=str(corpus), uri=uri, full=full))
            if done.returncode != 0:
                raise RuntimeError(f"the first builds failed: {done.stderr.strip()[-400:]}")
        hits = {point: 0 for point in MILVUS_POINTS}
        old = new = whole = searches = failures = 0
        number = 0
        for point in MILVUS_POINTS:
            for _ in range(rounds):
                number += 1
                try:
                    before = int(_check(uri)["generation"])
                    full = number % 3 == 0
                    if not full:
                        _touch_article(corpus, rng, number)
                    child = _run(UPDATE.format(point=point, corpus=str(corpus), uri=uri, full=full))
                    if child.returncode != -signal.SIGKILL:
                        raise RuntimeError(
                            f"the update was not killed there (exit {child.returncode}): {child.stderr[-300:]}"
                        )
                    hits[point] += 1
                    seen = _check(uri)
                    switched = int(seen["generation"]) != before
                    old += not switched
                    new += switched
                    if switched != (point in AFTER_SWITCH):
                        raise RuntimeError(
                            f"served {'the new' if switched else 'the old'} generation after a kill at {point}"
                        )
                    if seen["rows"] != seen["passages"] or not seen["records_ok"]:
                        raise RuntimeError(f"a half-applied generation is visible: {seen}")
                    whole += 1
                    searches += int(seen["hits"]) > 0
                except Exception as problem:  # noqa: BLE001 - any failure is what the drill counts
                    failures += 1
                    print(f"{point}: {type(problem).__name__}: {problem}", file=sys.stderr)
        return MilvusDrillResult(rounds, hits, old, new, whole, searches, failures)


def main() -> int:
    from bench.common import BBC

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BBC)
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5, help="kills at every fault point")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the result here too")
    args = parser.parse_args()
    result = run_milvus_drill(args.corpus, articles=args.articles, rounds=args.rounds, seed=args.seed)
    print(json.dumps(asdict(result), indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
