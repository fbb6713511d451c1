"""The sources of an answer: each article's overlapping hits merged into one excerpt.

Passages overlap by design (a sentence may sit in two of them), so two hits of one article
can repeat text. For a reader each stretch of an article appears once: hits of the same
article whose spans overlap or touch become one ``Source`` with the merged span, and its
text is copied from the hits themselves (each hit's text is exactly its span of the file).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from qa.types import Answer, Citation, Hit

Strength = Literal["answers the question", "related"]


@dataclass(frozen=True)
class Source:
    """One excerpt shown to a reader: ``text`` is the cited file's ``[citation.start, citation.end)``.

    ``hit_numbers`` are the (1-based) hits merged into it, ``score`` the best of their
    ranking scores; ``strength`` says in words whether the answer comes from it.
    """

    text: str
    citation: Citation
    hit_numbers: tuple[int, ...]
    score: float
    strength: Strength
    also_in: tuple[Citation, ...] = ()


def _merge(hits: list[tuple[int, Hit]]) -> list[list[tuple[int, Hit]]]:
    """Runs of hits (one article, sorted by start) whose spans overlap or touch."""
    runs: list[list[tuple[int, Hit]]] = []
    end = -1
    for number, hit in sorted(hits, key=lambda item: (item[1].citation.start, item[1].citation.end)):
        if runs and hit.citation.start <= end:
            runs[-1].append((number, hit))
            end = max(end, hit.citation.end)
        else:
            runs.append([(number, hit)])
            end = hit.citation.end
    return runs


def _joined(run: list[tuple[int, Hit]]) -> tuple[str, int, int]:
    start = run[0][1].citation.start
    text, end = "", start
    for _, hit in run:
        if hit.citation.end > end:
            text += hit.text[end - hit.citation.start :]
            end = hit.citation.end
    return text, start, end


def answer_sources(answer: Answer) -> list[Source]:
    """The answer's hits as excerpts without repetition: the ones the answer cites first
    (in order of citation), then the others by rank."""
    cited = [n for s in answer.sentences for n in (s.hit_number, *s.also_cited)]
    by_article: dict[str, list[tuple[int, Hit]]] = {}
    for number, hit in enumerate(answer.hits, start=1):
        by_article.setdefault(hit.citation.article_id, []).append((number, hit))
    sources = []
    for hits in by_article.values():
        for run in _merge(hits):
            text, start, end = _joined(run)
            numbers = tuple(sorted(n for n, _ in run))
            best = min(run, key=lambda item: item[0])[1]
            also = tuple(dict.fromkeys(c for _, h in run for c in h.also_in))
            strength: Strength = "answers the question" if answer.found and set(numbers) & set(cited) else "related"
            citation = replace(best.citation, start=start, end=end)
            sources.append(Source(text, citation, numbers, max(h.score for _, h in run), strength, also))

    def order(source: Source) -> tuple[int, int]:
        firsts = [cited.index(n) for n in source.hit_numbers if n in cited]
        return (min(firsts), 0) if firsts else (len(cited), min(source.hit_numbers))

    return sorted(sources, key=order)
