"""``qa eval FILE --calibrate``: the answer score fitted on your own labelled questions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qa.app.evaluate import normalise_answer
from qa.errors import UsageError
from qa.query.retriever import Retriever
from qa.reading.answer_score import AnswerScore
from qa.reading.fit_score import Labelled, fit_score
from qa.types import SearchMode


def calibrate_score(retriever: Retriever, questions: Sequence[dict], mode: SearchMode = "hybrid") -> AnswerScore:
    """Fit the answer score and its cut-offs on labelled questions (answerable: a non-empty
    ``answers`` list), for the reader in use (``qa.reading.fit_score``)."""
    settings = retriever.answer_settings
    every = retriever.with_answer_settings(replace(settings, min_confidence=0.0))
    labelled = []
    for q in questions:
        answer = every.answer(q["question"], mode=mode)
        golds = [normalise_answer(a) for a in q.get("answers", [])]
        right = answer.found and any(g in normalise_answer(answer.sentences[0].text) for g in golds)
        span = answer.reader_span
        labelled.append(
            Labelled(
                answer.evidence,
                bool(golds),
                right,
                span is not None and any(g in normalise_answer(span.text) for g in golds),
            )
        )
    if sum(q.right for q in labelled) in (0, len(labelled)):
        raise UsageError(
            "--calibrate needs questions answered right and others answered wrong or unanswerable (an empty answers list): add some of each"
        )
    score = settings.answer_score
    return fit_score(
        labelled, score.features, score.reader_sha256, f"qa eval --calibrate on {len(questions)} questions"
    )
