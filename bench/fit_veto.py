"""Choose the reader's no-answer veto on the dev splits.

    python -m bench.fit_veto [--squad-every 4] [--json bench/results/fit_veto.json]

Asks the news questions' dev split over the whole BBC index, SQuAD-half part B over the
SQuAD-half index and the dev file over the seed index once, with the veto off, and keeps
each answer's decision and the reader's least probability of "no answer" over the passages
it read (``Evidence.reader_no_answer``). With a veto at threshold ``t`` a question is
declined when the decline model declines it or that probability is at least ``t``. For each
``t`` it prints the share of answerable questions answered (and answered with the gold) and
of unanswerable ones declined. Of the ``t`` at which both dev splits keep at least
``ANSWERED`` of their answerable questions answered and the dev file loses none, it
chooses the one that declines most of news dev's unanswerable questions, then the one that
answers most: ``AnswerSettings.no_answer_veto``. The news test split is never read here.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import BBC, RESULTS, ROOT
from bench.fit_answers import SQUAD
from bench.news_questions import NEWS_QA, read_jsonl
from bench.train_reader import ensure_index, squad_part_b
from qa.app.evaluate import MRR_DEPTH, normalise_answer, read_questions
from qa.query.retriever import Retriever
from qa.reading.answer import AnswerSettings

ANSWERED = 0.90
THRESHOLDS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
DEV_FILE = ROOT / "tests" / "data" / "dev-questions.jsonl"


@dataclass(frozen=True)
class Asked:
    """One question's answer with the veto off."""

    answerable: bool
    found: bool
    holds_gold: bool
    no_answer: float  # the reader's least P(no answer) over the passages read
    confidence: float = 1.0  # the decline model's probability that the question is answerable


def ask_all(index: Path, questions: Sequence[dict], removed: frozenset[str] = frozenset()) -> list[Asked]:
    """Each question answered over ``index`` with the reader's veto off (a question about an
    article number in ``removed``, left out of the index, is unanswerable)."""
    retriever = Retriever.load(index, answer_settings=AnswerSettings(no_answer_veto=2.0))
    asked = []
    for q in questions:
        answer = retriever.answer(q["question"], k=MRR_DEPTH)  # as `qa eval` asks
        golds = [normalise_answer(g) for g in q.get("answers", [])]
        holds = answer.found and any(g in normalise_answer(answer.text) for g in golds)
        no_answer = answer.evidence.reader_no_answer if answer.evidence is not None else 1.0
        answerable = bool(golds) and q.get("articles", ["_"])[0].split("_")[0] not in removed
        asked.append(Asked(answerable, answer.found, holds, no_answer, answer.confidence))
    return asked


def at_threshold(asked: Sequence[Asked], threshold: float) -> dict[str, float | None]:
    """Answered, answered with the gold, and declined shares with the veto at ``threshold``
    (declined: ``None`` without unanswerable questions)."""
    answerable = [a for a in asked if a.answerable]
    unanswerable = [a for a in asked if not a.answerable]

    def kept(a: Asked) -> bool:
        return a.found and a.no_answer < threshold

    return {
        "threshold": threshold,
        "answered": sum(kept(a) for a in answerable) / max(len(answerable), 1),
        "holds_gold": sum(kept(a) and a.holds_gold for a in answerable) / max(len(answerable), 1),
        "declined": sum(not kept(a) for a in unanswerable) / len(unanswerable) if unanswerable else None,
        "answerable_lost": sum(a.found and not kept(a) for a in answerable),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fit_veto", description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad-every", type=int, default=4, help="use every Nth part-B question (time)")
    parser.add_argument("--json", type=Path, default=RESULTS / "fit_veto.json")
    args = parser.parse_args(argv)
    squad_b = squad_part_b()
    splits = {
        "news_dev": ask_all(ensure_index(BBC, RESULTS / "bbc-index"), read_jsonl(NEWS_QA / "dev.jsonl")),
        "squad_B": ask_all(ensure_index(SQUAD / "corpus", RESULTS / "squad-index"), squad_b[:: args.squad_every]),
        "dev_file": ask_all(ensure_index(ROOT / "corpus", RESULTS / "seed-index"), read_questions(DEV_FILE)),
    }
    table = {name: [at_threshold(asked, t) for t in THRESHOLDS] for name, asked in splits.items()}
    qualifying = [
        i
        for i in range(len(THRESHOLDS))
        if (table["news_dev"][i]["answered"] or 0.0) >= ANSWERED
        and (table["squad_B"][i]["answered"] or 0.0) >= ANSWERED
        and table["dev_file"][i]["answerable_lost"] == 0
    ]
    # the most news dev declines, then the most answered, among the settings that keep the answers
    best = max(
        qualifying or [len(THRESHOLDS) - 1],  # none keeps the answers: the veto stays off
        key=lambda i: (table["news_dev"][i]["declined"] or 0.0, table["news_dev"][i]["answered"] or 0.0),
    )
    chosen = THRESHOLDS[best]
    for i, threshold in enumerate(THRESHOLDS):
        print(
            threshold,
            "  ".join(
                f"{name}: answered {rows[i]['answered']:.3f} (gold {rows[i]['holds_gold']:.3f})"
                + (f" declined {rows[i]['declined']:.3f}" if rows[i]["declined"] is not None else "")
                for name, rows in table.items()
            ),
        )
    print(f"no_answer_veto = {chosen}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"chosen": chosen, "table": table}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
