"""The Gradio chat: answers with numbered citations and a sources panel.

The page is served by ``qa.app.server`` beside the JSON API and MCP, with the safe
defaults kept there. The queue is bounded here (64 waiting, 4 running). Everything from
the articles or the user is escaped in ``qa.app.render`` before display.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from qa.app.history import previous_questions, text_of
from qa.app.render import answer_markdown, escape_markdown, sources_html
from qa.app.reports import problem_lines
from qa.app.startup import library_for
from qa.errors import QAError, QuestionError
from qa.query.question import MAX_QUESTION_CHARS, clean_question
from qa.query.retriever import Retriever
from qa.settings import Settings
from qa.types import SEARCH_MODES

log = logging.getLogger(__name__)

EXAMPLES = (
    "Who is India's National Security Adviser?",
    "How much did trade between India and Russia reach?",
    "What share of Indian weapons came from Russia during the Cold War?",
    "What is the capital of Australia?",
)
CSS = """
.qa-source { border-left: 3px solid #8884; padding: 0.2em 0.8em; margin-bottom: 0.8em; }
.qa-where, .qa-also, .qa-note { font-size: 0.85em; opacity: 0.8; }
.qa-source mark { padding: 0 0.1em; }
"""


K = 5
MAX_QUEUE = 64
CONCURRENCY = 4
MAX_FILE_SIZE = "5mb"


def make_responder(retriever: Retriever, k: int = K) -> Callable[[str, list[Any], str], tuple[str, str]]:
    """The chat function: (message, history, mode) -> (reply Markdown, sources HTML)."""

    def respond(message: str, history: list[Any], mode: str = "hybrid") -> tuple[str, str]:
        retriever.refresh()  # between questions only: a question runs on one snapshot
        try:
            message = clean_question(text_of(message))  # before anything else reads it
            taken, answer = retriever.answer_follow_up(message, previous_questions(history or []), k=k, mode=mode)
        except QuestionError as error:
            return escape_markdown(str(error)), ""
        except QAError as error:  # the index or model cannot answer now: say so, keep serving
            log.warning("question failed: %s", error)
            return escape_markdown(f"The index cannot answer right now: {error}"), ""
        reply = answer_markdown(answer)
        if taken.shown != message:
            reply = f"*Taken as: {escape_markdown(taken.shown)}*\n\n{reply}"
        return reply, sources_html(answer)

    return respond


def build_app(
    retriever: Retriever, settings: Settings | None = None, examples: tuple[str, ...] = EXAMPLES
) -> gr.Blocks:
    """The chat page over ``retriever`` (with the upload panel when ``settings.admin``)."""
    settings = settings or Settings()
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
                    fn=make_responder(retriever, K),
                    chatbot=gr.Chatbot(label="Answers", sanitize_html=True, render_markdown=True, height=520),
                    textbox=gr.Textbox(
                        placeholder="Ask a question about the articles…", max_length=MAX_QUESTION_CHARS, submit_btn=True
                    ),
                    additional_inputs=[mode],
                    additional_outputs=[sources],
                    examples=[[question, "hybrid"] for question in examples],
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


def _admin_panel(retriever: Retriever, settings: Settings) -> None:
    """Upload articles and rebuild the index from the page (only with ``--admin``)."""
    with gr.Accordion("Add articles (admin)", open=False):
        files = gr.File(
            label="Articles: .txt, .md, .html or .jsonl",
            file_count="multiple",
            file_types=[".txt", ".md", ".html", ".htm", ".jsonl"],
        )
        button = gr.Button("Add and rebuild the index")
        status = gr.Markdown()

        def add_and_rebuild(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 (Gradio's way to ask for a progress bar)
            if not paths:
                return "Choose one or more files first."

            def report_progress(done: int, total: int) -> None:
                progress((done, total), desc="Embedding", unit="passages")

            library = library_for(settings, progress=report_progress, encoder=retriever.encoder)
            try:
                report = library.add(paths, index=True)
            except QAError as error:
                return escape_markdown(f"Nothing was added, the previous index keeps serving: {error}")
            retriever.refresh()
            if report.indexed is None:  # add(index=True) always updates the index: a bug if not
                raise RuntimeError(
                    "Library.add(index=True) returned no index report: the articles were imported but not indexed"
                )
            lines = [f"Added {len(report.imported.written)} article(s). Index: {report.indexed.summary()}"]
            lines += [f"- {escape_markdown(line)}" for line in problem_lines(report.problems)]
            return "\n".join(lines)

        button.click(add_and_rebuild, inputs=[files], outputs=[status], api_name="add_articles", concurrency_limit=1)


def prepare_app(settings: Settings, retriever: Retriever) -> gr.Blocks:
    """The queued chat app over ``retriever``."""
    app = build_app(retriever, settings)
    app.queue(max_size=MAX_QUEUE, default_concurrency_limit=CONCURRENCY)
    return app
