"""The training loop every run here shares: AdamW with warm-up and linear decay, batches of
similar length in a seeded order, a log line every ``log_every`` steps, a checkpoint every
``save_every`` steps and at each epoch's end, and resuming from the last checkpoint."""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

SEED = 13


class Trainable(Protocol):
    """What the loop trains: its parameters, train/eval switch, and state to checkpoint."""

    def parameters(self) -> Iterable[Any]: ...

    def train(self, on: bool) -> Any: ...

    def state(self) -> dict[str, Any]: ...

    def load_state(self, state: dict[str, Any]) -> None: ...


def add_run_arguments(parser: argparse.ArgumentParser, out: Path) -> None:
    """The options every training run has: threads, how often to log and checkpoint, where."""
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--log-every", type=int, default=20)
    parser.add_argument("--save-every", type=int, default=100)
    parser.add_argument("--out", type=Path, default=out)


def length_batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of rows of similar length (less padding), in a seeded random order."""
    order = sorted(range(len(lengths)), key=lambda r: (lengths[r], rng.random()))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` whole or not at all (a half-written checkpoint never replaces one)."""
    import torch

    partial = path.with_suffix(".partial")
    torch.save(state, partial)
    partial.replace(path)


def run_epochs(
    model: Trainable,
    lengths: Sequence[int],
    loss_of: Callable[[list[int]], Any],
    args: argparse.Namespace,
    after_epoch: Callable[[int], dict[str, Any]] | None = None,
) -> None:
    """Train ``model`` for ``args.epochs`` over rows of ``lengths`` (``loss_of(rows)``: a batch's
    loss), checkpointing in ``args.out``; a run with a checkpoint there resumes it. After each
    epoch, ``after_epoch(epoch)``'s figures are logged."""
    import torch

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    parameters = list(model.parameters())
    optimiser = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    total = -(-len(lengths) // args.batch) * args.epochs
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    checkpoint = out / "checkpoint.pt"
    epoch, done = 0, 0
    if checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        model.load_state(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        schedule.load_state_dict(saved["schedule"])
        epoch, done = saved["epoch"], saved["done"]
        print(json.dumps({"resumed": {"epoch": epoch, "step": done}}), flush=True)

    def save(epoch: int, done: int) -> None:
        state = {"model": model.state(), "optimiser": optimiser.state_dict(), "schedule": schedule.state_dict()}
        save_checkpoint(checkpoint, state | {"epoch": epoch, "done": done})

    with (out / "log.jsonl").open("a", encoding="utf-8") as log:

        def write(row: dict[str, Any]) -> None:
            line = json.dumps(row | {"seconds": round(time.perf_counter() - began, 1)})
            log.write(line + "\n")
            log.flush()
            print(line, flush=True)

        while epoch < args.epochs:
            batches = length_batches(lengths, args.batch, random.Random(SEED + epoch))
            model.train(True)
            recent: list[float] = []
            for step in range(done, len(batches)):
                loss = loss_of(batches[step])
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                optimiser.step()
                schedule.step()
                recent.append(float(loss.detach()))
                if (step + 1) % args.log_every == 0:
                    write({"epoch": epoch + 1, "step": step + 1, "of": len(batches), "loss": sum(recent) / len(recent)})
                    recent = []
                if (step + 1) % args.save_every == 0:
                    save(epoch, step + 1)
            epoch, done = epoch + 1, 0
            if after_epoch is not None:
                write({"epoch": epoch, "scores": after_epoch(epoch)})
            save(epoch, 0)
