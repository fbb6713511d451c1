"""Would one model over both kinds of decline evidence decline better than the reader's veto?

    python -m bench.compare_declines [--squad-every 5] [--json bench/results/compare_declines.json]

Asks, with the veto off: the news questions' dev split over the whole BBC index, SQuAD-half
part B over an index without three of its articles (``REMOVED``: their questions are the
unanswerable ones) and the dev file over the seed index. Each way of deciding gives every
question a score (answer when it reaches a threshold):

- ``decline model``: the shipped decline model's probability alone;
- ``decline model + veto`` (shipped): declined by the decline model at ``min_confidence``,
  else by the reader's least probability of "no answer" reaching the threshold;
- ``joint``: a logistic over the log-odds of both, fitted on the SQuAD-half split only.

For each share of news dev's answerable questions to keep answered (``TARGETS``), the
threshold is the one that keeps it there and declines most of news dev's unanswerable
questions; the other splits are scored at that threshold. The news test split is never read.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.common import BBC, RESULTS, ROOT
from bench.decline_transfer import DEFAULT_REMOVED, held_out_corpus
from bench.fit_veto import DEV_FILE, Asked, ask_all
from bench.news_questions import NEWS_QA, read_jsonl
from bench.train_reader import ensure_index, squad_articles, squad_part_b
from qa.app.evaluate import read_questions
from qa.reading.answer import AnswerSettings
from qa.reading.choice_model import fit_logistic

REMOVED = frozenset(DEFAULT_REMOVED)
TARGETS = (0.90, 0.94, 0.96)


def log_odds(p: float) -> float:
    """``log(p / (1 - p))``, with ``p`` kept inside [1e-6, 1 - 1e-6]."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def evidence_of(asked: Sequence[Asked]) -> np.ndarray:
    """One row per question: the decline model's log-odds and the reader's log-odds of "no answer"."""
    return np.array([[log_odds(a.confidence), log_odds(a.no_answer)] for a in asked]).reshape(-1, 2)


def scored(asked: Sequence[Asked], scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Answered share of the answerable questions and declined share of the others."""
    keep = scores >= threshold
    answerable = np.array([a.answerable for a in asked], dtype=bool)
    return {
        "answered": float(keep[answerable].mean()) if answerable.any() else float("nan"),
        "declined": float((~keep[~answerable]).mean()) if (~answerable).any() else float("nan"),
    }


def operating_point(asked: Sequence[Asked], scores: np.ndarray, target: float) -> float:
    """The threshold keeping at least ``target`` of the answerable questions answered that declines most."""
    answerable = np.array([a.answerable for a in asked], dtype=bool)
    best, best_declined = -np.inf, -1.0
    for threshold in np.unique(scores[np.isfinite(scores)]):
        if (scores[answerable] >= threshold).mean() < target:
            break
        declined = float((scores[~answerable] < threshold).mean())
        if declined >= best_declined:
            best, best_declined = float(threshold), declined
    return best


def scorers(splits: dict[str, list[Asked]], min_confidence: float) -> dict[str, Callable[[list[Asked]], np.ndarray]]:
    """Each way of deciding, as a function from questions to scores."""
    fitted = evidence_of(splits["squad_B"])
    weights, bias = fit_logistic(fitted, [a.answerable for a in splits["squad_B"]])

    def veto(asked: list[Asked]) -> np.ndarray:
        rows = evidence_of(asked)
        return np.where(rows[:, 0] >= log_odds(min_confidence), -rows[:, 1], -np.inf)

    return {
        "decline model": lambda asked: evidence_of(asked)[:, 0],
        "decline model + veto": veto,
        "joint": lambda asked: evidence_of(asked) @ np.array(weights) + bias,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare_declines", description=__doc__.split("\n\n")[0])
    parser.add_argument("--squad-every", type=int, default=5, help="use every Nth part-B question (time)")
    parser.add_argument("--json", type=Path, default=RESULTS / "compare_declines.json")
    args = parser.parse_args(argv)
    squad_b = squad_part_b()
    if any(squad_articles().index(a) % 2 == 0 for a in REMOVED):
        raise SystemExit(f"the removed articles {sorted(REMOVED)} must be part B ones")
    held_out = ROOT / ".qa-eval" / "squad-held-out"
    held_out_corpus(held_out / "corpus", set(REMOVED))
    splits = {
        "news_dev": ask_all(ensure_index(BBC, RESULTS / "bbc-index"), read_jsonl(NEWS_QA / "dev.jsonl")),
        "squad_B": ask_all(
            ensure_index(held_out / "corpus", held_out / "index"), squad_b[:: args.squad_every], REMOVED
        ),
        "dev_file": ask_all(ensure_index(ROOT / "corpus", RESULTS / "seed-index"), read_questions(DEV_FILE)),
    }
    report: dict[str, list[dict]] = {}
    for name, score in scorers(splits, AnswerSettings().min_confidence).items():
        report[name] = []
        for target in TARGETS:
            threshold = operating_point(splits["news_dev"], score(splits["news_dev"]), target)
            row = {split: scored(asked, score(asked), threshold) for split, asked in splits.items()}
            report[name].append({"target": target, "threshold": threshold, **row})
            print(
                f"{name:<22} news dev answered >= {target:.2f}: "
                + "  ".join(f"{s}: {r['answered']:.3f} answered, {r['declined']:.3f} declined" for s, r in row.items())
            )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
