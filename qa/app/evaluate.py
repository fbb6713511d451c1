"""``qa eval``: measure retrieval, answers and abstention on question files and BEIR folders.

Question files are JSON lines like ``{"id", "question", "answers": [...]}``; an empty
``answers`` list means the articles do not answer it. A hit or an answer is correct when
it contains one of the answer strings (case-insensitive, white space collapsed).

BEIR folders hold ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``; scoring is
per document, a document ranked by its best passage.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.errors import UsageError
from qa.ingest.cleaning import single_spaced
from qa.query.retriever import Retriever
from qa.reading.scoring import exact_match, f1_score
from qa.types import SearchMode

MRR_DEPTH = 10


def normalise_answer(text: str) -> str:
    """``text`` as answers are compared: lower case, white space collapsed."""
    return single_spaced(text.lower())


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


@dataclass(frozen=True)
class QuestionMetrics:
    """Scores of one mode on a question file."""

    mode: str
    answerable: int
    unanswerable: int
    hit_at_1: float
    hit_at_5: float
    mrr: float
    answer_accuracy: float
    first_sentence_accuracy: float
    span_accuracy: float
    exact_match: float
    f1: float
    span_precision: float
    reader_span_accuracy: float
    reader_exact_match: float
    reader_f1: float
    answer_words: float
    answered_rate: float
    answered_wrong: float
    abstention_precision: float
    abstention_recall: float
    latency_p50_ms: float
    latency_p95_ms: float


@dataclass(frozen=True)
class BeirMetrics:
    """Scores of one mode on a BEIR split."""

    mode: str
    queries: int
    ndcg_at_10: float
    recall_at_100: float
    latency_p50_ms: float
    latency_p95_ms: float


def read_questions(path: str | Path) -> list[dict]:
    """The questions of a JSON-lines file (blank lines skipped); ``UsageError`` names the
    first line that is not ``{"question": "...", "answers": ["...", ...]}``."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the question file {path} ({error}): give a UTF-8 .jsonl file") from error
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"{path}:{number} is not valid JSON ({error.msg}): one question object per line") from None
        answers = record.get("answers", []) if isinstance(record, dict) else None
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("question"), str)
            or not isinstance(answers, list)
            or not all(isinstance(a, str) for a in answers)
        ):
            raise UsageError(
                f'{path}:{number} needs {{"question": "...", "answers": ["...", ...]}} (an empty list: not answerable)'
            )
        questions.append(record)
    if not questions:
        raise UsageError(f"{path} holds no questions: one JSON object per line")
    return questions


def check_beir_folder(folder: str | Path, split: str) -> None:
    """Refuse a folder that lacks BEIR's corpus.jsonl, queries.jsonl or qrels/<split>.tsv."""
    folder = Path(folder)
    for needed in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / needed).is_file():
            raise UsageError(f"{folder} is not a BEIR folder: {needed} is missing (or choose another --split)")


def evaluate_questions(
    retriever: Retriever, questions: Sequence[dict], mode: SearchMode, k: int = 5
) -> QuestionMetrics:
    """hit@1, hit@5, MRR@10, answer accuracy (in the answer, in its first sentence, in its
    span), the span's exact match and F1 (SQuAD's normalisation; no span scores 0), the share
    of shown spans holding a gold string, the same three for the reader's best span whether
    shown or not, mean words of an answer, answered rate, the share of answerable questions
    answered without the gold in the answer, abstention precision/recall, latency."""
    answerable = [q for q in questions if q.get("answers")]
    unanswerable = [q for q in questions if not q.get("answers")]
    hit1 = hit5 = mrr = correct = first_correct = span_correct = answered = words = exact = overlap = 0.0
    read_correct = read_exact = read_overlap = 0.0
    spans_shown = 0
    declined_right = declined = 0
    latencies: list[float] = []
    for q in questions:
        started = time.perf_counter()
        answer = retriever.answer(q["question"], k=max(k, MRR_DEPTH), mode=mode)
        latencies.append((time.perf_counter() - started) * 1000)
        golds = [normalise_answer(a) for a in q.get("answers", [])]
        if not answer.found:
            declined += 1
            declined_right += not golds
        if not golds:
            continue
        ranks = [i for i, h in enumerate(answer.hits, start=1) if any(g in normalise_answer(h.text) for g in golds)]
        first = ranks[0] if ranks else None
        hit1 += first == 1
        hit5 += first is not None and first <= 5
        mrr += 1.0 / first if first else 0.0
        answered += answer.found
        correct += answer.found and any(g in normalise_answer(answer.text) for g in golds)
        first_correct += answer.found and any(g in normalise_answer(answer.sentences[0].text) for g in golds)
        span_correct += answer.span is not None and any(g in normalise_answer(answer.span.text) for g in golds)
        spans_shown += answer.span is not None
        exact += exact_match(answer.span.text, q["answers"]) if answer.span is not None else 0.0
        overlap += f1_score(answer.span.text, q["answers"]) if answer.span is not None else 0.0
        if answer.found and answer.reader_span is not None:
            read_correct += any(g in normalise_answer(answer.reader_span.text) for g in golds)
            read_exact += exact_match(answer.reader_span.text, q["answers"])
            read_overlap += f1_score(answer.reader_span.text, q["answers"])
        words += len(answer.text.split())
    n = max(len(answerable), 1)
    return QuestionMetrics(
        mode=mode,
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        hit_at_1=hit1 / n,
        hit_at_5=hit5 / n,
        mrr=mrr / n,
        answer_accuracy=correct / n,
        first_sentence_accuracy=first_correct / n,
        span_accuracy=span_correct / n,
        exact_match=exact / n,
        f1=overlap / n,
        span_precision=span_correct / spans_shown if spans_shown else 0.0,
        reader_span_accuracy=read_correct / n,
        reader_exact_match=read_exact / n,
        reader_f1=read_overlap / n,
        answer_words=words / max(answered, 1),
        answered_rate=answered / n,
        answered_wrong=(answered - correct) / n,
        abstention_precision=declined_right / declined if declined else 1.0,
        abstention_recall=declined_right / len(unanswerable) if unanswerable else 1.0,
        latency_p50_ms=_percentile(latencies, 50),
        latency_p95_ms=_percentile(latencies, 95),
    )


def read_beir(folder: str | Path, split: str) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Queries that have judgements in ``split``, and the judgements: ``{query: {doc: grade}}``."""
    folder = Path(folder)
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if record["_id"] in qrels:
                queries[record["_id"]] = record["text"]
    return queries, qrels


def write_beir_corpus(folder: str | Path, target: str | Path) -> int:
    """Write each BEIR document as ``<target>/<id>.md`` with its title as front matter."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for number, line in enumerate((Path(folder) / "corpus.jsonl").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("_id"), str):
                raise ValueError("not an object with an _id")
        except ValueError as error:
            raise UsageError(
                f"corpus.jsonl line {number} in {folder} is unusable ({error}): BEIR wants one document object per line"
            ) from None
        title = single_spaced(record.get("title", "")).replace('"', "'")
        body = f'---\ntitle: "{title}"\n---\n{record.get("text", "")}\n' if title else f"{record.get('text', '')}\n"
        path = target / f"{record['_id']}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != body:
            path.write_text(body, encoding="utf-8")
        count += 1
    return count


def ndcg_at(ranked: Sequence[str], judged: dict[str, int], depth: int = 10) -> float:
    """nDCG with the usual ``(2^grade - 1) / log2(rank + 1)`` gain."""
    gains = [(2 ** judged.get(doc, 0) - 1) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:depth])]
    ideal = sorted(judged.values(), reverse=True)[:depth]
    best = sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return sum(gains) / best if best else 0.0


def rank_documents(retriever: Retriever, query: str, mode: SearchMode, depth: int) -> list[str]:
    """Documents (article ids) in order of their best passage, up to ``depth``."""
    hits = retriever.search(query, k=depth * 3, mode=mode)
    return list(dict.fromkeys(h.citation.article_id for h in hits))[:depth]


def evaluate_beir(retriever: Retriever, folder: str | Path, mode: SearchMode, split: str = "test") -> BeirMetrics:
    """nDCG@10 and Recall@100 per document on one split."""
    queries, qrels = read_beir(folder, split)
    ndcg = recall = 0.0
    latencies: list[float] = []
    for query_id, text in queries.items():
        started = time.perf_counter()
        ranked = rank_documents(retriever, text, mode, 100)
        latencies.append((time.perf_counter() - started) * 1000)
        judged = qrels[query_id]
        ndcg += ndcg_at(ranked, judged)
        relevant = {d for d, g in judged.items() if g > 0}
        recall += len(relevant & set(ranked)) / len(relevant) if relevant else 0.0
    n = max(len(queries), 1)
    return BeirMetrics(mode, len(queries), ndcg / n, recall / n, _percentile(latencies, 50), _percentile(latencies, 95))


def format_table(rows: Iterable[QuestionMetrics | BeirMetrics]) -> str:
    """A plain-text table, one row per mode."""
    rows = list(rows)
    if not rows:
        return ""
    fields = [f for f in asdict(rows[0])]
    cells = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in asdict(r).values()] for r in rows]
    widths = [max(len(f), *(len(c[i]) for c in cells)) for i, f in enumerate(fields)]
    lines = ["  ".join(f.ljust(w) for f, w in zip(fields, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)
