"""Questions made from the archive itself: cloze questions turned into wh-questions by rules.

    python -m training.cloze_questions [--out bench/results/cloze-questions.jsonl]
        [--per-article 4] [--limit N] [--keep-all]

For each sentence of an article, a name, number, sum of money, share or date in it is the
answer; the sentence with the answer taken out and a wh-word put in front is the question
("Who told the conference the plan would cost £2bn?"). The passage it is asked over is the
paragraph of *another* sentence of the same article that holds the same answer (Fabbri et
al., ACL 2020: a question from a different sentence than the answer's does not give the
answer away by copying its words); a pair whose answer never recurs in the article is not
made. The shipped reader then reads each question over its passage and only the pairs it
agrees with are kept (its best span's F1 with the answer at least ``AGREES``: round-trip
consistency, Alberti et al., ACL 2019); ``--keep-all`` keeps every pair.

Sources: ``training.archive`` (the allowed BBC articles of train-split stories, and
SQuAD-half's articles, each record marked with its part, so that a reader choosing settings
with ``--squad A`` learns from part A's only). ``training.train_reader --cloze FILE`` learns from
them besides its other data.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.reading.scoring import f1_score
from training.archive import bbc_texts, squad_texts
from training.data import RESULTS
from training.news_questions import sentences_of

CLOZE_FILE = RESULTS / "cloze-questions.jsonl"
PER_ARTICLE = 4  # pairs kept per article, so that long articles do not crowd out the rest
AGREES = 0.5  # the reader's span must reach this F1 with the answer for a pair to be kept
MIN_WORDS, MAX_WORDS = 6, 40  # the question sentence's length in words

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_NAME_WORD = r"(?:[A-Z][a-z]+(?:['’][A-Z][a-z]+)?(?:-[A-Za-z][a-z]+)*|[A-Z]{2,}[a-z]?)"
# (pattern, wh-word), most specific first; a later match overlapping an earlier one is dropped
_ANSWERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[£$€]\d[\d,]*(?:\.\d+)?(?:\s?(?:bn|m|billion|million|trillion)\b)?"), "How much"),
    (re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?(?:%|per cent\b|percent\b)"), "What percentage"),
    (re.compile(rf"\b(?:\d{{1,2}}\s+)?{_MONTH}(?:\s+\d{{1,2}}\b)?(?:,?\s+(?:19|20)\d\d\b)?"), "When"),
    (re.compile(r"\b(?:19|20)\d\d\b"), "When"),
    (re.compile(r"(?<![\w\-.,])\d[\d,]*(?:\.\d+)?(?:\s(?:million|billion))?(?=\s[a-z])"), "How many"),
    (re.compile(rf"\b{_NAME_WORD}(?:\s+(?:of\s+(?:the\s+)?)?{_NAME_WORD})*"), "What"),
)
_NOT_NAMES = frozenset(
    """The A An And But If In On At It Its He She They We I You This That These Those There
    Mr Mrs Ms Dr Monday Tuesday Wednesday Thursday Friday Saturday Sunday BBC""".split()
)
_NATIONALITY = re.compile(
    r"^(?:[A-Z][a-z]+(?:ian|ese|ish|can|ean|ern)|Swiss|French|Dutch|Greek|Thai|German|Iraqi|Israeli|Pakistani)$"
)
_TITLES = re.compile(r"(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady|President|Prime Minister|chief executive|minister)\s*$")
_FUNCTION_WORDS = frozenset("the a an it its he she they we this that these those there his her their".split())


@dataclass(frozen=True)
class ClozeQuestion:
    """A question made from one sentence, asked over a passage where the answer recurs."""

    question: str
    passage: str
    answers: list[str]
    start: list[int]  # each occurrence of the answer in the passage
    type: str  # the wh-word
    article: str
    source: str  # "bbc" or "squad"
    part: str  # SQuAD-half part "A" or "B"; "" for the BBC articles


def answer_candidates(sentence: str) -> list[tuple[int, int, str]]:
    """Names, numbers, sums, shares and dates in ``sentence``: (start, end, wh-word), in order."""
    taken: list[tuple[int, int, str]] = []
    for pattern, wh in _ANSWERS:
        for match in pattern.finditer(sentence):
            start, end = match.span()
            if any(start < e and end > s for s, e, _ in taken):
                continue
            kind = wh
            if wh == "What":
                name = match.group()
                before = sentence[:start]
                if not before.strip(" \"'“‘(") or name.split()[0] in _NOT_NAMES or _NATIONALITY.match(name):
                    continue  # a sentence's first word, "The ...", "Mr ...", or an adjective
                if before.endswith("(") or _TITLES.search(before):
                    continue  # "(IEA)", "Mr [Blair]": what is left would dangle
                kind = "Where" if re.search(r"\b(?:in|at)\s(?:the\s)?$", before) else "What"
            taken.append((start, end, kind))
    return sorted(taken)


def is_person(name: str, article: str) -> bool:
    """Whether the article calls ``name``'s last word by a title ("Mr Blair", "Ms Rice")."""
    last = re.escape(name.split()[-1])
    return re.search(rf"\b(?:Mr|Mrs|Ms|Dr|Sir|Lord|Lady)\.?\s+(?:[A-Z]\w+\s+)?{last}\b", article) is not None


def wh_question(sentence: str, start: int, end: int, wh: str, lower_words: frozenset[str] = frozenset()) -> str | None:
    """The sentence with ``sentence[start:end]`` taken out and ``wh`` put in front, or None
    when what is left is too short or long to ask. Its first word is lowered when it is a
    function word or ``lower_words`` (the article's words written in lower case) holds it."""
    before, after = sentence[:start].rstrip(), sentence[end:].lstrip()
    if wh != "How many":
        before = re.sub(r"\s*\bthe$", "", before)
    if wh in ("When", "Where"):
        before = re.sub(r"\s*\b(?:in|on|at|during)$", "", before)
    rest = re.sub(r"\s+", " ", f"{before} {after}").strip(" \"'“”‘’.,;:!?-")
    rest = re.sub(r"\s+([,.;:])", r"\1", rest)
    words = rest.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return None
    if (words[0].lower() in _FUNCTION_WORDS or words[0].lower() in lower_words) and not words[0].isupper():
        words[0] = words[0].lower()
    return f"{wh} {' '.join(words)}?"


def article_clozes(
    article: str, text: str, source: str, part: str = "", per_article: int = PER_ARTICLE
) -> list[ClozeQuestion]:
    """Cloze questions of one article (``text``: its paragraphs, one per line): each asked
    from one sentence, over the paragraph of another sentence holding the same answer."""
    sentences = sentences_of(text)
    lines: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, offset + len(line)))
        offset += len(line) + 1
    made: list[ClozeQuestion] = []
    asked: set[str] = set()
    lower_words = frozenset(re.findall(r"\b[a-z]+\b", text))
    for sentence in sentences:
        said = text[sentence.start : sentence.end]
        for start, end, wh in answer_candidates(said):
            answer = said[start:end]
            if answer in asked or said.count(answer) > 1:
                continue
            if wh == "What" and is_person(answer, text):
                wh = "Who"
            question = wh_question(said, start, end, wh, lower_words)
            if question is None:
                continue
            other = next(
                (
                    s
                    for s in sentences
                    if s != sentence and re.search(rf"(?<!\w){re.escape(answer)}(?!\w)", text[s.start : s.end])
                ),
                None,
            )
            if other is None:
                continue
            first, last = next((a, b) for a, b in lines if a <= other.start < b or a == other.start)
            passage = text[first:last]
            if first <= sentence.start < last:  # the question's own sentence is left out
                passage = (text[first : sentence.start] + text[sentence.end : last]).strip()
                passage = re.sub(r"  +", " ", passage)
            starts = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(answer)}(?!\w)", passage)]
            if not starts:
                continue
            asked.add(answer)
            made.append(ClozeQuestion(question, passage, [answer], starts, wh, article, source, part))
            if len(made) >= per_article:
                return made
    return made


def agreed(records: Sequence[ClozeQuestion], threshold: float = AGREES) -> list[tuple[ClozeQuestion, float]]:
    """Each pair with the shipped reader's F1 on it; those below ``threshold`` dropped."""
    from qa.reading.reader import shared_reader
    from qa.reading.spans import best_span

    reader = shared_reader()
    kept = []
    for record in records:
        span = best_span(reader.read(record.question, [record.passage])[0])
        found = "" if span is None else record.passage[span.start : span.end]
        score = f1_score(found, record.answers)
        if score >= threshold:
            kept.append((record, score))
    return kept


def make(per_article: int = PER_ARTICLE, limit: int = 0) -> list[ClozeQuestion]:
    """Cloze questions of every source article (about ``limit`` articles of each source when given)."""
    made: list[ClozeQuestion] = []
    for article, body in bbc_texts()[: limit or None]:
        made += article_clozes(article, body, "bbc", "", per_article)
    for number, text, part in squad_texts()[: limit or None]:
        made += article_clozes(f"squad-{number}", text, "squad", part, per_article)
    return made


def write(records: Iterable[tuple[ClozeQuestion, float | None]], path: Path) -> int:
    """``records`` as JSON lines (with the reader's F1 when measured); how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record, score in records:
            out.write(json.dumps({**asdict(record), "reader_f1": score}, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.cloze_questions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=CLOZE_FILE)
    parser.add_argument("--per-article", type=int, default=PER_ARTICLE)
    parser.add_argument("--limit", type=int, default=0, help="about N articles of each source (quick looks and tests)")
    parser.add_argument("--keep-all", action="store_true", help="keep pairs the shipped reader disagrees with")
    args = parser.parse_args(argv)
    made = make(args.per_article, args.limit)
    kept = [(r, None) for r in made] if args.keep_all else agreed(made)
    written = write(kept, args.out)
    by_source = defaultdict(int)
    for record, _ in kept:
        by_source[f"{record.source}{record.part}"] += 1
    print(json.dumps({"made": len(made), "kept": written, "by_source": dict(by_source), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
