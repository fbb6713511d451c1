"""Recurring-span selection pretraining of the packaged model (Ram et al., ACL 2021, Splinter).

    python -m training.span_pretraining [--squad A|all] [--windows 8000] [--epochs 1]
        [--lr 5e-5] [--batch 16] [--out bench/results/span-pretraining] [--limit N]

Unlabelled text becomes span targets: in a window of an article, a span of whole words (at
most ``MAX_SPAN_PIECES`` word pieces, at least one of them not a stop word) that occurs more
than once is a question. Every occurrence but one is replaced by one question token, and
the model learns to find the occurrence left, with the question-aware span head of
transformers' ``SplinterForPreTraining`` (the packaged encoder's weights loaded into it).
The encoder it ends with is saved in ``model/``, where ``python -m training.train_reader
--start-from RUN/model`` begins instead of the packaged weights.

Text: ``training.archive`` (train-split BBC stories; SQuAD-half part A, or all of it with
``--squad all``). Seeded; checkpoints every ``--save-every`` steps and at each epoch's end;
a run started again with the same ``--out`` resumes.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.embedding.encoder import packaged_model_dir
from training.archive import bbc_texts, squad_texts
from training.data import RESULTS
from training.loop import SEED, add_run_arguments, run_epochs
from training.train_reader import MAX_TOKENS, tokenizer

QUESTION_TOKEN = "[unused1]"  # the question token (the vocabulary has no [QUESTION])
MAX_SPAN_PIECES = 10
MAX_QUESTIONS = 10  # recurring spans made questions per window
STOP_WORDS = frozenset(
    """a an the and or but of to in on at for from by with as is are was were be been it its
    this that these those he she they we i you his her their our not no said says has have had
    will would can could also than then there which who what when where how why s""".split()
)


@dataclass(frozen=True)
class MaskedWindow:
    """Word pieces with question tokens, and each question's target (start, end) piece."""

    input_ids: list[int]
    questions: list[int]  # where the question tokens are
    targets: list[tuple[int, int]]  # the occurrence each question token stands for


def recurring_spans(words: Sequence[str], pieces: Sequence[int]) -> list[list[tuple[int, int]]]:
    """Groups of non-overlapping occurrences ``[first, last]`` (word indexes) of each span of
    words that occurs more than once; longest spans first, each group's spans in order.
    ``pieces``: how many word pieces each word has (a span has at most ``MAX_SPAN_PIECES``)."""
    taken = [False] * len(words)
    groups: list[list[tuple[int, int]]] = []
    for length in range(MAX_SPAN_PIECES, 0, -1):
        where: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for first in range(len(words) - length + 1):
            span = tuple(words[first : first + length])
            if sum(pieces[first : first + length]) > MAX_SPAN_PIECES or not _worth_asking(span):
                continue
            where[span].append(first)
        for starts in where.values():
            free: list[int] = []
            for first in starts:
                if not any(taken[first : first + length]) and (not free or first >= free[-1] + length):
                    free.append(first)
            if len(free) >= 2:
                for first in free:
                    taken[first : first + length] = [True] * length
                groups.append([(first, first + length - 1) for first in free])
    return groups


def _is_word(word: str) -> bool:
    return any(character.isalnum() for character in word)


def _worth_asking(span: Sequence[str]) -> bool:
    """Words at both ends, and at least one that is not a stop word."""
    return _is_word(span[0]) and _is_word(span[-1]) and any(_is_word(w) and w not in STOP_WORDS for w in span)


def mask_window(
    word_pieces: Sequence[Sequence[int]],
    words: Sequence[str],
    question_id: int,
    cls_id: int,
    sep_id: int,
    rng: random.Random,
) -> MaskedWindow | None:
    """``[CLS] words [SEP]`` with all but one occurrence of up to ``MAX_QUESTIONS`` recurring
    spans replaced by ``question_id``; None when nothing recurs."""
    groups = recurring_spans(words, [len(p) for p in word_pieces])
    if not groups:
        return None
    groups = rng.sample(groups, min(MAX_QUESTIONS, len(groups)))
    answer_of: dict[int, int] = {}  # first word of a masked occurrence -> its group
    masked_end: dict[int, int] = {}
    kept: dict[int, tuple[int, int]] = {}
    for number, group in enumerate(groups):
        left = rng.randrange(len(group))
        kept[number] = group[left]
        for index, (first, last) in enumerate(group):
            if index != left:
                answer_of[first] = number
                masked_end[first] = last
    ids = [cls_id]
    piece_of_word: dict[int, tuple[int, int]] = {}
    questions: list[int] = []
    positions: list[int] = []
    word = 0
    while word < len(words):
        if word in answer_of:
            questions.append(answer_of[word])
            positions.append(len(ids))
            ids.append(question_id)
            word = masked_end[word] + 1
            continue
        piece_of_word[word] = (len(ids), len(ids) + len(word_pieces[word]) - 1)
        ids.extend(word_pieces[word])
        word += 1
    ids.append(sep_id)
    targets = [(piece_of_word[kept[q][0]][0], piece_of_word[kept[q][1]][1]) for q in questions]
    return MaskedWindow(ids, positions, targets)


def windows_of(text: str, tok: Any, question_id: int, rng: random.Random) -> list[MaskedWindow]:
    """The masked windows of one article: its words (as the tokenizer splits them, punctuation
    apart) cut into windows of at most ``MAX_TOKENS`` word pieces."""
    encoded = tok(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    pieces: list[list[int]] = []
    spans: list[tuple[int, int]] = []
    previous = None
    for piece, word, (start, end) in zip(
        encoded["input_ids"], encoded.word_ids(), encoded["offset_mapping"], strict=True
    ):
        if word != previous:
            pieces.append([])
            spans.append((start, end))
            previous = word
        pieces[-1].append(piece)
        spans[-1] = (spans[-1][0], end)
    words = [text[start:end].lower() for start, end in spans]
    made: list[MaskedWindow] = []
    first = 0
    while first < len(words):
        size, last = 0, first
        while last < len(words) and size + len(pieces[last]) <= MAX_TOKENS - 2:
            size += len(pieces[last])
            last += 1
        last = max(last, first + 1)
        window = mask_window(
            pieces[first:last], words[first:last], question_id, tok.cls_token_id, tok.sep_token_id, rng
        )
        if window is not None:
            made.append(window)
        first = last
    return made


def collect(squad_part: str, limit: int = 0, seed: int = SEED) -> list[MaskedWindow]:
    """Masked windows of every archive text (about ``limit`` articles of each source when given)."""
    tok = tokenizer()
    question_id = tok.convert_tokens_to_ids(QUESTION_TOKEN)
    rng = random.Random(seed)
    texts = [body for _, body in bbc_texts()[: limit or None]]
    texts += [text for _, text, part in squad_texts()[: limit or None] if part == "A" or squad_part == "all"]
    windows: list[MaskedWindow] = []
    for text in texts:
        windows += windows_of(text, tok, question_id, rng)
    return windows


def splinter_model() -> Any:
    """``SplinterForPreTraining`` holding the packaged encoder's weights."""
    from transformers import AutoConfig, AutoModel, SplinterConfig, SplinterForPreTraining

    base = AutoConfig.from_pretrained(packaged_model_dir()).to_dict()
    keep = {k: base[k] for k in SplinterConfig().to_dict() if k in base and k not in ("model_type", "architectures")}
    config = SplinterConfig(**keep, question_token_id=tokenizer().convert_tokens_to_ids(QUESTION_TOKEN))
    model = SplinterForPreTraining(config)
    encoder = AutoModel.from_pretrained(packaged_model_dir())
    missing, unexpected = model.splinter.load_state_dict(encoder.state_dict(), strict=False)
    if missing or any(not key.startswith("pooler.") for key in unexpected):
        raise RuntimeError(f"the packaged encoder does not fit Splinter: missing {missing}, unexpected {unexpected}")
    return model


def batch_tensors(windows: Sequence[MaskedWindow], pad_id: int) -> dict[str, Any]:
    """Padded inputs, question positions and targets (0 pads, which the loss ignores)."""
    import torch

    width = max(len(w.input_ids) for w in windows)
    questions = max(len(w.targets) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    positions = torch.zeros((len(windows), questions), dtype=torch.long)
    starts, ends = torch.zeros_like(positions), torch.zeros_like(positions)
    for row, window in enumerate(windows):
        ids[row, : len(window.input_ids)] = torch.tensor(window.input_ids)
        mask[row, : len(window.input_ids)] = 1
        asked = len(window.questions)
        positions[row, :asked] = torch.tensor(window.questions)
        starts[row, :asked] = torch.tensor([s for s, _ in window.targets])
        ends[row, :asked] = torch.tensor([e for _, e in window.targets])
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "token_type_ids": torch.zeros_like(ids),
        "question_positions": positions,
        "start_positions": starts,
        "end_positions": ends,
    }


class SplinterRun:
    """The Splinter model as the training loop sees it."""

    def __init__(self) -> None:
        self.model = splinter_model()

    def parameters(self) -> Any:
        return self.model.parameters()

    def train(self, on: bool) -> None:
        self.model.train(on)

    def state(self) -> dict[str, Any]:
        return dict(self.model.state_dict())

    def load_state(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state)


def pretrain(windows: Sequence[MaskedWindow], args: argparse.Namespace) -> dict[str, Any]:
    """Train the Splinter model on ``windows``; save its encoder (Hugging Face layout) in ``out/model``."""
    import torch
    from transformers import AutoModel

    torch.set_num_threads(args.threads)
    random.seed(SEED)
    torch.manual_seed(SEED)
    tok = tokenizer()
    run = SplinterRun()
    lengths = [len(w.input_ids) for w in windows]

    def loss_of(rows: list[int]) -> Any:
        return run.model(**batch_tensors([windows[r] for r in rows], tok.pad_token_id)).loss

    seconds = run_epochs(run, lengths, loss_of, args)
    encoder = AutoModel.from_pretrained(packaged_model_dir())
    encoder.load_state_dict(run.model.splinter.state_dict(), strict=False)
    encoder.save_pretrained(args.out / "model")
    tok.save_pretrained(args.out / "model")
    losses = [json.loads(line)["loss"] for line in (args.out / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = {
        "windows": len(windows),
        "questions": sum(len(w.targets) for w in windows),
        "word_pieces": sum(lengths),
        "settings": {"squad": args.squad, "epochs": args.epochs, "lr": args.lr, "batch": args.batch, "seed": SEED},
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "seconds": round(seconds, 1),
    }
    (args.out / "model" / "pretraining.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def arguments() -> argparse.ArgumentParser:
    """The command line of ``python -m training.span_pretraining``."""
    parser = argparse.ArgumentParser(prog="python -m training.span_pretraining", description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad", choices=("A", "all"), default="A", help="SQuAD-half part A's text, or all of it")
    parser.add_argument("--windows", type=int, default=8000, help="at most this many windows (a seeded sample)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--limit", type=int, default=0, help="about N articles of each source (quick looks and tests)")
    add_run_arguments(parser, RESULTS / "span-pretraining")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    windows = collect(args.squad, args.limit)
    if len(windows) > args.windows:
        windows = random.Random(SEED).sample(windows, args.windows)
    print(json.dumps(pretrain(windows, args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
