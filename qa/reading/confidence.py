"""How likely the reader's best span is right: a logistic model over what the reading shows.

Features of the best span: its probability in its window, its window's probability of no
answer, how much the other windows' best spans agree with it (the probability of those
with the same text), its margin over the best span with other text, and whether it has
the kind the question asks for (a number for "how many"). Fitted by ``python -m
bench.fit_bold`` on the dev splits (the reader's own training questions would make it
trust itself too much); the threshold for showing the span in bold is chosen there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.reading.answer_type import answer_type
from qa.reading.reader import Reading

SPAN_FEATURES = ("probability", "no_answer", "agreement", "margin", "kind_fits")
_DIGIT = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion)\b",
    re.I,
)
_YEAR_OR_DAY = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|week|month|year)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][a-z]")


def kind_fits(question: str, text: str) -> float:
    """1.0 when the span has the kind of thing the question asks for (0.5 when it says no kind)."""
    kind = answer_type(question)
    if kind == "number":
        return float(bool(_DIGIT.search(text)))
    if kind == "date":
        return float(bool(_YEAR_OR_DAY.search(text)))
    if kind in ("person", "place", "name"):
        return float(bool(_NAME.search(text)))
    return 0.5


def span_features(question: str, reading: Reading) -> np.ndarray:
    """The features in ``SPAN_FEATURES`` order (zeros when the reader found no span)."""
    best = reading.best
    if best is None:
        return np.zeros(len(SPAN_FEATURES))
    same = " ".join(best.text.lower().split())
    agreeing = sum(s.probability for s in reading.spans[1:] if " ".join(s.text.lower().split()) == same)
    other = max((s.probability for s in reading.spans[1:] if " ".join(s.text.lower().split()) != same), default=0.0)
    return np.array(
        [best.probability, best.no_answer, agreeing, best.probability - other, kind_fits(question, best.text)]
    )


@dataclass(frozen=True)
class SpanConfidence:
    """``P(the best span holds the answer) = sigmoid(weights · features + bias)``."""

    weights: tuple[float, ...]
    bias: float

    def probability(self, question: str, reading: Reading) -> float:
        """The calibrated probability that the reading's best span is right."""
        if reading.best is None:
            return 0.0
        z = float(np.dot(self.weights, span_features(question, reading))) + self.bias
        return float(1.0 / (1.0 + np.exp(-z)))


# Fitted with `python -m bench.fit_bold` on the dev splits (news dev, SQuAD-half part B); see docs/quality.md.
DEFAULT_SPAN_CONFIDENCE = SpanConfidence(weights=(-0.7279, -0.0376, 1.357, 2.8264, 0.9045), bias=-1.1584)
BOLD_PROBABILITY = 0.8
"""The span is shown in bold from this calibrated confidence on: the lowest at which shown spans
held a gold string at least 4 times out of 5 on both dev splits (``bench.fit_bold``)."""
