"""The exact answer phrase inside the answer sentence.

Each candidate phrase (``qa.query.phrases``) is described by how its kind fits the kind of
answer the question asks for (``qa.query.answer_type``), how close it stands to the
question's own words in the sentence, whether it repeats them, and its shape; a linear
choice model fitted on SQuAD questions (``python -m bench.fit_answers``) picks one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qa.query.answer_type import ANSWER_TYPES, AnswerType, answer_type, content_stems
from qa.query.choice_model import LinearChoice
from qa.query.phrases import PHRASE_KINDS, Phrase, Word, candidate_phrases, words_of
from qa.store.lexical import tokenize
from qa.types import AnswerSpan

NEAR = 3
WINDOW = 6
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
)

# Fitted with `python -m bench.fit_answers` on part A of ../shared/eval/squad-half (see docs/quality.md).
SPAN_MODEL = LinearChoice(
    SPAN_FEATURES,
    (
        2.2032, 1.9179, -2.9128, -0.4819, -0.7264, -0.7955, 3.4038, -1.2432,
        -0.5381, -0.8269, -1.8337, -0.7785, 2.9784, -0.3736, 0.0074, -1.1034,
        -0.8182, 1.7625, -0.125, 0.2841, -1.0935, -0.8115, 2.3658, -0.4134,
        -0.0474, -0.9925, -1.0872, 0.8426, 1.1412, 0.096, -0.4588, -0.2168,
        -0.3527, 0.0, 1.0282, 0.0189, -1.098, -0.0815, 1.2948, -0.1342,
        0.2553, 1.5237, 0.0141, -0.8655, 0.6688, 0.3182, -0.2556, -0.7446,
        -0.1051, -0.2838, 0.3217, -0.3092, 0.1771, 0.8781,
    ),
)


def question_words(question: str) -> set[str]:
    """The question's content words, stemmed as the BM25 index stems them."""
    return set(content_stems(question))


def question_marks(words: Sequence[Word], asked: set[str]) -> list[bool]:
    """For each word, whether it is one of the question's content words (``asked``, stemmed)."""
    stems = tokenize([w.text for w in words])
    return [bool(s) and any(t in asked for t in s) for s in stems]


def phrase_features(
    kind_asked: AnswerType, sentence: str, words: Sequence[Word], in_question: Sequence[bool], phrases: Sequence[Phrase]
) -> np.ndarray:
    """One row of ``SPAN_FEATURES`` per phrase."""
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
    features = phrase_features(answer_type(question), sentence, words, in_question, phrases)
    best = phrases[int(np.argmax(model.scores(features)))]
    return AnswerSpan(sentence[best.start : best.end], offset + best.start, offset + best.end)
