"""One server process for people and programs: the chat at ``/``, the JSON API at ``/api``,
and with ``--mcp`` the MCP endpoint at ``/mcp``, all in one FastAPI app on uvicorn.

Safe by default: binds 127.0.0.1, makes no share link, exposes no monitoring route,
bounds the queue (the chat's and the API's) and upload size, and ``--auth USER:PASSWORD``
protects all three (HTTP Basic for the API and MCP, the login page for the chat).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from qa.app.api import Gate, Unauthorized, add_api, basic_auth, error_response
from qa.app.chat import CONCURRENCY, CSS, MAX_FILE_SIZE, MAX_QUEUE, prepare_app
from qa.app.startup import ensure_index, load_retriever
from qa.errors import UsageError
from qa.query.retriever import Retriever
from qa.settings import Settings

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def create_app(
    blocks: gr.Blocks, retriever: Retriever, settings: Settings, *, allowed_paths: list[str] | None = None
) -> FastAPI:
    """The FastAPI app: API routes, the MCP endpoint when ``settings.mcp``, the chat at ``/``."""
    mcp = None
    if settings.mcp:
        from qa.app.mcp_tools import build_mcp

        mcp = build_mcp(retriever)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if mcp is None:
            yield
        else:
            async with mcp.session_manager.run():
                yield

    app = FastAPI(
        title="qa: ask the articles",
        description="Answers copied verbatim from news articles, with exact citations. No generative model.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    add_api(app, retriever, Gate(CONCURRENCY, MAX_QUEUE), settings.auth)
    if mcp is not None:
        mcp_app = mcp.streamable_http_app(
            streamable_http_path="/mcp", stateless_http=True, json_response=True, host=settings.host
        )
        app.router.routes.extend(mcp_app.routes)
        check = basic_auth(settings.auth)

        @app.middleware("http")
        async def protect_mcp(request: Request, call_next: Any) -> Any:
            if request.url.path.rstrip("/") == "/mcp":
                try:
                    check(request)
                except Unauthorized as error:
                    return error_response(error)
            return await call_next(request)

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"error": "internal error: see the server's log"}, status_code=500)

    return gr.mount_gradio_app(
        app,
        blocks,
        path="",
        server_name=settings.host,
        server_port=settings.port,
        auth=settings.auth,
        show_error=False,
        max_file_size=MAX_FILE_SIZE,
        ssr_mode=False,
        enable_monitoring=False,
        mcp_server=False,
        css=CSS,
        allowed_paths=allowed_paths,
    )


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise UsageError(
                f"cannot listen on {host}:{port} ({error.strerror or error}): choose another --port (or QA_PORT) or --host"
            ) from None


@dataclass
class RunningServer:
    """A server started in a background thread (for tests and benchmarks)."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def close(self) -> None:
        """Stop the server and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _server(app: FastAPI, settings: Settings) -> uvicorn.Server:
    _check_port(settings.host, settings.port)
    if settings.host not in _LOOPBACK and settings.auth is None:
        print(
            f"warning: serving on {settings.host} without --auth; anyone who can reach it can use the chat, API and MCP",
            flush=True,
        )
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", timeout_graceful_shutdown=5
    )
    return uvicorn.Server(config)


def run(app: FastAPI, settings: Settings) -> None:
    """Serve until interrupted."""
    server = _server(app, settings)
    print(
        f"Serving on http://{settings.host}:{settings.port}/ (API: /api/docs{', MCP: /mcp' if settings.mcp else ''})",
        flush=True,
    )
    server.run()


def start(app: FastAPI, settings: Settings, timeout: float = 60) -> RunningServer:
    """Serve in a background thread; return once it accepts connections."""
    server = _server(app, settings)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on {settings.host}:{settings.port} did not start")
        time.sleep(0.02)
    return RunningServer(server, thread, f"http://{settings.host}:{settings.port}")


def start_chat(retriever: Retriever, settings: Settings, *, allowed_paths: list[str] | None = None) -> RunningServer:
    """The whole server (chat, API, MCP if asked) over ``retriever``, in a background thread."""
    return start(
        create_app(prepare_app(settings, retriever), retriever, settings, allowed_paths=allowed_paths), settings
    )


def serve(settings: Settings, retriever: Retriever | None = None) -> None:
    """Serve the chat, the API (and MCP with ``settings.mcp``) until interrupted, building
    and loading the index first if no ``retriever`` is given."""
    if retriever is None:
        ensure_index(settings)
        retriever = load_retriever(settings)
    run(create_app(prepare_app(settings, retriever), retriever, settings), settings)
