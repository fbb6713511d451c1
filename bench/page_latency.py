"""The chat's reply time as a reader sees it: Enter pressed to answer rendered, in Chromium.

    python -m bench.page_latency [--index bench/results/bbc-index] [--questions 30] [--json PATH]

Starts the real chat (``start_chat``, as ``qa serve`` does) on 127.0.0.1 and drives it with
headless Chromium through Playwright: for each question a fresh page is loaded (not
timed), the question typed, and the clock runs from pressing Enter until the sources
panel of the reply is in the page. Then the same with the retriever's answers looked up
from a table filled beforehand, which leaves what the page, Gradio and the server cost;
retrieval's share of a reply is one minus their ratio. Needs Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from bench.common import free_port, percentile_ms, wait_until_up
from bench.speed import _bbc_questions
from training.data import RESULTS


def _timed_replies(url: str, questions: list[str], chromium: str) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for question in questions:
            page.goto(url)
            page.wait_for_selector("textarea")
            page.fill("textarea", question)
            started = time.perf_counter()
            page.keyboard.press("Enter")
            page.wait_for_selector(".qa-source, .qa-note", timeout=60_000)
            times.append(time.perf_counter() - started)
        browser.close()
    return times


def measure(index: Path, questions: list[str], chromium: str) -> dict[str, float]:
    """Enter-to-rendered times with the real retriever, then with answers looked up."""
    from qa.app.server import start_chat
    from qa.query.retriever import Retriever
    from qa.settings import Settings

    retriever = Retriever.load(index)
    settings = Settings(index_dir=str(index), port=free_port())
    running = start_chat(retriever, settings)
    url = f"http://127.0.0.1:{settings.port}/"
    try:
        wait_until_up(url, 120)
        _timed_replies(url, questions[:3], chromium)  # warm the page and the server
        real = _timed_replies(url, questions, chromium)
        answered = {question: retriever.answer_follow_up(question, [], k=settings.k) for question in questions}
        retriever.answer_follow_up = lambda message, previous, k=5, mode="hybrid": answered[message]  # type: ignore[method-assign]
        page_only = _timed_replies(url, questions, chromium)
    finally:
        running.close()
    result = {
        "questions": len(questions),
        "reply_p50_ms": percentile_ms(real, 50),
        "reply_p95_ms": percentile_ms(real, 95),
        "page_only_p50_ms": percentile_ms(page_only, 50),
        "page_only_p95_ms": percentile_ms(page_only, 95),
    }
    result["retrieval_share_of_reply"] = 1 - result["page_only_p50_ms"] / result["reply_p50_ms"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--index", type=Path, default=RESULTS / "bbc-index", help="an index (bench.speed builds the BBC one)"
    )
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--json", type=Path, default=RESULTS / "page_latency.json")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        parser.error("Chromium is needed: apt-get install chromium")
    result = measure(args.index, _bbc_questions(args.index, args.questions), chromium)
    print(json.dumps(result, indent=2))
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
