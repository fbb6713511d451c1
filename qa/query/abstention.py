"""When to decline: a logistic model over the evidence for the best answer sentence.

Five features, each in roughly [0, 1]: the answer sentence's cosine with the question,
the IDF-weighted share of the question's words in that sentence, the same share in the
best of the top passages, the top passage's cosine, and the reader's calibrated confidence
in its span (``qa.reading.confidence``). The weights are fitted on
labelled questions (``python -m bench.fit_declines`` for the shipped model, ``qa eval FILE
--calibrate`` for your own), not guessed; ``min_confidence`` is the probability above
which the assistant answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

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


def fit_logistic(
    x: np.ndarray, y: Sequence[bool], l2: float = 0.1, sample_weights: Sequence[float] | None = None
) -> tuple[tuple[float, ...], float]:
    """Weights and bias of ``P(y) = sigmoid(x · w + b)``, by Newton's method with an L2
    penalty on the weights; ``sample_weights`` counts some rows more than others."""
    x = np.hstack([np.asarray(x, dtype=np.float64), np.ones((len(x), 1))])
    labels = np.asarray(y, dtype=np.float64)
    s = np.ones(len(labels)) if sample_weights is None else np.asarray(sample_weights, dtype=np.float64)
    beta = np.zeros(x.shape[1])
    penalty = np.diag([l2] * (x.shape[1] - 1) + [0.0])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (s * (p - labels)) + penalty @ beta
        hessian = (x.T * (s * p * (1 - p))) @ x + penalty + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return tuple(float(round(value, 4)) for value in beta[:-1]), float(round(beta[-1], 4))


def fit_abstention(
    evidence: Sequence[Evidence], answerable: Sequence[bool], l2: float = 0.1, sample_weights: Sequence[float] | None = None
) -> AbstentionModel:
    """Fit the decline model on labelled evidence (``fit_logistic``)."""
    weights, bias = fit_logistic(np.stack([evidence_vector(e) for e in evidence]), answerable, l2, sample_weights)
    return AbstentionModel(weights, bias)


# Fitted with `python -m bench.fit_declines` in session 8: the calibration file over the seed articles (30%)
# and SQuAD-half part A asked of an index without three of its articles (70%). The reader's confidence
# (fifth feature) was refitted in session 9 and not kept: it declined more news dev questions (0.500
# against 0.433) but also an answerable dev-file question; see docs/quality.md.
DEFAULT_ABSTENTION = AbstentionModel(weights=(7.4335, 7.2444, 3.7442, 10.8522, 0.0), bias=-12.1525)
