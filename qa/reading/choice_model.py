"""Choosing one of several candidates (a sentence, a phrase) by a learned linear score.

``P(candidate i) = softmax(X @ weights)_i`` over the candidates of one question (a
conditional logit). Fitted by Newton's method on labelled groups, where a group's
positives are the candidates that hold a gold answer: the model maximises the
probability of picking any of them. A yes/no model, ``P(yes) = sigmoid(x · w + b)`` (the
decline model, the reader's span confidence), is the same model over two candidates: the
features with a 1 for the bias, against all zeros; so ``fit_groups`` is the one solver of
both (``fit_choice``, ``fit_logistic``). Weights live in code next to the features they
read, each set with the command that fitted it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    ``group_weights`` counts some groups more than others (one per group; default 1)."""
    weights = list(group_weights) if group_weights is not None else [1.0] * len(groups)
    usable = [
        (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=bool), w)
        for (x, y), w in zip(groups, weights)
        if np.any(y) and len(y) > 1
    ]
    if not usable:
        raise ValueError("no group has both a positive and another candidate to fit on")
    beta = fit_groups(
        np.vstack([x for x, _, _ in usable]).reshape(-1, len(names)),
        np.concatenate([y for _, y, _ in usable]),
        np.array([len(y) for _, y, _ in usable]),
        np.array([w for _, _, w in usable], dtype=np.float64),
        np.full(len(names), float(l2)),
        steps,
    )
    return LinearChoice(tuple(names), tuple(float(round(b, 4)) for b in beta))


def fit_logistic(
    x: np.ndarray, y: Sequence[bool], l2: float = 0.1, sample_weights: Sequence[float] | None = None
) -> tuple[tuple[float, ...], float]:
    """Weights and bias of ``P(y) = sigmoid(x · w + b)``, with an L2 penalty on the weights
    (not the bias); ``sample_weights`` counts some rows more than others. Each row is a
    group of two candidates for ``fit_groups``: ``(x, 1)`` (yes) and zeros (no)."""
    rows = np.hstack([np.asarray(x, dtype=np.float64), np.ones((len(x), 1))])
    labels = np.asarray(y, dtype=bool)
    weights = np.ones(len(rows)) if sample_weights is None else np.asarray(sample_weights, dtype=np.float64)
    beta = fit_groups(
        np.stack([rows, np.zeros_like(rows)], axis=1).reshape(-1, rows.shape[1]),
        np.stack([labels, ~labels], axis=1).reshape(-1),
        np.full(len(rows), 2),
        weights,
        np.array([l2] * (rows.shape[1] - 1) + [0.0]),
    )
    return tuple(float(round(value, 4)) for value in beta[:-1]), float(round(beta[-1], 4))


def fit_groups(
    x: np.ndarray,
    positive: np.ndarray,
    sizes: np.ndarray,
    group_weights: np.ndarray,
    penalty: np.ndarray,
    steps: int = 100,
) -> np.ndarray:
    """The weights of the conditional logit, unrounded: ``x`` holds every group's candidates,
    one after another (group ``g`` has ``sizes[g]`` rows, at least one of them ``positive``),
    ``penalty`` the L2 penalty of each weight.

    Damped Newton steps on the penalised negative log-likelihood (halved until the loss
    falls), so that rare or separable features cannot run off to huge weights, until a step
    gains less than 1e-7 of the loss (the rule the shipped weights were fitted with).
    """
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    of_row = np.repeat(np.arange(len(sizes)), sizes)
    row_weights = group_weights[of_row]

    def loss_of(beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        z = x @ beta
        every, p = _group_softmax(z, starts, of_row)
        right, q = _group_softmax(np.where(positive, z, -np.inf), starts, of_row)
        return 0.5 * float(beta @ (penalty * beta)) + float(group_weights @ (every - right)), p, q

    beta = np.zeros(x.shape[1])
    loss, p, q = loss_of(beta)
    for _ in range(steps):
        gradient = penalty * beta + x.T @ (row_weights * (p - q))
        mean = np.add.reduceat(p[:, None] * x, starts)
        hessian = np.diag(penalty) + (x.T * (row_weights * p)) @ x - (mean.T * group_weights) @ mean
        step = np.linalg.solve(hessian + 1e-9 * np.eye(len(beta)), gradient)
        scale = 1.0
        while scale > 1e-4:
            candidate = beta - scale * step
            candidate_loss, candidate_p, candidate_q = loss_of(candidate)
            if candidate_loss <= loss:
                break
            scale /= 2
        else:
            break
        improvement = loss - candidate_loss
        beta, loss, p, q = candidate, candidate_loss, candidate_p, candidate_q
        if improvement < 1e-7 * max(1.0, loss):
            break
    return beta


def _group_softmax(z: np.ndarray, starts: np.ndarray, of_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each group's log-sum-exp of ``z`` (``-inf`` counts as absent), and each row's softmax within its group."""
    top = np.maximum.reduceat(z, starts)
    e = np.exp(z - top[of_row])
    total = np.add.reduceat(e, starts)
    return top + np.log(total), e / total[of_row]
