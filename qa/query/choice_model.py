"""Choosing one of several candidates (a sentence, a phrase) by a learned linear score.

``P(candidate i) = softmax(X @ weights)_i`` over the candidates of one question (a
conditional logit). Fitted by Newton's method on labelled groups, where a group's
positives are the candidates that hold a gold answer: the model maximises the
probability of picking any of them. Weights live in code next to the features they read,
each set with the command that fitted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class LinearChoice:
    """Scores candidates as ``features @ weights``; the best is the argmax."""

    names: tuple[str, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.names) != len(self.weights):
            raise ValueError(f"{len(self.names)} feature names but {len(self.weights)} weights")

    def scores(self, features: np.ndarray) -> np.ndarray:
        """One score per row of ``features`` (columns in ``names`` order)."""
        return np.asarray(features, dtype=np.float64) @ np.asarray(self.weights, dtype=np.float64)


def fit_choice(
    names: Sequence[str],
    groups: Sequence[tuple[np.ndarray, np.ndarray]],
    l2: float = 1.0,
    steps: int = 100,
    group_weights: Sequence[float] | None = None,
) -> LinearChoice:
    """Fit weights on ``(features, is_positive)`` groups; groups without a positive are skipped.
    ``group_weights`` counts some groups more than others (one per group; default 1).

    Damped Newton steps on the penalised negative log-likelihood (halved until the loss
    falls), so that rare or separable features cannot run off to huge weights.
    """
    weights = list(group_weights) if group_weights is not None else [1.0] * len(groups)
    usable = [
        (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=bool), w) for (x, y), w in zip(groups, weights) if np.any(y) and len(y) > 1
    ]
    if not usable:
        raise ValueError("no group has both a positive and another candidate to fit on")
    beta = np.zeros(len(names))
    loss = _loss(beta, usable, l2)
    for _ in range(steps):
        gradient = l2 * beta
        hessian = l2 * np.eye(len(names))
        for x, y, w in usable:
            p = _softmax(x @ beta)
            q = _softmax(np.where(y, x @ beta, -np.inf))
            gradient += w * (x.T @ (p - q))
            mean_p = p @ x
            hessian += w * ((x.T * p) @ x - np.outer(mean_p, mean_p))
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(names)), gradient)
        scale = 1.0
        while scale > 1e-4:
            candidate = beta - scale * step
            candidate_loss = _loss(candidate, usable, l2)
            if candidate_loss <= loss:
                break
            scale /= 2
        else:
            break
        beta, improvement, loss = candidate, loss - candidate_loss, candidate_loss
        if improvement < 1e-7 * max(1.0, loss):
            break
    return LinearChoice(tuple(names), tuple(float(round(b, 4)) for b in beta))


def _loss(beta: np.ndarray, groups: Sequence[tuple[np.ndarray, np.ndarray, float]], l2: float) -> float:
    total = 0.5 * l2 * float(beta @ beta)
    for x, y, w in groups:
        z = x @ beta
        total += w * (_logsumexp(z) - _logsumexp(z[y]))
    return total


def _logsumexp(z: np.ndarray) -> float:
    top = float(z.max())
    return top + float(np.log(np.exp(z - top).sum()))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()
