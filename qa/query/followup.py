"""Follow-up questions in a conversation, resolved without a language model.

A short question that leans on the previous one ("and what about defence?", "when did he
visit?") is searched together with the names of the previous question ("India",
"Russia", "National Security Adviser"), so it is answered in that context.
"""

from __future__ import annotations

import re
from typing import Sequence

_LEADS_ON = re.compile(r"(?i)^\s*(and|but|also|so|then|what about|how about|what else|same for|and what|and how|and why|and who)\b")
_PRONOUN = re.compile(r"(?i)\b(he|she|they|it|his|her|hers|their|theirs|its|them|him|this|that|these|those|there)\b")
_NAME = re.compile(r"(?:[A-Z][\w’'.-]*(?:\s+(?:of|the|and|for|de|al)\s+|\s+)?)*[A-Z][\w’'.-]*")
_QUESTION_WORDS = {"What", "Who", "Whom", "Whose", "When", "Where", "Why", "How", "Which", "Is", "Are", "Was", "Were", "Do", "Does", "Did", "Can", "Could", "Will", "Would", "Should", "Has", "Have", "Had", "According", "The", "A", "An", "In", "On"}
MAX_FOLLOW_UP_WORDS = 8
MAX_CONTEXT_WORDS = 20


def is_follow_up(question: str) -> bool:
    """Whether ``question`` is short and leans on an earlier one (a lead-in word or a pronoun)."""
    words = question.split()
    return 0 < len(words) <= MAX_FOLLOW_UP_WORDS and bool(_LEADS_ON.search(question) or _PRONOUN.search(question))


def context_terms(question: str) -> str:
    """The names in ``question`` (capitalised runs, question words left out)."""
    names = []
    for match in _NAME.finditer(question):
        words = match.group(0).split()
        while words and words[0] in _QUESTION_WORDS:
            words = words[1:]
        if words:
            names.append(" ".join(words).rstrip("?.!,"))
    return " ".join(dict.fromkeys(n for n in names if n))


def _context_for(context: str) -> str:
    """The names of ``context``, or all of it when it is short and has none."""
    if not context:
        return ""
    names = context_terms(context)
    if names:
        return " ".join(names.split()[:MAX_CONTEXT_WORDS])
    return context if len(context.split()) <= MAX_CONTEXT_WORDS else ""


def resolve_follow_up(question: str, previous: Sequence[str]) -> str:
    """``question`` with the context of the earlier questions (oldest first) when it needs it."""
    context = ""
    for earlier in [*previous, question]:
        terms = _context_for(context) if is_follow_up(earlier) else ""
        resolved = f"{earlier} {terms}" if terms else earlier
        context = resolved
    return context
