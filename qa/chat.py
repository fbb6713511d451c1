"""The Gradio chat: answers with numbered citations and a sources panel.

Safe by default: binds 127.0.0.1, makes no share link, exposes no monitoring route,
bounds the queue and upload size, and takes ``USER:PASSWORD`` when it must be exposed.
Everything from the articles or the user is escaped in ``qa.render`` before display.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import gradio as gr

from qa.encoder import SentenceTransformerEncoder
from qa.errors import QAError, QuestionError
from qa.followup import resolve_follow_up
from qa.importer import import_files
from qa.indexer import build_index
from qa.render import answer_markdown, escape_markdown, sources_html
from qa.retriever import Retriever
from qa.store import current_generation
from qa.types import SEARCH_MODES

log = logging.getLogger(__name__)

EXAMPLES = (
    "Who is India's National Security Adviser?",
    "Why did the US double tariffs on Indian goods?",
    "What share of Indian weapons came from Russia about seven years ago?",
    "What is the capital of Australia?",
)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_CSS = """
.qa-source { border-left: 3px solid #8884; padding: 0.2em 0.8em; margin-bottom: 0.8em; }
.qa-where, .qa-also, .qa-note { font-size: 0.85em; opacity: 0.8; }
.qa-source mark { padding: 0 0.1em; }
"""


@dataclass(frozen=True)
class ServeSettings:
    """Where the index and articles are, and how the server listens."""

    index_dir: str = "embeddings"
    corpus_dir: str = "corpus"
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None
    model: str | None = None
    k: int = 5
    max_queue: int = 64
    concurrency: int = 4
    max_file_size: str = "5mb"
    admin: bool = False
    examples: tuple[str, ...] = field(default=EXAMPLES)

    @classmethod
    def from_env(cls, **defaults: Any) -> "ServeSettings":
        """``defaults`` overridden by ``QA_INDEX``, ``QA_CORPUS``, ``QA_HOST``, ``QA_PORT``, ``QA_AUTH``, ``QA_MODEL``."""
        env = {
            "index_dir": os.environ.get("QA_INDEX"),
            "corpus_dir": os.environ.get("QA_CORPUS"),
            "host": os.environ.get("QA_HOST"),
            "port": int(os.environ["QA_PORT"]) if os.environ.get("QA_PORT") else None,
            "auth": os.environ.get("QA_AUTH"),
            "model": os.environ.get("QA_MODEL"),
            "admin": os.environ.get("QA_ADMIN", "").lower() in ("1", "true", "yes") or None,
        }
        values = dict(defaults)
        values.update({key: value for key, value in env.items() if value})
        return cls(**values)


def ensure_index(settings: ServeSettings) -> None:
    """Build the index from the corpus when the index folder has none yet."""
    if current_generation(Path(settings.index_dir)) is not None:
        return
    print(f"No index in {settings.index_dir}: building it from {settings.corpus_dir} (first start only)…", flush=True)
    report = build_index(
        settings.corpus_dir, settings.index_dir, encoder=SentenceTransformerEncoder(settings.model), progress=True
    )
    for problem in report.problems:
        print(f"skipped {problem.path}: {problem.reason}", flush=True)
    print(f"Index ready: {report.summary()}", flush=True)


def _text_of(content: Any) -> str:
    """The text of a chat message's content, whatever shape Gradio gives it."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, (list, tuple)):
        return " ".join(_text_of(part) for part in content)
    return ""


def previous_questions(history: list[Any], limit: int = 6) -> list[str]:
    """The user's earlier messages in a Gradio chat history, oldest first."""
    asked = [_text_of(m.get("content")) for m in history if isinstance(m, dict) and m.get("role") == "user"]
    return [q for q in asked if q.strip()][-limit:]


def make_responder(retriever: Retriever, k: int = 5) -> Callable[[str, list[Any], str], tuple[str, str]]:
    """The chat function: (message, history, mode) -> (reply Markdown, sources HTML)."""

    def respond(message: str, history: list[Any], mode: str = "hybrid") -> tuple[str, str]:
        retriever.refresh()  # between questions only: a question runs on one snapshot
        message = _text_of(message)
        question = resolve_follow_up(message, previous_questions(history or []))
        try:
            answer = retriever.answer(question, k=k, mode=mode)  # type: ignore[arg-type]
        except QuestionError as error:
            return escape_markdown(str(error)), ""
        except QAError as error:
            log.warning("question failed: %s", error)
            return escape_markdown(f"The index cannot answer right now: {error}"), ""
        reply = answer_markdown(answer)
        if question != message:
            reply = f"*Taken as: {escape_markdown(question)}*\n\n{reply}"
        return reply, sources_html(answer)

    return respond


def build_app(retriever: Retriever, settings: ServeSettings | None = None) -> gr.Blocks:
    """The chat page over ``retriever``."""
    settings = settings or ServeSettings()
    articles = len(retriever.snapshot.manifest.articles)
    with gr.Blocks(title="Ask the articles", fill_height=True) as app:
        gr.Markdown(
            f"### Ask the articles\nAnswers are copied word for word from {articles} indexed articles, "
            "with numbered citations. No text is generated."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                sources = gr.HTML(label="Sources", render=False, value="<p class='qa-empty'>Sources appear here.</p>")
                mode = gr.Radio(list(SEARCH_MODES), value="hybrid", label="Search mode", render=False)
                gr.ChatInterface(
                    fn=make_responder(retriever, settings.k),
                    chatbot=gr.Chatbot(label="Answers", sanitize_html=True, render_markdown=True, height=520),
                    textbox=gr.Textbox(placeholder="Ask a question about the articles…", max_length=2000, submit_btn=True),
                    additional_inputs=[mode],
                    additional_outputs=[sources],
                    examples=[[question, "hybrid"] for question in settings.examples],
                    cache_examples=False,
                    api_name="ask",
                    flagging_mode="never",
                    fill_height=True,
                )
            with gr.Column(scale=2):
                gr.Markdown("#### Sources")
                sources.render()
        if settings.admin:
            _admin_panel(retriever, settings)
    return app


def _admin_panel(retriever: Retriever, settings: ServeSettings) -> None:
    """Upload articles and rebuild the index from the page (only with ``--admin``)."""
    with gr.Accordion("Add articles (admin)", open=False):
        files = gr.File(
            label="Articles: .txt, .md, .html or .jsonl",
            file_count="multiple",
            file_types=[".txt", ".md", ".html", ".htm", ".jsonl"],
        )
        button = gr.Button("Add and rebuild the index")
        status = gr.Markdown()

        def add_and_rebuild(paths: list[str] | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:
            if not paths:
                return "Choose one or more files first."
            imported = import_files(paths, settings.corpus_dir)
            lines = [f"- skipped {escape_markdown(Path(p.path).name)}: {escape_markdown(p.reason)}" for p in imported.problems]
            if imported.written:
                try:
                    report = build_index(settings.corpus_dir, settings.index_dir, encoder=retriever.encoder, progress=True)
                except QAError as error:
                    return escape_markdown(f"Rebuild failed, the previous index keeps serving: {error}")
                retriever.refresh()
                lines.insert(0, f"Added {len(imported.written)} article(s). Index: {report.summary()}")
            return "\n".join(lines) or "Nothing was added."

        button.click(add_and_rebuild, inputs=[files], outputs=[status], api_name="add_articles", concurrency_limit=1)


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``USER:PASSWORD`` as a pair, or None; a value without ``:`` is an error that says so."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise QAError("--auth takes USER:PASSWORD (or set QA_AUTH=USER:PASSWORD)")
    return user, password


def prepare_app(settings: ServeSettings) -> gr.Blocks:
    """Build the index if there is none, load it, and return the queued chat app."""
    ensure_index(settings)
    app = build_app(Retriever.load(settings.index_dir), settings)
    app.queue(max_size=settings.max_queue, default_concurrency_limit=settings.concurrency)
    return app


def launch(app: gr.Blocks, settings: ServeSettings, **extra: Any) -> Any:
    """Serve ``app`` with the safe defaults; ``extra`` goes to ``Blocks.launch``."""
    auth = parse_auth(settings.auth)
    if settings.host not in _LOOPBACK and auth is None:
        print(f"warning: serving on {settings.host} without --auth; anyone who can reach it can use the chat", flush=True)
    return app.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=auth,
        enable_monitoring=False,
        max_file_size=settings.max_file_size,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        css=_CSS,
        **extra,
    )


def serve(settings: ServeSettings) -> None:
    """Build the index if needed, then serve the chat until interrupted."""
    parse_auth(settings.auth)  # fail on a malformed value before the slow start
    launch(prepare_app(settings), settings)
