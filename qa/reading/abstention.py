"""When to decline: a logistic model over the evidence for the best answer sentence.

Five features, each in roughly [0, 1]: the cosine with the question of the sentence the
sentence model chooses (the sentence the weights were fitted on, whichever sentence the
reader puts first), the IDF-weighted share of the question's words in it, the same share in the
best of the top passages, the top passage's cosine, and the reader's calibrated confidence
in its span (``qa.reading.confidence``). The weights are fitted on
labelled questions (``python -m bench.fit_declines`` for the shipped model, ``qa eval FILE
--calibrate`` for your own), not guessed; ``min_confidence`` is the probability above
which the assistant answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.reading.choice_model import fit_logistic
from qa.types import Evidence

FEATURES = ("sentence_meaning", "sentence_words", "evidence_words", "passage_meaning", "answer_probability")


@dataclass(frozen=True)
class AbstentionModel:
    """``P(answerable) = sigmoid(weights · evidence + bias)``."""

    weights: tuple[float, ...]  # one per name in ``FEATURES``
    bias: float

    def probability(self, evidence: Evidence) -> float:
        """The probability that the articles answer the question, given the evidence."""
        z = float(np.dot(self.weights, evidence_vector(evidence))) + self.bias
        return float(1.0 / (1.0 + np.exp(-z)))


def evidence_vector(evidence: Evidence) -> np.ndarray:
    """The features in ``FEATURES`` order."""
    return np.array([getattr(evidence, name) for name in FEATURES], dtype=np.float64)


def fit_abstention(
    evidence: Sequence[Evidence],
    answerable: Sequence[bool],
    l2: float = 0.1,
    sample_weights: Sequence[float] | None = None,
) -> AbstentionModel:
    """Fit the decline model on labelled evidence (``qa.reading.choice_model.fit_logistic``)."""
    weights, bias = fit_logistic(np.stack([evidence_vector(e) for e in evidence]), answerable, l2, sample_weights)
    return AbstentionModel(weights, bias)


# Fitted with `python -m bench.fit_declines` in session 8: the calibration file over the seed articles (30%)
# and SQuAD-half part A asked of an index without three of its articles (70%). The reader's confidence
# (fifth feature) was refitted in session 9 and not kept: it declined more news dev questions (0.500
# against 0.433) but also an answerable dev-file question; see docs/quality.md.
DEFAULT_ABSTENTION = AbstentionModel(weights=(7.4335, 7.2444, 3.7442, 10.8522, 0.0), bias=-12.1525)
