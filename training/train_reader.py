"""Train the extractive reader from the packaged model on SQuAD-half, the news questions and the calibration file.

    python -m training.train_reader [--squad A|all] [--squad-copies 1] [--epochs 2] [--lr 1e-4] [--batch 16]
        [--negatives 2] [--news-negatives 2] [--unanswerable-negatives 4]
        [--near-miss-negatives 4] [--squad-written FILE] [--cloze FILE] [--start-from RUN/model]
        [--average DECAY] [--out bench/results/reader] [--limit N]

The reader is all-MiniLM-L6-v2 (the product's own packaged weights, all six layers) with a
start/end head, reading "[CLS] question [SEP] passage [SEP]". Training windows come from
what the product retrieves for each question (hybrid search, top ``RETRIEVED``):

- positives: retrieved passages of the question's own article (SQuAD: its paragraph) that
  hold a gold string; every occurrence's word pieces are targets. When none is retrieved,
  the article's paragraph that holds the gold offset is read instead;
- negatives: up to ``--negatives`` (SQuAD and the calibration file) or ``--news-negatives``
  retrieved passages that hold no gold string, whose target is ``[CLS]`` ("no answer"), so
  the reader's scores compare across passages; an unanswerable news question gives up to
  ``--unanswerable-negatives`` negatives only. Passages of other articles that happen
  to hold a gold string are left out (neither answer nor negative).

Indexes: SQuAD-half's corpus, the seed corpus (calibration questions) and the BBC articles
of ``bbc-question-articles.txt`` only (never the kept-back ones), built under
``bench/results/`` on first use. Settings are chosen with ``--squad A`` (part A and the news
train split; scored on part B with the gold paragraph given and on the news dev split);
``--squad all`` trains the shipped model with the chosen settings. The news test split is
never read here.

Seeded; a checkpoint is written every ``--save-every`` steps and at each epoch's end, and a
run started again with the same ``--out`` resumes where it stopped. ``log.jsonl`` holds the
loss curve and each epoch's scores; ``model/`` the trained encoder and ``head.pt``.
Needs torch (the default install has it). On this 2-core machine: about 2,200 word pieces/s.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.app.evaluate import normalise_answer, read_questions
from qa.embedding.encoder import packaged_model_dir
from qa.reading.scoring import exact_match, f1_score
from training.data import (
    BBC,
    CALIBRATION,
    RESULTS,
    ROOT,
    SQUAD_CORPUS,
    part_of,
    squad_articles,
    squad_paragraph,
    squad_questions,
)
from training.loop import SEED, add_run_arguments, averaged_weights, load_weights, rows_in_turn, run_epochs
from training.news_questions import ALLOWED, NEWS_QA, article_text, read_jsonl, topic_of

RETRIEVED = 10  # passages retrieved per question to find positives and negatives
NEGATIVES = 2  # negatives per answerable question (default of --negatives and --news-negatives)
UNANSWERABLE_NEGATIVES = 4  # negatives per unanswerable question (default of --unanswerable-negatives)
NEWS_TRAIN = NEWS_QA / "train.jsonl"
NEAR_MISS_NEGATIVES = 4  # more from a near-miss question's own article (default of --near-miss-negatives)
MAX_TOKENS = 256
MAX_QUESTION_TOKENS = 64
MAX_ANSWER_TOKENS = 30


@dataclass
class Window:
    """One training or scoring window: a question, a passage, and the gold spans in it (chars)."""

    question: str
    passage: str
    golds: list[tuple[int, int]] = field(default_factory=list)  # empty: no answer here
    source: str = ""
    answers: list[str] = field(default_factory=list)  # the question's gold strings (scoring)


# --- Windows from the product's retrieval ----------------------------------------------------


def gold_spans(passage: str, golds: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every gold string in ``passage`` (exact case first, then any case)."""
    spans: set[tuple[int, int]] = set()
    for gold in golds:
        found = [(m.start(), m.end()) for m in re.finditer(re.escape(gold), passage)]
        if not found:
            found = [(m.start(), m.end()) for m in re.finditer(re.escape(gold), passage, flags=re.IGNORECASE)]
        spans.update(found)
    return sorted(spans)


def paragraph_holding(text: str, position: int) -> str:
    """The line (paragraph) of ``text`` that holds character ``position``."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)]


def question_windows(
    question: dict,
    hits: Sequence[Any],
    own_article: str | None,
    own_text: str | None,
    negatives_kept: int = NEGATIVES,
    unanswerable_kept: int = UNANSWERABLE_NEGATIVES,
) -> list[Window]:
    """The positive and negative windows of one question, from its retrieved ``hits``: all
    positives, and the first ``negatives_kept`` negatives (``unanswerable_kept`` when the
    question has no answer)."""
    golds = question.get("answers", [])
    positives: list[Window] = []
    negatives: list[Window] = []
    for hit in hits:
        spans = gold_spans(hit.text, golds)
        if spans and hit.citation.article_id == own_article:
            positives.append(Window(question["question"], hit.text, spans, "retrieved", golds))
        elif not spans and not any(normalise_answer(g) in normalise_answer(hit.text) for g in golds):
            negatives.append(Window(question["question"], hit.text, [], "negative", golds))
    if golds and not positives and own_text is not None:
        offset = question["start"][0] if question.get("start") else own_text.find(golds[0])
        if offset >= 0:
            paragraph = paragraph_holding(own_text, offset)
            spans = gold_spans(paragraph, golds)
            if spans:
                positives.append(Window(question["question"], paragraph, spans, "paragraph", golds))
    return positives + negatives[: negatives_kept if golds else unanswerable_kept]


def near_miss_windows(question: dict, kept: int = NEAR_MISS_NEGATIVES) -> list[Window]:
    """No-answer windows from the article a near-miss question was written beside: its
    paragraphs (headline left out), the ones sharing most of the question's words first.
    The article covers what the question asks about, but not the asked fact."""
    words = set(re.findall(r"\w+", question["question"].lower()))
    paragraphs = [line for line in article_text(topic_of(question)).split("\n")[1:] if len(line.split()) >= 8]
    paragraphs.sort(key=lambda line: -len(words & set(re.findall(r"\w+", line.lower()))))
    return [Window(question["question"], line, [], "near-miss", []) for line in paragraphs[:kept]]


def squad_windows(questions: Sequence[dict], retriever: Any, kept: int, copies: int = 1) -> list[Window]:
    """The windows of SQuAD ``questions`` from what ``retriever`` finds, each question's
    ``copies`` times (``--squad-copies``: how much SQuAD against how much news)."""
    if copies < 1:
        raise ValueError(f"--squad-copies must be 1 or more, not {copies}")
    windows: list[Window] = []
    for q in questions:
        own = q["articles"][0]
        hits = retriever.search(q["question"], k=RETRIEVED)
        windows += copies * question_windows(q, hits, own, squad_paragraph(own), kept)
    return windows


def ensure_index(corpus: Path, index: Path) -> Path:
    """Build (or bring up to date) the product's index of ``corpus`` at ``index``."""
    from qa.indexing.library import Library

    Library(corpus, index).update()
    return index


def news_question_corpus() -> Path:
    """A folder holding only the BBC articles questions may be written about (copied once)."""
    folder = RESULTS / "news-question-corpus"
    allowed = ALLOWED.read_text(encoding="utf-8").split()
    if len(list(folder.glob("*.txt"))) != len(allowed):
        folder.mkdir(parents=True, exist_ok=True)
        for article in allowed:
            shutil.copyfile(BBC / f"{article}.txt", folder / f"{article}.txt")
    return folder


def collect_windows(
    squad_part: str,
    limit: int = 0,
    negatives: tuple[int, int, int, int] = (NEGATIVES, NEGATIVES, UNANSWERABLE_NEGATIVES, NEAR_MISS_NEGATIVES),
    news_questions: Path = NEWS_TRAIN,
    cloze: Path | None = None,
    squad_copies: int = 1,
    squad_written: Path | None = None,
) -> tuple[list[Window], dict[str, list[Window]]]:
    """Training windows, and the held-out gold passages each epoch is scored on. ``negatives``:
    how many no-answer passages to keep per SQuAD or calibration question, per answerable news
    question, per unanswerable news question (retrieved), and from a near-miss question's own
    article; ``news_questions``: the news questions to learn from (the train split, or a part of it);
    ``cloze``: questions made from the archive (``training.cloze_questions``) to learn from besides;
    ``squad_copies``: how many times each SQuAD question's windows come in an epoch (the mix of
    SQuAD against news); ``squad_written``: questions written here about part A's paragraphs
    (``training.squad_part_a``), learnt from with part A's own."""
    kept, news_kept, unanswerable_kept, near_miss_kept = negatives
    from qa.query.retriever import Retriever

    news_train = read_jsonl(news_questions)[: limit or None]
    calibration = read_questions(CALIBRATION)[: max(2, limit // 4) if limit else None]
    squad_train = squad_training_questions(squad_part, limit, squad_written)
    windows: list[Window] = []
    squad_retriever = Retriever.load(ensure_index(SQUAD_CORPUS, RESULTS / "squad-index"))
    windows += squad_windows(squad_train, squad_retriever, kept, squad_copies)
    news_retriever = Retriever.load(ensure_index(news_question_corpus(), RESULTS / "news-question-index"))
    for q in news_train:
        own = (q["articles"] or [q.get("topic")])[0]
        windows += question_windows(
            q,
            news_retriever.search(q["question"], k=RETRIEVED),
            own,
            article_text(own) if q["answers"] else None,
            news_kept,
            unanswerable_kept,
        )
        if q["kind"] == "near-miss":
            windows += near_miss_windows(q, near_miss_kept)
    seed_retriever = Retriever.load(ensure_index(ROOT / "corpus", RESULTS / "seed-index"))
    for q in calibration:
        hits = seed_retriever.search(q["question"], k=RETRIEVED)
        owner = next((h.citation.article_id for h in hits if gold_spans(h.text, q["answers"])), None)
        windows += question_windows(q, hits, owner, None, kept)
    if cloze is not None:
        windows += cloze_windows(read_jsonl(cloze), squad_part)[: limit or None]
    return windows, held_out_windows(limit)


def squad_training_questions(squad_part: str, limit: int = 0, written: Path | None = None) -> list[dict]:
    """The SQuAD-half questions a run learns from: part A's (``squad_part`` "A") or all, then
    the ``written`` ones about part A's paragraphs (``--squad-written``)."""
    squad = _sample(squad_questions(), limit)
    articles = squad_articles()
    chosen = squad if squad_part == "all" else [q for q in squad if part_of(q, articles) == "A"]
    return chosen + (_sample(read_questions(written), limit) if written is not None else [])


def cloze_windows(records: Sequence[dict], squad_part: str) -> list[Window]:
    """A window for each cloze question (its passage, every occurrence of the answer); those
    made from SQuAD-half part B only when part B is learnt from too (``squad_part`` "all")."""
    return [
        Window(r["question"], r["passage"], [(s, s + len(r["answers"][0])) for s in r["start"]], "cloze", r["answers"])
        for r in records
        if r["source"] != "squad" or r["part"] == "A" or squad_part == "all"
    ]


def _sample(questions: list[dict], limit: int) -> list[dict]:
    return questions[:: max(1, len(questions) // limit)] if limit else questions


def held_out_windows(limit: int = 0) -> dict[str, list[Window]]:
    """The dev splits, each question with its gold paragraph: SQuAD-half part B and the
    answerable questions of the news dev split (about ``limit`` of each when given)."""
    squad = _sample(squad_questions(), limit)
    articles = squad_articles()
    news_dev = [q for q in read_jsonl(NEWS_QA / "dev.jsonl") if q["answers"]][: limit or None]
    return {
        "squad_B_gold_paragraph": [
            Window(q["question"], squad_paragraph(q["articles"][0]), [], "score", q["answers"])
            for q in squad
            if part_of(q, articles) == "B"
        ],
        "news_dev_gold_paragraph": [
            Window(
                q["question"],
                paragraph_holding(article_text(q["articles"][0]), q["start"][0]),
                [],
                "score",
                q["answers"],
            )
            for q in news_dev
        ],
    }


# --- The model -------------------------------------------------------------------------------


def tokenizer() -> Any:
    """The packaged model's fast tokenizer (offsets needed)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(packaged_model_dir())


def encode(tok: Any, windows: Sequence[Window]) -> dict[str, Any]:
    """Word pieces of each window and its start/end targets (``[CLS]`` = 0 for no answer)."""
    questions = [tok.convert_tokens_to_string(tok.tokenize(w.question)[:MAX_QUESTION_TOKENS]) for w in windows]
    encoded = tok(
        questions,
        [w.passage for w in windows],
        truncation="only_second",
        max_length=MAX_TOKENS,
        return_offsets_mapping=True,
        return_token_type_ids=True,
    )
    targets: list[tuple[list[int], list[int]]] = []
    keep: list[int] = []
    for row, window in enumerate(windows):
        kinds = encoded.sequence_ids(row)
        offsets = encoded["offset_mapping"][row]
        context = [i for i, kind in enumerate(kinds) if kind == 1]
        starts, ends = [], []
        for first, last in window.golds:
            inside = [i for i in context if offsets[i][0] < last and offsets[i][1] > first]
            if inside and offsets[inside[0]][0] <= first and offsets[inside[-1]][1] >= last:
                starts.append(inside[0])
                ends.append(inside[-1])
        if window.golds and not starts:
            continue  # the gold fell past the window's end
        targets.append((starts or [0], ends or [0]))
        keep.append(row)
    return {
        "input_ids": [encoded["input_ids"][r] for r in keep],
        "token_type_ids": [encoded["token_type_ids"][r] for r in keep],
        "context": [[k == 1 for k in encoded.sequence_ids(r)] for r in keep],
        "offsets": [encoded["offset_mapping"][r] for r in keep],
        "targets": targets,
        "windows": [windows[r] for r in keep],
    }


class Reader:
    """The packaged MiniLM encoder with a start/end head (torch; training only)."""

    def __init__(self, seed: int = SEED, start_from: Path | None = None) -> None:
        import torch
        from transformers import AutoModel

        torch.manual_seed(seed)
        self.encoder = AutoModel.from_pretrained(start_from or packaged_model_dir())
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2)

    def parameters(self) -> list[Any]:
        return list(self.encoder.parameters()) + list(self.head.parameters())

    def train(self, on: bool) -> None:
        self.encoder.train(on)
        self.head.train(on)

    def logits(self, batch: dict[str, Any]) -> tuple[Any, Any]:
        """Start and end logits; positions outside the passage (but ``[CLS]``) are masked."""
        hidden = self.encoder(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], token_type_ids=batch["token_type_ids"]
        ).last_hidden_state
        both = self.head(hidden)
        allowed = batch["context"].clone()
        allowed[:, 0] = True
        both = both.masked_fill(~allowed[..., None], -1e4)
        return both[..., 0], both[..., 1]

    def state(self) -> dict[str, Any]:
        return {"encoder": self.encoder.state_dict(), "head": self.head.state_dict()}

    def load_state(self, state: dict[str, Any]) -> None:
        self.encoder.load_state_dict(state["encoder"])
        self.head.load_state_dict(state["head"])


def batch_tensors(encoded: dict[str, Any], rows: Sequence[int]) -> dict[str, Any]:
    """Padded tensors of the chosen rows."""
    import torch

    width = max(len(encoded["input_ids"][r]) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    context = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, r in enumerate(rows):
        n = len(encoded["input_ids"][r])
        ids[i, :n] = torch.tensor(encoded["input_ids"][r])
        types[i, :n] = torch.tensor(encoded["token_type_ids"][r])
        mask[i, :n] = 1
        context[i, :n] = torch.tensor(encoded["context"][r])
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask, "context": context}


def span_loss(starts: Any, ends: Any, targets: Sequence[tuple[list[int], list[int]]]) -> Any:
    """Negative log of the probability mass on the target starts, plus the same for ends."""
    import torch

    starts, ends = torch.log_softmax(starts, -1), torch.log_softmax(ends, -1)
    losses = [-torch.logsumexp(starts[i, s], 0) - torch.logsumexp(ends[i, e], 0) for i, (s, e) in enumerate(targets)]
    return torch.stack(losses).mean()


def best_span(starts: np.ndarray, ends: np.ndarray, context: Sequence[bool]) -> tuple[int, int, float, float]:
    """The best passage span (start, end, its score) and the no-answer score (``[CLS]``)."""
    positions = np.flatnonzero(np.asarray(context))
    s, e = starts[positions], ends[positions]
    grid = s[:, None] + e[None, :]
    band = np.triu(np.ones_like(grid, dtype=bool)) & ~np.triu(np.ones_like(grid, dtype=bool), MAX_ANSWER_TOKENS)
    grid = np.where(band, grid, -np.inf)
    a, b = np.unravel_index(int(np.argmax(grid)), grid.shape)
    return int(positions[a]), int(positions[b]), float(grid[a, b]), float(starts[0] + ends[0])


def score_windows(reader: Reader, tok: Any, windows: Sequence[Window]) -> dict[str, float]:
    """Exact match, F1 and gold-in-span of the best span of each window (its question's gold passage)."""
    import torch

    encoded = encode(tok, windows)
    em = f1 = holds = 0.0
    reader.train(False)
    with torch.no_grad():
        for first in range(0, len(windows), 32):
            rows = list(range(first, min(first + 32, len(windows))))
            starts, ends = reader.logits(batch_tensors(encoded, rows))
            for i, r in enumerate(rows):
                a, b, _, _ = best_span(starts[i].numpy(), ends[i].numpy(), encoded["context"][r])
                offsets = encoded["offsets"][r]
                span = windows[r].passage[offsets[a][0] : offsets[b][1]]
                golds = windows[r].answers
                em += exact_match(span, golds)
                f1 += f1_score(span, golds)
                holds += any(normalise_answer(g) in normalise_answer(span) for g in golds)
    n = max(len(windows), 1)
    return {"exact_match": em / n, "f1": f1 / n, "gold_in_span": holds / n, "questions": len(windows)}


# --- Training --------------------------------------------------------------------------------


def train(windows: Sequence[Window], held_out: dict[str, list[Window]], args: argparse.Namespace) -> dict[str, Any]:
    """Fit the reader on ``windows`` with checkpoints in ``args.out``; score ``held_out`` after
    each epoch; save ``model/`` at the end. A run with a checkpoint there resumes it."""
    import torch

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    random.seed(SEED)
    np.random.seed(SEED)
    began = time.perf_counter()
    tok = tokenizer()
    encoded = encode(tok, windows)
    lengths = [len(ids) for ids in encoded["input_ids"]]
    kinds = Counter(w.source for w in encoded["windows"])
    print(json.dumps({"windows": len(lengths), "word_pieces": sum(lengths), "kinds": kinds}), flush=True)
    reader = Reader(start_from=getattr(args, "start_from", None))

    def loss_of(rows: list[int]) -> Any:
        starts, ends = reader.logits(batch_tensors(encoded, rows))
        return span_loss(starts, ends, [encoded["targets"][r] for r in rows])

    def scores(epoch: int) -> dict[str, Any]:
        return {name: score_windows(reader, tok, scored) for name, scored in held_out.items()}

    setup = time.perf_counter() - began
    turns = int(getattr(args, "negative_turns", 1))
    rows_of = rows_in_turn([w.source == "negative" for w in encoded["windows"]], turns) if turns > 1 else None
    trained = run_epochs(reader, lengths, loss_of, args, scores, rows_of)  # every sitting of a resumed run
    finishing = time.perf_counter()
    save_model(reader, tok, out / "model")
    summary = {
        "data": getattr(args, "data", ""),
        "windows": len(lengths),
        "word_pieces": sum(lengths),
        "kinds": dict(kinds),
        "settings": {
            "squad": getattr(args, "squad", "A"),
            "squad_copies": getattr(args, "squad_copies", 1),
            "epochs": args.epochs,
            "lr": args.lr,
            "batch": args.batch,
            "max_tokens": MAX_TOKENS,
            "negatives": {
                "squad_and_calibration": getattr(args, "negatives", NEGATIVES),
                "news": getattr(args, "news_negatives", NEGATIVES),
                "unanswerable_news": getattr(args, "unanswerable_negatives", UNANSWERABLE_NEGATIVES),
                "near_miss_own_article": getattr(args, "near_miss_negatives", NEAR_MISS_NEGATIVES),
                "turns": int(getattr(args, "negative_turns", 1)),
            },
            "seed": SEED,
            "news_questions": str(getattr(args, "news_questions", NEWS_TRAIN.relative_to(ROOT))),
            "cloze": str(getattr(args, "cloze", None) or ""),
            "squad_written": str(getattr(args, "squad_written", None) or ""),
            "start_from": str(getattr(args, "start_from", None) or ""),
            "average": float(getattr(args, "average", 0.0) or 0.0),
        },
        "epochs": [
            json.loads(line)
            for line in (out / "log.jsonl").read_text(encoding="utf-8").splitlines()
            if '"scores"' in line
        ],
        "seconds": round(setup + trained + time.perf_counter() - finishing, 1),
    }
    (out / "model" / "training.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def save_model(reader: Reader, tok: Any, folder: Path) -> None:
    """The trained encoder (Hugging Face layout), its tokenizer and ``head.pt`` in ``folder``."""
    import torch

    reader.encoder.save_pretrained(folder)
    tok.save_pretrained(folder)
    torch.save(reader.head.state_dict(), folder / "head.pt")


def model_from_checkpoint(checkpoint: Path, folder: Path) -> Path:
    """Write the model of a training checkpoint (say, after one epoch) into ``folder``: its
    moving average of the weights when the run keeps one (``--average``), as the run saves."""
    import torch

    reader = Reader()
    saved = torch.load(checkpoint, weights_only=False)
    reader.load_state(saved["model"])
    average = averaged_weights(saved)
    if average is not None:
        load_weights(reader.parameters(), average)
    save_model(reader, tokenizer(), folder)
    return folder


def arguments() -> argparse.ArgumentParser:
    """The command line of ``python -m training.train_reader``."""
    parser = argparse.ArgumentParser(prog="python -m training.train_reader", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--squad",
        choices=("A", "all"),
        default="A",
        help="SQuAD-half part A (choosing settings) or all of it (the shipped model)",
    )
    parser.add_argument(
        "--squad-copies",
        type=int,
        default=1,
        help="how many times each SQuAD question comes in an epoch (the mix of SQuAD against news)",
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--negatives", type=int, default=NEGATIVES, help="no-answer passages per SQuAD or calibration question"
    )
    parser.add_argument(
        "--news-negatives", type=int, default=NEGATIVES, help="no-answer passages per answerable news question"
    )
    parser.add_argument(
        "--unanswerable-negatives",
        type=int,
        default=UNANSWERABLE_NEGATIVES,
        help=f"no-answer passages per unanswerable news question (at most {RETRIEVED})",
    )
    parser.add_argument(
        "--near-miss-negatives",
        type=int,
        default=NEAR_MISS_NEGATIVES,
        help="no-answer paragraphs of a near-miss question's own article, besides the retrieved ones",
    )
    parser.add_argument(
        "--negative-turns",
        type=int,
        default=1,
        help="split the retrieved no-answer passages into N parts and read one part an epoch, in turn "
        "(2 with 2 epochs: each once, in about 60%% of the time)",
    )
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--limit", type=int, default=0, help="about N questions of each source (quick looks and tests)")
    parser.add_argument(
        "--news-questions",
        type=Path,
        default=NEWS_TRAIN,
        help="the news questions to learn from (default: the train split; a subset for an ablation)",
    )
    parser.add_argument(
        "--squad-written",
        type=Path,
        default=None,
        help="questions written here about part A's paragraphs (eval/squad-part-a/questions.jsonl) to learn from besides",
    )
    parser.add_argument(
        "--cloze",
        type=Path,
        default=None,
        help="cloze questions made from the archive (python -m training.cloze_questions) to learn from besides",
    )
    parser.add_argument(
        "--start-from",
        type=Path,
        default=None,
        help="an encoder to begin from instead of the packaged one (python -m training.span_pretraining's RUN/model)",
    )
    add_run_arguments(parser, RESULTS / "reader")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = arguments()
    args = parser.parse_args(argv)
    if args.negative_turns < 1:
        parser.error(f"--negative-turns must be at least 1, not {args.negative_turns}")
    windows, held_out = collect_windows(
        args.squad,
        args.limit,
        (args.negatives, args.news_negatives, args.unanswerable_negatives, args.near_miss_negatives),
        args.news_questions,
        args.cloze,
        args.squad_copies,
        args.squad_written,
    )
    news = args.news_questions.resolve()
    args.news_questions = news.relative_to(ROOT) if news.is_relative_to(ROOT) else news
    args.data = (
        f"SQuAD-half {'all' if args.squad == 'all' else 'part A'}"
        + (f" (each question {args.squad_copies} times)" if args.squad_copies != 1 else "")
        + (f" and {args.squad_written} (written about part A)" if args.squad_written else "")
        + f", {args.news_questions} "
        f"({len(read_jsonl(news))} news questions), eval/calibration-questions.jsonl; "
        + (f"cloze questions {args.cloze}; " if args.cloze else "")
        + f"negatives: retrieved passages without a gold string (top {RETRIEVED})"
    )
    print(json.dumps(train(windows, held_out, args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
