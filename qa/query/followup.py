"""Follow-up questions in a conversation, resolved without a language model.

A short question that leans on the previous one is rewritten with what it leans on:

- a personal pronoun, when the previous answer's phrase is a name, becomes that name:
  "Who did he meet?" after "Who is India's ambassador in Moscow?" (answered "Vinay
  Kumar") is asked as "Who did Vinay Kumar meet?", searched with the previous question's
  names ("India", "Moscow") as every follow-up is;
- a new topic after a lead-in ("and what about defence?") is searched together with the
  names of the previous question ("India", "Russia", "National Security Adviser"), so the
  new topic is answered in that context;
- an elliptic question ("when?", "with whose help?", "how was the atmosphere?") is searched
  with the previous question's words and its answer phrase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.query.question import content_stems

_LEADS_ON = re.compile(
    r"(?i)^\s*(and|but|also|so|then|what about|how about|what else|same for|and what|and how|and why|and who)\b"
)
_PRONOUN = re.compile(r"(?i)\b(he|she|they|it|his|her|hers|their|theirs|its|them|him|this|that|these|those|there)\b")
_PERSON = re.compile(r"\b(?:[Hh]e|[Ss]he|[Hh]im|[Hh]is|[Hh]er|[Tt]hey|[Tt]hem|[Tt]heir)\b")
_NAME = re.compile(r"(?:[A-Z][\w’'.-]*(?:\s+(?:of|the|and|for|de|al)\s+|\s+)?)*[A-Z][\w’'.-]*")
_ASKS_OBJECT = re.compile(r"(?i)^\W*(?:who|whom)\s+(?:did|does|do|will|would|has|have|had|is\s+\w+ing|was\s+\w+ing)\s")
_BARE_LEAD = re.compile(
    r"(?i)^\W*(?:and|but|also|so|then)?\s*(?:what|how)?\s*(?:about)?\s*(?:now|then|before|after|later|earlier|today|since)?\W*$"
)
_A_NAME = re.compile(r"^[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,4}$")
_QUESTION_WORDS = {
    "What",
    "Who",
    "Whom",
    "Whose",
    "When",
    "Where",
    "Why",
    "How",
    "Which",
    "Is",
    "Are",
    "Was",
    "Were",
    "Do",
    "Does",
    "Did",
    "Can",
    "Could",
    "Will",
    "Would",
    "Should",
    "Has",
    "Have",
    "Had",
    "According",
    "The",
    "A",
    "An",
    "In",
    "On",
    "And",
    "But",
    "So",
    "Also",
    "Then",
}
MAX_FOLLOW_UP_WORDS = 8
MAX_ELLIPTIC_WORDS = 6
MAX_CONTEXT_WORDS = 20
PhraseOf = Callable[["FollowUp"], "str | None"]
"""Given a (resolved) question, the phrase that answers it, or None."""


def names_in(question: str) -> list[str]:
    """The names in ``question`` (capitalised runs, question words left out), each once."""
    names = []
    for match in _NAME.finditer(question):
        words = match.group(0).split()
        while words and words[0] in _QUESTION_WORDS:
            words = words[1:]
        if words:
            names.append(" ".join(words).rstrip("?.!,"))
    return list(dict.fromkeys(n for n in names if n))


def context_terms(question: str) -> str:
    """The names in ``question``, joined."""
    return " ".join(names_in(question))


def is_follow_up(question: str) -> bool:
    """Whether ``question`` is short and leans on an earlier one: a lead-in word, a pronoun,
    or (at most ``MAX_ELLIPTIC_WORDS`` words) no name of its own."""
    words = question.split()
    if not 0 < len(words) <= MAX_FOLLOW_UP_WORDS:
        return False
    elliptic = len(words) <= MAX_ELLIPTIC_WORDS and not context_terms(question)
    return bool(_LEADS_ON.search(question) or _PRONOUN.search(question) or elliptic)


def has_own_topic(question: str) -> bool:
    """Whether ``question`` asks about something in words of its own ("and what about
    defence?"), rather than only leaning on the earlier question ("when?", "and now?")."""
    return bool(content_stems(question)) and not _BARE_LEAD.match(question)


def _names_of(context: str) -> str:
    """The names of ``context``, or all of it when it is short and has none."""
    names = context_terms(context)
    if names:
        return " ".join(names.split()[:MAX_CONTEXT_WORDS])
    return context if len(context.split()) <= MAX_CONTEXT_WORDS else ""


def _words_of(context: str) -> str:
    """``context`` without its question mark and leading question word, at most ``MAX_CONTEXT_WORDS`` words."""
    words = context.rstrip("?.! ").split()
    while words and words[0].capitalize() in _QUESTION_WORDS:
        words = words[1:]
    return " ".join(words[:MAX_CONTEXT_WORDS])


def _with_name(question: str, name: str) -> str:
    """``question`` with its first personal pronoun replaced by ``name``."""

    def replace(match: re.Match[str]) -> str:
        return f"{name}’s" if match.group(0).lower() in ("his", "their") else name

    return _PERSON.sub(replace, question, count=1)


@dataclass(frozen=True)
class FollowUp:
    """A question as the conversation means it: ``question`` is what the answer must answer
    (a pronoun replaced by the name it stands for), ``context`` the earlier subject it is
    searched and read with, ``after`` the earlier question it leans on. ``text`` is what is
    searched; ``shown`` is how the chat says it took the question ("Taken as: ..."), words a
    person can read, never a bag of search terms."""

    question: str
    context: str = ""
    after: str = ""

    @property
    def text(self) -> str:
        return f"{self.question} {self.context}" if self.context else self.question

    @property
    def shown(self) -> str:
        return f"{self.question} (following “{self.after}”)" if self.context and self.after else self.question


def _resolve(question: str, earlier: FollowUp, phrase: str | None) -> FollowUp:
    context = earlier.text
    if not context or not is_follow_up(question):
        return FollowUp(question)
    after = earlier.after or earlier.question
    names = _names_of(context)
    if _PERSON.search(question):
        # "Who is X?" / "Who met X?" is answered by the person "he" means next; "Who did X meet?" by someone else than X
        if phrase and _A_NAME.match(phrase) and not _ASKS_OBJECT.search(context):
            return FollowUp(_with_name(question, phrase), names, after)
        people = names_in(context)
        if _ASKS_OBJECT.search(context) and people:
            return FollowUp(_with_name(question, people[0]), names, after)
    if _PRONOUN.search(question):  # "it", "there", or a person not named: the question needs the earlier names
        return FollowUp(question, names, after)
    if has_own_topic(question):
        return FollowUp(question, names, after)  # its own topic, searched in the earlier subject
    # nothing of its own to search: "when?", "with whose help?", "and now?"
    terms = " ".join(t for t in (_words_of(context), phrase) if t)
    return FollowUp(question, terms, after)


def resolve_follow_up(question: str, previous: Sequence[str], phrase_of: PhraseOf | None = None) -> FollowUp:
    """``question`` with the context of the earlier questions (oldest first) when it needs it.

    ``phrase_of`` answers a (resolved) question with its answer phrase; it is called only
    for turns that a follow-up comes after, at most once per earlier question.
    """
    asked = [*previous, question]
    resolved = FollowUp("")
    phrase = None
    for number, current in enumerate(asked):
        resolved = _resolve(current, resolved, phrase)
        leaned_on = number + 1 < len(asked) and is_follow_up(asked[number + 1])
        phrase = phrase_of(resolved) if phrase_of is not None and leaned_on else None
    return resolved
