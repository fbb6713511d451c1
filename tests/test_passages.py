"""Splitting: exact spans, token budget, overlap, and no passage across removed boilerplate."""

from __future__ import annotations

from conftest import SEEDS, FakeEncoder

from qa.ingest.corpus import parse_article, scan_corpus
from qa.passages.splitter import SplitSettings, split_article


def _passages(article, settings=None):  # type: ignore[no-untyped-def]
    encoder = FakeEncoder()
    return split_article(article, encoder.token_offsets, settings or SplitSettings(), encoder.max_tokens)


def test_spans_are_exact_and_sentences_inside() -> None:
    for article in scan_corpus(SEEDS).articles:
        for passage in _passages(article):
            assert article.text[passage.start : passage.end] == passage.text
            assert passage.sentences[0].start == passage.start and passage.sentences[-1].end == passage.end
            for span in passage.sentences:
                assert passage.start <= span.start < span.end <= passage.end


def test_budget_and_overlap() -> None:
    sentences = " ".join(f"Sentence number {i} has exactly seven words." for i in range(40))
    article = parse_article("Title line\n" + sentences + "\n", article_id="a", source="a.txt", digest="0")
    settings = SplitSettings(max_tokens=30, overlap_sentences=1)
    passages = _passages(article, settings)
    assert len(passages) > 5
    for passage in passages:
        assert len(passage.text.split()) <= 30
    for before, after in zip(passages, passages[1:]):
        assert after.sentences[0] == before.sentences[-1]  # one sentence of overlap
    assert passages[-1].end == article.blocks[-1].end  # nothing lost at the end


def test_a_sentence_longer_than_the_budget_is_cut_at_spaces() -> None:
    long_sentence = " ".join(f"word{i}" for i in range(100)) + "."
    article = parse_article("T\n" + long_sentence + "\n", article_id="a", source="a.txt", digest="0")
    passages = _passages(article, SplitSettings(max_tokens=25, overlap_sentences=0))
    assert len(passages) >= 4
    assert " ".join(p.text for p in passages) == long_sentence


def test_no_passage_spans_removed_boilerplate() -> None:
    text = "Headline here\nFirst paragraph sentence.\nShare this article\nSecond paragraph sentence.\n"
    article = parse_article(text, article_id="a", source="a.txt", digest="0")
    passages = _passages(article)
    assert [p.text for p in passages] == ["First paragraph sentence.", "Second paragraph sentence."]
