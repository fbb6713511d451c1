"""Hostile input against a real server: file-route probes, oversized and malformed questions, parallel load."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import FakeEncoder, free_port

from qa import build_index
from qa.app.server import start_chat
from qa.query.retriever import Retriever
from qa.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import shutil

    from conftest import SEEDS

    folder = tmp_path_factory.mktemp("secure")
    shutil.copytree(SEEDS, folder / "corpus")
    build_index(folder / "corpus", folder / "embeddings", encoder=FakeEncoder())
    settings = Settings(index_dir=str(folder / "embeddings"), corpus_dir=str(folder / "corpus"), port=free_port())
    running = start_chat(Retriever.load(folder / "embeddings", encoder=FakeEncoder()), settings)
    yield f"http://127.0.0.1:{settings.port}", folder
    running.close()


def _is_answer(reply: object) -> bool:
    """A real reply: answer sentences with a [1] citation, or the decline (not an error text)."""
    from qa.app.render import NOT_FOUND

    return isinstance(reply, str) and (reply.startswith(NOT_FOUND) or "\\[1\\]" in reply)


def test_file_route_probes_are_refused(server) -> None:  # type: ignore[no-untyped-def]
    url, folder = server
    current = (folder / "embeddings" / "CURRENT").read_text().strip()
    probes = [
        "/etc/passwd",
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "..%2f..%2f..%2fetc%2fpasswd",
        "%252e%252e/%252e%252e/etc/passwd",
        str(folder / "embeddings" / "CURRENT"),
        str(folder / "embeddings" / current / "manifest.json"),
        str(folder / "corpus" / "000_f101501046097944.txt"),
        "corpus/000_f101501046097944.txt",
        "embeddings/CURRENT",
    ]
    for probe in probes:
        for prefix in ("/gradio_api/file=", "/file="):
            try:
                with urllib.request.urlopen(url + prefix + probe, timeout=10) as response:
                    body = response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                body, status = error.read(), error.code
            assert status in (400, 403, 404), (prefix + probe, status)
            assert b"root:x" not in body and b"format_version" not in body and b"Doval" not in body


def test_no_monitoring_route(server) -> None:  # type: ignore[no-untyped-def]
    url, _ = server
    for route in ("/monitoring", "/gradio_api/monitoring"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + route, timeout=10)
        assert refused.value.code in (403, 404), route  # refused, not an error or a page


@pytest.mark.parametrize(
    "question, expected",
    [
        ("", "empty"),
        ("   \n\t  ", "empty"),
        ("\x00\x00\x00", "empty"),
        ("x" * 1_000_000, "characters long"),
        ("y " * 5_000_000, "characters long"),
    ],
    ids=["empty", "whitespace", "nul", "1MB", "10MB"],
)
def test_bad_questions_get_a_clear_reply_in_bounded_time(server, question: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    from gradio_client import Client

    url, _ = server
    client = Client(url + "/", verbose=False)
    started = time.perf_counter()
    reply, _ = client.predict(question, "hybrid", api_name="/ask")
    assert time.perf_counter() - started < 30
    assert expected in reply
    normal, _ = client.predict("Who met Ajit Doval in Moscow?", "hybrid", api_name="/ask")
    assert _is_answer(normal)  # the server keeps serving


def test_parallel_questions_all_succeed(server) -> None:  # type: ignore[no-untyped-def]
    from gradio_client import Client

    url, _ = server
    questions = ["Who met Ajit Doval?", "Why did the US double tariffs?", "What is the capital of Australia?"] * 8

    def ask(question: str) -> str:
        reply, _ = Client(url + "/", verbose=False).predict(question, "hybrid", api_name="/ask")
        return reply

    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(pool.map(ask, questions))
    assert len(replies) == len(questions) and all(_is_answer(r) for r in replies)


def test_one_real_model_shared_by_many_threads(real_index: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """Fast tokenizers raise "Already borrowed" when shared carelessly; the encoder lock prevents it."""
    retriever = Retriever.load(real_index / "embeddings", encoder=real_encoder)
    questions = ["Who is India's National Security Adviser?", "Why did the US double tariffs on Indian goods?"] * 16
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(retriever.answer, questions))
    assert all(a.found for a in answers)
    assert {a.text for a in answers[0::2]} == {answers[0].text}


def test_lone_surrogate_sent_as_raw_json(server) -> None:  # type: ignore[no-untyped-def]
    """A JSON body with an unpaired \\ud800 escape (clients refuse to encode one, an attacker need not)."""
    import json

    url, _ = server
    body = b'{"data": ["Who met \\ud800 Ajit Doval\\u0000 in Moscow?", "hybrid"]}'
    request = urllib.request.Request(
        url + "/gradio_api/call/ask", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}/gradio_api/call/ask/{event}", timeout=60) as response:
        stream = response.read().decode("utf-8")
    assert "event: complete" in stream and "event: error" not in stream
    data = json.loads(stream.split("data:", 1)[1].strip().splitlines()[0])
    assert _is_answer(data[0])
