"""The news questions (eval/news-qa/): check drafts, build the splits, report the set's figures.

    python -m training.news_questions check eval/news-qa/drafts/*.jsonl   # every problem, one line each
    python -m training.news_questions build                               # drafts -> train/dev/test.jsonl
    python -m training.news_questions stats [--squad] [--json eval/news-qa/stats.json]
    python -m training.news_questions kinds dev|test [--index bench/results/bbc-index] [--json PATH]

A question is about one BBC article of ``bbc-question-articles.txt`` (``articles``); each gold
string is copied from that file, and ``start``/``end`` (lists beside ``answers``) are its
character offsets in the file read as UTF-8. An unanswerable question has no answers and lists
in ``absent`` the key terms that appear in none of the 2,225 articles; its ``topic`` is the
article it was written beside (what the split goes by). Splits go by story: the questions of
one article, and of the archive's other copies of it (same headline), are all in train, all
in dev or all in test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from qa.passages.sentences import split_sentences
from qa.query.question import content_stems
from qa.store.lexical import tokenize
from qa.types import Span
from training.data import ALLOWED, BBC, NEWS_QA, RESULTS, SQUAD_CORPUS, SQUAD_QUESTIONS

DRAFTS = NEWS_QA / "drafts"
TEST_DRAFTS = DRAFTS / "test"  # the test split's drafts: written last, about its own stories, read once
TEST_ARTICLES = NEWS_QA / "test-articles.txt"  # the test split's stories (every copy of each)
SPLITS = ("train", "dev", "test")
TYPES = ("who", "how much", "how many", "what percentage", "when", "where", "which", "why", "how", "what")
KINDS = ("plain", "neighbour", "latest", "unanswerable", "near-miss")
UNANSWERABLE_KINDS = ("unanswerable", "near-miss")
MAX_ANSWER_WORDS = 12
UNASKED = "`question` must be a string ending with '?'"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one question of a file."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@cache
def article_text(article: str, folder: Path = BBC) -> str:
    """The article file ``<folder>/<article>.txt`` read as UTF-8."""
    return (folder / f"{article}.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def allowed_articles() -> frozenset[str]:
    """The article ids questions may be written about."""
    return frozenset(ALLOWED.read_text(encoding="utf-8").split())


@lru_cache(maxsize=1)
def collection_text(folder: Path = BBC) -> str:
    """Every article of the collection, lower case, white space collapsed, one per line."""
    return "\n".join(" ".join(p.read_text(encoding="utf-8").lower().split()) for p in sorted(folder.glob("*.txt")))


def sentences_of(text: str) -> list[Span]:
    """The sentences of an article, line by line, as the indexer splits them."""
    spans: list[Span] = []
    offset = 0
    for line in text.split("\n"):
        spans.extend(split_sentences(text, offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def sentence_at(text: str, position: int) -> Span:
    """The sentence of ``text`` that holds character ``position``."""
    for span in sentences_of(text):
        if span.start <= position < span.end:
            return span
    raise ValueError(f"offset {position} lies in no sentence")


def overlap(question: str, sentence: str) -> float:
    """The share of the question's content words (stemmed) that the sentence holds."""
    wanted = content_stems(question)
    if not wanted:
        return 0.0
    present = set(tokenize([sentence])[0])
    return sum(s in present for s in wanted) / len(wanted)


def most_alike_sentence(question: str, text: str) -> Span:
    """The article's sentence that repeats most of the question's content words (first on ties)."""
    spans = sentences_of(text)
    return max(spans, key=lambda s: overlap(question, text[s.start : s.end]))


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _inside_a_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` cuts a word or number ("20" in "2004")."""
    before = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
    after = end < len(text) and text[end].isalnum() and text[end - 1].isalnum()
    return before or after


def wording_problems(record: dict) -> list[str]:
    """What is wrong with a record's ``question`` and ``type`` (empty when nothing)."""
    question = record.get("question")
    if not isinstance(question, str) or not question.strip().endswith("?"):
        return [UNASKED]
    return [] if record.get("type") in TYPES else [f"`type` must be one of {', '.join(TYPES)}"]


def gold_problems(text: str, answers: Sequence[str], starts: Sequence[int], name: str) -> list[str]:
    """What is wrong with each gold string's offset in ``text`` (the file called ``name``)."""
    messages = []
    for answer, start in zip(answers, starts):
        if text[start : start + len(answer)] != answer:
            found = [m.start() for m in re.finditer(re.escape(answer), text)]
            messages.append(f"{answer!r} is not at offset {start} of {name} (it is at {found or 'no offset'})")
        elif _inside_a_word(text, start, start + len(answer)):
            messages.append(
                f"{answer!r} at offset {start} of {name} is part of a longer word or number: point at a whole one"
            )
        elif len(answer.split()) > MAX_ANSWER_WORDS:
            messages.append(f"{answer!r} is longer than {MAX_ANSWER_WORDS} words: give the short phrase")
    return messages


def check_question(record: dict, where: str) -> list[Problem]:
    """Every problem of one question record (draft or built)."""
    problems = [Problem(where, message) for message in wording_problems(record)]

    def bad(message: str) -> None:
        problems.append(Problem(where, message))

    question = record.get("question")
    if not isinstance(question, str) or not question.strip().endswith("?"):
        return problems
    kind = record.get("kind")
    if kind not in KINDS:
        bad(f"`kind` must be one of {', '.join(KINDS)}")
    answers = record.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        bad("`answers` must be a list of non-empty strings")
        return problems
    article = topic_of(record)
    if article not in allowed_articles():
        bad(f"article {article!r} is not in bbc-question-articles.txt")
        return problems
    if kind == "near-miss":
        return problems + _near_miss_problems(record, where)
    if kind == "unanswerable" or not answers:
        if answers or kind != "unanswerable":
            bad("an unanswerable question has kind 'unanswerable' (or 'near-miss') and no answers")
        absent = record.get("absent")
        if not isinstance(absent, list) or not absent or not all(isinstance(t, str) and t.strip() for t in absent):
            bad("an unanswerable question lists its key terms in `absent`")
        else:
            everything = collection_text()
            for term in absent:
                if _words(term) in everything:
                    bad(
                        f"absent term {term!r} appears in the collection: choose a question whose key term is in no article"
                    )
        return problems
    if not 1 <= len(answers) <= 3:
        bad("one to three gold strings")
    starts = record.get("start")
    if not isinstance(starts, list) or len(starts) != len(answers) or not all(isinstance(s, int) for s in starts):
        bad("`start` must list one integer offset per answer")
        return problems
    for message in gold_problems(article_text(article), answers, starts, f"{article}.txt"):
        bad(message)
    if "end" in record and record["end"] != [s + len(a) for s, a in zip(starts, answers)]:
        bad("`end` must be start + len(answer) for each answer")
    if _words(question) in {_words(a) for a in answers}:
        bad("the question repeats its answer")
    return problems


def _near_miss_problems(record: dict, where: str) -> list[Problem]:
    """A near-miss question asks what the archive lacks about what it covers: no answers, the
    names it asks about (``present``) all in its article, and the searches that found the fact
    in no article (``searched``)."""
    problems: list[Problem] = []
    if record.get("answers"):
        problems.append(Problem(where, "a near-miss question has no answers"))
    article_words = _words(article_text(topic_of(record)))
    present = record.get("present")
    if not isinstance(present, list) or not present or not all(isinstance(t, str) and t.strip() for t in present):
        problems.append(Problem(where, "a near-miss question lists in `present` the names it asks about"))
    else:
        for term in present:
            if _words(term) not in article_words:
                problems.append(
                    Problem(
                        where, f"present term {term!r} is not in {topic_of(record)}.txt: name what the article names"
                    )
                )
    searched = record.get("searched")
    if not isinstance(searched, list) or not searched or not all(isinstance(t, str) and t.strip() for t in searched):
        problems.append(
            Problem(where, "a near-miss question lists in `searched` the archive searches that found no answer")
        )
    return problems


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file, blank lines skipped."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_files(paths: Sequence[Path]) -> list[Problem]:
    """Every problem of every question in ``paths``, duplicates across files included."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in paths:
        for number, record in enumerate(read_jsonl(path), start=1):
            where = f"{path.name}:{number}"
            problems.extend(check_question(record, where))
            key = _words(str(record.get("question", "")))
            if key in seen:
                problems.append(Problem(where, f"the same question as {seen[key]}"))
            seen.setdefault(key, where)
    return problems


def _folded(text: str) -> str:
    return " ".join(text.lower().split())


@lru_cache(maxsize=1)
def story_of() -> dict[str, frozenset[str]]:
    """Each allowed article's story: the articles sharing its headline or its body (the
    archive holds copies under a second headline too)."""
    groups: dict[str, set[str]] = {}
    for key in ("headline", "body"):
        seen: dict[str, str] = {}
        for article in sorted(allowed_articles()):
            headline, _, body = article_text(article).partition("\n")
            text = _folded(headline if key == "headline" else body)
            if text and text in seen:
                merged = groups.setdefault(seen[text], {seen[text]}) | groups.setdefault(article, {article})
                for member in merged:
                    groups[member] = merged
            seen.setdefault(text, article)
    return {article: frozenset(groups.get(article, {article})) for article in allowed_articles()}


@lru_cache(maxsize=1)
def articles_in_test() -> frozenset[str]:
    """The articles of the test split's stories (``test-articles.txt``): no other split's question is about one."""
    return frozenset(TEST_ARTICLES.read_text(encoding="utf-8").split())


def _bucket(article: str) -> int:
    headline = _folded(article_text(article).split("\n", 1)[0])
    return int(hashlib.sha256(headline.encode()).hexdigest(), 16) % 100


def split_of(article: str) -> str:
    """``test`` for an article of the test split's stories (``test-articles.txt``), else
    ``train`` (70%) or ``dev`` (30%), fixed by the hash of the headline, so that the
    archive's copies of one story (same headline or same body) are all in one split (train
    when the hash of any of their headlines says train)."""
    story = story_of().get(article, frozenset({article}))
    if story & articles_in_test():
        return "test"
    return "train" if min(_bucket(member) for member in story) < 70 else "dev"


def topic_of(record: dict) -> str:
    """The article a question is about (or, unanswerable, was written beside)."""
    return (record.get("articles") or [None])[0] or record.get("topic") or record.get("article")


def question_id(question: str) -> str:
    """A question's id: ``n`` and the start of the SHA-1 of its text (stable across rebuilds)."""
    return "n" + hashlib.sha1(_words(question).encode()).hexdigest()[:8]


def split_problems(drafts: Sequence[Path], test_drafts: Sequence[Path]) -> list[Problem]:
    """A test draft about an article outside the test split's stories, or another draft about one inside."""
    problems = []
    for path in [*drafts, *test_drafts]:
        for number, record in enumerate(read_jsonl(path), start=1):
            in_test = split_of(topic_of(record)) == "test"
            if in_test != (path in test_drafts):
                why = (
                    "is one of the test split's stories: write no train or dev question about it"
                    if in_test
                    else f"is not one of the test split's stories ({TEST_ARTICLES.name}): move the question out of drafts/test/"
                )
                problems.append(Problem(f"{path.name}:{number}", f"article {topic_of(record)} {why}"))
    return problems


def build(drafts: Sequence[Path], test_drafts: Sequence[Path] = (), target: Path = NEWS_QA) -> dict[str, int]:
    """Number, complete and split the draft questions into ``target/{train,dev,test}.jsonl``:
    ``drafts`` by story into train and dev, ``test_drafts`` (about the test stories) into test."""
    records = [r for path in sorted([*drafts, *test_drafts]) for r in read_jsonl(path)]
    out: dict[str, list[dict]] = {name: [] for name in SPLITS}
    for draft in sorted(records, key=lambda r: (topic_of(r), r["question"])):
        article = topic_of(draft)
        starts = list(draft.get("start", []))
        record = {
            "id": question_id(draft["question"]),
            "question": draft["question"],
            "answers": draft["answers"],
            "articles": [article] if draft["answers"] else [],
            "start": starts,
            "end": [s + len(a) for s, a in zip(starts, draft["answers"])],
            "type": draft["type"],
            "kind": draft["kind"],
        }
        if draft["kind"] == "near-miss":
            record["topic"] = article
            record["present"] = draft["present"]
            record["searched"] = draft["searched"]
        elif not draft["answers"]:
            record["topic"] = article
            record["absent"] = draft["absent"]
        out[split_of(article)].append(record)
    for name, rows in out.items():
        (target / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return {name: len(rows) for name, rows in out.items()}


def squad_overlap(limit: int | None = None) -> float:
    """Mean share of a SQuAD-half question's content words in the sentence holding its first answer."""
    shares = []
    for record in read_jsonl(SQUAD_QUESTIONS)[:limit]:
        text = (SQUAD_CORPUS / f"{record['articles'][0]}.txt").read_text(encoding="utf-8")
        position = text.find(record["answers"][0])
        if position < 0:
            continue
        span = sentence_at(text, position)
        shares.append(overlap(record["question"], text[span.start : span.end]))
    return sum(shares) / len(shares)


def stats(records: Iterable[dict]) -> dict:
    """Counts per split, section, type and kind; overlap; facts in a neighbouring sentence."""
    records = list(records)
    answerable = [r for r in records if r["answers"]]
    shares, elsewhere = [], 0
    for r in answerable:
        text = article_text(topic_of(r))
        gold = sentence_at(text, r["start"][0])
        shares.append(overlap(r["question"], text[gold.start : gold.end]))
        alike = most_alike_sentence(r["question"], text)
        elsewhere += not any(alike.start <= s < alike.end for s in r["start"])
    return {
        "questions": len(records),
        "articles": len({topic_of(r) for r in records}),
        "answerable": len(answerable),
        "unanswerable": len(records) - len(answerable),
        "sections": dict(sorted(Counter(topic_of(r).split("_")[0] for r in records).items())),
        "types": dict(Counter(r["type"] for r in records).most_common()),
        "kinds": dict(Counter(r["kind"] for r in records).most_common()),
        "overlap": sum(shares) / max(len(shares), 1),
        "gold_outside_most_alike_sentence": elsewhere / max(len(answerable), 1),
    }


def by_kind(index: Path, records: Sequence[dict], mode: str = "hybrid") -> dict[str, dict]:
    """``qa eval``'s metrics (``evaluate_questions``) for each kind of question, and for all."""
    from dataclasses import asdict

    from qa.app.evaluate import evaluate_questions
    from qa.query.retriever import Retriever

    retriever = Retriever.load(index)
    groups: dict[str, list[dict]] = {"all": list(records)}
    for record in records:
        groups.setdefault(record["kind"], []).append(record)
    return {kind: asdict(evaluate_questions(retriever, group, mode)) for kind, group in groups.items()}  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.news_questions", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="list every problem of draft or built files")
    check.add_argument("files", nargs="+", type=Path)
    commands.add_parser("build", help="drafts -> eval/news-qa/{train,dev,test}.jsonl")
    stat = commands.add_parser("stats", help="the set's counts and overlap figures")
    stat.add_argument("files", nargs="*", type=Path)
    stat.add_argument("--squad", action="store_true", help="also the overlap of SQuAD-half's questions")
    stat.add_argument("--json", type=Path)
    kinds = commands.add_parser(
        "kinds", help="qa eval's metrics per kind of question (plain, neighbour, latest, unanswerable)"
    )
    kinds.add_argument("split", choices=SPLITS)
    kinds.add_argument("--index", type=Path, default=RESULTS / "bbc-index", help="an index of the whole BBC archive")
    kinds.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.command == "kinds":
        table = by_kind(args.index, read_jsonl(NEWS_QA / f"{args.split}.jsonl"))
        columns = (
            "answerable",
            "unanswerable",
            "hit_at_5",
            "answer_accuracy",
            "first_sentence_accuracy",
            "span_accuracy",
            "answered_rate",
            "abstention_recall",
        )
        print("kind".ljust(14) + "  ".join(columns))
        for kind, row in table.items():
            print(
                kind.ljust(14)
                + "  ".join(
                    f"{row[c]:.3f}".ljust(len(c)) if isinstance(row[c], float) else str(row[c]).ljust(len(c))
                    for c in columns
                )
            )
        if args.json:
            args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
        return 0
    if args.command == "check":
        problems = check_files(args.files)
        for problem in problems:
            print(problem)
        records = [r for path in args.files for r in read_jsonl(path)]
        print(f"{len(records)} questions, {len(problems)} problems")
        return 1 if problems else 0
    if args.command == "build":
        drafts, test_drafts = sorted(DRAFTS.glob("*.jsonl")), sorted(TEST_DRAFTS.glob("*.jsonl"))
        problems = check_files([*drafts, *test_drafts]) + split_problems(drafts, test_drafts)
        if problems:
            for problem in problems:
                print(problem)
            return 1
        print(build(drafts, test_drafts))
        return 0
    files = args.files or [NEWS_QA / f"{name}.jsonl" for name in SPLITS]
    report = {path.stem: stats(read_jsonl(path)) for path in files}
    report["all"] = stats(r for path in files for r in read_jsonl(path))
    if args.squad:
        report["squad_half_overlap"] = squad_overlap()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
