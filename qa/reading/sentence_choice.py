"""Which candidate sentence answers the question: features and their fitted combination.

Every feature is within one question's candidates and needs no second model pass: the
sentence's cosine with the question (late-pooled sentence vectors), the IDF-weighted
share of the question's words in it, in its neighbours and in its passage, question word
pairs it repeats, whether it holds a phrase of the kind asked for that the question does
not already say, and the passage's rank. ``python -m bench.fit_answers`` fits the weights on part A of SQuAD-half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.reading.answer_type import AnswerType
from qa.reading.choice_model import LinearChoice
from qa.reading.phrase_rules import question_marks
from qa.reading.phrases import candidate_phrases, words_of
from qa.reading.units import Unit
from qa.store.lexical import tokenize
from qa.types import Hit

SENTENCE_FEATURES: tuple[str, ...] = (
    "meaning",
    "context_meaning",
    "words",
    "rarest_word",
    "context_words",
    "passage_words",
    "word_pairs",
    "novel_share",
    "typed_phrase",
    "reciprocal_rank",
    "passage_meaning",
    "first_in_passage",
    "log_words",
)

# Fitted with `python -m bench.fit_answers` on part A of ../shared/eval/squad-half (see docs/quality.md).
SENTENCE_MODEL = LinearChoice(
    SENTENCE_FEATURES,
    (
        9.4151,
        -0.9265,
        3.3774,
        0.8815,
        3.1537,
        3.7048,
        1.21,
        -1.4175,
        1.3036,
        0.0131,
        4.1098,
        -0.5076,
        0.0314,
    ),
)
_TYPED = {"number": "number", "date": "date", "person": "name", "place": "name", "name": "name", "thing": "name"}


@dataclass(frozen=True)
class AskedQuestion:
    """What is computed once per question: its stems, their IDF weights, its answer type."""

    text: str
    vector: np.ndarray
    stems: list[str]
    weights: np.ndarray
    kind: AnswerType


def coverage(question: AskedQuestion, stems: set[str]) -> float:
    """IDF-weighted share of the question's stems found among ``stems``."""
    total = float(question.weights.sum())
    if total <= 0:
        return 0.0
    return float(sum(w for t, w in zip(question.stems, question.weights) if t in stems)) / total


def _pairs(stems: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(stems, stems[1:]))


def describe_units(question: AskedQuestion, units: Sequence[Unit], hits: Sequence[Hit]) -> np.ndarray:
    """The ``SENTENCE_FEATURES`` of each unit, one row per unit."""
    rows = np.zeros((len(units), len(SENTENCE_FEATURES)))
    column = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    asked = set(question.stems)
    question_pairs = _pairs(question.stems)
    passage_stems: dict[int, set[str]] = {}
    unit_stems = tokenize([u.text for u in units] + [u.context for u in units])
    for row, unit in enumerate(units):
        stems = unit_stems[row]
        if unit.hit_number not in passage_stems:
            passage_stems[unit.hit_number] = set(tokenize([hits[unit.hit_number - 1].text])[0])
        wanted = _TYPED.get(question.kind)
        if wanted:
            words = words_of(unit.text)
            phrases = candidate_phrases(unit.text, words, question_marks(words, asked))
            rows[row, column["typed_phrase"]] = any(p.kind == wanted for p in phrases)
        rows[row, column["meaning"]] = float(unit.vector @ question.vector)
        if unit.context_vector is not None:
            rows[row, column["context_meaning"]] = float(unit.context_vector @ question.vector)
        rows[row, column["words"]] = coverage(question, set(stems))
        present = [w for t, w in zip(question.stems, question.weights) if t in set(stems)]
        rows[row, column["rarest_word"]] = max(present) / float(question.weights.max()) if present else 0.0
        rows[row, column["context_words"]] = coverage(question, set(stems) | set(unit_stems[len(units) + row]))
        rows[row, column["passage_words"]] = coverage(question, passage_stems[unit.hit_number])
        rows[row, column["word_pairs"]] = len(_pairs(stems) & question_pairs) / max(len(question_pairs), 1)
        rows[row, column["novel_share"]] = sum(s not in asked for s in stems) / max(len(stems), 1)
        rows[row, column["reciprocal_rank"]] = 1.0 / unit.hit_number
        rows[row, column["passage_meaning"]] = hits[unit.hit_number - 1].dense_score
        rows[row, column["first_in_passage"]] = unit.position == 0
        rows[row, column["log_words"]] = np.log(max(len(unit.text.split()), 1))
    return rows
