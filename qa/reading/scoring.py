"""SQuAD's answer scoring: its normalisation (lower case, no punctuation, no articles, white
space collapsed), exact match and token F1 against the best of several gold strings, as the
official v1.1 evaluation script computes them."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def squad_normalise(text: str) -> str:
    """Lower case, punctuation and articles removed, white space collapsed (SQuAD v1.1's script)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the prediction equals a gold string after normalising."""
    return float(any(squad_normalise(prediction) == squad_normalise(g) for g in golds))


def f1_score(prediction: str, golds: Sequence[str]) -> float:
    """The best token-overlap F1 of the prediction against the gold strings."""
    best = 0.0
    predicted = squad_normalise(prediction).split()
    for gold in golds:
        wanted = squad_normalise(gold).split()
        common = sum((Counter(predicted) & Counter(wanted)).values())
        if common:
            precision, recall = common / len(predicted), common / len(wanted)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best
