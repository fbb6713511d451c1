"""The scale benchmark's collections (bench/distinct_collection.py) hold what its figures
claim: distinct texts, real passages first, synthetic ones made of real sentences with
consistent spans, BM25 tokens and unit vectors; and the IVF probe rule the figures chose."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench.distinct_collection import build_collection
from qa.store.generations import write_generation
from qa.store.lexical import tokenize
from qa.store.snapshot import load_snapshot
from qa.store.vector_index import VectorIndexSettings, build_vector_index


@pytest.mark.slow
def test_a_collection_is_distinct_texts_with_consistent_parts(real_index: Path, tmp_path: Path) -> None:
    source = real_index / "embeddings"
    real = load_snapshot(source)
    collection = build_collection([source], 400, seed=3)
    table = collection.table
    assert (collection.real_passages, collection.synthetic_passages) == (len(real.table), 400 - len(real.table))
    texts = [table.text(row) for row in range(len(table))]
    assert len(set(texts)) == len(texts) == 400  # no copies: every passage a distinct text
    assert texts[: len(real.table)] == [real.table.text(row) for row in range(len(real.table))]
    real_sentences = {
        p.text[s.start - p.start : s.end - p.start]
        for p in (real.table.passage(r, "") for r in range(len(real.table)))
        for s in p.sentences
    }
    for row in range(collection.real_passages, len(table)):
        passage = table.passage(row, "synthetic")
        pieces = [passage.text[s.start - passage.start : s.end - passage.start] for s in passage.sentences]
        assert 3 <= len(pieces) <= 5 and all(piece in real_sentences for piece in pieces)
        assert " ".join(pieces) == passage.text
    assert np.allclose(np.linalg.norm(collection.vectors, axis=1), 1.0, atol=1e-4)
    assert collection.sentence_vectors.shape[0] == table.sentence_count
    vocab = collection.lexical.vocab
    lexical = collection.lexical
    for row in (0, collection.real_passages, len(table) - 1):  # BM25 tokens are the text's own
        stored = lexical.tokens[int(lexical.offsets[row]) : int(lexical.offsets[row + 1])].tolist()
        assert sorted(stored) == sorted(vocab[t] for t in tokenize([texts[row]])[0])
    assert sum(record.passage_count for record in collection.records) == 400
    manifest = replace(real.manifest, passage_count=400, articles=tuple(collection.records), checksums={}, sizes={})
    write_generation(
        tmp_path,
        manifest=manifest,
        table=table,
        vectors=collection.vectors,
        sentence_vectors=collection.sentence_vectors,
        vector_index=build_vector_index(collection.vectors),
        lexical=lexical,
    )
    assert len(load_snapshot(tmp_path).table) == 400  # loads and passes every size check


def test_the_ivf_probe_scans_a_sixteenth_of_the_lists_at_least_32() -> None:
    settings = VectorIndexSettings()
    assert [settings.probe_for(lists) for lists in (8, 256, 1024, 4096)] == [8, 32, 64, 256]
    assert VectorIndexSettings(ivf_probe=5).probe_for(1024) == 5
    vectors = np.random.default_rng(0).normal(size=(3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = build_vector_index(vectors, VectorIndexSettings(kind="ivf", ivf_lists=1024))
    assert index.nprobe == 64
