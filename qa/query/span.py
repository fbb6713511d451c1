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
        2.1725, 1.8569, -2.8126, -0.5048, -0.7121, -0.9166, 3.2251, -1.2427,
        -0.1145, -0.9513, -1.8098, -0.9833, 3.1615, -0.3607, -0.0078, -1.166,
        -0.8793, 1.9213, -0.0899, 0.2139, -1.207, -0.8247, 2.5931, -0.4033,
        -0.1582, -1.0146, -1.1263, 0.9707, 1.106, 0.0643, -0.4908, -0.232,
        -0.3062, 0.0, 1.029, -0.0293, -1.1768, 0.1373, 1.2425, -0.1736,
        0.8404, 1.6252, 0.0363, -0.7385, 0.6062, 0.2356, -0.2837, -0.7649,
        -0.1117, -0.3228, 0.351, -0.3745, 0.0246, 0.8508,
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
