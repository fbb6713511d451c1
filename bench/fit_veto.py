"""Choose the reader's two vetoes on the dev splits.

    python -m bench.fit_veto [--squad-every 4] [--json bench/results/fit_veto.json]

Asks the news questions' dev split over the whole BBC index, SQuAD-half part B over the
SQuAD-half index and the dev file over the seed index once, with the vetoes off, and keeps
each answer's decision, the reader's least probability of "no answer" over the passages it
read (``Evidence.reader_no_answer``) and whether a name of two words or more of the
question is in none of those passages (``qa.reading.unknown_names.names_not_in``). With
the vetoes at ``(t, n)`` a question is declined when the decline model declines it, when
that probability is at least ``t``, or when it is at least ``n`` and a name is unread. Of
the pairs at which both dev splits keep at least ``ANSWERED`` of their answerable
questions answered and the dev file loses none, it chooses the one that declines most of
news dev's unanswerable questions, then the one that answers most of news dev, then of
SQuAD: ``AnswerSettings.no_answer_veto`` and ``name_veto``. It prints each ``t`` with the
chosen ``n``, and each ``n`` with the chosen ``t``. The news test split is never read here.
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
from qa.reading.unknown_names import names_not_in

ANSWERED = 0.90
THRESHOLDS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
NAME_THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
DEV_FILE = ROOT / "tests" / "data" / "dev-questions.jsonl"


@dataclass(frozen=True)
class Asked:
    """One question's answer with the veto off."""

    answerable: bool
    found: bool
    holds_gold: bool
    no_answer: float  # the reader's least P(no answer) over the passages read
    confidence: float = 1.0  # the decline model's probability that the question is answerable
    name_unread: bool = False  # a name of two words or more of the question is in no passage read


def ask_all(index: Path, questions: Sequence[dict], removed: frozenset[str] = frozenset()) -> list[Asked]:
    """Each question answered over ``index`` with the reader's veto off (a question about an
    article number in ``removed``, left out of the index, is unanswerable)."""
    settings = AnswerSettings(no_answer_veto=2.0, name_veto=2.0)
    retriever = Retriever.load(index, answer_settings=settings)
    asked = []
    for q in questions:
        answer = retriever.answer(q["question"], k=MRR_DEPTH)  # as `qa eval` asks
        golds = [normalise_answer(g) for g in q.get("answers", [])]
        holds = answer.found and any(g in normalise_answer(answer.text) for g in golds)
        no_answer = answer.evidence.reader_no_answer if answer.evidence is not None else 1.0
        answerable = bool(golds) and q.get("articles", ["_"])[0].split("_")[0] not in removed
        read = [hit.text for hit in answer.hits[: settings.answer_passages]]
        unread = bool(names_not_in(q["question"], read))
        asked.append(Asked(answerable, answer.found, holds, no_answer, answer.confidence, unread))
    return asked


def at_threshold(asked: Sequence[Asked], threshold: float, name_threshold: float = 2.0) -> dict[str, float | None]:
    """Answered, answered with the gold, and declined shares with the vetoes at ``threshold``
    and ``name_threshold`` (declined: ``None`` without unanswerable questions)."""
    answerable = [a for a in asked if a.answerable]
    unanswerable = [a for a in asked if not a.answerable]

    def kept(a: Asked) -> bool:
        return a.found and a.no_answer < threshold and not (a.name_unread and a.no_answer >= name_threshold)

    return {
        "threshold": threshold,
        "name_threshold": name_threshold,
        "answered": sum(kept(a) for a in answerable) / max(len(answerable), 1),
        "holds_gold": sum(kept(a) and a.holds_gold for a in answerable) / max(len(answerable), 1),
        "declined": sum(not kept(a) for a in unanswerable) / len(unanswerable) if unanswerable else None,
        "answerable_lost": sum(a.found and not kept(a) for a in answerable),
    }


def choose(table: dict[str, dict[tuple[float, float], dict]]) -> tuple[float, float]:
    """The vetoes that decline most of news dev, then answer most of news dev and SQuAD, among
    those keeping ``ANSWERED`` of both dev splits answered and the dev file whole (else off)."""
    qualifying = [
        pair
        for pair in table["news_dev"]
        if (table["news_dev"][pair]["answered"] or 0.0) >= ANSWERED
        and (table["squad_B"][pair]["answered"] or 0.0) >= ANSWERED
        and table["dev_file"][pair]["answerable_lost"] == 0
    ]
    return max(
        qualifying or [(THRESHOLDS[-1], NAME_THRESHOLDS[-1])],
        key=lambda pair: (
            table["news_dev"][pair]["declined"] or 0.0,
            table["news_dev"][pair]["answered"] or 0.0,
            table["squad_B"][pair]["answered"] or 0.0,
        ),
    )


def _line(label: str, rows: dict[str, dict]) -> str:
    return f"{label}  " + "  ".join(
        f"{name}: answered {row['answered']:.3f} (gold {row['holds_gold']:.3f})"
        + (f" declined {row['declined']:.3f}" if row["declined"] is not None else "")
        for name, row in rows.items()
    )


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
    pairs = [(t, n) for t in THRESHOLDS for n in NAME_THRESHOLDS]
    table = {name: {pair: at_threshold(asked, *pair) for pair in pairs} for name, asked in splits.items()}
    veto, name_veto = choose(table)
    for t in THRESHOLDS:
        print(_line(f"veto {t}, name veto {name_veto}:", {name: rows[(t, name_veto)] for name, rows in table.items()}))
    for n in NAME_THRESHOLDS:
        print(_line(f"veto {veto}, name veto {n}:", {name: rows[(veto, n)] for name, rows in table.items()}))
    print(f"no_answer_veto = {veto}, name_veto = {name_veto}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {"chosen": {"no_answer_veto": veto, "name_veto": name_veto}}
    report["table"] = {name: list(rows.values()) for name, rows in table.items()}
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
