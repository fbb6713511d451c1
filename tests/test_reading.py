"""The reading stage: the packaged reader (checked at load) and its answer score (fitted for
it), spans from logits, the answer sentence that holds the span, the score's evidence."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError
from qa.reading.answer_score import FEATURES, PACKAGED_SCORE, AnswerScore, evidence_of, load_score
from qa.reading.compose import figures, sentence_holding
from qa.reading.model import CARD_FILE, MODEL_FILE, PACKAGED_READER, ReaderModel, WindowReading, read_card
from qa.reading.reader import FoundSpan, Reading
from qa.reading.spans import best_span, read_windows, top_spans
from qa.types import Citation, Hit, Passage, Span


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
    ranked, _ = read_windows([silent, _reading([0.0, 0.0, 0.0, 9.0], [0.0, 0.0, 0.0, 9.0])], per_window=1)
    assert [s.window for s in ranked] == [1, 0]


def test_a_windows_second_span_is_the_best_that_does_not_overlap_the_first() -> None:
    """Word pieces 3-4 are the most probable answer, 5 the runner-up; 4-5 overlaps the first
    and is never the second span, however probable."""
    reading = _reading([0.0, -9.0, 0.0, 6.0, 0.0, 4.0], [0.0, -9.0, 0.0, 0.0, 6.0, 5.0])
    first, second = top_spans(reading, count=2)
    assert (first.start, first.end) == (4, 11) and (second.start, second.end) == (12, 15)
    assert first.probability > second.probability and first.no_answer == second.no_answer
    spans, masses = read_windows([reading, reading])
    assert [s.window for s in spans] == [0, 1, 0, 1]  # two per window, most probable first
    every_span = masses[0]  # P(start) * P(end) summed over the allowed pairs
    assert first.probability + second.probability < every_span < 1.0 - first.no_answer + 1e-9
    assert top_spans(_reading([1.0, 1.0], [1.0, 1.0]), count=2) == []
    assert read_windows([_reading([1.0], [1.0])]) == ([], (0.0,))  # no passage: no span, no mass


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


def _found(hit: int, article: str, start: int, end: int, text: str, probability: float) -> FoundSpan:
    return FoundSpan(hit, article, start, end, text, probability, 0.1)


class _Lookup:
    """One passage of an article, at offset 100 of its file."""

    text = "Heading\nTrade grew. It reached $65 billion, up 12 per cent. Officials cheered."

    def passage(self, passage_id: int) -> Passage:
        sentences = tuple(Span(100 + m.start(), 100 + m.end()) for m in re.finditer(r"[^ .\n][^.\n]*\.", self.text))
        return Passage("a", 100, 100 + len(self.text), self.text, sentences)


def _hit() -> Hit:
    text = _Lookup.text
    return Hit(text, 1.0, Citation("a", "A", "a.txt", 100, 100 + len(text)), 0.5, 1.0, passage_index=0)


def test_the_answer_sentence_is_the_one_that_holds_the_span() -> None:
    text, start = _Lookup.text, 100 + _Lookup.text.index("$65 billion")
    span, sentence = sentence_holding(_found(1, "a", start, start + 11, "$65 billion", 0.9), _hit(), _Lookup())  # type: ignore[arg-type]
    assert sentence == "It reached $65 billion, up 12 per cent." and text[span.start - 100 : span.end - 100] == sentence
    across = text.index("grew")
    _, both = sentence_holding(_found(1, "a", 100 + across, start + 2, "grew. It re", 0.9), _hit(), _Lookup())  # type: ignore[arg-type]
    assert both == "Trade grew. It reached $65 billion, up 12 per cent."
    _, heading = sentence_holding(_found(1, "a", 100, 107, "Heading", 0.9), _hit(), _Lookup())  # type: ignore[arg-type]
    assert heading == "Heading"


def test_the_scores_evidence_is_the_readings() -> None:
    best, same, other = (
        _found(1, "a", 0, 3, "45%", 0.6),
        _found(2, "b", 0, 3, "45 %", 0.1),
        _found(3, "c", 0, 3, "90%", 0.2),
    )
    same = replace(same, text="45%")
    reading = Reading((best, other, same), 0.05, (0.8, 0.3, 0.1))
    evidence = evidence_of("What share of Indian arms imports come from Russia?", reading, ["Russia's share is 45%"])
    assert set(evidence) == set(FEATURES) and evidence["share"] == pytest.approx(0.5)  # 0.6 of the 1.2 read
    assert evidence["span"] == 0.6 and evidence["no_answer"] == 0.1 and evidence["least_no_answer"] == 0.05
    assert evidence["margin"] == pytest.approx(0.4) and evidence["agreement"] == pytest.approx(0.1)
    assert evidence["rank"] == 1.0 and evidence["name_unread"] == 0.0
    unread = evidence_of("What did Lib Dem Mark Oaten say?", reading, ["Mr Oaten said so"])
    assert unread["name_unread"] == 1.0
    as_if = evidence_of("q?", reading, ["x"], chosen=other)  # another span judged as if it were the answer
    assert as_if["span"] == 0.2 and as_if["margin"] == pytest.approx(-0.4) and as_if["rank"] == pytest.approx(1 / 3)
    nothing = evidence_of("q?", Reading((), 1.0), [])
    assert nothing["span"] == 0.0 and nothing["no_answer"] == 1.0 and nothing["share"] == 0.0
    assert reading.first(2).masses == (0.8, 0.3) and reading.first(2).spans == (best, same)


def test_the_answer_is_the_span_the_score_rates_highest_not_the_readers_most_probable() -> None:
    probable = replace(_found(1, "a", 0, 3, "Ajit Doval", 0.09), no_answer=0.33)
    sure = replace(_found(2, "b", 0, 3, "Putin", 0.07), no_answer=0.03)
    reading = Reading((probable, sure), 0.03)  # the reader's order: most probable first
    # a score that trusts a passage sure it holds an answer more than a slightly higher span probability
    weights = tuple({"span": 1.0, "no_answer": -1.0}.get(name, 0.0) for name in FEATURES)
    score = AnswerScore(FEATURES, weights, 0.0, 0.2, 0.9)
    rated = score.rate("Who invited Narendra Modi to visit Moscow?", reading, ["x", "y"])
    assert [span for _, span, _ in rated] == [sure, probable]
    assert rated[0][0] == pytest.approx(score.probability(rated[0][2])) and rated[0][0] > rated[1][0]
    assert rated[0][2]["no_answer"] == 0.03 and rated[0][2]["rank"] == 0.5
    assert score.rate("q?", Reading((), 1.0), []) == []


def test_the_packaged_score_was_fitted_for_the_packaged_reader(tmp_path: Path) -> None:
    """A retrained reader cannot ship with a stale score: fit it again (python -m training.fit_answer_score)."""
    card = read_card(PACKAGED_READER)
    score = load_score(PACKAGED_SCORE, reader_sha256=card["checksums"][MODEL_FILE])
    assert score.decline_below < score.bold_from <= 1.0 and set(score.features) <= set(FEATURES)
    with pytest.raises(ModelError, match="fitted for another reader.*training.fit_answer_score"):
        load_score(PACKAGED_SCORE, reader_sha256="0" * 64)
    (tmp_path / "score.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable"):
        load_score(tmp_path / "score.json")


def test_the_packaged_reader_is_checked_at_load(tmp_path: Path) -> None:
    card = read_card(PACKAGED_READER)
    assert set(card["checksums"]) == {MODEL_FILE, "tokenizer.json"}
    assert (PACKAGED_READER / MODEL_FILE).stat().st_size < 36 * 2**20  # about 35 MB of model (issue 33)
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
    with pytest.raises(ModelError, match="reader model is missing .*python -m training.train_reader"):
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


@pytest.mark.slow
def test_the_fit_command_writes_a_score_for_the_packaged_reader(tmp_path: Path) -> None:
    """``python -m training.fit_answer_score`` on the seed articles and the calibration
    questions (the shipped score uses the BBC archive and the news dev split), reading the
    top 3 passages (``--passages``): a score for the packaged reader, with its cut-offs and curve."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out, curve = tmp_path / "answer_score.json", tmp_path / "curve.json"
    command = [sys.executable, "-m", "training.fit_answer_score", "--corpus", str(root / "corpus")]
    command += ["--index", str(tmp_path / "index"), "--questions", str(root / "eval" / "calibration-questions.jsonl")]
    command += ["--out", str(out), "--json", str(curve), "--passages", "3"]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    score = load_score(out, reader_sha256=read_card(PACKAGED_READER)["checksums"][MODEL_FILE])
    assert 0.0 < score.decline_below <= score.bold_from <= 1.0
    assert "calibration-questions.jsonl (40 questions), top 3 passages read" in score.fitted_on
    rows = json.loads(curve.read_text())["curve"]
    assert [row["answered"] for row in rows] == sorted((row["answered"] for row in rows), reverse=True)
