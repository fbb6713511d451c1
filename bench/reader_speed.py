"""What the reader costs a question: warm ``answer`` with and without it, and a cold ``qa ask``.

    python -m bench.reader_speed [--index bench/results/bbc-index] [--json bench/results/reader_speed.json]

Warm: the news questions' dev split over the whole BBC index, each question answered
(retrieval, then the reader over the top passages) and only searched (retrieval alone),
interleaved, after one warm-up question each. Cold: ``qa ask`` as a new process, start to
answer, median of 5 (the reader's ONNX file is loaded on the first answer).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import percentile_ms
from training.data import RESULTS
from training.news_questions import NEWS_QA, read_jsonl

COLD_RUNS = 5


def warm(index: Path, questions: Sequence[str]) -> dict[str, float]:
    """p50 and p95 in ms of ``answer`` and of ``search`` alone, interleaved."""
    from qa.query.retriever import Retriever

    retriever = Retriever.load(index)
    retriever.answer(questions[0])
    timings: dict[str, list[float]] = {"answer": [], "search": []}
    for question in questions:
        for name, ask in (("answer", retriever.answer), ("search", retriever.search)):
            started = time.perf_counter()
            ask(question)
            timings[name].append(time.perf_counter() - started)
    return {f"{name}_{q}_ms": percentile_ms(values, q) for name, values in timings.items() for q in (50, 95)}


def cold(index: Path, question: str) -> float:
    """Median seconds of ``qa ask`` in a new process."""
    qa = str(Path(sys.executable).with_name("qa"))
    seconds = []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        subprocess.run([qa, "ask", question, "--index", str(index)], capture_output=True, check=False)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reader_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=RESULTS / "bbc-index")
    parser.add_argument("--json", type=Path, default=RESULTS / "reader_speed.json")
    args = parser.parse_args(argv)
    questions = [q["question"] for q in read_jsonl(NEWS_QA / "dev.jsonl")]
    result = {
        **warm(args.index, questions),
        "cold_qa_ask_seconds": cold(args.index, questions[0]),
        "questions": len(questions),
    }
    print(json.dumps(result, indent=1))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
