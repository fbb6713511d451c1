"""When to decline: a logistic model over the evidence for the best answer sentence.

Four features, each in roughly [0, 1]: the answer sentence's cosine with the question,
the IDF-weighted share of the question's words in that sentence, the same share in the
best of the top passages, and the top passage's cosine. The weights are fitted on
labelled questions (``python -m bench.fit_declines`` for the shipped model, ``qa eval FILE
--calibrate`` for your own), not guessed; ``min_confidence`` is the probability above
which the assistant answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from qa.types import Evidence

FEATURES = ("sentence_meaning", "sentence_words", "evidence_words", "passage_meaning")


@dataclass(frozen=True)
class AbstentionModel:
    """``P(answerable) = sigmoid(weights · evidence + bias)``."""

    weights: tuple[float, float, float, float]
    bias: float

    def probability(self, evidence: Evidence) -> float:
        """The probability that the articles answer the question, given the evidence."""
        z = float(np.dot(self.weights, evidence_vector(evidence))) + self.bias
        return float(1.0 / (1.0 + np.exp(-z)))


def evidence_vector(evidence: Evidence) -> np.ndarray:
    """The features in ``FEATURES`` order."""
    return np.array([getattr(evidence, name) for name in FEATURES], dtype=np.float64)


def fit_abstention(
    evidence: Sequence[Evidence], answerable: Sequence[bool], l2: float = 0.1, sample_weights: Sequence[float] | None = None
) -> AbstentionModel:
    """Fit the logistic model by Newton's method with an L2 penalty on the weights;
    ``sample_weights`` counts some questions more than others (default: 1 each)."""
    x = np.stack([evidence_vector(e) for e in evidence])
    x = np.hstack([x, np.ones((len(x), 1))])
    y = np.asarray(answerable, dtype=np.float64)
    s = np.ones(len(y)) if sample_weights is None else np.asarray(sample_weights, dtype=np.float64)
    beta = np.zeros(x.shape[1])
    penalty = np.diag([l2] * (x.shape[1] - 1) + [0.0])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (s * (p - y)) + penalty @ beta
        hessian = (x.T * (s * p * (1 - p))) @ x + penalty + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    w = [float(round(value, 4)) for value in beta[:-1]]
    return AbstentionModel((w[0], w[1], w[2], w[3]), float(round(beta[-1], 4)))


# Fitted with `python -m bench.fit_declines`: the calibration file over the seed articles (30%) and
# SQuAD-half part A asked of an index without three of its articles (70%); see docs/quality.md.
DEFAULT_ABSTENTION = AbstentionModel(weights=(7.4335, 7.2444, 3.7442, 10.8522), bias=-12.1525)
