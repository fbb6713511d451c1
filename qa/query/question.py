"""What a caller may ask: a cleaned question, a bounded number of hits, a known search mode.

Every number a caller passes is bounded here, in the library, so that no caller (the CLI,
the chat, a script, an HTTP client) can make a search allocate by its own size.
"""

from __future__ import annotations

import unicodedata

from qa.errors import QuestionError
from qa.ingest.cleaning import single_spaced
from qa.store.lexical import tokenize
from qa.types import SEARCH_MODES, SearchMode

MAX_QUESTION_CHARS = 2000
MAX_HITS = 1000


def clean_question(question: object) -> str:
    """The question with control characters, lone surrogates and extra white space removed.

    Raises ``QuestionError`` when nothing is left or the question is too long to be one.
    """
    if not isinstance(question, str):
        raise QuestionError(f"a question must be text, not {type(question).__name__}")
    if len(question) > MAX_QUESTION_CHARS * 4:
        raise QuestionError(f"the question is {len(question):,} characters long; ask in at most {MAX_QUESTION_CHARS:,}")
    text = question.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in text)
    text = single_spaced(text)
    if not text:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text):,} characters long; ask in at most {MAX_QUESTION_CHARS:,}")
    return text


def parse_mode(mode: object) -> SearchMode:
    """``mode`` as a ``SearchMode``; ``QuestionError`` naming the accepted ones otherwise."""
    for known in SEARCH_MODES:
        if mode == known:
            return known
    raise QuestionError(f"unknown search mode {mode!r}: use one of {', '.join(SEARCH_MODES)}")


def check_hits(k: object) -> int:
    """``k`` (how many hits to return) as an int between 1 and ``MAX_HITS``."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise QuestionError(f"k must be a whole number between 1 and {MAX_HITS}, not {k!r}")
    if not 1 <= k <= MAX_HITS:
        raise QuestionError(f"k must be between 1 and {MAX_HITS}, not {k}: ask for fewer hits")
    return k


# Stems of the words that make a question a question; they say nothing of its subject.
ASKING_STEMS = frozenset(
    "how much mani what which who whom whose when where whi doe did do were between among accord kind type".split()
)


def content_stems(question: str) -> list[str]:
    """The question's subject words, stemmed as the BM25 index stems them, each once."""
    return [s for s in dict.fromkeys(tokenize([question])[0]) if s not in ASKING_STEMS]
