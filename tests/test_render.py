"""Untrusted text is shown as text: escaping for the chat reply and the sources panel."""

from __future__ import annotations

import re

from qa.app.render import answer_dict, answer_markdown, escape_markdown, sources_html
from qa.types import Answer, AnswerSentence, Citation, Hit

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![beacon](https://tracker.example/pixel.png)",
    '<div style="position:fixed;inset:0">overlay</div>',
    "<a href='javascript:alert(1)'>x</a>",
]


def _answer(text: str) -> Answer:
    citation = Citation("a", f"Title {text}", "a.txt", 0, len(text))
    hit = Hit(text, 1.0, citation, 0.9, 2.0, 0)
    return Answer("q", True, text, (AnswerSentence(text, 0, len(text), 1, 1.0),), (hit,), 0.9)


def test_markdown_escape_leaves_no_tag_or_link() -> None:
    for payload in PAYLOADS:
        escaped = escape_markdown(payload)
        assert "<" not in escaped and ">" not in escaped
        assert "](" not in escaped and "javascript:" not in escaped


def test_reply_and_sources_escape_article_text() -> None:
    for payload in PAYLOADS:
        answer = _answer(payload)
        reply = answer_markdown(answer)
        panel = sources_html(answer)
        assert "<script" not in reply and "<img" not in reply and "](" not in reply
        tags = set(re.findall(r"</?([a-zA-Z]+)", panel))
        assert tags <= {"div", "b", "blockquote", "mark", "br", "p", "span"}, tags
        assert not re.search(r"<[^>]*\bon[a-z]+\s*=", panel)  # no tag carries an event handler
        assert not re.search(r"<[^>]*\bon[a-z]+\s*=", reply)


def test_not_found_reply_is_plain() -> None:
    answer = Answer("q", False, "", (), (), 0.1)
    assert answer_markdown(answer) == "I could not find an answer to that in the articles."
    assert answer_dict(answer)["found"] is False


def test_a_decline_for_names_no_article_mentions_names_them_as_text() -> None:
    """The question's words are untrusted too: the names are escaped wherever they are shown."""
    for payload in PAYLOADS:
        name = f"Zorblax{payload}"
        answer = Answer(f"Who owns {name}?", False, "", (), (), 0.0, unknown_names=(name,))
        reply = answer_markdown(answer)
        assert reply.startswith("I could not find an answer to that in the articles. No article mentions “Zorblax")
        assert "<script" not in reply and "<img" not in reply and "](" not in reply
        panel = sources_html(answer)
        assert panel.startswith("<p class='qa-note'>No article mentions “Zorblax")
        assert set(re.findall(r"</?([a-zA-Z]+)", panel)) == {"p"}
        assert answer_dict(answer)["unknown_names"] == [name]
    plain = Answer("Who owns Kahlua?", False, "", (), (), 0.0, unknown_names=("Kahlua", "Tia Maria"))
    assert answer_markdown(plain).endswith("No article mentions “Kahlua”, “Tia Maria”\\.")
