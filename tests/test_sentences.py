"""Sentence boundaries with offsets."""

from __future__ import annotations

from qa.passages.sentences import split_sentences


def _split(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text, 0, len(text))]


def test_abbreviations_and_initials_do_not_split() -> None:
    text = "Indian Foreign Minister S. Jaishankar met Mr. Putin in the U.S. capital. Talks went well."
    assert _split(text) == [
        "Indian Foreign Minister S. Jaishankar met Mr. Putin in the U.S. capital.",
        "Talks went well.",
    ]


def test_quotes_and_question_marks() -> None:
    text = "“Everything is in your hands,” he said. “Is it?” Nobody knew! 65% agreed."
    assert _split(text) == ["“Everything is in your hands,” he said.", "“Is it?”", "Nobody knew!", "65% agreed."]


def test_lowercase_after_period_does_not_split() -> None:
    assert _split("It costs 3.5 billion. e.g. this stays together.") == [
        "It costs 3.5 billion. e.g. this stays together."
    ]


def test_offsets_are_exact_inside_a_larger_text() -> None:
    text = "HEAD\nFirst one. Second one.\nTAIL"
    spans = split_sentences(text, 5, 5 + len("First one. Second one."))
    assert [text[s.start : s.end] for s in spans] == ["First one.", "Second one."]
