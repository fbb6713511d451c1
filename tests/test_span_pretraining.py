"""Recurring-span selection pretraining (training/span_pretraining.py): which spans recur, the
masked windows and their targets, the packaged encoder inside transformers' Splinter model,
and a seeded run whose encoder the reader's training can begin from (real model, tiny text)."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from training.data import BBC, SQUAD
from training.span_pretraining import (
    MAX_QUESTIONS,
    QUESTION_TOKEN,
    main,
    mask_window,
    pretrain,
    recurring_spans,
    splinter_model,
    windows_of,
)
from training.train_reader import Reader, tokenizer

TEXT = (
    "Acme Motors will build a plant in Leeds. The Leeds plant will cost £40m, Acme Motors said. "
    "Peter Jones of Acme Motors said the plant in Leeds would open in 2006."
)


def test_recurring_spans_are_the_longest_repeated_words_with_a_content_word() -> None:
    words = "acme motors said the plant in leeds and acme motors said the plant was big".split()
    groups = recurring_spans(words, [1] * len(words))
    assert groups[0] == [(0, 4), (8, 12)]  # "acme motors said the plant", longest first
    assert all(len(group) >= 2 for group in groups)
    assert len(groups) == 1  # "the", "said the" alone are stop words; shorter repeats are inside the longest
    assert recurring_spans(words, [3] * len(words))[0] == [(0, 2), (8, 10)]  # at most 10 word pieces


def test_a_masked_window_asks_for_the_occurrence_left_in_place() -> None:
    tok = tokenizer()
    question_id = tok.convert_tokens_to_ids(QUESTION_TOKEN)
    (window,) = windows_of(TEXT, tok, question_id, random.Random(1))
    assert window.input_ids[0] == tok.cls_token_id and window.input_ids[-1] == tok.sep_token_id
    assert [i for i, piece in enumerate(window.input_ids) if piece == question_id] == window.questions
    assert 1 <= len(window.questions) == len(window.targets)
    kept = {tok.decode(window.input_ids[start : end + 1]) for start, end in window.targets}
    assert kept == {"acme motors said", "plant in leeds"}  # the longest spans that recur
    left = tok.decode([p for p in window.input_ids if p != question_id][1:-1])
    for span in kept:
        assert TEXT.lower().count(span) == 2 and left.count(span) == 1  # the other occurrence is a question
    words = "the plant is big and the plant is new".split()
    assert mask_window([[1]] * len(words), words, question_id, 101, 102, random.Random(1)) is not None
    assert mask_window([[1]] * 3, ["the", "and", "the"], question_id, 101, 102, random.Random(1)) is None
    once = [f"w{i}" for i in range(MAX_QUESTIONS + 5)]
    many = once + once[::-1]  # fifteen words said twice, no two in the same order
    assert len(mask_window([[1]] * len(many), many, question_id, 101, 102, random.Random(1)).targets) == MAX_QUESTIONS


def test_the_splinter_model_holds_the_packaged_encoder() -> None:
    import torch

    model = splinter_model().eval()
    reader = Reader()
    reader.train(False)
    ids = torch.tensor([tokenizer()("Acme Motors will build a plant in Leeds.")["input_ids"]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        ours = model.splinter(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))[0]
        packaged = reader.encoder(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))[0]
    assert torch.allclose(ours, packaged, atol=1e-5)


def test_a_seeded_run_saves_an_encoder_the_reader_begins_from(tmp_path: Path) -> None:
    import torch

    tok = tokenizer()
    windows = windows_of(TEXT + " " + TEXT, tok, tok.convert_tokens_to_ids(QUESTION_TOKEN), random.Random(3)) * 4
    args = argparse.Namespace(
        out=tmp_path / "span", epochs=1, lr=1e-4, batch=2, threads=1, log_every=1, save_every=2, squad="A"
    )
    summary = pretrain(windows, args)
    log = [json.loads(line) for line in (tmp_path / "span" / "log.jsonl").read_text().splitlines()]
    assert len(log) == len(windows) // 2 and all(row["loss"] > 0 for row in log)
    assert summary["windows"] == len(windows) and summary["questions"] >= len(windows)
    started = Reader(start_from=tmp_path / "span" / "model")
    packaged = Reader()
    changed = [
        not torch.equal(a, b)
        for a, b in zip(started.encoder.state_dict().values(), packaged.encoder.state_dict().values(), strict=True)
    ]
    assert any(changed), "the pretrained encoder is the one the reader begins from"


@pytest.mark.skipif(
    not (BBC.is_dir() and SQUAD.is_dir()), reason="needs ../shared/news/bbc and ../shared/eval/squad-half"
)
def test_the_command_pretrains_on_the_archive(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "span"
    assert (
        main(
            [
                "--squad",
                "A",
                "--limit",
                "1",
                "--windows",
                "2",
                "--epochs",
                "1",
                "--lr",
                "5e-5",
                "--batch",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["windows"] == 2 and summary["settings"]["squad"] == "A"
    assert (out / "model" / "pretraining.json").is_file() and (out / "checkpoint.pt").is_file()
