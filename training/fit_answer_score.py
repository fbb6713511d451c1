"""Fit the one answer score for the packaged reader, and choose its two cut-offs, on dev.

    python -m training.fit_answer_score [--passages 5] [--out qa/reading/model/answer_score.json]
        [--json bench/results/fit_answer_score.json] [--index bench/results/bbc-index]
        [--questions eval/news-qa/dev.jsonl] [--corpus ../shared/news/bbc]

Asks every question of the news dev split (answerable, unanswerable and near-miss) over an
index of the whole BBC archive as ``qa eval`` asks it, and has the packaged reader read the
top ``--passages`` passages. A question that names what no article mentions is declined
before the score is consulted. The score (``qa.reading.answer_score``) is fitted on every
span read (the two best of each passage) to predict "this span holds a gold string" (never, for an unanswerable
question); the answer is the span it rates highest, and its cut-offs are chosen on those (``qa.reading.fit_score``: decline below the
highest cut-off that keeps 0.90 of the answerable questions answered; bold from the lowest
at which 0.85 of the spans shown are right). It writes the score beside the reader with the
reader's SHA-256 (a test fails when they differ) and the curve to ``--json``. The test split
is never read here.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.app.calibrate import answer_sentences, label
from qa.app.evaluate import MRR_DEPTH
from qa.query.retriever import Retriever
from qa.reading.answer_score import FEATURES, PACKAGED_SCORE
from qa.reading.fit_score import Labelled, fit_score, operating_points
from qa.reading.reader import FoundSpan, Reading, read_hits, shared_reader
from qa.reading.unknown_names import unknown_names
from training.data import BBC, RESULTS, ROOT
from training.news_questions import NEWS_QA, read_jsonl
from training.train_reader import ensure_index

MOST_PASSAGES = 10


@dataclass(frozen=True)
class Read:
    """One dev question as the score sees it: what the reader found in the top passages."""

    question: str
    answers: tuple[str, ...]
    unknown: bool  # declined before the score for a name no article mentions
    reading: Reading  # of the first ``MOST_PASSAGES`` passages
    texts: tuple[str, ...]  # those passages
    sentences: dict[FoundSpan, str]  # the sentence holding each span read

    def labelled(self, passages: int) -> Labelled:
        """The question as ``fit_score`` sees it when the reader reads ``passages`` passages."""
        if self.unknown:
            return Labelled((), bool(self.answers))
        return label(self.question, self.answers, self.reading.first(passages), self.texts[:passages], self.sentences)


def read_all(index: Path, questions: Sequence[dict], passages: int = MOST_PASSAGES) -> list[Read]:
    """Each question retrieved as ``qa eval`` asks it and read by the packaged reader."""
    retriever, reader = Retriever.load(index), shared_reader()
    done = []
    for q in questions:
        hits, lookup = retriever.retrieve(q["question"], MRR_DEPTH)
        assert lookup is not None, f"the index {index} is empty"
        unknown = bool(unknown_names(q["question"], lookup.vocabulary))
        reading = read_hits(reader, q["question"], hits, passages)
        sentences = answer_sentences(reading, hits, lookup)
        done.append(
            Read(
                q["question"],
                tuple(q.get("answers", [])),
                unknown,
                reading,
                tuple(h.text for h in hits[:passages]),
                sentences,
            )
        )
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.fit_answer_score", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--passages", type=int, default=5, help="passages the reader reads (AnswerSettings.read_passages)"
    )
    parser.add_argument("--index", type=Path, default=RESULTS / "bbc-index", help="an index of the whole BBC archive")
    parser.add_argument(
        "--questions", type=Path, default=NEWS_QA / "dev.jsonl", help="the labelled questions to fit on (the dev split)"
    )
    parser.add_argument("--corpus", type=Path, default=BBC, help="the articles of --index (built when missing)")
    parser.add_argument("--out", type=Path, default=PACKAGED_SCORE)
    parser.add_argument("--json", type=Path, default=RESULTS / "fit_answer_score.json")
    args = parser.parse_args(argv)
    ensure_index(args.corpus, args.index)
    questions = read_jsonl(args.questions)
    asked = read_all(args.index, questions, max(args.passages, MOST_PASSAGES))
    reader = shared_reader()
    labelled = [a.labelled(args.passages) for a in asked]
    source = args.questions.resolve()
    name = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
    fitted_on = (
        f"{name} ({len(questions)} questions), top {args.passages} passages read: python -m training.fit_answer_score"
    )
    score = fit_score(labelled, FEATURES, reader.fingerprint, fitted_on)
    curve = operating_points(labelled, score)
    for row in curve[::5]:
        print("  ".join(f"{k} {v:.3f}" for k, v in row.items()))
    print(json.dumps({k: v for k, v in score.__dict__.items() if k != "fitted_on"}))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    score.save(args.out)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"score": score.__dict__, "curve": curve}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
