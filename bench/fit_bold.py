"""Fit the reader's span confidence, and choose when its span is shown in bold.

    python -m bench.fit_bold [--json bench/results/fit_bold.json]

Reads the dev splits end to end (the news questions' dev split over the whole BBC index,
SQuAD-half part B over the SQuAD-half index; the reader never trained on either: its own
training questions would teach it to trust itself too much) and fits
``qa.reading.confidence.SpanConfidence`` (does the reader's best span over the top 5 hits
hold a gold string?), each split counting half. Then prints, for each threshold, the share
of answerable questions whose span would be shown and the share of shown spans that hold a
gold string, and chooses the lowest threshold at which both splits reach ``PRECISION``:
``BOLD_PROBABILITY``. The news test split is never read here.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.common import BBC
from bench.fit_answers import SQUAD, part_of
from bench.news_questions import NEWS_QA, read_jsonl
from bench.train_reader import RESULTS, ensure_index, squad_articles
from qa.app.evaluate import normalise_answer, read_questions
from qa.query.retriever import Retriever
from qa.reading.choice_model import fit_logistic
from qa.reading.confidence import SpanConfidence, span_features
from qa.reading.reader import read_hits, shared_reader

PRECISION = 0.8
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
PASSAGES = 5


def readings_of(index: Path, questions: Sequence[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Span features of each answerable question's reading, and whether its span holds a gold string."""
    retriever, reader = Retriever.load(index), shared_reader()
    rows, labels = [], []
    for q in questions:
        reading = read_hits(reader, q["question"], retriever.search(q["question"], k=PASSAGES), PASSAGES)
        rows.append(span_features(q["question"], reading))
        text = normalise_answer(reading.best.text) if reading.best else ""
        labels.append(bool(text) and any(normalise_answer(g) in text for g in q["answers"]))
    return np.array(rows), np.array(labels)


def curve(confidence: np.ndarray, holds: np.ndarray) -> list[dict[str, float]]:
    """For each threshold: the share of questions with a shown span, and its precision."""
    rows = []
    for threshold in THRESHOLDS:
        shown = confidence >= threshold
        rows.append(
            {
                "threshold": threshold,
                "shown": float(shown.mean()),
                "precision": float(holds[shown].mean()) if shown.any() else 1.0,
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fit_bold", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=RESULTS / "fit_bold.json")
    parser.add_argument("--squad-every", type=int, default=1, help="use every Nth SQuAD-half question (time)")
    args = parser.parse_args(argv)
    squad = read_questions(SQUAD / "questions.jsonl")[:: args.squad_every]
    articles = squad_articles()
    dev = {
        "news_dev": readings_of(
            ensure_index(BBC, RESULTS / "bbc-index"), [q for q in read_jsonl(NEWS_QA / "dev.jsonl") if q["answers"]]
        ),
        "squad_B": readings_of(
            ensure_index(SQUAD / "corpus", RESULTS / "squad-index"), [q for q in squad if part_of(q, articles) == "B"]
        ),
    }
    x = np.vstack([rows for rows, _ in dev.values()])
    y = np.concatenate([holds for _, holds in dev.values()])
    weights = np.concatenate([np.full(len(holds), len(y) / (2 * len(holds))) for _, holds in dev.values()])
    model = SpanConfidence(*fit_logistic(x, y, sample_weights=weights))
    curves = {}
    for name, (rows, holds) in dev.items():
        z = rows @ np.array(model.weights) + model.bias
        curves[name] = curve(1.0 / (1.0 + np.exp(-z)), holds)
    chosen = next(
        (t for i, t in enumerate(THRESHOLDS) if all(c[i]["precision"] >= PRECISION for c in curves.values())),
        THRESHOLDS[-1],
    )
    for i, threshold in enumerate(THRESHOLDS):
        print(
            threshold,
            "  ".join(
                f"{name}: shown {c[i]['shown']:.3f} precision {c[i]['precision']:.3f}" for name, c in curves.items()
            ),
        )
    print(f"DEFAULT_SPAN_CONFIDENCE = {model!r}")
    print(f"BOLD_PROBABILITY = {chosen}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "model": {"weights": model.weights, "bias": model.bias},
        "chosen": chosen,
        "precision": PRECISION,
        "curves": curves,
    }
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
