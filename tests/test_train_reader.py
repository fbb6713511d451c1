"""The reader's training command (bench/train_reader.py): SQuAD's scoring, positives and
negatives from retrieved passages, word-piece targets, and a seeded run that checkpoints
and resumes (the real packaged model, a handful of windows)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bench.compare_declines import operating_point, scored, scorers
from bench.export_reader import training_command
from bench.fit_veto import NAME_THRESHOLDS, THRESHOLDS, Asked, at_threshold, choose
from bench.train_reader import (
    NEGATIVES,
    Window,
    arguments,
    encode,
    gold_spans,
    question_windows,
    tokenizer,
    train,
)
from qa.reading.scoring import exact_match, f1_score, squad_normalise


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


def test_the_veto_threshold_declines_what_the_reader_calls_unanswered() -> None:
    asked = [
        Asked(answerable=True, found=True, holds_gold=True, no_answer=0.1),
        Asked(answerable=True, found=True, holds_gold=False, no_answer=0.85),
        Asked(answerable=True, found=False, holds_gold=False, no_answer=0.2),
        Asked(answerable=False, found=True, holds_gold=False, no_answer=0.9),
        Asked(answerable=False, found=True, holds_gold=False, no_answer=0.3),
    ]
    off = at_threshold(asked, 1.01)
    assert (off["answered"], off["declined"], off["answerable_lost"]) == (2 / 3, 0.0, 0)
    at_08 = at_threshold(asked, 0.8)
    assert at_08["answered"] == 1 / 3 and at_08["holds_gold"] == 1 / 3 and at_08["declined"] == 0.5
    assert at_08["answerable_lost"] == 1


def test_the_name_veto_acts_only_where_a_name_is_unread_and_the_choice_keeps_the_answers() -> None:
    def asked(answerable: bool, no_answer: float, unread: bool) -> Asked:
        return Asked(answerable, True, answerable, no_answer, 1.0, unread)

    news = [asked(True, 0.1, False), asked(True, 0.6, True), asked(False, 0.85, True), asked(False, 0.85, False)]
    at = at_threshold(news, 0.95, 0.8)
    assert (at["answered"], at["declined"]) == (1.0, 0.5)  # only the unread name at 0.85 is declined
    assert at_threshold(news, 0.95, 0.5)["answered"] == 0.5
    everything = {"news_dev": news, "squad_B": news[:2], "dev_file": news[:1]}
    pairs = [(t, n) for t in THRESHOLDS for n in NAME_THRESHOLDS]
    table = {name: {pair: at_threshold(rows, *pair) for pair in pairs} for name, rows in everything.items()}
    veto, name_veto = choose(table)
    # both unanswerable ones declined (veto <= 0.85) with both answerable ones kept (name veto > 0.6)
    assert veto in (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85) and name_veto in (0.7, 0.8, 0.9, 1.01)
    assert table["news_dev"][(veto, name_veto)]["declined"] == 1.0
    assert table["news_dev"][(veto, name_veto)]["answered"] == 1.0


def test_decline_comparison_keeps_the_answered_share_and_scores_each_rule() -> None:
    def asked(answerable: bool, confidence: float, no_answer: float) -> Asked:
        return Asked(answerable, True, answerable, no_answer, confidence)

    news = [asked(True, 0.9, 0.01), asked(True, 0.8, 0.5), asked(True, 0.6, 0.95), asked(False, 0.7, 0.9)]
    news += [asked(False, 0.3, 0.2)]
    squad = [asked(True, 0.95, 0.001), asked(True, 0.9, 0.05), asked(False, 0.2, 0.99), asked(False, 0.4, 0.9)]
    rules = scorers({"news_dev": news, "squad_B": squad, "dev_file": news}, min_confidence=0.5)
    veto = rules["decline model + veto"](news)
    assert veto[-1] == -np.inf  # the decline model declines it whatever the veto says
    # keeping all three answerable ones, the veto acts only above 0.95 "no answer": 0.9 is answered
    everything = operating_point(news, veto, 1.0)
    assert scored(news, veto, everything) == {"answered": 1.0, "declined": 0.5}
    # keeping two of three, the veto acts from 0.5: the 0.9 one is declined too
    two = operating_point(news, veto, 0.6)
    assert scored(news, veto, two) == {"answered": 2 / 3, "declined": 1.0}
    alone = rules["decline model"](news)
    assert scored(news, alone, operating_point(news, alone, 1.0)) == {"answered": 1.0, "declined": 0.5}
    joint = rules["joint"](squad)  # fitted on squad: its answerable questions score higher
    assert min(joint[:2]) > max(joint[2:])


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
    train(windows, held_out, args)  # resumes after epoch 1: only epoch 2's steps run
    log = [json.loads(line) for line in (tmp_path / "reader" / "log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in log if "loss" in row] == [1, 1, 1, 2, 2, 2]
    assert [row["epoch"] for row in log if "scores" in row] == [1, 2]


def test_the_model_card_command_trains_the_same_model_again() -> None:
    """The card's command, parsed by the training command's own parser, has the recorded settings."""
    training = {
        "data": "SQuAD-half part A, ...",
        "settings": {
            "squad": "A",
            "epochs": 3,
            "lr": 0.0001,
            "batch": 16,
            "negatives": {"squad_and_calibration": 2, "news": 4, "unanswerable_news": 10},
        },
    }
    command = training_command(training, Path("bench/results/reader-A3/model")).split()
    assert command[:3] == ["python", "-m", "bench.train_reader"]
    args = arguments().parse_args(command[3:])
    assert (args.squad, args.epochs, args.lr, args.batch) == ("A", 3, 0.0001, 16)
    assert (args.negatives, args.news_negatives, args.unanswerable_negatives) == (2, 4, 10)
    assert args.out == Path("bench/results/reader-A3")
    older = training_command(
        {"data": "SQuAD-half all, ...", "settings": {"epochs": 2, "negatives": 2}}, Path("m/model")
    )
    assert arguments().parse_args(older.split()[3:]).squad == "all"
