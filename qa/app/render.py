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

from qa.ingest.cleaning import single_spaced
from qa.query.sources import Source, answer_sources
from qa.types import Answer, AnswerSentence, AnswerSpan, Citation, Hit

NOT_FOUND = "I could not find an answer to that in the articles."
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")


def escape_markdown(text: str) -> str:
    """Text that Markdown and HTML both show literally (no tags, links, images or emphasis)."""
    escaped = html.escape(text, quote=False)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", escaped)


DIFFERS = "Another article gives a different figure:"
_MD_MARKER = "\\[{}\\]"
_BLANK_LINES = re.compile(r"[^\S\n]*\n(?:[^\S\n]*\n)+[^\S\n]*")


def cited_sources(answer: Answer) -> list[Source]:
    """The excerpts the answer cites, in order of first citation (``[1]``, ``[2]``, ...)."""
    return [s for s in answer_sources(answer) if s.strength == "answers the question"]


def _markers(sentence: AnswerSentence, numbers: dict[int, int], template: str) -> str:
    shown = dict.fromkeys(numbers[n] for n in (sentence.hit_number, *sentence.also_cited))
    return "".join(template.format(n) for n in shown)


def _with_span(sentence: AnswerSentence, span: AnswerSpan | None) -> tuple[str, str, str]:
    """The sentence as (before, span, after); the span part is empty when it is elsewhere."""
    if span is None or not (sentence.start <= span.start and span.end <= sentence.end):
        return sentence.text, "", ""
    begin, end = span.start - sentence.start, span.end - sentence.start
    return sentence.text[:begin], sentence.text[begin:end], sentence.text[end:]


def _sentence_line(
    sentence: AnswerSentence, numbers: dict[int, int], span: AnswerSpan | None, *, markdown: bool
) -> str:
    before, phrase, after = (single_spaced(part, strip=False) for part in _with_span(sentence, span))
    if markdown:
        text = escape_markdown(before) + (f"**{escape_markdown(phrase)}**" if phrase else "") + escape_markdown(after)
        line = f"{text.strip()} **{_markers(sentence, numbers, _MD_MARKER)}**"
        return f"*{DIFFERS}* {line}" if sentence.differs else line
    text = (before + phrase + after).strip()
    line = f"{text} {_markers(sentence, numbers, '[{}]')}"
    return f"{DIFFERS} {line}" if sentence.differs else line


def _citation_numbers(cited: list[Source]) -> dict[int, int]:
    """Display numbers 1, 2, ... per cited excerpt, for every hit merged into it."""
    return {hit: n for n, source in enumerate(cited, start=1) for hit in source.hit_numbers}


def _answer_lines(answer: Answer, numbers: dict[int, int], *, markdown: bool) -> list[str]:
    """The answer paragraph, one line per differing statement, then a blank line."""
    span = answer.span
    lines = [" ".join(_sentence_line(s, numbers, span, markdown=markdown) for s in answer.sentences if not s.differs)]
    lines += [_sentence_line(s, numbers, None, markdown=markdown) for s in answer.sentences if s.differs]
    return [*lines, ""]


def _source_label(citation: Citation) -> str:
    parts = [citation.title]
    extra = ", ".join(p for p in (citation.publisher, citation.date) if p)
    if extra:
        parts.append(f"({extra})")
    return " ".join(parts)


def _source_line(n: int, source: Source, *, markdown: bool) -> str:
    """Cited source ``n``: its label and file (escaped Markdown, with the other articles
    carrying it), or for a terminal its file and character span."""
    citation = source.citation
    if markdown:
        also = "".join(f"; also in *{escape_markdown(c.title)}*" for c in source.also_in)
        return f"\\[{n}\\] *{escape_markdown(_source_label(citation))}* — {escape_markdown(citation.source)}{also}  "
    return f"[{n}] {_source_label(citation)} — {citation.source} [{citation.start}:{citation.end}]"


def unknown_names_note(answer: Answer) -> str:
    """Why a question naming what no article mentions was declined ("" otherwise), as plain text."""
    if not answer.unknown_names:
        return ""
    names = ", ".join(f"“{name}”" for name in answer.unknown_names)
    return f"No article mentions {names}."


def _reply(answer: Answer, *, markdown: bool) -> str:
    """The answer sentences with [n] markers, then the numbered sources; or ``NOT_FOUND``
    (with the names no article mentions, when that is why)."""
    if not answer.found:
        note = unknown_names_note(answer)
        return f"{NOT_FOUND} {escape_markdown(note) if markdown else note}".rstrip()
    cited = cited_sources(answer)
    lines = _answer_lines(answer, _citation_numbers(cited), markdown=markdown)
    lines += [_source_line(n, source, markdown=markdown) for n, source in enumerate(cited, start=1)]
    return "\n".join(lines)


def answer_markdown(answer: Answer) -> str:
    """The chat reply: answer sentences with [n] markers, then the numbered sources."""
    return _reply(answer, markdown=True)


def _highlighted(source: Source, answer: Answer) -> str:
    """The excerpt as HTML, the answer sentences inside ``<mark>`` and the answer phrase bold."""
    start = source.citation.start
    marks = sorted(
        (s.start - start, s.end - start)
        for s in answer.sentences
        if s.hit_number in source.hit_numbers and not s.differs
    )
    bold = (answer.span.start - start, answer.span.end - start) if answer.span else (-1, -1)
    pieces: list[str] = []
    cursor = 0
    for begin, end in marks:
        begin, end = max(begin, cursor), min(end, len(source.text))
        if begin >= end:
            continue
        pieces.append(html.escape(source.text[cursor:begin]))
        if begin <= bold[0] and bold[1] <= end:
            inner = (source.text[begin : bold[0]], source.text[bold[0] : bold[1]], source.text[bold[1] : end])
            pieces.append(f"<mark>{html.escape(inner[0])}<b>{html.escape(inner[1])}</b>{html.escape(inner[2])}</mark>")
        else:
            pieces.append(f"<mark>{html.escape(source.text[begin:end])}</mark>")
        cursor = end
    pieces.append(html.escape(source.text[cursor:]))
    return _BLANK_LINES.sub("\n\n", "".join(pieces)).replace("\n", "<br>")


def sources_html(answer: Answer) -> str:
    """The sources panel: each excerpt once, cited ones first (answer highlighted, match in
    words, the ranking score on hover), then other close passages.

    A declined question shows no passage: the closest ones do not answer it.
    """
    if not answer.found or not answer.hits:
        note = unknown_names_note(answer) or "No passage in the articles answers this question."
        return f"<p class='qa-note'>{html.escape(note)}</p>"
    blocks: list[str] = []
    number = 0
    for source in answer_sources(answer):
        citation = source.citation
        cited = source.strength == "answers the question"
        number += cited
        label = f"[{number}] " if cited else ""
        also = "".join(
            f"<div class='qa-also'>Also in: {html.escape(c.title)} ({html.escape(c.source)})</div>"
            for c in source.also_in
        )
        blocks.append(
            "<div class='qa-source'>"
            f"<div class='qa-title'><b>{html.escape(label + _source_label(citation))}</b></div>"
            f"<div class='qa-where'>{html.escape(citation.source)}, characters {citation.start}–{citation.end}"
            f" · <span class='qa-strength' title='ranking score {source.score:.3f}'>{source.strength}</span></div>"
            f"<blockquote>{_highlighted(source, answer)}</blockquote>{also}</div>"
        )
    return "\n".join(blocks)


def answer_text(answer: Answer) -> str:
    """The answer for a terminal: sentences with [n], then the sources with their spans."""
    return _reply(answer, markdown=False)


def answer_dict(answer: Answer) -> dict[str, Any]:
    """The answer as plain JSON values: question, found, text, span, reader_span, confidence, sentences,
    sources (merged excerpts, with the match in words and the score) and hits."""
    return {
        "question": answer.question,
        "found": answer.found,
        "text": answer.text,
        "span": asdict(answer.span) if answer.span else None,
        "reader_span": asdict(answer.reader_span) if answer.reader_span else None,
        "unknown_names": list(answer.unknown_names),
        "confidence": round(answer.confidence, 4),
        "mode": answer.mode,
        "sentences": [asdict(s) for s in answer.sentences],
        "sources": [
            {
                "text": s.text,
                "citation": asdict(s.citation),
                "hits": list(s.hit_numbers),
                "strength": s.strength,
                "score": round(s.score, 6),
                "also_in": [asdict(c) for c in s.also_in],
            }
            for s in answer_sources(answer)
        ],
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
