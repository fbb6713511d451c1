"""Answers as text for the terminal, JSON for scripts, and escaped Markdown/HTML for the chat.

Article text and questions are untrusted: everything that reaches the chat goes through
``escape_markdown`` or ``html.escape`` here, so a ``<script>`` tag, an ``onerror``
attribute, a ``javascript:`` link or a remote image in an article shows as text.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict
from typing import Any

from qa.types import Answer, AnswerSentence, Citation, Hit

NOT_FOUND = "I could not find an answer to that in the articles."
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")


def escape_markdown(text: str) -> str:
    """Text that Markdown and HTML both show literally (no tags, links, images or emphasis)."""
    escaped = html.escape(text, quote=False)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", escaped)


DIFFERS = "Another article gives a different figure:"
_MD_MARKER = "\\[{}\\]"
_BLANK_LINES = re.compile(r"[^\S\n]*\n(?:[^\S\n]*\n)+[^\S\n]*")


def cited_hits(answer: Answer) -> list[int]:
    """Hit numbers (1-based) cited by the answer, in order of first citation."""
    return list(dict.fromkeys(n for s in answer.sentences for n in (s.hit_number, *s.also_cited)))


def _markers(sentence: AnswerSentence, numbers: dict[int, int], template: str) -> str:
    return "".join(template.format(numbers[n]) for n in (sentence.hit_number, *sentence.also_cited))


def _sentence_line(sentence: AnswerSentence, numbers: dict[int, int], *, markdown: bool) -> str:
    text = " ".join(sentence.text.split())
    if markdown:
        markers = _markers(sentence, numbers, _MD_MARKER)
        line = f"{escape_markdown(text)} **{markers}**"
        return f"*{DIFFERS}* {line}" if sentence.differs else line
    line = f"{text} {_markers(sentence, numbers, '[{}]')}"
    return f"{DIFFERS} {line}" if sentence.differs else line


def _citation_numbers(answer: Answer) -> dict[int, int]:
    """Display numbers 1, 2, ... for the cited hits, in order of first citation."""
    return {hit: n for n, hit in enumerate(cited_hits(answer), start=1)}


def _answer_lines(answer: Answer, numbers: dict[int, int], *, markdown: bool) -> list[str]:
    """The answer paragraph, one line per differing statement, then a blank line."""
    lines = [" ".join(_sentence_line(s, numbers, markdown=markdown) for s in answer.sentences if not s.differs)]
    lines += [_sentence_line(s, numbers, markdown=markdown) for s in answer.sentences if s.differs]
    return [*lines, ""]


def _source_label(citation: Citation) -> str:
    parts = [citation.title]
    extra = ", ".join(p for p in (citation.publisher, citation.date) if p)
    if extra:
        parts.append(f"({extra})")
    return " ".join(parts)


def answer_markdown(answer: Answer) -> str:
    """The chat reply: answer sentences with [n] markers, then the numbered sources."""
    if not answer.found:
        return NOT_FOUND
    numbers = _citation_numbers(answer)
    lines = _answer_lines(answer, numbers, markdown=True)
    for hit_number, n in numbers.items():
        hit = answer.hits[hit_number - 1]
        also = "".join(f"; also in *{escape_markdown(c.title)}*" for c in hit.also_in)
        lines.append(f"\\[{n}\\] *{escape_markdown(_source_label(hit.citation))}* — {escape_markdown(hit.citation.source)}{also}  ")
    return "\n".join(lines)


def _highlighted(hit: Hit, answer: Answer, hit_number: int) -> str:
    """The passage as HTML with the answer sentences inside ``<mark>``."""
    start = hit.citation.start
    marks = sorted((s.start - start, s.end - start) for s in answer.sentences if s.hit_number == hit_number)
    pieces: list[str] = []
    cursor = 0
    for begin, end in marks:
        begin, end = max(begin, cursor), min(end, len(hit.text))
        if begin >= end:
            continue
        pieces.append(html.escape(hit.text[cursor:begin]))
        pieces.append(f"<mark>{html.escape(hit.text[begin:end])}</mark>")
        cursor = end
    pieces.append(html.escape(hit.text[cursor:]))
    return _BLANK_LINES.sub("\n\n", "".join(pieces)).replace("\n", "<br>")


def sources_html(answer: Answer) -> str:
    """The sources panel: cited passages first (answer highlighted), then other close passages.

    A declined question shows no passage: the closest ones do not answer it.
    """
    if not answer.found or not answer.hits:
        return "<p class='qa-note'>No passage in the articles answers this question.</p>"
    cited = cited_hits(answer)
    order = cited + [n for n in range(1, len(answer.hits) + 1) if n not in cited]
    blocks: list[str] = []
    for hit_number in order:
        hit = answer.hits[hit_number - 1]
        citation = hit.citation
        label = f"[{cited.index(hit_number) + 1}] " if hit_number in cited else ""
        also = "".join(f"<div class='qa-also'>Also in: {html.escape(c.title)} ({html.escape(c.source)})</div>" for c in hit.also_in)
        blocks.append(
            "<div class='qa-source'>"
            f"<div class='qa-title'><b>{html.escape(label + _source_label(citation))}</b></div>"
            f"<div class='qa-where'>{html.escape(citation.source)}, characters {citation.start}–{citation.end}"
            f" · score {hit.score:.3f}</div>"
            f"<blockquote>{_highlighted(hit, answer, hit_number)}</blockquote>{also}</div>"
        )
    return "\n".join(blocks)


def answer_text(answer: Answer) -> str:
    """The answer for a terminal: sentences with [n], then the sources with their spans."""
    if not answer.found:
        return NOT_FOUND
    numbers = _citation_numbers(answer)
    lines = _answer_lines(answer, numbers, markdown=False)
    for hit_number, n in numbers.items():
        citation = answer.hits[hit_number - 1].citation
        lines.append(f"[{n}] {_source_label(citation)} — {citation.source} [{citation.start}:{citation.end}]")
    return "\n".join(lines)


def answer_dict(answer: Answer) -> dict[str, Any]:
    """The answer as plain JSON values: question, found, text, confidence, sentences, hits."""
    return {
        "question": answer.question,
        "found": answer.found,
        "text": answer.text,
        "confidence": round(answer.confidence, 4),
        "mode": answer.mode,
        "sentences": [asdict(s) for s in answer.sentences],
        "hits": [hit_dict(hit) for hit in answer.hits],
    }


def hit_dict(hit: Hit) -> dict[str, Any]:
    """One hit as plain JSON values."""
    return {
        "text": hit.text,
        "score": round(hit.score, 6),
        "dense_score": round(hit.dense_score, 6),
        "bm25_score": round(hit.bm25_score, 6),
        "citation": asdict(hit.citation),
        "also_in": [asdict(c) for c in hit.also_in],
    }
