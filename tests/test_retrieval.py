"""Search and answers over a fake-encoder index: shapes, citations, k, bad questions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEncoder

from qa import build_index
from qa.errors import QuestionError
from qa.query.retriever import Retriever, clean_question


@pytest.fixture
def retriever(corpus_copy: Path, tmp_path: Path) -> Retriever:
    build_index(corpus_copy, tmp_path / "embeddings", encoder=FakeEncoder())
    return Retriever.load(tmp_path / "embeddings", encoder=FakeEncoder())


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_k_larger_than_the_index_never_yields_padding(retriever: Retriever, mode: str) -> None:
    size = len(retriever.snapshot.passages)
    hits = retriever.search("Doval Shoigu Moscow talks", k=size + 50, mode=mode)  # type: ignore[arg-type]
    indices = [h.passage_index for h in hits]
    assert all(0 <= i < size for i in indices) and len(set(indices)) == len(indices)
    assert len(hits) <= size


def test_hits_are_best_first_and_cite_their_text(retriever: Retriever, corpus_copy: Path) -> None:
    hits = retriever.search("Kudankulam nuclear power plant", k=5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert "Kudankulam" in hits[0].text
    for hit in hits:
        source = (corpus_copy / hit.citation.source).read_bytes().decode("utf-8")
        assert source[hit.citation.start : hit.citation.end] == hit.text


def test_bm25_mode_finds_exact_words(retriever: Retriever) -> None:
    hits = retriever.search("Frunzenskaya Khalistani", k=3, mode="bm25")
    assert hits and all("Frunzenskaya" in h.text or "Khalistani" in h.text for h in hits)
    assert [h.score for h in hits] == [h.bm25_score for h in hits]  # bm25 mode ranks by BM25 itself


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x00", "x" * 100_000])
def test_bad_questions_get_a_clear_error(retriever: Retriever, bad: str) -> None:
    with pytest.raises(QuestionError):
        retriever.answer(bad)


def test_unknown_mode_is_refused(retriever: Retriever) -> None:
    with pytest.raises(QuestionError, match="hybrid, dense, bm25"):
        retriever.search("Doval", mode="magic")  # type: ignore[arg-type]


def test_question_cleaning() -> None:
    assert clean_question("  Who\x00 met \ud800 Doval?\n") == "Who met ? Doval?"


def test_refresh_switches_to_a_new_generation(retriever: Retriever, corpus_copy: Path) -> None:
    (corpus_copy / "zeta.txt").write_text("Zeta news\nThe zebra parade crossed Zanzibar yesterday.\n", encoding="utf-8")
    assert not retriever.refresh()
    build_index(corpus_copy, retriever.index_dir, encoder=FakeEncoder())
    assert retriever.refresh()
    assert "Zanzibar" in retriever.search("zebra parade Zanzibar", k=1, mode="bm25")[0].text
