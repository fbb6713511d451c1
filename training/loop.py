"""The training loop every run here shares: AdamW with warm-up and linear decay, batches of
similar length in a seeded order, a log line every ``log_every`` steps, a checkpoint every
``save_every`` steps and at each epoch's end, and resuming from the last checkpoint (its logged
seconds count on from the time the checkpoint had run). With
``--average DECAY`` it also keeps an exponential moving average of the weights, scored beside
the trained weights after each epoch and left in the model at the end (what is saved)."""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

SEED = 13


class Trainable(Protocol):
    """What the loop trains: its parameters, train/eval switch, and state to checkpoint."""

    def parameters(self) -> Iterable[Any]: ...

    def train(self, on: bool) -> Any: ...

    def state(self) -> dict[str, Any]: ...

    def load_state(self, state: dict[str, Any]) -> None: ...


def check_decay(decay: float) -> float:
    """``decay`` when it is a moving average's per-step decay in [0, 1) (0: none kept)."""
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"the moving average's decay must be in [0, 1), say 0.9995 (0 keeps none); got {decay}")
    return decay


def _decay_argument(text: str) -> float:
    try:
        return check_decay(float(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_run_arguments(parser: argparse.ArgumentParser, out: Path) -> None:
    """The options every training run has: threads, how often to log and checkpoint, where."""
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--log-every", type=int, default=20)
    parser.add_argument("--save-every", type=int, default=100)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument(
        "--average",
        type=_decay_argument,
        default=0.0,
        metavar="DECAY",
        help="keep a moving average of the weights (per-step decay, say 0.9995), scored beside them and saved as the model",
    )


def length_batches(
    lengths: Sequence[int], size: int, rng: random.Random, rows: Sequence[int] | None = None
) -> list[list[int]]:
    """Batches of ``rows`` (all rows when None) of similar length (less padding), in a seeded random order."""
    order = sorted(range(len(lengths)) if rows is None else rows, key=lambda r: (lengths[r], rng.random()))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def rows_in_turn(rotating: Sequence[bool], turns: int) -> Callable[[int], list[int]]:
    """The rows an epoch reads: every row that does not rotate, and one of ``turns`` seeded
    parts of those that do, a different part each epoch (with 2 turns, two epochs read each
    rotating row once)."""
    if turns < 1:
        raise ValueError(f"turns must be at least 1, not {turns}")
    turning = [row for row, rotates in enumerate(rotating) if rotates]
    random.Random(SEED).shuffle(turning)
    part = {row: n % turns for n, row in enumerate(turning)}  # parts differ by at most one row

    def rows_of(epoch: int) -> list[int]:
        return [row for row in range(len(rotating)) if part.get(row, epoch % turns) == epoch % turns]

    return rows_of


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` whole or not at all (a half-written checkpoint never replaces one)."""
    import torch

    partial = path.with_suffix(".partial")
    torch.save(state, partial)
    partial.replace(path)


def load_weights(parameters: Iterable[Any], weights: Sequence[Any]) -> None:
    """Copy ``weights`` (say, a checkpoint's moving average) into ``parameters``, in order."""
    import torch

    with torch.no_grad():
        for parameter, weight in zip(parameters, weights, strict=True):
            parameter.copy_(weight)


@contextmanager
def weights_swapped(parameters: Sequence[Any], weights: Sequence[Any]) -> Iterator[None]:
    """``parameters`` hold ``weights`` inside the block and their own values again after it."""
    own = [p.detach().clone() for p in parameters]
    load_weights(parameters, weights)
    try:
        yield
    finally:
        load_weights(parameters, own)


def averaged_weights(saved: dict[str, Any]) -> list[Any] | None:
    """The moving average of the weights a checkpoint holds (``--average``), in parameter order, or None."""
    return saved.get("average")


def run_epochs(
    model: Trainable,
    lengths: Sequence[int],
    loss_of: Callable[[list[int]], Any],
    args: argparse.Namespace,
    after_epoch: Callable[[int], dict[str, Any]] | None = None,
    rows_of: Callable[[int], Sequence[int]] | None = None,
) -> float:
    """Train ``model`` for ``args.epochs`` over rows of ``lengths`` (``loss_of(rows)``: a batch's
    loss; ``rows_of(epoch)``: the rows epoch 0, 1... reads, all when None), checkpointing in
    ``args.out``; a run with a checkpoint there resumes it. After each epoch,
    ``after_epoch(epoch)``'s figures are logged. Returns the seconds the run has taken, the
    sittings before a resume included."""
    import torch

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    parameters = list(model.parameters())
    optimiser = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    epoch_rows = [list(rows_of(e)) if rows_of is not None else None for e in range(args.epochs)]
    total = sum(-(-(len(lengths) if rows is None else len(rows)) // args.batch) for rows in epoch_rows)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    checkpoint = out / "checkpoint.pt"
    decay = check_decay(float(getattr(args, "average", 0.0) or 0.0))
    epoch, done, kept = 0, 0, None
    if checkpoint.is_file():
        saved = torch.load(checkpoint, weights_only=False)
        model.load_state(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        schedule.load_state_dict(saved["schedule"])
        epoch, done, kept = saved["epoch"], saved["done"], averaged_weights(saved)
        began -= float(saved.get("seconds", 0.0))
        print(json.dumps({"resumed": {"epoch": epoch, "step": done}}), flush=True)
    # the average starts at the first weights (or, resuming a run begun without it, where it resumes)
    average = [w.detach().clone() for w in (kept or parameters)] if decay else []

    def save(epoch: int, done: int) -> None:
        state = {"model": model.state(), "optimiser": optimiser.state_dict(), "schedule": schedule.state_dict()}
        progress = {"epoch": epoch, "done": done, "seconds": time.perf_counter() - began}
        save_checkpoint(checkpoint, state | progress | ({"average": average} if decay else {}))

    with (out / "log.jsonl").open("a", encoding="utf-8") as log:

        def write(row: dict[str, Any]) -> None:
            line = json.dumps(row | {"seconds": round(time.perf_counter() - began, 1)})
            log.write(line + "\n")
            log.flush()
            print(line, flush=True)

        while epoch < args.epochs:
            batches = length_batches(lengths, args.batch, random.Random(SEED + epoch), epoch_rows[epoch])
            model.train(True)
            recent: list[float] = []
            for step in range(done, len(batches)):
                loss = loss_of(batches[step])
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                optimiser.step()
                schedule.step()
                if decay:
                    with torch.no_grad():
                        for a, p in zip(average, parameters, strict=True):
                            a.lerp_(p.detach(), 1.0 - decay)
                recent.append(float(loss.detach()))
                if (step + 1) % args.log_every == 0:
                    write({"epoch": epoch + 1, "step": step + 1, "of": len(batches), "loss": sum(recent) / len(recent)})
                    recent = []
                if (step + 1) % args.save_every == 0:
                    save(epoch, step + 1)
            epoch, done = epoch + 1, 0
            if after_epoch is not None:
                row = {"epoch": epoch, "scores": after_epoch(epoch)}
                if decay:
                    with weights_swapped(parameters, average):
                        row["averaged_scores"] = after_epoch(epoch)
                write(row)
            save(epoch, 0)
    if decay:  # the average is the model the run leaves
        load_weights(parameters, average)
    return time.perf_counter() - began
