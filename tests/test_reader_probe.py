"""The reader experiment (training/reader_probe.py) trains on what its figures claim: every
target span is a gold answer's own word pieces, and part B is scored from part A alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.app.evaluate import normalise_answer, read_questions
from training.data import SQUAD
from training.reader_probe import encode_pairs

pytestmark = pytest.mark.skipif(not (SQUAD / "questions.jsonl").is_file(), reason="needs ../shared/eval/squad-half")


def _questions(count: int) -> list[dict]:
    questions = read_questions(SQUAD / "questions.jsonl")
    return questions[:: len(questions) // count]


@pytest.mark.slow
def test_target_spans_are_the_gold_answers_word_pieces() -> None:
    questions = _questions(24)
    articles = sorted({q["articles"][0].split("_")[0] for q in questions})
    pairs = encode_pairs(questions, articles)
    assert len(pairs) == len(questions) and {p["part"] for p in pairs} == {"A", "B"}
    labelled = 0
    for pair in pairs:
        first, last = pair["passage"]
        for start, end in pair["spans"]:
            assert first <= start <= end <= last  # inside the paragraph, never the question
            text = pair["text"][pair["offsets"][start][0] : pair["offsets"][end][1]]
            assert any(normalise_answer(gold) == normalise_answer(text) for gold in pair["answers"]), text
            labelled += 1
    assert labelled >= len(pairs) * 0.8


@pytest.mark.slow
@pytest.mark.parametrize("train", ["head", "top2"])
def test_the_probe_runs_and_reports_part_b(train: str, tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.reader_probe",
            "--train",
            train,
            "--epochs",
            "1",
            "--limit",
            "24",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["train"] == train and report["questions"] >= 24
    (epoch,) = report["epochs"]
    assert 0.0 <= epoch["part_B_span_holds_gold"] <= 1.0 and 0 < epoch["span_words"] <= 15
