"""Questions written here about SQuAD-half part A's paragraphs (eval/squad-part-a/): check, build, figures.

    python -m training.squad_part_a check eval/squad-part-a/drafts/*.jsonl   # every problem, one line each
    python -m training.squad_part_a build                                    # drafts -> questions.jsonl
    python -m training.squad_part_a stats

Each question asks a fact of one part-A paragraph (``paragraph``, e.g. ``"04_003"``) that no
SQuAD question of that paragraph asks; each gold string is copied from the paragraph's text
(the file without its front matter, as the reader reads it), ``start`` its offset there.
``train_reader --squad-written`` learns from them beside part A's own questions. Part B's
paragraphs are the SQuAD dev split: no question may be about them.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from qa.app.evaluate import normalise_answer
from training.data import ROOT, SQUAD_CORPUS, part_of, squad_articles, squad_questions
from training.data import squad_paragraph as paragraph_text  # the paragraph as the reader reads it
from training.news_questions import (
    UNASKED,
    Problem,
    _words,
    gold_problems,
    overlap,
    question_id,
    read_jsonl,
    sentence_at,
    wording_problems,
)

FOLDER = ROOT / "eval" / "squad-part-a"
DRAFTS = FOLDER / "drafts"
QUESTIONS = FOLDER / "questions.jsonl"


@cache
def squad_answers() -> dict[str, frozenset[str]]:
    """Each paragraph's SQuAD gold answers, normalised: the facts already asked."""
    answers: dict[str, set[str]] = defaultdict(set)
    for record in squad_questions():
        answers[record["articles"][0]].update(normalise_answer(a) for a in record["answers"])
    return {name: frozenset(found) for name, found in answers.items()}


@cache
def part_a_articles() -> frozenset[str]:
    """The article numbers of SQuAD-half part A (``"04"``)."""
    articles = squad_articles()
    return frozenset(a for a in articles if part_of({"articles": [a]}, articles) == "A")


def in_part_a(paragraph: str) -> bool:
    """Whether ``paragraph`` (``"04_003"``) belongs to an article of part A."""
    return paragraph.split("_")[0] in part_a_articles()


def _asked_already(answer: str, asked: frozenset[str]) -> str | None:
    """The SQuAD answer that ``answer`` repeats (equal, or one holding the other), if any."""
    mine = normalise_answer(answer)
    if not mine:
        return None
    for old in sorted(asked):
        if mine == old or re.search(rf"\b{re.escape(mine)}\b", old) or re.search(rf"\b{re.escape(old)}\b", mine):
            return old
    return None


def check_question(record: dict, where: str) -> list[Problem]:
    """Every problem of one written question."""
    return [Problem(where, message) for message in _faults(record)]


def _faults(record: dict) -> list[str]:
    wording = wording_problems(record)
    if UNASKED in wording:
        return wording
    paragraph = record.get("paragraph")
    if not isinstance(paragraph, str) or not (SQUAD_CORPUS / f"{paragraph}.txt").exists():
        return [*wording, f"`paragraph` must name a file of {SQUAD_CORPUS} without .txt, e.g. '04_003'"]
    if not in_part_a(paragraph):
        return [
            *wording,
            f"paragraph {paragraph} is in part B (the dev split): write only about your task's paragraphs",
        ]
    answers, starts = record.get("answers"), record.get("start")
    if (
        not isinstance(answers, list)
        or not 1 <= len(answers) <= 3
        or not all(isinstance(a, str) and a.strip() for a in answers)
    ):
        return [*wording, "`answers` must list one to three non-empty gold strings"]
    if not isinstance(starts, list) or len(starts) != len(answers) or not all(isinstance(s, int) for s in starts):
        return [*wording, "`start` must list one integer offset per answer"]
    faults = wording + gold_problems(paragraph_text(paragraph), answers, starts, f"paragraph {paragraph}")
    for answer in answers:
        if old := _asked_already(answer, squad_answers().get(paragraph, frozenset())):
            faults.append(
                f"{answer!r} is what a SQuAD question of {paragraph} already asks ({old!r}): ask another fact"
            )
    if _words(record["question"]) in {_words(a) for a in answers}:
        faults.append("the question repeats its answer")
    return faults


def check_files(paths: Sequence[Path]) -> list[Problem]:
    """Every problem of every question in ``paths``, with two questions asking one fact."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    facts: dict[tuple[str, str], str] = {}
    for path in paths:
        for number, record in enumerate(read_jsonl(path), start=1):
            where = f"{path.name}:{number}"
            found = check_question(record, where)
            problems.extend(found)
            key = _words(str(record.get("question", "")))
            if key in seen:
                problems.append(Problem(where, f"the same question as {seen[key]}"))
            seen.setdefault(key, where)
            if not found:
                fact = (record["paragraph"], normalise_answer(record["answers"][0]))
                if fact in facts:
                    problems.append(Problem(where, f"asks the fact {facts[fact]} asks: ask another"))
                facts.setdefault(fact, where)
    return problems


def build(drafts: Sequence[Path], target: Path = QUESTIONS) -> int:
    """The drafts as one file in SQuAD-half's shape (``articles`` the paragraph), with ids."""
    records = [r for path in sorted(drafts) for r in read_jsonl(path)]
    rows = [
        {
            "id": "w" + question_id(r["question"])[1:],
            "question": r["question"],
            "answers": r["answers"],
            "articles": [r["paragraph"]],
            "start": r["start"],
            "type": r["type"],
        }
        for r in sorted(records, key=lambda r: (r["paragraph"], r["question"]))
    ]
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def stats(records: Sequence[dict]) -> dict:
    """The set's figures: size, paragraphs, types, and how much of its answer sentence a question repeats."""
    shares = []
    for r in records:
        text = paragraph_text(r["articles"][0])
        sentence = sentence_at(text, r["start"][0])
        shares.append(overlap(r["question"], text[sentence.start : sentence.end]))
    return {
        "questions": len(records),
        "paragraphs": len({r["articles"][0] for r in records}),
        "types": dict(Counter(r["type"] for r in records).most_common()),
        "answer_sentence_overlap": round(statistics.mean(shares), 3) if shares else 0.0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.squad_part_a", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="every problem of the draft files, one line each")
    check.add_argument("files", nargs="+", type=Path)
    commands.add_parser("build", help=f"the drafts in {DRAFTS.relative_to(ROOT)} -> {QUESTIONS.relative_to(ROOT)}")
    commands.add_parser("stats", help="the built set's figures, as JSON")
    args = parser.parse_args(argv)
    if args.command == "check":
        problems = check_files(args.files)
        for problem in problems:
            print(problem)
        print(f"{sum(len(read_jsonl(p)) for p in args.files)} questions, {len(problems)} problems")
        return 1 if problems else 0
    if args.command == "build":
        drafts = sorted(DRAFTS.glob("*.jsonl"))
        problems = check_files(drafts)
        if problems:
            for problem in problems:
                print(problem)
            print(f"{len(problems)} problems: fix them before building")
            return 1
        print(f"{build(drafts, QUESTIONS)} questions -> {QUESTIONS.relative_to(ROOT)}")
        return 0
    print(json.dumps(stats(read_jsonl(QUESTIONS)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
