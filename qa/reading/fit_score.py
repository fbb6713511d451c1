"""Fitting the answer score on labelled questions, and choosing its two cut-offs.

Used by ``training.fit_answer_score`` (the shipped score, on the news dev split) and by ``qa eval
FILE --calibrate`` (a score for your own questions). A question brings one candidate per
span read (the reader's two best in each passage): its evidence, whether the sentence holding it holds a
gold string, and whether the span does. The weights are fitted on every candidate to predict
"the span holds a gold string" (then its sentence does too), so the score rates any
passage's span; the answer is the candidate it rates highest, and each question counts
once, by that candidate, when the cut-offs are chosen:

- ``decline_below``: the highest cut-off at which at least ``ANSWERED`` of the answerable
  questions are still answered (the most declines that bar allows);
- ``bold_from``: the lowest cut-off, not below ``decline_below``, at which the spans shown
  hold a gold string at least ``BOLD_PRECISION`` of the time (an unanswerable question's
  span is always wrong).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from qa.reading.answer_score import FEATURES, AnswerScore, feature_vector
from qa.types import Evidence

ANSWERED = 0.90
BOLD_PRECISION = 0.85
CUT_OFFS = tuple(round(0.01 * i, 2) for i in range(1, 100))


@dataclass(frozen=True)
class Candidate:
    """One span read, as the fit sees it."""

    evidence: Evidence
    right: bool  # the sentence holding the span holds a gold string
    bold_right: bool  # the span itself holds one


@dataclass(frozen=True)
class Labelled:
    """One question as the fit sees it."""

    candidates: tuple[Candidate, ...]  # none: declined before the score (a name no article mentions)
    answerable: bool

    def chosen(self, score: AnswerScore) -> tuple[Candidate, float] | None:
        """The candidate ``score`` rates highest, with its probability."""
        rated = [(c, score.probability(c.evidence)) for c in self.candidates]
        return max(rated, key=lambda pair: pair[1], default=None)


def fit_weights(
    rows: Sequence[Evidence], right: Sequence[bool], names: Sequence[str] = FEATURES, l2: float = 1.0
) -> tuple[tuple[float, ...], float]:
    """Logistic regression (L2, scikit-learn's lbfgs) of ``right`` on the features ``names`` of ``rows``."""
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(right, dtype=bool)
    if labels.all() or not labels.any():
        raise ValueError("fitting an answer score needs questions answered right and wrong (or unanswerable)")
    x = np.stack([feature_vector(row, names) for row in rows])
    model = LogisticRegression(C=1.0 / l2, max_iter=1000).fit(x, labels)
    return tuple(round(float(w), 4) for w in model.coef_[0]), round(float(model.intercept_[0]), 4)


def operating_points(labelled: Sequence[Labelled], score: AnswerScore) -> list[dict[str, float]]:
    """For each cut-off: answerable answered, unanswerable declined, first sentence right,
    answered but wrong, bold shown and right, bold precision (shares)."""
    scored = [(q, pair) for q in labelled if (pair := q.chosen(score)) is not None]
    answerable = max(sum(q.answerable for q in labelled), 1)
    unanswerable = max(sum(not q.answerable for q in labelled), 1)
    declined_first = sum(not q.candidates and not q.answerable for q in labelled)
    rows = []
    for cut in CUT_OFFS:
        kept = [(q, c) for q, (c, p) in scored if p >= cut]
        answered = [c for q, c in kept if q.answerable]
        right = sum(c.right for c in answered)
        rows.append(
            {
                "cut_off": cut,
                "answered": len(answered) / answerable,
                "declined": (declined_first + sum(p < cut for q, (c, p) in scored if not q.answerable)) / unanswerable,
                "first_sentence": right / answerable,
                "answered_wrong": (len(answered) - right) / answerable,
                "bold_right": sum(c.bold_right for c in answered) / answerable,
                "bold_precision": sum(q.answerable and c.bold_right for q, c in kept) / len(kept) if kept else 1.0,
            }
        )
    return rows


def fit_score(
    labelled: Sequence[Labelled], features: Sequence[str] = FEATURES, reader_sha256: str = "", fitted_on: str = ""
) -> AnswerScore:
    """The score fitted on every candidate of ``labelled``, with both cut-offs chosen on the
    candidates it picks (see the module's docstring)."""
    candidates = [c for q in labelled for c in q.candidates]
    weights, bias = fit_weights([c.evidence for c in candidates], [c.bold_right for c in candidates], features)
    score = AnswerScore(tuple(features), weights, bias, 0.0, 1.0, reader_sha256, fitted_on)
    curve = operating_points(labelled, score)
    decline = max((r["cut_off"] for r in curve if r["answered"] >= ANSWERED), default=CUT_OFFS[0])
    bold = next((r["cut_off"] for r in curve if r["bold_precision"] >= BOLD_PRECISION and r["cut_off"] >= decline), 1.0)
    return replace(score, decline_below=decline, bold_from=bold)
