"""``qa eval FILE --calibrate``: the answer score fitted on your own labelled questions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qa.app.evaluate import MRR_DEPTH, normalise_answer
from qa.errors import UsageError
from qa.query.retriever import Retriever
from qa.reading.answer_score import AnswerScore, evidence_of
from qa.reading.compose import sentence_holding
from qa.reading.fit_score import Candidate, Labelled, fit_score
from qa.reading.reader import FoundSpan, Reading, read_hits, shared_reader
from qa.reading.unknown_names import unknown_names
from qa.store.search_index import PassageLookup
from qa.types import Hit, SearchMode


def label(
    question: str,
    answers: Sequence[str],
    reading: Reading,
    texts: Sequence[str],
    sentences: Mapping[FoundSpan, str],
) -> Labelled:
    """``question`` with gold ``answers`` as the fit sees it: each span of ``reading`` (of the
    passages ``texts``), labelled by the sentence holding it (``sentences``, by span)."""
    golds = [normalise_answer(a) for a in answers if a.strip()]

    def holds(text: str) -> bool:
        return any(g in normalise_answer(text) for g in golds)

    return Labelled(
        tuple(
            Candidate(evidence_of(question, reading, texts, span), holds(sentences[span]), holds(span.text))
            for span in reading.spans
        ),
        bool(golds),
    )


def answer_sentences(reading: Reading, hits: Sequence[Hit], lookup: PassageLookup) -> dict[FoundSpan, str]:
    """The sentence holding each span of ``reading`` (what ``label`` judges it by)."""
    return {s: sentence_holding(s, hits[s.hit_number - 1], lookup)[1] for s in reading.spans}


def calibrate_score(retriever: Retriever, questions: Sequence[dict], mode: SearchMode = "hybrid") -> AnswerScore:
    """Fit the answer score and its cut-offs on labelled questions (answerable: a non-empty
    ``answers`` list), for the reader in use (``qa.reading.fit_score``)."""
    settings = retriever.answer_settings
    passages = settings.read_passages
    labelled = []
    for q in questions:
        hits, lookup = retriever.retrieve(q["question"], MRR_DEPTH, mode=mode)
        answers = q.get("answers", [])
        if lookup is None or unknown_names(q["question"], lookup.vocabulary):
            labelled.append(Labelled((), bool(answers)))
            continue
        reading = read_hits(shared_reader(), q["question"], hits, passages)
        labelled.append(
            label(
                q["question"],
                answers,
                reading,
                [h.text for h in hits[:passages]],
                answer_sentences(reading, hits, lookup),
            )
        )
    if len({c.right for q in labelled for c in q.candidates}) < 2:
        raise UsageError(
            "--calibrate needs questions answered right and others answered wrong or unanswerable (an empty answers list): add some of each"
        )
    score = settings.answer_score
    return fit_score(
        labelled, score.features, score.reader_sha256, f"qa eval --calibrate on {len(questions)} questions"
    )
