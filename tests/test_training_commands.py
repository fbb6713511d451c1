"""The make targets that remake the shipped models run the training code, with the recipe the shipped reader records."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _dry_run(target: str) -> str:
    return subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(
    ("target", "module"),
    [
        ("reader", "training.train_reader"),
        ("reader", "training.export_reader"),
        ("answer-score", "training.fit_answer_score"),
        ("questions", "training.news_questions"),
    ],
)
def test_the_remake_targets_run_the_training_folder(target: str, module: str) -> None:
    commands = _dry_run(target)
    assert f"-m {module}" in commands and "-m bench" not in commands


def _options(command: str) -> dict[str, str]:
    words = shlex.split(command)
    return {w: words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("--") and w != "--out"}


def test_make_reader_trains_with_the_recipe_the_shipped_reader_records() -> None:
    card = json.loads((ROOT / "qa" / "reading" / "model" / "reader.json").read_text(encoding="utf-8"))
    shipped = card["command"].split("&&")[0]
    made = next(line for line in _dry_run("reader").splitlines() if "training.train_reader" in line)
    # the card spells out every setting; the Makefile may leave the defaults out
    assert _options(made).items() <= _options(shipped).items()
