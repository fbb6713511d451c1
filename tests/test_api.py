"""The JSON API and the MCP tools against a real server on 127.0.0.1 (real model, real index):
every endpoint with good and bad input, auth, and the official MCP client over HTTP and stdio."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import QA, free_port

from qa.app.render import answer_dict
from qa.query.retriever import Retriever

pytestmark = pytest.mark.slow

QUESTION = "Who is India's National Security Adviser?"


@pytest.fixture(scope="module")
def retriever(real_index: Path) -> Retriever:
    return Retriever.load(real_index / "embeddings")


@pytest.fixture(scope="module")
def server(retriever: Retriever) -> Iterator[str]:
    from qa.app.server import start_chat
    from qa.settings import Settings

    running = start_chat(retriever, Settings(index_dir=retriever.index_dir, port=free_port(), mcp=True))
    yield running.url
    running.close()


def _comparable(answer: dict[str, Any]) -> tuple[Any, ...]:
    """Everything but the floating-point scores (threads may round the last bits differently)."""
    sentences = [
        (s["text"], s["start"], s["end"], s["hit_number"], s["also_cited"], s["differs"]) for s in answer["sentences"]
    ]
    return answer["found"], answer["text"], [h["citation"] for h in answer["hits"]], sentences


def test_answer_matches_the_library_and_the_chat(server: str, retriever: Retriever) -> None:
    from gradio_client import Client

    response = httpx.post(f"{server}/api/answer", json={"question": QUESTION}, timeout=60)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert _comparable(body) == _comparable(json.loads(json.dumps(answer_dict(retriever.answer(QUESTION)))))
    assert (
        body["found"]
        and "Ajit Doval" in body["text"]
        and set(body) >= {"question", "confidence", "mode", "sentences", "hits"}
    )
    from qa.app.render import answer_markdown

    reply, _ = Client(f"{server}/", verbose=False).predict(QUESTION, "hybrid", api_name="/ask")
    assert reply == answer_markdown(retriever.answer(QUESTION))  # the chat says what the API returned


def test_search_health_articles_and_schema(server: str, retriever: Retriever) -> None:
    hits = httpx.post(f"{server}/api/search", json={"question": QUESTION, "k": 3, "mode": "bm25"}, timeout=60).json()
    assert hits["mode"] == "bm25" and len(hits["hits"]) == 3
    assert [h["citation"] for h in hits["hits"]] == [
        json.loads(json.dumps(answer_dict(retriever.answer(QUESTION, k=3, mode="bm25"))["hits"][i]["citation"]))
        for i in range(3)
    ]
    health = httpx.get(f"{server}/api/health").json()
    assert health["generation"] == retriever.snapshot.generation and health["passages"] == len(retriever.snapshot.table)
    assert health["model"] == retriever.snapshot.manifest.model and health["encoder"]["runtime"] == "onnx"
    articles = httpx.get(f"{server}/api/articles", params={"limit": 2}).json()
    assert articles["total"] == 5 and len(articles["articles"]) == 2 and articles["articles"][0]["article_id"]
    schema = httpx.get(f"{server}/api/openapi.json").json()
    assert {"/api/answer", "/api/search", "/api/health", "/api/articles"} <= set(schema["paths"])


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": "   "}, 400, "the question is empty"),
        ({"question": "x" * 3000}, 400, "at most 2,000"),
        ({"question": QUESTION, "k": 0}, 400, "k"),
        ({"question": QUESTION, "k": 100000000}, 400, "k"),
        ({"question": QUESTION, "mode": "sparse"}, 400, "mode"),
        ({"k": 5}, 400, "question"),
        ({"question": 42}, 400, "question"),
        ("not json", 400, "bad request"),
        ({"question": "y" * 70_000}, 413, "over 64 KB"),
    ],
)
def test_bad_input_gets_json_errors(server: str, body: Any, status: int, message: str) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = httpx.post(
        f"{server}/api/answer", content=content, headers={"content-type": "application/json"}, timeout=60
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert message in error and "Traceback" not in error


def test_a_body_without_a_length_is_refused(server: str) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"question": "Who met Ajit Doval?"}'

    response = httpx.post(
        f"{server}/api/answer", content=chunks(), headers={"content-type": "application/json"}, timeout=60
    )
    assert response.status_code == 411 and "Content-Length" in response.json()["error"]


def test_hostile_text_comes_back_as_data(server: str) -> None:
    question = "<script>alert(1)</script> Who met Ajit Doval in Moscow?"
    response = httpx.post(f"{server}/api/answer", json={"question": question}, timeout=60)
    assert response.headers["content-type"] == "application/json" and response.json()["question"] == question


def test_mcp_over_http_lists_and_calls_both_tools(server: str, retriever: Retriever) -> None:
    from mcp import Client

    async def session() -> tuple[list[str], dict[str, Any], dict[str, Any], bool]:
        async with Client(f"{server}/mcp") as client:
            tools = await client.list_tools()
            answer = await client.call_tool("answer_question", {"question": QUESTION})
            search = await client.call_tool("search_articles", {"question": QUESTION, "k": 2})
            bad = await client.call_tool("answer_question", {"question": "   "})
            return (
                [t.name for t in tools.tools],
                answer.structured_content or {},
                search.structured_content or {},
                bool(bad.is_error),
            )

    names, answer, search, bad_is_error = asyncio.run(session())
    assert sorted(names) == ["answer_question", "search_articles"]
    assert _comparable(answer) == _comparable(json.loads(json.dumps(answer_dict(retriever.answer(QUESTION)))))
    assert len(search["hits"]) == 2 and bad_is_error


def test_mcp_over_stdio(real_index: Path, tmp_path: Path) -> None:
    from mcp import Client, StdioServerParameters

    shutil.copytree(real_index / "embeddings", tmp_path / "embeddings")
    parameters = StdioServerParameters(command=QA, args=["mcp", "--index", str(tmp_path / "embeddings")])

    async def session() -> tuple[list[str], dict[str, Any]]:
        async with Client(parameters) as client:
            tools = await client.list_tools()
            answer = await client.call_tool("answer_question", {"question": QUESTION})
            return [t.name for t in tools.tools], answer.structured_content or {}

    names, answer = asyncio.run(session())
    assert sorted(names) == ["answer_question", "search_articles"]
    assert answer["found"] and "Ajit Doval" in answer["text"]


def test_auth_protects_the_api_and_mcp(retriever: Retriever) -> None:
    from qa.app.server import start_chat
    from qa.settings import Settings

    running = start_chat(
        retriever, Settings(index_dir=retriever.index_dir, port=free_port(), mcp=True, auth=("ann", "s3cret"))
    )
    try:
        url = running.url
        assert httpx.get(f"{url}/api/health").status_code == 401
        assert httpx.get(f"{url}/api/health", auth=("ann", "wrong")).status_code == 401
        assert httpx.get(f"{url}/api/health", auth=("ann", "s3cret")).json()["status"] == "ok"
        denied = httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert denied.status_code == 401 and "--auth" in denied.json()["error"]
    finally:
        running.close()


def test_the_gate_bounds_running_and_waiting_questions() -> None:
    import threading

    from qa.app.api import Busy, Gate

    gate = Gate(running=1, waiting=1)
    release = threading.Event()
    started = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(10)
        return "done"

    first = threading.Thread(target=gate.run, args=(slow,))
    first.start()
    started.wait(10)
    second = threading.Thread(target=gate.run, args=(lambda: "queued",))
    second.start()
    with pytest.raises(Busy, match="busy"):
        for _ in range(100):  # the second one is admitted and waiting: a third is refused
            gate.run(lambda: "third")
            second.join(0.01)
    release.set()
    first.join(10)
    second.join(10)
    assert gate.run(lambda: "after") == "after"
