"""The reader's training command (training/train_reader.py): SQuAD's scoring, positives and
negatives from retrieved passages, word-piece targets, and a seeded run that checkpoints
and resumes (the real packaged model, a handful of windows)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from qa.reading.scoring import exact_match, f1_score, squad_normalise
from training.export_reader import training_command
from training.loop import rows_in_turn
from training.train_reader import (
    NEGATIVES,
    NEWS_TRAIN,
    Window,
    arguments,
    encode,
    gold_spans,
    main,
    model_from_checkpoint,
    near_miss_windows,
    question_windows,
    squad_windows,
    tokenizer,
    train,
)


def _hit(text: str, article: str) -> SimpleNamespace:
    return SimpleNamespace(text=text, citation=SimpleNamespace(article_id=article))


def test_squad_scoring_normalises_as_the_official_script() -> None:
    assert squad_normalise("The  Eiffel Tower!") == "eiffel tower"
    assert exact_match("the Eiffel Tower.", ["Eiffel Tower"]) == 1.0
    assert exact_match("Eiffel", ["Eiffel Tower"]) == 0.0
    assert f1_score("Eiffel Tower in Paris", ["Eiffel Tower"]) == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    assert f1_score("Louvre", ["Eiffel Tower", "louvre"]) == 1.0
    assert f1_score("nothing alike", ["Eiffel Tower"]) == 0.0


def test_gold_spans_finds_every_occurrence_exact_case_first() -> None:
    text = "Shares rose 5%. Later they rose 5% again; SHARES were up."
    assert gold_spans(text, ["5%"]) == [(12, 14), (32, 34)]
    assert gold_spans(text, ["shares"]) == [(0, 6), (42, 48)]  # no exact-case match: any case
    assert gold_spans(text, ["missing"]) == []


def test_windows_are_own_article_positives_and_goldless_negatives() -> None:
    question = {"question": "How much did Acme's shares rise?", "answers": ["12%"]}
    hits = [
        _hit("Acme shares rose 12% on Monday.", "acme"),
        _hit("Rival shares rose 12% too.", "rival"),  # another article with the gold: left out
        *[_hit(f"Unrelated story number {i}.", f"other{i}") for i in range(5)],
    ]
    windows = question_windows(question, hits, "acme", None)
    positives = [w for w in windows if w.golds]
    negatives = [w for w in windows if not w.golds]
    assert [w.passage for w in positives] == ["Acme shares rose 12% on Monday."]
    assert positives[0].golds == [(17, 20)]
    assert len(negatives) == NEGATIVES and all("12%" not in w.passage for w in negatives)
    assert all(w.answers == ["12%"] for w in windows)
    more = question_windows(question, hits, "acme", None, negatives_kept=4)  # --news-negatives 4
    assert sum(not w.golds for w in more) == 4 and [w.passage for w in more if w.golds] == [positives[0].passage]


def test_squad_copies_repeat_each_squad_question_in_an_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("training.train_reader.squad_paragraph", lambda name: "Acme shares rose 12% on Monday.")

    class Finder:
        def search(self, question: str, k: int) -> list[Any]:
            return [_hit("Acme shares rose 12% on Monday.", "acme"), _hit("Unrelated story.", "other")]

    questions = [{"question": "How much did Acme's shares rise?", "answers": ["12%"], "articles": ["acme"]}]
    once = squad_windows(questions, Finder(), kept=2)
    assert [bool(w.golds) for w in once] == [True, False]
    twice = squad_windows(questions, Finder(), kept=2, copies=2)
    assert [w.passage for w in twice] == 2 * [w.passage for w in once]
    with pytest.raises(ValueError, match="--squad-copies must be 1 or more"):
        squad_windows(questions, Finder(), kept=2, copies=0)


def test_the_gold_paragraph_is_read_when_retrieval_misses_it() -> None:
    text = "Acme results\n\nSales fell.\n\nProfit rose by 12% to $3m, the firm said.\n"
    question = {"question": "By how much did Acme's profit grow?", "answers": ["12%"], "start": [text.index("12%")]}
    windows = question_windows(question, [_hit("Unrelated.", "other")], "acme", text)
    assert windows[0].passage == "Profit rose by 12% to $3m, the firm said." and windows[0].source == "paragraph"
    unanswerable = question_windows(
        {"question": "Who bought Acme?", "answers": []}, [_hit(f"Story {i}.", f"s{i}") for i in range(9)], None, None
    )
    assert len(unanswerable) == 4 and not any(w.golds for w in unanswerable)
    every = question_windows(
        {"question": "Who bought Acme?", "answers": []},
        [_hit(f"Story {i}.", f"s{i}") for i in range(9)],
        None,
        None,
        unanswerable_kept=10,  # --unanswerable-negatives 10: all nine retrieved
    )
    assert len(every) == 9


def test_a_near_miss_question_learns_no_answer_from_its_own_article(monkeypatch: pytest.MonkeyPatch) -> None:
    """The article a near-miss question was written beside covers its subject, not the asked
    fact: its paragraphs are no-answer windows, the ones sharing most of its words first."""
    question = {
        "question": "How many hours does the battery of Sony's PSP last?",
        "answers": [],
        "kind": "near-miss",
        "article": "tech_001",
    }
    text = "\n".join(
        [
            "Sony PSP review",  # the headline: never a window
            "The weather in Tokyo was mild all week and crowds gathered early outside the shops.",
            "Sony's PSP handheld has a bright screen and plays films, music and games on the move.",
            "Too short.",
        ]
    )
    monkeypatch.setattr("training.train_reader.article_text", lambda article: text)
    windows = near_miss_windows(question, kept=4)
    assert [w.passage[:10] for w in windows] == ["Sony's PSP", "The weathe"]
    assert all(not w.golds and w.source == "near-miss" for w in windows)
    assert len(near_miss_windows(question, kept=1)) == 1


@pytest.mark.slow
def test_targets_are_the_gold_word_pieces_and_cls_for_no_answer() -> None:
    tok = tokenizer()
    passage = "The firm, Acme Holdings, said on Tuesday that profit rose by 12% to $3.5m."
    windows = [
        Window("By how much did profit rise?", passage, gold_spans(passage, ["12%"]), "retrieved", ["12%"]),
        Window("Who bought the firm?", passage, [], "negative", ["Zeta"]),
        Window(
            "What is far away?",
            "word " * 400 + "target",
            gold_spans("word " * 400 + "target", ["target"]),
            "retrieved",
            ["target"],
        ),
    ]
    encoded = encode(tok, windows)
    assert len(encoded["targets"]) == 2  # the gold past the window's end is dropped
    (starts, ends), (no_start, no_end) = encoded["targets"]
    offsets = encoded["offsets"][0]
    assert passage[offsets[starts[0]][0] : offsets[ends[0]][1]] == "12%"
    assert all(encoded["context"][0][i] for i in (starts[0], ends[0]))
    assert (no_start, no_end) == ([0], [0])


@pytest.mark.slow
def test_a_seeded_run_logs_checkpoints_and_resumes(tmp_path: Path) -> None:
    passage = "Acme Holdings said profit rose by 12% to $3.5m. Its chief executive is Maria Lopez."
    windows = [
        Window("By how much did Acme's profit rise?", passage, gold_spans(passage, ["12%"]), "retrieved", ["12%"]),
        Window("Who runs Acme Holdings?", passage, gold_spans(passage, ["Maria Lopez"]), "retrieved", ["Maria Lopez"]),
        Window("Who bought Zeta Foods?", passage, [], "negative", ["Omega"]),
    ] * 2
    held_out = {"tiny": [Window("Who leads Acme?", passage, [], "score", ["Maria Lopez"])]}
    args = argparse.Namespace(out=tmp_path / "reader", epochs=1, lr=1e-4, batch=2, threads=1, log_every=1, save_every=2)
    train(windows, held_out, args)
    log = [json.loads(line) for line in (tmp_path / "reader" / "log.jsonl").read_text().splitlines()]
    losses = [row["loss"] for row in log if "loss" in row]
    assert len(losses) == 3 and all(loss > 0 for loss in losses)
    (scored,) = [row for row in log if "scores" in row]
    assert (
        scored["epoch"] == 1
        and 0.0 <= scored["scores"]["tiny"]["f1"] <= 1.0
        and scored["scores"]["tiny"]["questions"] == 1
    )
    assert (tmp_path / "reader" / "checkpoint.pt").is_file() and (tmp_path / "reader" / "model" / "head.pt").is_file()
    args.epochs = 2
    summary = train(windows, held_out, args)  # resumes after epoch 1: only epoch 2's steps run
    log = [json.loads(line) for line in (tmp_path / "reader" / "log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in log if "loss" in row] == [1, 1, 1, 2, 2, 2]
    assert [row["epoch"] for row in log if "scores" in row] == [1, 2]
    # the resumed sitting's seconds count on from the first's: the log's clock never goes back
    clock = [row["seconds"] for row in log]
    assert clock == sorted(clock) and summary["seconds"] >= clock[-1]
    # the model of the last checkpoint (what export_reader --checkpoint exports) is the one saved
    import torch

    again = model_from_checkpoint(tmp_path / "reader" / "checkpoint.pt", tmp_path / "from-checkpoint")
    saved, rebuilt = torch.load(tmp_path / "reader" / "model" / "head.pt"), torch.load(again / "head.pt")
    assert all(torch.equal(saved[name], rebuilt[name]) for name in saved)


def test_a_run_with_average_saves_the_moving_average_of_its_weights(tmp_path: Path) -> None:
    """``--average DECAY``: the average is scored beside the weights after each epoch, kept in
    the checkpoint (a resumed run goes on with it) and is the model saved and exported."""
    import torch

    passage = "Acme Holdings said profit rose by 12% to $3.5m. Its chief executive is Maria Lopez."
    windows = [
        Window("By how much did Acme's profit rise?", passage, gold_spans(passage, ["12%"]), "retrieved", ["12%"]),
        Window("Who runs Acme Holdings?", passage, gold_spans(passage, ["Maria Lopez"]), "retrieved", ["Maria Lopez"]),
    ] * 2
    held_out = {"tiny": [Window("Who leads Acme?", passage, [], "score", ["Maria Lopez"])]}
    args = argparse.Namespace(
        out=tmp_path / "avg", epochs=1, lr=1e-3, batch=2, threads=1, log_every=1, save_every=1, average=0.5
    )
    train(windows, held_out, args)
    log = [json.loads(line) for line in (tmp_path / "avg" / "log.jsonl").read_text().splitlines()]
    (scored,) = [row for row in log if "scores" in row]
    assert scored["averaged_scores"]["tiny"]["questions"] == 1
    saved = torch.load(tmp_path / "avg" / "checkpoint.pt", weights_only=False)
    head = torch.load(tmp_path / "avg" / "model" / "head.pt")
    weight, bias = saved["average"][-2:]  # the head's parameters come last
    assert torch.equal(head["weight"], weight) and torch.equal(head["bias"], bias)
    assert not torch.equal(head["weight"], saved["model"]["head"]["weight"])  # not the last step's weights
    exported = torch.load(model_from_checkpoint(tmp_path / "avg" / "checkpoint.pt", tmp_path / "out") / "head.pt")
    assert torch.equal(exported["weight"], head["weight"])
    assert json.loads((tmp_path / "avg" / "model" / "training.json").read_text())["settings"]["average"] == 0.5
    args.epochs = 2
    train(windows, held_out, args)  # resumes with the kept average
    again = torch.load(tmp_path / "avg" / "checkpoint.pt", weights_only=False)
    assert not torch.equal(again["average"][-2], weight)
    with pytest.raises(ValueError, match="decay must be in"):
        train(windows, held_out, argparse.Namespace(**{**vars(args), "average": 1.5, "out": tmp_path / "bad"}))
    with pytest.raises(SystemExit):
        arguments().parse_args(["--average", "1"])


def test_negative_turns_read_each_no_answer_passage_once_in_so_many_epochs() -> None:
    rotating = [row % 3 != 0 for row in range(30)]  # 10 rows always read, 20 in turn
    rows_of = rows_in_turn(rotating, 2)
    first, second, third = rows_of(0), rows_of(1), rows_of(2)
    always = {row for row in range(30) if row % 3 == 0}
    assert always <= set(first) and always <= set(second)
    assert len(first) == len(second) == 20  # the 10 kept and half of the 20 in turn
    assert set(first) & set(second) == always  # the halves do not overlap
    assert set(first) | set(second) == set(range(30)) and third == first
    assert rows_in_turn(rotating, 1)(0) == list(range(30))
    with pytest.raises(ValueError, match="at least 1"):
        rows_in_turn(rotating, 0)
    with pytest.raises(SystemExit):
        main(["--negative-turns", "0"])


@pytest.mark.slow
def test_a_run_with_negative_turns_reads_half_the_negatives_an_epoch(tmp_path: Path) -> None:
    passage = "Acme Holdings said profit rose by 12% to $3.5m. Its chief executive is Maria Lopez."
    windows = [
        Window("By how much did Acme's profit rise?", passage, gold_spans(passage, ["12%"]), "retrieved", ["12%"]),
        *[
            Window(f"Who bought Zeta Foods in {year}?", passage, [], "negative", ["Omega"])
            for year in range(2000, 2004)
        ],
    ]
    args = argparse.Namespace(
        out=tmp_path / "turns", epochs=2, lr=1e-4, batch=1, threads=1, log_every=1, save_every=10, negative_turns=2
    )
    summary = train(windows, {}, args)
    log = [json.loads(line) for line in (tmp_path / "turns" / "log.jsonl").read_text().splitlines()]
    assert [(row["epoch"], row["of"]) for row in log if "loss" in row] == [(1, 3)] * 3 + [(2, 3)] * 3
    assert summary["settings"]["negatives"]["turns"] == 2


def test_the_model_card_command_trains_the_same_model_again() -> None:
    """The card's command, parsed by the training command's own parser, has the recorded settings."""
    training = {
        "data": "SQuAD-half part A, ...",
        "settings": {
            "squad": "A",
            "epochs": 3,
            "lr": 0.0001,
            "batch": 16,
            "negatives": {"squad_and_calibration": 2, "news": 4, "unanswerable_news": 10, "near_miss_own_article": 4},
        },
    }
    command = training_command(training, Path("bench/results/reader-A3/model")).split()
    assert command[:3] == ["python", "-m", "training.train_reader"]
    args = arguments().parse_args(command[3:])
    assert (args.squad, args.epochs, args.lr, args.batch) == ("A", 3, 0.0001, 16)
    assert (args.negatives, args.news_negatives, args.unanswerable_negatives, args.near_miss_negatives) == (2, 4, 10, 4)
    assert args.out == Path("bench/results/reader-A3")
    assert args.news_questions == NEWS_TRAIN  # the default is left out of the command
    ablation = {**training, "settings": {**training["settings"], "news_questions": "bench/results/subset.jsonl"}}
    parsed = arguments().parse_args(training_command(ablation, Path("r/model")).split()[3:])
    assert parsed.news_questions == Path("bench/results/subset.jsonl")
    assert (parsed.cloze, parsed.start_from) == (None, None)
    assert (parsed.average, parsed.squad_copies, parsed.squad_written, parsed.negative_turns) == (0.0, 1, None, 1)
    switches = {
        **training,
        "settings": {
            **training["settings"],
            "cloze": "c.jsonl",
            "start_from": "span/model",
            "average": 0.9995,
            "squad_copies": 2,
            "squad_written": "eval/squad-part-a/questions.jsonl",
            "negatives": {**training["settings"]["negatives"], "turns": 2},
        },
    }
    parsed = arguments().parse_args(training_command(switches, Path("r/model")).split()[3:])
    assert (parsed.cloze, parsed.start_from, parsed.average) == (Path("c.jsonl"), Path("span/model"), 0.9995)
    assert (parsed.squad_copies, parsed.negative_turns) == (2, 2)
    assert parsed.squad_written == Path("eval/squad-part-a/questions.jsonl")
    older = training_command(
        {"data": "SQuAD-half all, ...", "settings": {"epochs": 2, "negatives": 2}}, Path("m/model")
    )
    assert arguments().parse_args(older.split()[3:]).squad == "all"
