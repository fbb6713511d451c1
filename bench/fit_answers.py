"""Fit the phrase and sentence choice models on SQuAD-half part A, report on part B.

    python -m bench.fit_answers [--index .qa-eval/squad-half] [--json bench/results/fit_answers.json]

Part A is the questions about the 1st, 3rd, 5th... of SQuAD-half's 24 Wikipedia articles
(sorted by number), part B those about the 2nd, 4th..., so no paragraph is both fitted and scored.
The sentence model is also fitted on the answerable questions of eval/calibration-questions.jsonl
(news prose like the product's, each counted ``NEWS_WEIGHT`` times); the dev file stays held out. The
printed weights are what ``qa/reading/phrase_rules.py`` and ``qa/reading/sentence_choice.py`` hold.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.common import ROOT
from qa.app.evaluate import normalise_answer
from qa.indexing.library import Library
from qa.query.retriever import Retriever
from qa.reading.answer_type import answer_type, content_stems
from qa.reading.choice_model import LinearChoice, fit_choice
from qa.reading.phrase_rules import (
    SPAN_FEATURES,
    SPAN_MODEL,
    asks_percent,
    find_span,
    phrase_features,
    question_marks,
    question_names,
)
from qa.reading.phrases import candidate_phrases, words_of
from qa.reading.sentence_choice import SENTENCE_FEATURES, SENTENCE_MODEL, AskedQuestion, describe_units
from qa.reading.units import answer_units

SQUAD = ROOT.parent / "shared" / "eval" / "squad-half"
CALIBRATION = ROOT / "eval" / "calibration-questions.jsonl"
TIGHT = 2  # a phrase counts as the answer when it holds a gold string and at most this many words more
NEWS_WEIGHT = 20.0  # each calibration question (news prose) counts as this many SQuAD ones


def part_of(question: dict, articles: list[str]) -> str:
    """``A`` for questions about the 1st, 3rd, 5th... of the sorted articles, ``B`` for the others."""
    return "A" if articles.index(question["articles"][0].split("_")[0]) % 2 == 0 else "B"


def collect(retriever: Retriever, questions: list[dict]) -> list[dict]:
    """Per question: its candidate sentences' units, hits and gold labels."""
    snapshot = retriever.snapshot
    records = []
    for q in questions:
        text = q["question"]
        vector = retriever.embed_question(text)
        hits = retriever.search(text, k=5)
        units = answer_units(hits, snapshot, 5)
        stems = content_stems(text)
        question = AskedQuestion(text, vector, stems, snapshot.lexical.idf(stems), answer_type(text))
        golds = [normalise_answer(a) for a in q["answers"]]
        labels = np.array([any(g in normalise_answer(u.text) for g in golds) for u in units], dtype=bool)
        features = describe_units(question, units, hits) if units else np.zeros((0, len(SENTENCE_FEATURES)))
        records.append(
            {"q": q, "units": units, "features": features, "question": question, "golds": golds, "labels": labels}
        )
    return records


def span_groups(records: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Phrase features and gold labels inside every candidate sentence that holds a gold answer."""
    groups = []
    for record in records:
        question = record["question"]
        for unit, label in zip(record["units"], record["labels"]):
            if not label:
                continue
            words = words_of(unit.text)
            marks = question_marks(words, set(question.stems))
            phrases = candidate_phrases(unit.text, words, marks)
            if phrases:
                x = phrase_features(
                    question.kind,
                    unit.text,
                    words,
                    marks,
                    phrases,
                    percent_asked=asks_percent(question.text),
                    names=question_names(question.text),
                )
                texts = [normalise_answer(unit.text[p.start : p.end]) for p in phrases]
                holds = np.array([any(g in text for g in record["golds"]) for text in texts])
                # the exact phrase, not any phrase around it: at most TIGHT words more than a gold string
                tight = np.array(
                    [
                        any(g in text and len(text.split()) <= len(g.split()) + TIGHT for g in record["golds"])
                        for text in texts
                    ]
                )
                groups.append((x, tight if tight.any() else holds))
    return groups


def score(records: list[dict], sentence_model: LinearChoice, span_model: LinearChoice) -> dict[str, float]:
    """Share of questions whose chosen sentence / phrase holds a gold answer, and mean words."""
    sentence_right = span_right = words = 0.0
    for record in records:
        if not len(record["units"]):
            continue
        unit = record["units"][int(np.argmax(sentence_model.scores(record["features"])))]
        sentence_right += any(g in normalise_answer(unit.text) for g in record["golds"])
        span = find_span(record["q"]["question"], unit.text, unit.span.start, span_model)
        span_right += span is not None and any(g in normalise_answer(span.text) for g in record["golds"])
        words += len(unit.text.split())
    n = max(len(records), 1)
    return {"sentence_holds_gold": sentence_right / n, "span_holds_gold": span_right / n, "sentence_words": words / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(ROOT / ".qa-eval" / "squad-half"))
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "fit_answers.json"))
    parser.add_argument(
        "--news-index", default=str(ROOT / ".qa-eval" / "seed"), help="index of corpus/ for the calibration file"
    )
    parser.add_argument("--limit", type=int, default=0, help="use about N questions of SQuAD-half (quick looks)")
    args = parser.parse_args()
    Library(SQUAD / "corpus", args.index).update()
    retriever = Retriever.load(args.index)
    questions = [json.loads(line) for line in (SQUAD / "questions.jsonl").read_text().splitlines() if line.strip()]
    if args.limit:
        questions = questions[:: max(1, len(questions) // args.limit)]
    records = collect(retriever, questions)
    articles = sorted({q["articles"][0].split("_")[0] for q in questions})
    part_a = [r for r in records if part_of(r["q"], articles) == "A"]
    part_b = [r for r in records if part_of(r["q"], articles) == "B"]
    span_model = fit_choice(SPAN_FEATURES, span_groups(part_a))
    Library(ROOT / "corpus", args.news_index).update()
    calibration = [json.loads(line) for line in CALIBRATION.read_text().splitlines() if line.strip()]
    news = collect(Retriever.load(args.news_index), [q for q in calibration if q["answers"]])
    fitted_on = part_a + news
    weights = [1.0] * len(part_a) + [NEWS_WEIGHT] * len(news)
    sentence_model = fit_choice(
        SENTENCE_FEATURES, [(r["features"], r["labels"]) for r in fitted_on], group_weights=weights
    )
    reachable_b = float(np.mean([bool(r["labels"].any()) for r in part_b]))
    report = {
        "questions": {"A": len(part_a), "B": len(part_b)},
        "part_B_gold_in_some_candidate": reachable_b,
        "part_B_models_in_code": score(part_b, SENTENCE_MODEL, SPAN_MODEL),
        "part_B_fitted_now": score(part_b, sentence_model, span_model),
        "part_A_fitted_now": score(part_a, sentence_model, span_model),
        "calibration_fitted_now": score(news, sentence_model, span_model),
        "span_model": dict(zip(span_model.names, span_model.weights)),
        "sentence_model": dict(zip(sentence_model.names, sentence_model.weights)),
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if not k.endswith("_model")}, indent=2))
    print("SPAN_MODEL weights:", span_model.weights)
    print("SENTENCE_MODEL weights:", sentence_model.weights)


if __name__ == "__main__":
    main()
