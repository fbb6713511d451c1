"""Questions written about SQuAD-half part A (training/squad_part_a.py): the checker refuses
part B, wrong offsets, facts SQuAD already asks and one fact asked twice; the built set holds
no problem; ``train_reader --squad-written`` learns from it beside part A's own questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.data import SQUAD
from training.squad_part_a import QUESTIONS, build, check_files, main, paragraph_text, squad_answers, stats
from training.train_reader import arguments, squad_training_questions

pytestmark = pytest.mark.skipif(not SQUAD.is_dir(), reason="needs ../shared/eval/squad-half")

TEXT = "A computational problem can be viewed as an infinite collection of instances"


def _record(question: str, answer: str, paragraph: str = "04_003", occurrence: int = 0) -> dict:
    text = paragraph_text(paragraph)
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(answer, start + 1)
    return {"question": question, "answers": [answer], "start": [start], "paragraph": paragraph, "type": "what"}


def _write(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "draft.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_new_fact_of_a_part_a_paragraph_passes(tmp_path: Path) -> None:
    assert paragraph_text("04_003").startswith(TEXT)  # front matter left out, as the reader reads it
    good = _record("In complexity theory, which whole number illustrates a primality check?", "15")
    assert check_files([_write(tmp_path, [good])]) == []


def test_the_checker_names_each_fault_and_its_fix(tmp_path: Path) -> None:
    asked = _record("What is an input of a computational problem called?", "problem instance")
    assert "instance" in squad_answers()["04_003"]  # SQuAD asks it in other words
    moved = {**_record("Which number tests primality in the example?", "15"), "start": [3]}
    part_b = {"question": "Who won?", "answers": ["Denver Broncos"], "start": [0], "paragraph": "02_000", "type": "who"}
    twice = [
        _record("In complexity theory, which whole number illustrates a primality check?", "15"),
        _record("What integer serves as the instance in the primality example?", "15"),
    ]
    messages = [p.message for p in check_files([_write(tmp_path, [asked, moved, part_b, *twice])])]
    assert any("what a SQuAD question of 04_003 already asks" in m and "ask another fact" in m for m in messages)
    assert any("is not at offset 3" in m for m in messages)
    assert any("is in part B" in m for m in messages)
    assert any("asks the fact draft.jsonl:4 asks" in m for m in messages)
    assert len(messages) == 4


def test_build_gives_squad_half_shaped_records_the_reader_learns_from(tmp_path: Path) -> None:
    draft = _write(tmp_path, [_record("In complexity theory, which whole number illustrates a primality check?", "15")])
    target = tmp_path / "questions.jsonl"
    assert build([draft], target) == 1
    (row,) = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert row["articles"] == ["04_003"] and row["id"].startswith("w") and row["answers"] == ["15"]
    assert stats([row])["questions"] == 1
    part_a = squad_training_questions("A")
    with_written = squad_training_questions("A", written=target)
    assert with_written[: len(part_a)] == part_a and with_written[len(part_a) :] == [row]
    assert arguments().parse_args(["--squad-written", str(target)]).squad_written == target


@pytest.mark.skipif(not QUESTIONS.is_file(), reason="eval/squad-part-a/questions.jsonl is not built yet")
def test_the_built_set_holds_no_problem(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    drafts = [
        {**{k: r[k] for k in ("question", "answers", "start", "type")}, "paragraph": r["articles"][0]} for r in rows
    ]
    assert check_files([_write(tmp_path, drafts)]) == []
    assert len({r["id"] for r in rows}) == len(rows)
    figures = stats(rows)
    readme = (QUESTIONS.parent / "README.md").read_text(encoding="utf-8")
    said = f"| written here | {figures['questions']:,} | {figures['paragraphs']} | {figures['answer_sentence_overlap']:.3f} |"
    assert said in readme, f"eval/squad-part-a/README.md should say: {said}"


def test_the_commands_check_build_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _record("In complexity theory, which whole number illustrates a primality check?", "15")
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    draft = drafts / "part-a-1.jsonl"
    draft.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert main(["check", str(draft)]) == 0
    assert "1 questions, 0 problems" in capsys.readouterr().out
    monkeypatch.setattr("training.squad_part_a.DRAFTS", drafts)
    monkeypatch.setattr("training.squad_part_a.QUESTIONS", tmp_path / "questions.jsonl")
    monkeypatch.setattr("training.squad_part_a.ROOT", tmp_path)
    assert main(["build"]) == 0 and (tmp_path / "questions.jsonl").is_file()
    assert main(["stats"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["paragraphs"] == 1
    (drafts / "bad.jsonl").write_text(json.dumps({**good, "start": [0]}) + "\n", encoding="utf-8")
    assert main(["build"]) == 1
    assert "fix them before building" in capsys.readouterr().out
