"""Passages as Milvus rows and back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from qa.store.milvus.schema import MAX_SENTENCES, MAX_TEXT, NEVER
from qa.types import Passage, Span


def passage_row(passage_id: int, passage: Passage, search_text: str, vector: np.ndarray, born: int) -> dict[str, Any]:
    """The row of one passage version (``search_text``: what BM25 and the model read)."""
    if len(passage.sentences) > MAX_SENTENCES:
        raise ValueError(f"passage {passage_id} has {len(passage.sentences)} sentences, more than {MAX_SENTENCES}")
    if len(search_text.encode("utf-8")) > MAX_TEXT:
        raise ValueError(
            f"passage {passage_id} is longer than Milvus's {MAX_TEXT}-byte text field: index with a smaller --max-tokens"
        )
    return {
        "id": passage_id,
        "article_id": passage.article_id,
        "start": passage.start,
        "end": passage.end,
        "sentences": json.dumps([[s.start, s.end] for s in passage.sentences]),
        "text": passage.text,
        "search_text": search_text,
        "dense": np.asarray(vector, dtype=np.float32).tolist(),
        "born": born,
        "dead": NEVER,
    }


def sentence_rows(passage_id: int, vectors: np.ndarray) -> list[dict[str, Any]]:
    """The rows of one passage's sentence vectors."""
    return [
        {
            "id": passage_id * MAX_SENTENCES + position,
            "passage_id": passage_id,
            "vector": np.asarray(vector, dtype=np.float32).tolist(),
        }
        for position, vector in enumerate(vectors)
    ]


def row_passage(row: dict[str, Any]) -> Passage:
    """The ``Passage`` a row holds."""
    spans = tuple(Span(int(start), int(end)) for start, end in json.loads(row["sentences"]))
    return Passage(
        article_id=row["article_id"], start=int(row["start"]), end=int(row["end"]), text=row["text"], sentences=spans
    )


def row_vectors(rows: Sequence[dict[str, Any]], field: str, dimension: int) -> np.ndarray:
    """The float32 vectors in ``field`` of ``rows``, one per row."""
    if not rows:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.asarray([np.asarray(row[field], dtype=np.float32) for row in rows], dtype=np.float32).reshape(
        len(rows), dimension
    )
