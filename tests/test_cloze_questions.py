"""Questions made from the archive (training/cloze_questions.py): answers found by rules, the
wh-question made from one sentence and asked over another sentence's paragraph, the shipped
reader's agreement filter (real model), and the training switch that learns from them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.cloze_questions import (
    ClozeQuestion,
    agreed,
    answer_candidates,
    article_clozes,
    is_person,
    main,
    wh_question,
)
from training.data import BBC, SQUAD
from training.train_reader import arguments, cloze_windows

ARTICLE = (
    "Acme Motors said on Monday it would build a plant in Leeds costing £40m.\n"
    "The plant will employ 1,200 people when it opens in March 2006, said Mr Jones.\n"
    "Chief executive Peter Jones said Leeds was chosen for its skilled workers. "
    "The £40m plant is Acme's first in the UK."
)


def test_names_numbers_sums_and_dates_are_answers_with_their_wh_word() -> None:
    sentence = "The plant will employ 1,200 people when it opens in March 2006, said Mr Jones."
    found = {sentence[s:e]: wh for s, e, wh in answer_candidates(sentence)}
    assert found == {"1,200": "How many", "March 2006": "When"}  # "Mr Jones": the title would dangle
    sums = {
        sentence[s:e]: wh
        for sentence in ["Acme Motors said its costs rose 7% to £40m in Leeds last year."]
        for s, e, wh in answer_candidates(sentence)
    }
    assert sums == {"7%": "What percentage", "£40m": "How much", "Leeds": "Where"}


def test_a_sentences_first_word_titles_and_nationalities_are_not_answers() -> None:
    sentence = "Shares in German carmaker BMW rose after The Times reported a deal."
    answers = [sentence[s:e] for s, e, _ in answer_candidates(sentence)]
    assert answers == ["BMW"]


def test_the_question_is_the_sentence_without_its_answer_and_a_wh_word_in_front() -> None:
    sentence = "The plant will employ 1,200 people when it opens in March 2006, said Mr Jones."
    start = sentence.index("March 2006")
    assert wh_question(sentence, start, start + 10, "When") == (
        "When the plant will employ 1,200 people when it opens, said Mr Jones?"
    )
    assert wh_question("It rose 5%.", 8, 10, "What percentage") is None  # too short to ask


def test_a_person_is_one_the_article_calls_by_a_title() -> None:
    assert is_person("Peter Jones", ARTICLE)
    assert not is_person("Acme Motors", ARTICLE)


def test_each_question_is_asked_over_another_sentences_paragraph_with_exact_offsets() -> None:
    made = article_clozes("acme", ARTICLE, "bbc")
    assert made, "the article repeats Leeds and £40m in other sentences"
    for cloze in made:
        assert cloze.answers[0] not in cloze.question
        for start in cloze.start:
            assert cloze.passage[start : start + len(cloze.answers[0])] == cloze.answers[0]
    leeds = next(c for c in made if c.answers == ["Leeds"])
    assert leeds.type == "Where"
    assert leeds.question.startswith("Where Acme Motors said on Monday it would build a plant costing £40m")
    assert leeds.passage.startswith("Chief executive Peter Jones said Leeds was chosen")
    # a pair needs the answer in another sentence: 1,200 and March 2006 are said once only
    assert not {"1,200", "March 2006"} & {c.answers[0] for c in made}


def test_the_shipped_reader_keeps_the_pairs_it_agrees_with() -> None:
    easy = ClozeQuestion(
        "Where will Acme Motors build its plant?",
        "Acme Motors will build its new plant in Leeds, the company said.",
        ["Leeds"],
        [40],
        "Where",
        "acme",
        "bbc",
        "",
    )
    wrong = ClozeQuestion(easy.question, easy.passage, ["the company"], [49], "Where", "acme", "bbc", "")
    kept = agreed([easy, wrong])
    assert [record for record, _ in kept] == [easy]
    assert kept[0][1] >= 0.5


def test_the_training_switch_learns_from_them_and_keeps_squad_part_b_out_of_part_a_runs(tmp_path: Path) -> None:
    records = [
        {"question": "Where is the plant?", "passage": "It is in Leeds.", "answers": ["Leeds"], "start": [9]}
        | {"source": source, "part": part}
        for source, part in (("bbc", ""), ("squad", "A"), ("squad", "B"))
    ]
    part_a = cloze_windows(records, "A")
    assert len(part_a) == 2 and all(w.golds == [(9, 14)] and w.source == "cloze" for w in part_a)
    assert len(cloze_windows(records, "all")) == 3
    cloze_file = tmp_path / "cloze.jsonl"
    cloze_file.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert arguments().parse_args(["--cloze", str(cloze_file)]).cloze == cloze_file


@pytest.mark.skipif(
    not (BBC.is_dir() and SQUAD.is_dir()), reason="needs ../shared/news/bbc and ../shared/eval/squad-half"
)
def test_the_command_makes_filtered_questions_from_both_sources(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "cloze.jsonl"
    assert main(["--limit", "3", "--per-article", "2", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary["kept"] == len(records) <= summary["made"] <= 12
    assert all(r["reader_f1"] >= 0.5 for r in records)
    assert main(["--limit", "3", "--per-article", "2", "--keep-all", "--out", str(out)]) == 0
    every = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(every) == summary["made"] and {r["source"] for r in every} == {"bbc", "squad"}
    assert all(r["reader_f1"] is None for r in every)
