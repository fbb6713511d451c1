"""Fit the decline model so that it holds on collections nobody fitted it on.

    python -m bench.fit_declines [--removed 04,20,36] [--index .qa-eval/squad-held-out-a]

Fits ``qa.query.abstention.fit_abstention`` on two kinds of question together: the
calibration file over the seed news articles (eval/calibration-questions.jsonl, answerable
and unanswerable ones; together they count ``--news-share``, 0.3) and SQuAD-half part A
(see ``bench.fit_answers``) asked of an index without three of part A's articles, whose
questions are the unanswerable ones (together 0.7, each question alike).
Part B and the dev file are never seen: ``python -m bench.decline_transfer`` (part B
articles removed) and ``qa eval`` on the dev file score the printed model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.common import ROOT
from bench.decline_transfer import held_out_corpus
from bench.fit_answers import CALIBRATION, SQUAD, part_of
from qa.indexing.library import Library
from qa.query.abstention import fit_abstention
from qa.query.retriever import Retriever
from qa.types import Evidence


def evidence_of(retriever: Retriever, questions: list[dict], answerable: list[bool]) -> tuple[list[Evidence], list[bool]]:
    """The evidence behind each question's best answer sentence, with its label."""
    found: list[Evidence] = []
    labels: list[bool] = []
    for question, label in zip(questions, answerable):
        evidence = retriever.answer(question["question"]).evidence
        if evidence is not None:
            found.append(evidence)
            labels.append(label)
    return found, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--removed", default="04,20,36", help="part A articles left out of the index")
    parser.add_argument("--index", default=str(ROOT / ".qa-eval" / "squad-held-out-a"))
    parser.add_argument("--news-index", default=str(ROOT / ".qa-eval" / "seed"))
    parser.add_argument("--news-share", type=float, default=0.3, help="weight of the calibration file in the fit")
    args = parser.parse_args()
    removed = set(args.removed.split(","))
    questions = [json.loads(line) for line in (SQUAD / "questions.jsonl").read_text().splitlines() if line.strip()]
    articles = sorted({q["articles"][0].split("_")[0] for q in questions})
    if any(part_of({"articles": [f"{a}_000"]}, articles) != "A" for a in removed):
        parser.error("--removed must name part A articles (the 1st, 3rd, 5th... by number)")
    part_a = [q for q in questions if part_of(q, articles) == "A"]
    corpus = Path(args.index) / "corpus"
    held_out_corpus(corpus, removed)
    Library(corpus, Path(args.index) / "index").update()
    squad, squad_labels = evidence_of(
        Retriever.load(Path(args.index) / "index"), part_a, [q["articles"][0].split("_")[0] not in removed for q in part_a]
    )
    Library(ROOT / "corpus", args.news_index).update()
    calibration = [json.loads(line) for line in CALIBRATION.read_text().splitlines() if line.strip()]
    news, news_labels = evidence_of(Retriever.load(args.news_index), calibration, [bool(q["answers"]) for q in calibration])
    negatives = squad_labels.count(False)
    total = len(squad_labels) + len(news_labels)
    weights = [total * (1 - args.news_share) / len(squad_labels)] * len(squad_labels)
    weights += [total * args.news_share / len(news_labels)] * len(news_labels)
    model = fit_abstention(squad + news, squad_labels + news_labels, sample_weights=weights)
    print(json.dumps({"squad_questions": len(squad_labels), "squad_unanswerable": negatives, "calibration_questions": len(news_labels)}))
    print(f"DEFAULT_ABSTENTION = {model!r}")


if __name__ == "__main__":
    main()
