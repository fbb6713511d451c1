"""Could an extractive reader be trained here? Fit one on SQuAD-half part A, score part B.

    python -m training.reader_probe [--train top2|head] [--epochs 3] [--limit N]

No SQuAD reader ships in a PyPI package, so this trains one from the product's own model:
all-MiniLM-L6-v2 reads "[CLS] question [SEP] gold paragraph [SEP]"; its lower four layers
stay frozen (their states are computed once), and either a span head alone (``head``) or
the top two layers and the head (``top2``) are fitted on part A (start and end position,
every occurrence of a gold string counted). Part B is scored with the gold paragraph given
(easier than reading the retrieved passages): the best span of at most 15 word
pieces holds a gold string. Needs torch (the default install has it). Output:
``bench/results/reader_probe.json``. Slow on two cores: about 5 minutes to encode, then
about 8 minutes per ``top2`` epoch (29 minutes for the default run).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from qa.app.evaluate import normalise_answer
from qa.embedding.encoder import packaged_model_dir
from training.data import RESULTS, part_of, squad_paragraph, squad_questions

FROZEN_LAYERS = 4
MAX_SPAN = 15  # word pieces
MAX_TOKENS = 384


def encode_pairs(questions: list[dict], articles: list[str]) -> list[dict[str, Any]]:
    """Frozen lower-layer states of every (question, gold paragraph) pair, with gold token spans."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(packaged_model_dir())
    model = AutoModel.from_pretrained(packaged_model_dir()).eval()
    pairs = []
    for first in range(0, len(questions), 16):
        batch = questions[first : first + 16]
        texts = [squad_paragraph(q["articles"][0]) for q in batch]
        encoded = tokenizer(
            [q["question"] for q in batch],
            texts,
            truncation="only_second",
            max_length=MAX_TOKENS,
            padding=True,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").numpy()
        with torch.no_grad():
            states = model(**encoded, output_hidden_states=True).hidden_states[FROZEN_LAYERS].numpy()
        for row, q in enumerate(batch):
            kinds = encoded.sequence_ids(row)
            length = int(encoded["attention_mask"][row].sum())
            passage = [i for i, kind in enumerate(kinds) if kind == 1]
            spans = set()
            for answer in q["answers"]:
                for match in re.finditer(re.escape(answer), texts[row]):
                    inside = [
                        i for i in passage if offsets[row][i][0] < match.end() and offsets[row][i][1] > match.start()
                    ]
                    if inside:
                        spans.add((inside[0], inside[-1]))
            pairs.append(
                {
                    "part": part_of(q, articles),
                    "states": states[row, :length].astype(np.float16),
                    "passage": (passage[0], passage[-1]),
                    "offsets": offsets[row, :length],
                    "text": texts[row],
                    "answers": q["answers"],
                    "spans": sorted(spans),
                }
            )
    return pairs


def train_and_score(pairs: list[dict[str, Any]], train: str, epochs: int) -> list[dict[str, float]]:
    """Fit the reader on part A; after each epoch, part B's share of spans holding a gold string."""
    import torch
    from torch import nn
    from transformers import AutoModel

    torch.manual_seed(0)
    base = AutoModel.from_pretrained(packaged_model_dir())
    layers = nn.ModuleList(
        [copy.deepcopy(base.encoder.layer[i]) for i in range(FROZEN_LAYERS, len(base.encoder.layer))]
    )
    head = nn.Linear(base.config.hidden_size, 2)
    for parameter in layers.parameters():
        parameter.requires_grad = train == "top2"
    optimiser = torch.optim.AdamW(
        [{"params": layers.parameters(), "lr": 5e-5}, {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01
    )

    def logits(items: list[dict[str, Any]]) -> tuple[Any, Any]:
        width = max(len(p["states"]) for p in items)
        states = np.zeros((len(items), width, base.config.hidden_size), np.float32)
        mask = np.zeros((len(items), width), bool)
        passage = np.zeros((len(items), width), bool)
        for row, p in enumerate(items):
            states[row, : len(p["states"])] = p["states"]
            mask[row, : len(p["states"])] = True
            passage[row, p["passage"][0] : p["passage"][1] + 1] = True
        hidden = torch.tensor(states)
        blocked = (1.0 - torch.tensor(mask)[:, None, None, :].float()) * -1e4
        for layer in layers:
            out = layer(hidden, attention_mask=blocked)
            hidden = out[0] if isinstance(out, tuple) else out
        both = head(hidden).masked_fill(~torch.tensor(passage)[..., None], -1e4)
        return both[..., 0], both[..., 1]

    part_a = [p for p in pairs if p["part"] == "A" and p["spans"]]
    part_b = [p for p in pairs if p["part"] == "B"]
    history = []
    for epoch in range(epochs):
        layers.train()
        order = np.random.RandomState(epoch).permutation(len(part_a))
        for first in range(0, len(order), 16):
            items = [part_a[i] for i in order[first : first + 16]]
            starts, ends = logits(items)
            starts, ends = torch.log_softmax(starts, -1), torch.log_softmax(ends, -1)
            loss = sum(
                -torch.logsumexp(starts[row, [a for a, _ in p["spans"]]], 0)
                - torch.logsumexp(ends[row, [b for _, b in p["spans"]]], 0)
                for row, p in enumerate(items)
            ) / len(items)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        layers.eval()
        right = words = 0.0
        with torch.no_grad():
            for first in range(0, len(part_b), 32):
                items = part_b[first : first + 32]
                starts, ends = logits(items)
                for row, p in enumerate(items):
                    grid = starts[row].numpy()[:, None] + ends[row].numpy()[None, :]
                    allowed = np.triu(np.ones_like(grid, dtype=bool)) & ~np.triu(
                        np.ones_like(grid, dtype=bool), MAX_SPAN
                    )
                    grid[~allowed] = -np.inf
                    a, b = np.unravel_index(int(np.argmax(grid)), grid.shape)
                    span = p["text"][p["offsets"][a][0] : p["offsets"][b][1]]
                    right += any(normalise_answer(g) in normalise_answer(span) for g in p["answers"])
                    words += len(span.split())
        history.append(
            {"epoch": epoch + 1, "part_B_span_holds_gold": right / len(part_b), "span_words": words / len(part_b)}
        )
        print(json.dumps(history[-1]), flush=True)
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", choices=("top2", "head"), default="top2")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="use about N questions (quick looks)")
    parser.add_argument("--json", default=str(RESULTS / "reader_probe.json"))
    args = parser.parse_args()
    questions = squad_questions()
    if args.limit:
        questions = questions[:: max(1, len(questions) // args.limit)]
    articles = sorted({q["articles"][0].split("_")[0] for q in questions})
    began = time.perf_counter()
    pairs = encode_pairs(questions, articles)
    history = train_and_score(pairs, args.train, args.epochs)
    report = {
        "train": args.train,
        "questions": len(questions),
        "seconds": time.perf_counter() - began,
        "epochs": history,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
