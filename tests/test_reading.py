"""The reading stage: the packaged reader (checked at load), spans from logits, the answer
sentence that holds the span, and "a different figure" only for a differing answer."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError
from qa.reading.compose import differing_answer, figures, unit_holding
from qa.reading.model import CARD_FILE, MODEL_FILE, PACKAGED_READER, ReaderModel, WindowReading, read_card
from qa.reading.reader import FoundSpan, Reading
from qa.reading.spans import best_span, best_spans
from qa.reading.units import Unit
from qa.types import Span


def _reading(starts: list[float], ends: list[float], passage_from: int = 2) -> WindowReading:
    n = len(starts)
    offsets = tuple(
        (0, 0) if i < passage_from else ((i - passage_from) * 4, (i - passage_from) * 4 + 3) for i in range(n)
    )
    in_passage = np.array([i >= passage_from for i in range(n)])
    return WindowReading(np.array(starts, dtype=np.float32), np.array(ends, dtype=np.float32), offsets, in_passage)


def test_the_best_span_is_the_most_probable_start_and_end_pair() -> None:
    reading = _reading([0.0, -9.0, 1.0, 5.0, 0.0, 0.0], [0.0, -9.0, 0.0, 0.0, 6.0, 1.0])
    span = best_span(reading)
    assert span is not None and (span.start, span.end) == (4, 11)  # word pieces 3..4
    starts = np.exp([0.0, 1.0, 5.0, 0.0, 0.0]) / np.exp([0.0, 1.0, 5.0, 0.0, 0.0]).sum()
    ends = np.exp([0.0, 0.0, 0.0, 6.0, 1.0]) / np.exp([0.0, 0.0, 0.0, 6.0, 1.0]).sum()
    assert span.probability == pytest.approx(starts[2] * ends[3], rel=1e-5)
    assert span.no_answer == pytest.approx(starts[0] * ends[0], rel=1e-5)


def test_an_end_before_its_start_is_never_chosen_and_no_answer_wins_nothing() -> None:
    backwards = _reading([0.0, 0.0, 0.0, 0.0, 8.0], [0.0, 0.0, 0.0, 8.0, 0.0])
    span = best_span(backwards)
    assert span is not None and span.start <= span.end and span.start >= 0
    silent = _reading([9.0, 0.0, 0.0, 0.0], [9.0, 0.0, 0.0, 0.0])
    assert best_span(silent).no_answer > 0.99  # type: ignore[union-attr]
    assert best_span(_reading([1.0, 1.0], [1.0, 1.0], passage_from=2)) is None
    ranked = best_spans([silent, _reading([0.0, 0.0, 0.0, 9.0], [0.0, 0.0, 0.0, 9.0])])
    assert [s.window for s in ranked] == [1, 0]


def test_a_span_never_runs_across_a_line_break() -> None:
    """Start at "Moscow", end at "partner" is the most probable pair, but a paragraph lies
    between them: the best span is the best one within a line."""
    passage = "Putin invited Modi to Moscow.\n\nCalling Russia a partner"
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", passage)]
    starts = [0.0, -9.0] + [0.0] * len(words)
    ends = [0.0, -9.0] + [0.0] * len(words)
    starts[2 + 4] = 6.0  # "Moscow."
    ends[2 + 8] = 7.0  # "partner", after the blank line
    ends[2 + 4] = 5.0
    reading = WindowReading(
        np.array(starts, dtype=np.float32),
        np.array(ends, dtype=np.float32),
        ((0, 0), (0, 0), *words),
        np.array([False, False] + [True] * len(words)),
        passage,
    )
    span = best_span(reading)
    assert span is not None and passage[span.start : span.end] == "Moscow."
    without_text = best_span(replace(reading, passage=""))  # no passage given: lines are not known
    assert without_text is not None and passage[without_text.start : without_text.end].endswith("partner")


def test_figures_are_read_in_one_form() -> None:
    assert figures("45%") == figures("45 per cent") == {"45%"}
    assert figures("$65 billion") == {"$65billion"}
    assert figures("5 more people") == {"5"}
    assert figures("Paris") == set()


def _unit(hit: int, article: str, start: int, end: int) -> Unit:
    return Unit(hit, article, Span(start, end), "x" * (end - start), np.zeros(3, np.float32), None)


def _found(hit: int, article: str, start: int, end: int, text: str, probability: float) -> FoundSpan:
    return FoundSpan(hit, article, start, end, text, probability, 0.1)


def test_the_answer_sentence_is_the_one_that_holds_the_span() -> None:
    units = [_unit(1, "a", 0, 50), _unit(1, "a", 51, 120), _unit(1, "a", 0, 120), _unit(2, "b", 60, 90)]
    assert unit_holding(units, _found(1, "a", 70, 75, "45%", 0.9)) == 1  # the shortest that holds it
    assert (
        unit_holding(units, _found(1, "a", 45, 60, "across", 0.9)) == 2
    )  # across two sentences: the unit holding both
    assert unit_holding(units, _found(2, "b", 10, 12, "no", 0.9)) is None


def test_a_different_figure_is_another_articles_confident_answer_with_another_value() -> None:
    units = [_unit(1, "a", 0, 50), _unit(2, "b", 0, 50), _unit(3, "c", 0, 50)]
    best = _found(1, "a", 10, 13, "45%", 0.9)
    trade = _found(2, "b", 10, 17, "Moscow", 0.8)  # not a figure: not a differing answer
    older = _found(3, "c", 10, 13, "90%", 0.7)
    assert differing_answer(Reading((best, trade, older), 0.1), units, 0.5) == 2
    assert differing_answer(Reading((best, older), 0.1), units, 0.75) is None  # not confident enough
    same = _found(3, "c", 10, 13, "45 per cent", 0.9)
    assert differing_answer(Reading((best, same), 0.1), units, 0.5) is None
    name = _found(1, "a", 10, 16, "France", 0.9)
    assert differing_answer(Reading((name, older), 0.1), units, 0.5) is None  # the answer is no figure


def test_the_packaged_reader_is_checked_at_load(tmp_path: Path) -> None:
    card = read_card(PACKAGED_READER)
    assert set(card["checksums"]) == {MODEL_FILE, "tokenizer.json"}
    assert (PACKAGED_READER / MODEL_FILE).stat().st_size < 30 * 2**20
    damaged = tmp_path / "damaged"
    shutil.copytree(PACKAGED_READER, damaged)
    with (damaged / MODEL_FILE).open("r+b") as handle:
        handle.seek(5000)
        byte = handle.read(1)
        handle.seek(5000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="missing or damaged: reinstall the package"):
        ReaderModel(damaged)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="reader model is missing .*python -m bench.train_reader"):
        ReaderModel(tmp_path / "empty")
    broken = tmp_path / "broken"
    shutil.copytree(PACKAGED_READER, broken)
    (broken / CARD_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable"):
        ReaderModel(broken)


@pytest.mark.slow
def test_the_reader_marks_the_answer_in_a_passage() -> None:
    reader = ReaderModel()
    passage = "The company, Acme Holdings, said its chief executive, Maria Lopez, will step down in March."
    (reading,) = reader.read("Who runs Acme Holdings?", [passage])
    span = best_span(reading)
    assert span is not None and passage[span.start : span.end] == "Maria Lopez"
    long_question = "Who " + "really " * 200 + "runs Acme?"
    assert reader.short_question(long_question) != long_question and len(reader.read(long_question, [passage])) == 1
