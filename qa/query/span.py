"""The exact answer phrase inside the answer sentence.

Each candidate phrase (``qa.query.phrases``) is described by how its kind fits the kind of
answer the question asks for (``qa.query.answer_type``), how close it stands to the
question's own words in the sentence, whether it repeats them, and its shape; a linear
choice model fitted on SQuAD questions (``python -m bench.fit_answers``) picks one.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from qa.query.answer_type import ANSWER_TYPES, AnswerType, answer_type, content_stems
from qa.query.choice_model import LinearChoice
from qa.query.phrases import PHRASE_KINDS, Phrase, Word, candidate_phrases, words_of
from qa.store.lexical import tokenize
from qa.types import AnswerSpan

NEAR = 3
WINDOW = 6
_PERCENT_ASKED = re.compile(r"(?i)\b(?:percentage|percent|per cent|proportion|share)\b")
_PERCENT_GIVEN = re.compile(r"(?i)%|\bper ?cent\b")
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
)

# Fitted with `python -m bench.fit_answers` on part A of ../shared/eval/squad-half (see docs/quality.md).
SPAN_MODEL = LinearChoice(
    SPAN_FEATURES,
    (
        2.1457, 1.8509, -2.8381, -0.4142, -0.7443, -0.9044, 3.2258, -1.25,
        -0.1184, -0.953, -1.8024, -0.974, 3.1517, -0.3611, -0.0142, -1.165,
        -0.8803, 1.9142, -0.0811, 0.2122, -1.1938, -0.8262, 2.5844, -0.4027,
        -0.1617, -1.0146, -1.1213, 0.9634, 1.1094, 0.0631, -0.4873, -0.2321,
        -0.3111, 0.0, 1.0305, -0.0247, -1.1726, 0.1283, 1.2478, -0.1789,
        0.5707, 1.6295, 0.0366, -0.735, 0.6048, 0.2349, -0.2868, -0.7638,
        -0.0999, -0.3259, 0.3542, -0.3721, 0.0225, 0.8462, 0.1727, 1.7196,
    ),
)


def question_words(question: str) -> set[str]:
    """The question's content words, stemmed as the BM25 index stems them."""
    return set(content_stems(question))


def question_marks(words: Sequence[Word], asked: set[str]) -> list[bool]:
    """For each word, whether it is one of the question's content words (``asked``, stemmed)."""
    stems = tokenize([w.text for w in words])
    return [bool(s) and any(t in asked for t in s) for s in stems]


def asks_percent(question: str) -> bool:
    """Whether the question asks for a percentage ("what percentage", "what share", "per cent")."""
    return bool(_PERCENT_ASKED.search(question))


def phrase_features(
    kind_asked: AnswerType, sentence: str, words: Sequence[Word], in_question: Sequence[bool], phrases: Sequence[Phrase],
    *, percent_asked: bool = False,
) -> np.ndarray:
    """One row of ``SPAN_FEATURES`` per phrase (``percent_asked``: the question asks for a percentage)."""
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
            w.text[:1].isupper() and marked_word for w, marked_word in zip(span_words, in_question[phrase.first_word : phrase.last_word + 1])
        )
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
    features = phrase_features(answer_type(question), sentence, words, in_question, phrases, percent_asked=asks_percent(question))
    best = phrases[int(np.argmax(model.scores(features)))]
    return AnswerSpan(sentence[best.start : best.end], offset + best.start, offset + best.end)
