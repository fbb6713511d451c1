"""The JSON HTTP API beside the chat: ``/api/answer``, ``/api/search``, ``/api/health``, ``/api/articles``.

The same fields as ``qa ask --json``. Errors are JSON ``{"error": message}`` with the
message the CLI prints: 400 for a bad question or value, 401 without the credentials of
``--auth``, 411 for a body without a length, 413 for one over 64 KB, 503 while no index is loaded or when more
questions wait than the queue holds. Never a stack trace. The schema is at
``/api/openapi.json`` and the docs page at ``/api/docs``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from qa.app.render import answer_dict, hit_dict
from qa.errors import IndexStateError, QAError, UsageError
from qa.query.question import MAX_HITS, MAX_QUESTION_CHARS
from qa.query.retriever import Retriever

MAX_BODY_BYTES = 64 * 1024
MAX_ARTICLES_PAGE = 1000


class QuestionRequest(BaseModel):
    """The JSON body of a question to search or answer."""

    question: str = Field(description="the question, in plain words", max_length=MAX_QUESTION_CHARS * 4)
    k: int = Field(5, ge=1, le=MAX_HITS, description=f"passages to retrieve, 1-{MAX_HITS}")
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="retrieval mode")


class Busy(QAError):
    """More questions are waiting than the queue holds."""


class Gate:
    """At most ``running`` questions at once and ``waiting`` more queued; beyond, ``Busy``."""

    def __init__(self, running: int, waiting: int) -> None:
        self._slots = threading.BoundedSemaphore(running)
        self._admitted = threading.BoundedSemaphore(running + waiting)

    def run(self, work: Callable[[], Any]) -> Any:
        """``work()`` inside the bounds."""
        if not self._admitted.acquire(blocking=False):
            raise Busy("the server is busy: too many questions are waiting; try again in a moment")
        try:
            with self._slots:
                return work()
        finally:
            self._admitted.release()


def basic_auth(credentials: tuple[str, str] | None) -> Callable[[Request], None]:
    """A dependency that requires ``credentials`` as HTTP Basic auth (none: open)."""

    def check(request: Request) -> None:
        if credentials is None:
            return
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or not (
            secrets.compare_digest(user, credentials[0]) & secrets.compare_digest(password, credentials[1])
        ):
            raise Unauthorized(
                "this server needs the credentials of --auth: send them as HTTP Basic auth (curl -u USER:PASSWORD)"
            )

    return check


class Unauthorized(QAError):
    """Missing or wrong credentials."""


_STATUS = ((Unauthorized, 401), (Busy, 503), (IndexStateError, 503), (UsageError, 400), (QAError, 500))


def error_response(error: QAError) -> JSONResponse:
    """The JSON error for ``error``, with its HTTP status."""
    status = next(code for kind, code in _STATUS if isinstance(error, kind))
    headers = {"WWW-Authenticate": 'Basic realm="qa"'} if status == 401 else None
    return JSONResponse({"error": str(error)}, status_code=status, headers=headers)


def api_router(retriever: Retriever, gate: Gate) -> APIRouter:
    """The routes, over one shared retriever."""
    router = APIRouter()

    @router.post("/answer", summary="Answer a question from the articles")
    def answer(body: QuestionRequest) -> dict[str, Any]:
        """The answer sentence(s) copied verbatim from the articles, with citations; ``found`` is
        false when the articles do not answer it (the closest hits are still listed)."""
        retriever.refresh()
        return gate.run(lambda: answer_dict(retriever.answer(body.question, k=body.k, mode=body.mode)))

    @router.post("/search", summary="Search the articles")
    def search(body: QuestionRequest) -> dict[str, Any]:
        """The best passages for the question, best first, each with its exact citation."""
        retriever.refresh()
        hits = gate.run(lambda: retriever.search(body.question, k=body.k, mode=body.mode))
        return {"question": body.question, "mode": body.mode, "hits": [hit_dict(hit) for hit in hits]}

    @router.get("/health", summary="The index being served")
    def health() -> dict[str, Any]:
        """The generation, passage and article counts, and the model of the index being served."""
        retriever.refresh()
        manifest = retriever.snapshot.manifest
        return {
            "status": "ok",
            "generation": retriever.snapshot.generation,
            "passages": manifest.passage_count,
            "articles": len(manifest.articles),
            "model": manifest.model,
            "encoder": manifest.encoder,
        }

    @router.get("/articles", summary="The indexed articles")
    def articles(offset: int = 0, limit: int = 100) -> dict[str, Any]:
        """The indexed articles in index order, ``limit`` (at most 1000) from ``offset``."""
        if offset < 0 or not 1 <= limit <= MAX_ARTICLES_PAGE:
            raise UsageError(f"offset must be 0 or more and limit between 1 and {MAX_ARTICLES_PAGE}")
        records = retriever.snapshot.manifest.articles
        page = [
            {
                "article_id": r.article_id,
                "title": r.title,
                "source": r.source,
                "url": r.url,
                "date": r.date,
                "publisher": r.publisher,
                "passages": r.passage_count,
            }
            for r in records[offset : offset + limit]
        ]
        return {"total": len(records), "offset": offset, "articles": page}

    return router


def add_api(app: FastAPI, retriever: Retriever, gate: Gate, credentials: tuple[str, str] | None) -> None:
    """Mount the API under ``/api`` on ``app``, with its error handling and body limit."""
    app.include_router(api_router(retriever, gate), prefix="/api", dependencies=[Depends(basic_auth(credentials))])

    @app.exception_handler(QAError)
    async def qa_error(request: Request, error: QAError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in error.errors())
        return JSONResponse(
            {"error": f'bad request ({problems}): send JSON like {{"question": "...", "k": 5, "mode": "hybrid"}}'},
            status_code=400,
        )

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Any]) -> Any:
        if request.url.path.startswith(("/api/", "/mcp")) and request.method == "POST":
            length = request.headers.get("content-length")
            if length is None:  # a chunked body could be of any size
                return JSONResponse({"error": "send the body with a Content-Length header"}, status_code=411)
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                return JSONResponse(
                    {"error": f"the request body is over {MAX_BODY_BYTES // 1024} KB: send one short question"},
                    status_code=413,
                )
        return await call_next(request)
