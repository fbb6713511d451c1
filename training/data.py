"""Where the data the models are made from lies: the shared folder beside the checkout,
the question files in the repository, and the results folder (git-ignored).

``QA_SHARED`` points at another shared folder (the tests set it to one that does not
exist to prove the suite passes in a bare clone); ``QA_BENCH_BBC`` at another copy of
the BBC articles.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QA_SHARED") or ROOT.parent / "shared")
BBC = Path(os.environ.get("QA_BENCH_BBC") or SHARED / "news" / "bbc")  # the 2,225 BBC articles
SQUAD = SHARED / "eval" / "squad-half"  # half of SQuAD v1.1 dev
SQUAD_CORPUS = SQUAD / "corpus"  # its paragraphs, a file each
SQUAD_QUESTIONS = SQUAD / "questions.jsonl"  # its questions
ALLOWED = SHARED / "eval" / "bbc-question-articles.txt"  # the BBC articles questions may be about
CALIBRATION = ROOT / "eval" / "calibration-questions.jsonl"
DEV_FILE = (
    ROOT / "tests" / "data" / "dev-questions.jsonl"
)  # the seed questions (also ../shared/eval/dev-questions.jsonl)
NEWS_QA = ROOT / "eval" / "news-qa"
RESULTS = ROOT / "bench" / "results"  # indexes, training runs and benchmark output (git-ignored)


def part_of(question: dict, articles: list[str]) -> str:
    """``A`` for questions about the 1st, 3rd, 5th... of the sorted articles, ``B`` for the others."""
    return "A" if articles.index(question["articles"][0].split("_")[0]) % 2 == 0 else "B"


def squad_questions() -> list[dict]:
    """SQuAD-half's 5,397 questions."""
    from qa.app.evaluate import read_questions

    return read_questions(SQUAD_QUESTIONS)


def squad_paragraph(name: str) -> str:
    """A SQuAD-half paragraph without its front matter, as the reader reads it."""
    from qa.ingest.corpus import parse_front_matter

    text = (SQUAD_CORPUS / f"{name}.txt").read_text(encoding="utf-8")
    return text[parse_front_matter(text)[1] :]


def squad_articles() -> list[str]:
    """SQuAD-half's article numbers, sorted: what ``part_of`` splits by."""
    return sorted({q["articles"][0].split("_")[0] for q in squad_questions()})


def squad_part_b() -> list[dict]:
    """SQuAD-half part B's questions (the dev split; a part-A reader never trained on them)."""
    articles = squad_articles()
    return [q for q in squad_questions() if part_of(q, articles) == "B"]
