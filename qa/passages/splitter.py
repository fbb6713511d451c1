"""Split cleaned articles into passages that fit the model, with exact source spans.

Sentences are packed greedily into passages of at most ``max_tokens`` word pieces
(counted with the model's own tokenizer, the title prefix included), neighbouring
passages share ``overlap_sentences`` sentences, and a passage never crosses a section
boundary (a place where boilerplate was removed). A sentence longer than the budget is
cut at white space between word pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields

from qa.passages.sentences import split_sentences
from qa.types import Article, Passage, Span

OffsetsFn = Callable[[Sequence[str]], list[list[tuple[int, int]]]]
SPLITTER_VERSION = 1
MIN_PASSAGE_TOKENS = 16
MAX_PASSAGE_TOKENS = 8192
MAX_OVERLAP_SENTENCES = 10
_SAFETY_TOKENS = 8
_MAX_TITLE_WORDS = 24


@dataclass(frozen=True)
class SplitSettings:
    """How articles become passages; recorded in the manifest, a change forces a rebuild."""

    max_tokens: int = 128
    overlap_sentences: int = 1
    title_in_embedding: bool = False
    version: int = SPLITTER_VERSION

    def __post_init__(self) -> None:
        if not MIN_PASSAGE_TOKENS <= self.max_tokens <= MAX_PASSAGE_TOKENS:
            raise ValueError(
                f"max_tokens must be between {MIN_PASSAGE_TOKENS} and {MAX_PASSAGE_TOKENS}, not {self.max_tokens}"
            )
        if not 0 <= self.overlap_sentences <= MAX_OVERLAP_SENTENCES:
            raise ValueError(
                f"overlap_sentences must be between 0 and {MAX_OVERLAP_SENTENCES}, not {self.overlap_sentences}"
            )

    def as_dict(self) -> dict[str, object]:
        """The settings as plain JSON values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> SplitSettings:
        """Settings recorded by ``as_dict``; ``ValueError`` names what does not fit."""
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown split settings {unknown}")
        max_tokens, overlap = values.get("max_tokens", 128), values.get("overlap_sentences", 1)
        title, version = values.get("title_in_embedding", False), values.get("version", SPLITTER_VERSION)
        if not (_is_int(max_tokens) and _is_int(overlap) and _is_int(version) and isinstance(title, bool)):
            raise ValueError(f"malformed split settings {dict(values)}")
        return cls(int(str(max_tokens)), int(str(overlap)), title, int(str(version)))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def embedding_text(title: str, passage_text: str, settings: SplitSettings) -> str:
    """What the model reads for a passage: the article's title, then the passage."""
    if not (settings.title_in_embedding and title):
        return passage_text
    return f"{_title_prefix(title)}\n{passage_text}"


def _title_prefix(title: str) -> str:
    return " ".join(title.split()[:_MAX_TITLE_WORDS])


def _cut_long(text: str, span: Span, offsets: list[tuple[int, int]], budget: int) -> list[Span]:
    """Cut a sentence of more than ``budget`` word pieces at white space between pieces."""
    pieces: list[Span] = []
    first = 0
    while first < len(offsets):
        last = min(first + budget, len(offsets))
        if last < len(offsets):
            # back off to a word piece that starts after white space
            cut = last
            while cut > first + 1 and not text[span.start + offsets[cut][0] - 1].isspace():
                cut -= 1
            last = cut if cut > first + 1 else last
        start = span.start + offsets[first][0]
        end = span.start + offsets[last - 1][1]
        pieces.append(Span(start, end))
        first = last
    return pieces


def _sentences_with_sections(article: Article) -> list[tuple[Span, int]]:
    found: list[tuple[Span, int]] = []
    for block in article.blocks:
        for span in split_sentences(article.text, block.start, block.end):
            found.append((span, block.section))
    return found


def _pack(spans: list[Span], counts: list[int], budget: int, overlap: int) -> list[list[Span]]:
    groups: list[list[Span]] = []
    i = 0
    while i < len(spans):
        j, total = i, 0
        while j < len(spans) and total + counts[j] <= budget:
            total += counts[j]
            j += 1
        j = max(j, i + 1)
        groups.append(spans[i:j])
        if j >= len(spans):
            break
        i = max(j - overlap, i + 1)
    return groups


def split_article(
    article: Article, token_offsets: OffsetsFn, settings: SplitSettings, model_max_tokens: int
) -> list[Passage]:
    """The passages of one article, in reading order."""
    title_tokens = len(token_offsets([_title_prefix(article.title)])[0]) + 1 if settings.title_in_embedding else 0
    budget = min(settings.max_tokens, model_max_tokens - 2 - _SAFETY_TOKENS) - title_tokens
    budget = max(budget, 16)
    tagged = _sentences_with_sections(article)
    if not tagged:
        return []
    offsets = token_offsets([article.text[s.start : s.end] for s, _ in tagged])
    sections: dict[int, tuple[list[Span], list[int]]] = {}
    for (span, section), pieces in zip(tagged, offsets):
        spans, counts = sections.setdefault(section, ([], []))
        if len(pieces) > budget:
            for part in _cut_long(article.text, span, pieces, budget):
                spans.append(part)
                counts.append(budget)
        else:
            spans.append(span)
            counts.append(len(pieces))
    passages: list[Passage] = []
    for section in sorted(sections):
        spans, counts = sections[section]
        for group in _pack(spans, counts, budget, settings.overlap_sentences):
            start, end = group[0].start, group[-1].end
            passages.append(Passage(article.article_id, start, end, article.text[start:end], tuple(group)))
    return passages
