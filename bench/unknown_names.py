"""How often a question names something no article mentions, answerable or not.

    python -m bench.unknown_names [--show] [--json bench/results/unknown_names.json]

For each question file over its index (news train and dev over the whole BBC index, the dev
file, calibration file and follow-up turns over the seed index, SQuAD-half part B over the
SQuAD-half index) it counts the answerable and unanswerable questions in which
``qa.reading.unknown_names`` finds a name no passage mentions: every answerable one found
is a question the product declines wrongly. The news test split is never read here.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from qa.app.evaluate import read_questions
from qa.reading.unknown_names import unknown_names
from qa.store.snapshot import load_snapshot
from qa.store.vocabulary import Vocabulary
from training.data import BBC, DEV_FILE, RESULTS, ROOT, SQUAD_CORPUS, squad_part_b
from training.news_questions import NEWS_QA, read_jsonl
from training.train_reader import ensure_index


def count(questions: Sequence[dict], vocabulary: Vocabulary, show: bool = False) -> dict[str, int]:
    """Answerable and unanswerable questions, and how many of each name an unknown name."""
    counts = {"answerable": 0, "answerable_flagged": 0, "unanswerable": 0, "unanswerable_flagged": 0}
    for question in questions:
        kind = "answerable" if question.get("answers") else "unanswerable"
        unknown = unknown_names(question["question"], vocabulary)
        counts[kind] += 1
        counts[f"{kind}_flagged"] += bool(unknown)
        if show and unknown and kind == "answerable":
            print(f"  answerable, declined: {question['question']} ({', '.join(unknown)})")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.unknown_names", description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print each answerable question it flags")
    parser.add_argument("--json", type=Path, default=RESULTS / "unknown_names.json")
    args = parser.parse_args(argv)
    bbc = load_snapshot(ensure_index(BBC, RESULTS / "bbc-index")).vocabulary
    seed = load_snapshot(ensure_index(ROOT / "corpus", RESULTS / "seed-index")).vocabulary
    squad = load_snapshot(ensure_index(SQUAD_CORPUS, RESULTS / "squad-index")).vocabulary
    followups = [turn for talk in read_jsonl(ROOT / "eval" / "followup-conversations.jsonl") for turn in talk["turns"]]
    splits = {
        "news_train": (read_jsonl(NEWS_QA / "train.jsonl"), bbc),
        "news_dev": (read_jsonl(NEWS_QA / "dev.jsonl"), bbc),
        "dev_file": (read_questions(DEV_FILE), seed),
        "calibration": (read_jsonl(ROOT / "eval" / "calibration-questions.jsonl"), seed),
        "followup_turns": (followups, seed),
        "squad_B": (squad_part_b(), squad),
    }
    table = {}
    for name, (questions, vocabulary) in splits.items():
        table[name] = count(questions, vocabulary, args.show)
        row = table[name]
        print(
            f"{name}: answerable flagged {row['answerable_flagged']}/{row['answerable']}, "
            f"unanswerable flagged {row['unanswerable_flagged']}/{row['unanswerable']}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
