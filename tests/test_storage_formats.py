"""The on-disk formats: the BM25 score matrix and the column-wise passage table."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from qa.store.lexical import LexicalIndex, tokenize
from qa.store.passage_table import PassageTable
from qa.types import Passage, Span

TEXTS = [
    "India and Russia signed an oil deal worth $5 billion.",
    "Russia sells oil; India buys oil and oil products.",
    "The cricket match in Mumbai was rained off.",
    "",
    "Trade between India and Russia reached a record.",
    "Défense ministers met in Moscow — «privately».",
]
QUERIES = ["oil India", "cricket Mumbai rain", "record trade", "moscow defense", "unseen words only"]


def _reference_scores(texts: list[str], query: str) -> np.ndarray:
    vocab = {"": 0}
    ids = [[vocab.setdefault(t, len(vocab)) for t in row] or [0] for row in tokenize(texts)]
    reference = bm25s.BM25(method="lucene")
    reference.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    tokens = [t for t in tokenize([query])[0] if t in vocab]
    return np.asarray(reference.get_scores(tokens)) if tokens else np.zeros(len(texts))


@pytest.mark.parametrize("query", QUERIES)
def test_vectorised_bm25_matches_bm25s_own_indexer(query: str) -> None:
    ours = LexicalIndex.build(TEXTS)
    assert np.allclose(ours.scores(query), _reference_scores(TEXTS, query), atol=1e-6)


def test_an_assembled_update_scores_like_a_fresh_build() -> None:
    before = LexicalIndex.build(TEXTS[:4])
    updated = LexicalIndex.assemble([range(2, 4), TEXTS[4:], range(0, 2)], previous=before)
    fresh = LexicalIndex.build(TEXTS[2:4] + TEXTS[4:] + TEXTS[:2])
    assert updated.size == fresh.size == 6
    for query in QUERIES:
        assert np.allclose(updated.scores(query), fresh.scores(query), atol=1e-6), query
    with pytest.raises(TypeError):
        LexicalIndex.assemble(["one text, not a list"])  # type: ignore[list-item]


def _passages() -> list[Passage]:
    return [
        Passage("a", 0, 11, "Hello wörld", (Span(0, 5), Span(6, 11))),
        Passage("a", 12, 20, "Zweiter.", (Span(12, 20),)),
        Passage("b", 3, 9, "日本語テキスト"[:6], (Span(3, 9),)),
    ]


def test_passage_table_round_trips_and_slices(tmp_path: Path) -> None:
    passages = _passages()
    table = PassageTable.from_passages(passages)
    joined = PassageTable.concatenate([table.rows(1, 3), table.rows(0, 1)])
    joined.save(tmp_path)
    loaded = PassageTable.load(tmp_path)
    expected = [passages[1], passages[2], passages[0]]
    assert [loaded.passage(i, p.article_id) for i, p in enumerate(expected)] == expected
    assert loaded.sentence_count == 4


def test_passage_table_refuses_files_that_disagree(tmp_path: Path) -> None:
    PassageTable.from_passages(_passages()).save(tmp_path)
    (tmp_path / "passage_texts.bin").write_bytes(b"short")
    with pytest.raises(ValueError, match="disagree"):
        PassageTable.load(tmp_path)


def test_encoder_settings_name_the_accepted_values() -> None:
    from qa.embedding import EncoderSettings
    from qa.errors import ModelError

    with pytest.raises(ModelError, match="unknown encoder runtime 'tensorrt': use one of onnx, openvino, torch"):
        EncoderSettings(backend="tensorrt")
    with pytest.raises(ModelError, match="unknown precision 'fp8'"):
        EncoderSettings(precision="fp8")
