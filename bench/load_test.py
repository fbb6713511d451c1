"""Load test: many clients asking at once against a real ``qa serve`` on 127.0.0.1.

Starts ``qa serve`` (real model, real index of the seed articles) in its own process,
then runs ``--sessions`` clients in parallel, each asking questions in a loop for
``--seconds``: chat sessions through gradio_client, or with ``--api`` plain HTTP clients
(httpx) posting to ``/api/answer``. A request counts as served only when it is a real
answer: for the chat, a reply with a ``[1]`` citation or the decline sentence; for the
API, status 200 with a JSON answer whose ``found`` matches a non-empty ``text``. Reports
requests, errors, latency p50/p95 and the server's memory (RSS) at the start, at the end
and at its peak. Traffic goes to loopback only and every loop is bounded in time.

    python -m bench.load_test --sessions 20 --seconds 120 --json bench/results/load_test.json
    python -m bench.load_test --api --sessions 20 --seconds 60 --json bench/results/load_test_api.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench.common import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = [
    json.loads(line)["question"]
    for name in ("tests/data/dev-questions.jsonl", "eval/calibration-questions.jsonl")
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--api", action="store_true", help="plain HTTP clients on /api/answer instead of chat sessions")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    import httpx
    from gradio_client import Client

    from qa.app.render import NOT_FOUND

    with tempfile.TemporaryDirectory(prefix="qa-load-") as work:
        shutil.copytree(ROOT / "corpus", Path(work) / "corpus")
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [
            sys.executable,
            "-m",
            "qa.app.cli",
            "serve",
            "--corpus",
            f"{work}/corpus",
            "--index",
            f"{work}/embeddings",
            "--port",
            str(port),
        ]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_until_up(url, 300)
            Client(url, verbose=False).predict(QUESTIONS[0], "hybrid", api_name="/ask")  # warm up
            rss_start = _rss_mb(server.pid)
            latencies: list[float] = []
            errors: list[str] = []
            peak = [rss_start]
            lock = threading.Lock()
            deadline = time.monotonic() + args.seconds

            def ask_chat(client: Client, question: str) -> tuple[bool, str]:
                reply, _ = client.predict(question, "hybrid", api_name="/ask")
                return isinstance(reply, str) and (reply == NOT_FOUND or "\\[1\\]" in reply), str(reply)

            def ask_api(client: httpx.Client, question: str) -> tuple[bool, str]:
                response = client.post(f"{url}api/answer", json={"question": question})
                body = response.json()
                ok = (
                    response.status_code == 200
                    and isinstance(body.get("found"), bool)
                    and body["found"] == bool(body.get("text"))
                )
                return ok, response.text

            def session(number: int) -> None:
                client = httpx.Client(timeout=60) if args.api else Client(url, verbose=False)
                ask = ask_api if args.api else ask_chat
                i = number
                while time.monotonic() < deadline:
                    question = QUESTIONS[i % len(QUESTIONS)]
                    i += 1
                    started = time.perf_counter()
                    try:
                        ok, reply = ask(client, question)  # type: ignore[arg-type]
                    except Exception as error:  # noqa: BLE001 - every failure counts
                        ok, reply = False, f"{type(error).__name__}: {error}"
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
                        if not ok:
                            errors.append(str(reply)[:200])

            def sample() -> None:
                while time.monotonic() < deadline:
                    peak.append(_rss_mb(server.pid))
                    time.sleep(1)

            threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
            threads.append(threading.Thread(target=sample))
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            rss_end = _rss_mb(server.pid)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

    result = {
        "clients": "http /api/answer" if args.api else "chat sessions (gradio_client)",
        "sessions": args.sessions,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 2),
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_peak_mb": round(max(peak), 1),
        "rss_growth_mb": round(rss_end - rss_start, 1),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
