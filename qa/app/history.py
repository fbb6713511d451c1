"""A Gradio chat history read without Gradio: the user's earlier questions, for follow-ups."""

from __future__ import annotations

from typing import Any

from qa.errors import QuestionError
from qa.query.question import MAX_QUESTION_CHARS, clean_question

HISTORY_TURNS = 6  # earlier questions a follow-up is resolved against


def text_of(content: Any) -> str:
    """The text of a chat message's content, whatever shape Gradio gives it."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, (list, tuple)):
        return " ".join(text_of(part) for part in content)
    return ""


def previous_questions(history: list[Any], limit: int = HISTORY_TURNS) -> list[str]:
    """The user's last ``limit`` valid questions in a Gradio chat history, oldest first.

    Only the last ``4 * limit`` messages are looked at, and a message that is not a valid
    question (too long, empty) is left out before anything else reads it, so a long or
    hostile history costs no more than a short one.
    """
    asked: list[str] = []
    for message in history[-4 * limit :]:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        text = text_of(message.get("content"))
        if len(text) > MAX_QUESTION_CHARS * 4:
            continue
        try:
            asked.append(clean_question(text))
        except QuestionError:
            continue
    return asked[-limit:]
