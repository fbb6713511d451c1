"""Candidate answer phrases inside one sentence: numbers, dates, names, quotes and clauses.

A sentence is split into words with their character offsets. Candidates are the typed
expressions a question may ask for, plus the runs of words between the question's own
words and the punctuation (the "short phrase otherwise"), each at most ``MAX_WORDS`` long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PhraseKind = Literal["number", "date", "name", "quote", "clause"]
PHRASE_KINDS: tuple[PhraseKind, ...] = ("number", "date", "name", "quote", "clause")
MAX_WORDS = 10

_WORD = re.compile(r"[$€£₹]?\d(?:[\d,.:–-]*\d)?(?:%|st|nd|rd|th|s)?|\w+(?:['’]\w+)*(?:-\w+)*|[^\w\s]")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE = re.compile(
    rf"(?:{_DAY},?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{3,4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{3,4}})?"
    rf"|{_MONTH}(?:\s+of)?\s+\d{{3,4}}|{_DAY}|(?:early|mid|late)?-?\s?\b\d{{3,4}}s?\b(?:\s?(?:BC|AD|BCE|CE)\b)?"
    r"|\b\d{1,2}(?:st|nd|rd|th)\s+century|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first)\s+century"
    r"|\b(?:yesterday|today|tomorrow|(?:last|next|this|later\s+this)\s+(?:week|month|year))\b"
    r"|\b(?:the\s+)?(?:end|beginning|start|middle)\s+of\s+(?:the\s+)?(?:year|month|week|decade|century|\d{4})\b)"
)
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozen|half|several)"
_SCALE = r"(?:hundred|thousand|million|billion|trillion|bn|m|k)"
_NUMBER = re.compile(
    rf"(?i)(?:about|around|nearly|almost|over|more than|less than|up to|some|approximately)?\s?"
    rf"(?:[$€£₹]\s?)?(?:\d[\d,.]*\d|\d|\b{_NUMBER_WORD}(?:[\s-]{_NUMBER_WORD})*\b)(?:\s?(?:{_SCALE})\b)?"
    r"(?:\s?(?:%|percent|per cent))?"
)
_NAME = re.compile(
    r"[A-Z][\w'’.-]*(?:\s+(?:(?:of(?:\s+the)?|de|du|la|le|von|van|der|del|di|da|al|bin)\s+)?[A-Z][\w'’.-]*)*"
)
_QUOTE = re.compile(r"[\"“‘']([^\"“”‘’']{2,80})[\"”’']")
_BREAK = re.compile(
    r"^[,;:()\[\]\"“”‘’—–!?.]$|^(?:which|who|whom|whose|while|whereas|because|although|though|but|and|or|that|when|where|as|after|before|since|until)$",
    re.I,
)
_STOP = frozenset(
    "a an the of in on at to for by with from and or but as is was were are be been being its it this that these those his her their "
    "which who whom whose while has have had did do does not no so than then there".split()
)


@dataclass(frozen=True)
class Word:
    """One word (or punctuation mark) of a sentence, ``[start, end)`` within it."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Phrase:
    """A candidate answer: sentence-relative ``[start, end)``, its kind, and which words it covers."""

    start: int
    end: int
    kind: PhraseKind
    first_word: int
    last_word: int


def words_of(sentence: str) -> list[Word]:
    """The words and punctuation marks of ``sentence`` with their offsets."""
    return [Word(m.group(0), m.start(), m.end()) for m in _WORD.finditer(sentence)]


def _word_range(words: list[Word], start: int, end: int) -> tuple[int, int] | None:
    inside = [i for i, w in enumerate(words) if w.start >= start and w.end <= end]
    return (inside[0], inside[-1]) if inside else None


def _name_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """A name run without a sentence's full stop ("Thursday." -> "Thursday", "U.S." kept)
    and without a capitalised stop word in front ("On August" -> "August")."""
    last = sentence[start:end].split()[-1]
    if last.endswith(".") and len(last.rstrip(".")) > 3:
        end -= len(last) - len(last.rstrip("."))
    first = sentence[start:end].split()[0]
    while first.lower() in _STOP and " " in sentence[start:end]:
        start += len(first) + (len(sentence[start + len(first) :]) - len(sentence[start + len(first) :].lstrip()))
        first = sentence[start:end].split()[0]
    if first.lower() in _STOP:
        return start, start
    return start, end


def _typed(sentence: str, words: list[Word]) -> list[Phrase]:
    found: list[Phrase] = []
    for kind, pattern in (("date", _DATE), ("number", _NUMBER), ("name", _NAME), ("quote", _QUOTE)):
        for match in pattern.finditer(sentence):
            start, end = match.span(1) if kind == "quote" else match.span()
            text = sentence[start:end]
            start += len(text) - len(text.lstrip())
            end -= len(text) - len(text.rstrip())
            if kind == "name":
                start, end = _name_bounds(sentence, start, end)
                if start >= end:
                    continue
            if kind == "number" and not re.search(r"\d|" + _NUMBER_WORD, sentence[start:end], re.I):
                continue
            bounds = _word_range(words, start, end)
            if bounds and bounds[1] - bounds[0] < MAX_WORDS:
                found.append(Phrase(start, end, kind, *bounds))  # type: ignore[arg-type]
                unit = bounds[1] + 1
                if kind == "number" and unit < len(words) and words[unit].text.isalpha() and words[unit].text.islower():
                    if words[unit].text not in _STOP:  # with what it counts: "two days", "26 civilians"
                        found.append(Phrase(start, words[unit].end, "number", bounds[0], unit))
    return found


def _clauses(words: list[Word], in_question: list[bool]) -> list[Phrase]:
    """Runs of words that are neither the question's own words nor breaks, trimmed of stop words."""
    runs: list[tuple[int, int]] = []
    begin = None
    for i, word in enumerate([*words, Word(".", -1, -1)]):
        breaks = i == len(words) or in_question[i] or bool(_BREAK.match(word.text))
        if breaks and begin is not None:
            runs.append((begin, i - 1))
            begin = None
        elif not breaks and begin is None:
            begin = i
    phrases = []
    for first, last in runs:
        while first <= last and words[first].text.lower() in _STOP:
            first += 1
        while last >= first and words[last].text.lower() in _STOP:
            last -= 1
        if first > last:
            continue
        last = min(last, first + MAX_WORDS - 1)
        phrases.append(Phrase(words[first].start, words[last].end, "clause", first, last))
    return phrases


def _pieces(phrase: Phrase, words: list[Word], in_question: list[bool]) -> list[Phrase]:
    """The parts of ``phrase`` between the question's own words, trimmed of stop words
    ("Indian National Security Adviser Ajit Doval" asked about the adviser -> "Indian", "Ajit Doval")."""
    pieces: list[Phrase] = []
    first = phrase.first_word
    for i in range(phrase.first_word, phrase.last_word + 2):
        if i <= phrase.last_word and not in_question[i]:
            continue
        begin, end = first, i - 1
        while begin <= end and (words[begin].text.lower() in _STOP or _BREAK.match(words[begin].text)):
            begin += 1
        while end >= begin and (words[end].text.lower() in _STOP or _BREAK.match(words[end].text)):
            end -= 1
        if begin <= end and (begin, end) != (phrase.first_word, phrase.last_word):
            pieces.append(Phrase(words[begin].start, words[end].end, phrase.kind, begin, end))
        first = i + 1
    return pieces


def candidate_phrases(sentence: str, words: list[Word], in_question: list[bool]) -> list[Phrase]:
    """Typed expressions and clauses of ``sentence`` that are not wholly the question's words,
    each also without the question's words at its ends."""
    seen: set[tuple[int, int]] = set()
    phrases = []
    typed = _typed(sentence, words)
    pieces = [piece for phrase in typed for piece in _pieces(phrase, words, in_question)]
    for phrase in [*typed, *pieces, *_clauses(words, in_question)]:
        covered = in_question[phrase.first_word : phrase.last_word + 1]
        if (phrase.start, phrase.end) in seen or all(covered):
            continue
        seen.add((phrase.start, phrase.end))
        phrases.append(phrase)
    return phrases
