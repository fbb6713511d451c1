"""The exact answer phrase inside the answer sentence.

Each candidate phrase (``qa.reading.phrases``) is described by how its kind fits the kind of
answer the question asks for (``qa.reading.answer_type``), how close it stands to the
question's own words in the sentence, whether it repeats them, and its shape; a linear
choice model fitted on SQuAD questions (``python -m bench.fit_answers``) picks one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.reading.answer_type import ANSWER_TYPES, AnswerType, answer_type, content_stems
from qa.reading.choice_model import LinearChoice
from qa.reading.phrases import PHRASE_KINDS, Phrase, Word, candidate_phrases, words_of
from qa.store.lexical import tokenize
from qa.types import AnswerSpan

NEAR = 3
WINDOW = 6
_PERCENT_ASKED = re.compile(r"(?i)\b(?:percentage|percent|per cent|proportion|share)\b")
_PERCENT_GIVEN = re.compile(r"(?i)%|\bper ?cent\b")
_DESCRIBES_ANSWER = re.compile(r"(?i)^\s*(?:who|what|which)\s+(?:is|was|are|were)\b")
_QUESTION_OPENERS = frozenset(
    "who whom whose what which when where why how is was were are did do does can could will would should has have had "
    "in on at of for by to from the a an and or name list give".split()
)
SPAN_FEATURES: tuple[str, ...] = (
    *(f"{t}:{k}" for t in ANSWER_TYPES for k in PHRASE_KINDS),
    "question_share",
    "proximity",
    "log_words",
    "one_word",
    "window_share",
    "after_question_word",
    "before_question_word",
    "right_after_question_word",
    "right_before_question_word",
    "next_to_question_run",
    "capitalised_share",
    "in_parentheses",
    "position",
    "no_question_words",
    "names_a_question_word",
    "percent_for_percent",
    "repeats_a_question_name",
)

# Fitted with `python -m bench.fit_answers` on part A of ../shared/eval/squad-half (see docs/quality.md).
SPAN_MODEL = LinearChoice(
    SPAN_FEATURES,
    (
        2.1304,
        1.856,
        -2.825,
        -0.4245,
        -0.7369,
        -0.9262,
        3.2205,
        -1.2115,
        -0.1311,
        -0.9517,
        -1.8185,
        -0.9916,
        3.1653,
        -0.3521,
        -0.003,
        -1.144,
        -0.8513,
        1.9748,
        -0.2423,
        0.2627,
        -1.2335,
        -0.8004,
        2.5794,
        -0.3765,
        -0.169,
        -1.0524,
        -1.0946,
        0.9708,
        1.1374,
        0.0388,
        -0.4919,
        -0.2309,
        -0.3077,
        0.0,
        1.0305,
        -0.0133,
        -1.1952,
        0.133,
        1.2368,
        -0.1613,
        1.0473,
        1.6226,
        0.0402,
        -0.7359,
        0.6103,
        0.238,
        -0.2814,
        -0.7783,
        -0.1045,
        -0.3038,
        0.3547,
        -0.3667,
        0.0235,
        0.7188,
        0.4662,
        1.7385,
        -1.5682,
    ),
)


def question_words(question: str) -> set[str]:
    """The question's content words, stemmed as the BM25 index stems them."""
    return set(content_stems(question))


def question_marks(words: Sequence[Word], asked: set[str]) -> list[bool]:
    """For each word, whether it is one of the question's content words (``asked``, stemmed)."""
    stems = tokenize([w.text for w in words])
    return [bool(s) and any(t in asked for t in s) for s in stems]


def question_names(question: str) -> tuple[tuple[str, ...], ...]:
    """The names of what the question asks about, not of its answer: runs of capitalised
    words, lower-cased, without the words that open questions ("Who met Ajit Doval in
    Moscow?" -> ("ajit", "doval"), ("moscow",)). A question that describes its answer
    ("Who is India's National Security Adviser?", "Which American Khalistani activist ...?")
    gives none for that description: the answer's phrase may well repeat it."""
    if _DESCRIBES_ANSWER.match(question):
        return ()
    names: list[tuple[str, ...]] = []
    run: list[str] = []
    words = words_of(question)
    for word in words:
        if _starts_name(word.text):
            run.append(_bare(word.text))
            continue
        if run:
            names.append(tuple(run))
            run = []
    if run:
        names.append(tuple(run))
    if len(words) > 1 and words[0].text.lower() in ("which", "what") and _starts_name(words[1].text):
        names = names[1:]  # "Which American Khalistani activist": the answer's kind, not another name
    return tuple(names)


def _starts_name(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in _QUESTION_OPENERS


def _bare(word: str) -> str:
    """A word lower-cased without its possessive ("Russia’s" -> "russia")."""
    return re.sub(r"['’]s$", "", word.lower())


def _holds(words: Sequence[str], name: Sequence[str]) -> bool:
    return any(tuple(words[i : i + len(name)]) == tuple(name) for i in range(len(words) - len(name) + 1))


def asks_percent(question: str) -> bool:
    """Whether the question asks for a percentage ("what percentage", "what share", "per cent")."""
    return bool(_PERCENT_ASKED.search(question))


def phrase_features(
    kind_asked: AnswerType,
    sentence: str,
    words: Sequence[Word],
    in_question: Sequence[bool],
    phrases: Sequence[Phrase],
    *,
    percent_asked: bool = False,
    names: Sequence[Sequence[str]] = (),
) -> np.ndarray:
    """One row of ``SPAN_FEATURES`` per phrase (``percent_asked``: the question asks for a
    percentage; ``names``: the question's own names, ``question_names``)."""
    rows = np.zeros((len(phrases), len(SPAN_FEATURES)))
    marked = [i for i, m in enumerate(in_question) if m]
    column = {name: i for i, name in enumerate(SPAN_FEATURES)}
    for row, phrase in enumerate(phrases):
        span_words = words[phrase.first_word : phrase.last_word + 1]
        count = max(len(span_words), 1)
        rows[row, column[f"{kind_asked}:{phrase.kind}"]] = 1.0
        rows[row, column["question_share"]] = sum(in_question[phrase.first_word : phrase.last_word + 1]) / count
        outside = [i for i in marked if not phrase.first_word <= i <= phrase.last_word]
        if outside:
            distance = min(max(phrase.first_word - i, i - phrase.last_word) for i in outside)
            rows[row, column["proximity"]] = 1.0 / distance
            around = [i for i in outside if phrase.first_word - WINDOW <= i <= phrase.last_word + WINDOW]
            rows[row, column["window_share"]] = len(around) / len(outside)
            rows[row, column["after_question_word"]] = any(0 < phrase.first_word - i <= NEAR for i in outside)
            rows[row, column["before_question_word"]] = any(0 < i - phrase.last_word <= NEAR for i in outside)
            rows[row, column["right_after_question_word"]] = phrase.first_word - 1 in outside
            rows[row, column["right_before_question_word"]] = phrase.last_word + 1 in outside
            rows[row, column["next_to_question_run"]] = _run_beside(phrase, in_question) / len(marked)
        else:
            rows[row, column["no_question_words"]] = 1.0
        rows[row, column["log_words"]] = np.log(count)
        rows[row, column["one_word"]] = count == 1
        rows[row, column["capitalised_share"]] = sum(w.text[:1].isupper() for w in span_words) / count
        # a name the question already gives ("Ajit Doval" for "Who met Ajit Doval?") is its subject, not its answer
        rows[row, column["names_a_question_word"]] = any(
            w.text[:1].isupper() and marked_word
            for w, marked_word in zip(span_words, in_question[phrase.first_word : phrase.last_word + 1])
        )
        # the whole of a name the question says ("... of India Ajit Doval" for "Who met Ajit Doval?") is what it asks about
        bare = [_bare(w.text) for w in span_words]
        rows[row, column["repeats_a_question_name"]] = any(_holds(bare, name) for name in names)
        text = sentence[phrase.start : phrase.end]
        rows[row, column["percent_for_percent"]] = percent_asked and bool(_PERCENT_GIVEN.search(text))
        before = sentence[: phrase.start]
        rows[row, column["in_parentheses"]] = before.count("(") > before.count(")")
        rows[row, column["position"]] = phrase.first_word / max(len(words), 1)
    return rows


def _run_beside(phrase: Phrase, in_question: Sequence[bool]) -> int:
    """How many question words stand in an unbroken run right before or right after ``phrase``
    (an apposition: "National Security Adviser Ajit Doval")."""
    before = after = 0
    while phrase.first_word - before - 1 >= 0 and in_question[phrase.first_word - before - 1]:
        before += 1
    while phrase.last_word + after + 1 < len(in_question) and in_question[phrase.last_word + after + 1]:
        after += 1
    return max(before, after)


def find_span(question: str, sentence: str, offset: int, model: LinearChoice = SPAN_MODEL) -> AnswerSpan | None:
    """The phrase of ``sentence`` that answers ``question``; ``offset`` is where the sentence
    starts in its source file, so the span's start and end index that file."""
    words = words_of(sentence)
    in_question = question_marks(words, question_words(question))
    phrases = candidate_phrases(sentence, words, in_question)
    if not phrases:
        return None
    features = phrase_features(
        answer_type(question),
        sentence,
        words,
        in_question,
        phrases,
        percent_asked=asks_percent(question),
        names=question_names(question),
    )
    best = phrases[int(np.argmax(model.scores(features)))]
    return AnswerSpan(sentence[best.start : best.end], offset + best.start, offset + best.end)
