"""One answerability score: the probability that the reader's answer is right, from its own evidence.

The reader reads the top passages and marks its two best spans in each; the score rates each
of those spans from what the reader found (``qa.reading.reader.Reading``):

- ``span``: the span's probability in its passage (start times end, ``[CLS]`` included);
- ``no_answer``: that passage's probability of "no answer";
- ``least_no_answer``: the least probability of "no answer" over the passages read;
- ``margin``: the span's probability less that of the most probable span with other text;
- ``agreement``: the summed probability of other passages' spans with the same text;
- ``share``: the span's probability as a share of all the probability the reader put on
  any span of the passages read (how much of its belief, across passages, this span holds);
- ``rank``: one over the retrieval rank of the passage the span is in;
- ``name_unread``: 1 when a name of two words or more of the question is in no passage read.

Probabilities enter as log-odds. ``P(right) = sigmoid(weights · features + bias)``, where
"right" means the span holds a gold string of an answerable question (and so does the
sentence holding it). The answer is the span it rates highest. One command fits it on the
dev questions and chooses its two cut-offs (``training.fit_answer_score``, with
``qa.reading.fit_score``): below ``decline_below`` the question is declined, from ``bold_from`` on the span is shown in
bold. The fitted file names the reader it was fitted for (its SHA-256); a score fitted for
another reader is refused at load.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.errors import ModelError
from qa.reading.model import PACKAGED_READER
from qa.reading.reader import FoundSpan, Reading
from qa.reading.unknown_names import names_not_in
from qa.types import Evidence

SCORE_FILE = "answer_score.json"
PACKAGED_SCORE = PACKAGED_READER / SCORE_FILE
FEATURES = ("span", "no_answer", "least_no_answer", "margin", "agreement", "share", "rank", "name_unread")
_LOG_ODDS = frozenset({"span", "no_answer", "least_no_answer"})
_EPSILON = 1e-4


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def evidence_of(question: str, reading: Reading, read: Sequence[str], chosen: FoundSpan | None = None) -> Evidence:
    """The features of ``chosen`` (default: the reading's best span) among the spans of
    ``reading``; ``read`` are the texts of the passages read. Raw values, not log-odds."""
    best = chosen or reading.best
    if best is None:
        return {name: 0.0 for name in FEATURES} | {"no_answer": 1.0, "least_no_answer": reading.no_answer}
    others = [s for s in reading.spans if s is not best]
    return {
        "span": best.probability,
        "no_answer": best.no_answer,
        "least_no_answer": reading.no_answer,
        "margin": best.probability - max((s.probability for s in others if not _same(s.text, best.text)), default=0.0),
        "agreement": sum(s.probability for s in others if _same(s.text, best.text)),
        "share": best.probability / reading.mass if reading.mass > 0.0 else 0.0,
        "rank": 1.0 / best.hit_number,
        "name_unread": float(bool(names_not_in(question, read))),
    }


def feature_vector(evidence: Mapping[str, float], names: Sequence[str] = FEATURES) -> np.ndarray:
    """The model's inputs in ``names`` order: probabilities as log-odds, the rest as they are."""
    values = []
    for name in names:
        value = float(evidence[name])
        if name in _LOG_ODDS:
            value = min(max(value, _EPSILON), 1.0 - _EPSILON)
            value = math.log(value / (1.0 - value))
        values.append(value)
    return np.array(values, dtype=np.float64)


@dataclass(frozen=True)
class AnswerScore:
    """``P(the answer is right) = sigmoid(weights · features + bias)``, with its two cut-offs."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    decline_below: float  # declined below this probability
    bold_from: float  # the span is shown in bold from this probability on
    reader_sha256: str = ""  # the reader model file it was fitted for
    fitted_on: str = ""  # the questions it was fitted on, and the command

    def __post_init__(self) -> None:
        if len(self.features) != len(self.weights) or not set(self.features) <= set(FEATURES):
            raise ModelError(f"an answer score needs one weight per feature, each one of {', '.join(FEATURES)}")

    def probability(self, evidence: Mapping[str, float]) -> float:
        """The probability that the answer these features describe is right."""
        z = float(feature_vector(evidence, self.features) @ np.asarray(self.weights)) + self.bias
        return float(1.0 / (1.0 + math.exp(-min(max(z, -50.0), 50.0))))

    def rate(self, question: str, reading: Reading, read: Sequence[str]) -> list[tuple[float, FoundSpan, Evidence]]:
        """Each span of ``reading`` (of the passages ``read``) with its probability and
        evidence, the one rated highest first: the answer's span."""
        rated = []
        for span in reading.spans:
            evidence = evidence_of(question, reading, read, span)
            rated.append((self.probability(evidence), span, evidence))
        return sorted(rated, key=lambda item: -item[0])

    def save(self, path: Path) -> None:
        """Write the score as JSON (what ``load_score`` reads)."""
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")


def load_score(path: Path = PACKAGED_SCORE, reader_sha256: str | None = None) -> AnswerScore:
    """The answer score in ``path``; ``ModelError`` when it is unreadable or was fitted for
    another reader than the one whose model file has ``reader_sha256``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        score = AnswerScore(**{**data, "features": tuple(data["features"]), "weights": tuple(data["weights"])})
    except FileNotFoundError:
        raise ModelError(
            f"the answer score {path} is missing: reinstall the package, or fit it: python -m training.fit_answer_score"
        ) from None
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise ModelError(
            f"the answer score {path} is unreadable ({error}): fit it again: python -m training.fit_answer_score"
        ) from None
    if reader_sha256 is not None and score.reader_sha256 != reader_sha256:
        raise ModelError(
            f"the answer score {path} was fitted for another reader ({score.reader_sha256[:12]}, not "
            f"{reader_sha256[:12]}): fit it again for this one: python -m training.fit_answer_score"
        )
    return score


@lru_cache(maxsize=1)
def packaged_score() -> AnswerScore:
    """The answer score that ships with the package, fitted for the packaged reader."""
    return load_score(PACKAGED_SCORE)
