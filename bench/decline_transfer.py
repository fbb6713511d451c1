"""Do declines hold on a collection nobody fitted them on? SQuAD-half with 3 articles removed.

    python -m bench.decline_transfer [--removed 02,18,34] [--index .qa-eval/squad-held-out] [--json PATH]

Indexes SQuAD-half's paragraphs without the removed Wikipedia articles, then asks all
5,397 questions: the ones about removed articles should be declined (their answers are
not in the index), the others answered. The answer score is the shipped one, fitted on the
news questions' dev split only.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from qa.indexing.library import Library
from qa.query.retriever import Retriever
from training.data import ROOT, SQUAD_CORPUS, squad_questions

DEFAULT_REMOVED = ("02", "18", "34")


def held_out_corpus(target: Path, removed: set[str]) -> int:
    """Copy SQuAD-half's paragraph files into ``target``, leaving out the removed articles."""
    target.mkdir(parents=True, exist_ok=True)
    kept = 0
    for path in sorted(SQUAD_CORPUS.iterdir()):
        copy = target / path.name
        if path.name.split("_")[0] in removed:
            copy.unlink(missing_ok=True)
            continue
        if not copy.exists():
            shutil.copy2(path, copy)
        kept += 1
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--removed", default=",".join(DEFAULT_REMOVED), help="article numbers to leave out")
    parser.add_argument("--index", default=str(ROOT / ".qa-eval" / "squad-held-out"))
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    removed = set(args.removed.split(","))
    corpus = Path(args.index) / "corpus"
    kept = held_out_corpus(corpus, removed)
    Library(corpus, Path(args.index) / "index").update()
    retriever = Retriever.load(Path(args.index) / "index")
    questions = squad_questions()
    about_removed = [q for q in questions if q["articles"][0].split("_")[0] in removed]
    others = [q for q in questions if q["articles"][0].split("_")[0] not in removed]
    declined = sum(not retriever.answer(q["question"]).found for q in about_removed)
    answered = sum(retriever.answer(q["question"]).found for q in others)
    report = {
        "removed_articles": sorted(removed),
        "paragraphs_indexed": kept,
        "questions_about_removed": len(about_removed),
        "declined_about_removed": declined / max(len(about_removed), 1),
        "questions_about_indexed": len(others),
        "answered_about_indexed": answered / max(len(others), 1),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
