"""Large collections of distinct texts for bench/scale.py: real passages first, then
synthetic ones that are new combinations of real sentences.

Real: every passage of the given real indexes (the BBC index, and the squad-half
paragraphs), with the model's own vectors. Synthetic, to fill the size: each passage is 3
to 5 sentences drawn at random from the real sentences of one topic (a BBC section, or
one Wikipedia article of squad-half; no two synthetic passages have the same sentences,
checked), its text those sentences
joined, its vector the token-weighted mean of the sentences' own late-pooled vectors,
normalised (what mean pooling over the joined text approximates: not the model run on it,
which would take hours at 1M), its sentence vectors the real ones. So no passage is a
noisy copy of another, identical texts do not fold together, and every figure taken on a
collection with synthetic passages says how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.store.arrays import offsets_from_lengths
from qa.store.lexical import EMPTY_TOKEN, LexicalIndex, tokenize
from qa.store.manifest import ArticleRecord
from qa.store.passage_table import PassageTable
from qa.store.snapshot import IndexSnapshot, load_snapshot

PASSAGES_PER_ARTICLE = 8
CHUNK = 100_000


@dataclass
class Collection:
    """Everything a generation is written from, and how much of it is synthetic."""

    table: PassageTable
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    lexical: LexicalIndex
    records: list[ArticleRecord]
    real_passages: int
    synthetic_passages: int


@dataclass
class SentencePool:
    """The distinct sentences of the real passages: text, vector, token ids."""

    texts: list[str]
    vectors: np.ndarray
    tokens: np.ndarray
    token_offsets: np.ndarray
    vocab: dict[str, int]
    passage_sentences: list[np.ndarray]  # per real passage: its sentences' pool ids
    topics: np.ndarray  # per sentence: the topic of the article it first came from


def _topic(source: int, article_id: str) -> str:
    """An article's topic: its file name's prefix (BBC: business, sport, ...; squad-half: the
    Wikipedia article, ``00`` of ``00_012``), within its source."""
    return f"{source}:{article_id.split('/')[-1].split('_')[0]}"


def _row_topics(source: int, snapshot: IndexSnapshot) -> list[str]:
    topics = [""] * len(snapshot.table)
    for record in snapshot.manifest.articles:
        for row in range(record.first_passage, record.first_passage + record.passage_count):
            topics[row] = _topic(source, record.article_id)
    return topics


def _sentence_pool(sources: Sequence[IndexSnapshot]) -> SentencePool:
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    topics: list[str] = []
    where: dict[str, int] = {}
    passage_sentences: list[np.ndarray] = []
    for source, snapshot in enumerate(sources):
        table = snapshot.table
        row_topics = _row_topics(source, snapshot)
        for row in range(len(table)):
            passage = table.passage(row, "")
            first = int(table.sentence_offsets[row])
            ids = []
            for number, span in enumerate(passage.sentences):
                text = passage.text[span.start - passage.start : span.end - passage.start]
                if text not in where:
                    where[text] = len(texts)
                    texts.append(text)
                    vectors.append(np.asarray(snapshot.sentence_vectors[first + number], dtype=np.float32))
                    topics.append(row_topics[row])
                ids.append(where[text])
            passage_sentences.append(np.array(ids, dtype=np.int64))
    vocab = {EMPTY_TOKEN: 0}
    rows = [[vocab.setdefault(token, len(vocab)) for token in words] for words in tokenize(texts)]
    tokens = np.fromiter((t for row in rows for t in row), dtype=np.int32)
    topic_ids = np.unique(np.array(topics), return_inverse=True)[1].astype(np.int64)
    return SentencePool(
        texts,
        np.vstack(vectors),
        tokens,
        offsets_from_lengths(len(r) for r in rows),
        vocab,
        passage_sentences,
        topic_ids,
    )


def _draw(pool: SentencePool, count: int, seed: int) -> list[np.ndarray]:
    """``count`` distinct sets of 3-5 distinct sentence ids, each from one topic (a topic
    drawn in proportion to its sentences), so a synthetic passage stays on one subject."""
    rng = np.random.default_rng(seed)
    seen: set[bytes] = set()
    out: list[np.ndarray] = []
    members = [np.flatnonzero(pool.topics == topic) for topic in range(int(pool.topics.max()) + 1)]
    members = [m for m in members if len(m) >= 5]
    weights = np.array([len(m) for m in members], dtype=np.float64)
    while len(out) < count:
        lengths = rng.integers(3, 6, size=count - len(out))
        topics = rng.choice(len(members), size=len(lengths), p=weights / weights.sum())
        for length, topic in zip(lengths, topics):
            ids = members[topic][rng.choice(len(members[topic]), size=int(length), replace=False)]
            key = np.sort(ids).tobytes()
            if key not in seen:
                seen.add(key)
                out.append(ids)
    return out


def _concat_tokens(pool: SentencePool, sentence_sets: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.diff(pool.token_offsets)
    per_passage = np.array([int(lengths[ids].sum()) for ids in sentence_sets], dtype=np.int64)
    tokens = (
        np.concatenate(
            [
                pool.tokens[int(pool.token_offsets[i]) : int(pool.token_offsets[i + 1])]
                for ids in sentence_sets
                for i in ids
            ]
        )
        if len(sentence_sets)
        else np.zeros(0, np.int32)
    )
    return tokens.astype(np.int32), per_passage


def _synthetic_table(
    pool: SentencePool, sentence_sets: Sequence[np.ndarray]
) -> tuple[PassageTable, np.ndarray, np.ndarray]:
    """Passage table, passage vectors and sentence vectors of the synthetic passages."""
    encoded: list[bytes] = []
    spans: list[tuple[int, int]] = []
    sentence_spans: list[tuple[int, int]] = []
    position = 0
    for number, ids in enumerate(sentence_sets):
        if number % PASSAGES_PER_ARTICLE == 0:
            position = 0
        start = position
        parts = []
        for i in ids:
            text = pool.texts[int(i)]
            sentence_spans.append((position, position + len(text)))
            parts.append(text)
            position += len(text) + 1
        text = " ".join(parts)
        spans.append((start, start + len(text)))
        encoded.append(text.encode("utf-8"))
        position = start + len(text) + 2  # passages of one synthetic article, a blank line apart
    table = PassageTable(
        np.array(spans, dtype=np.int64).reshape(-1, 2),
        np.frombuffer(b"".join(encoded), dtype=np.uint8),
        offsets_from_lengths(len(e) for e in encoded),
        np.array(sentence_spans, dtype=np.int64).reshape(-1, 2),
        offsets_from_lengths(len(ids) for ids in sentence_sets),
    )
    weights = np.diff(pool.token_offsets).astype(np.float32) + 1.0
    vectors = np.empty((len(sentence_sets), pool.vectors.shape[1]), dtype=np.float32)
    for first in range(0, len(sentence_sets), CHUNK):
        block = sentence_sets[first : first + CHUNK]
        for row, ids in enumerate(block):
            vectors[first + row] = (pool.vectors[ids] * weights[ids, None]).sum(axis=0)
        part = vectors[first : first + len(block)]
        part /= np.linalg.norm(part, axis=1, keepdims=True)
    flat = np.concatenate(list(sentence_sets)) if len(sentence_sets) else np.zeros(0, np.int64)
    return table, vectors, pool.vectors[flat].astype(np.float16)


def build_collection(sources: Sequence[Path], size: int, seed: int = 0) -> Collection:
    """``size`` passages: the real ones of ``sources`` first (as many as fit), then synthetic."""
    snapshots = [load_snapshot(source) for source in sources]
    pool = _sentence_pool(snapshots)
    tables, vectors, sentence_vectors, records = [], [], [], []
    taken = 0
    for number, snapshot in enumerate(snapshots):
        count = min(len(snapshot.table), size - taken)
        if count <= 0:
            break
        tables.append(snapshot.table.rows(0, count))
        vectors.append(np.asarray(snapshot.vectors[:count], dtype=np.float32))
        sentence_vectors.append(np.asarray(snapshot.sentence_vectors[: int(snapshot.table.sentence_offsets[count])]))
        for record in snapshot.manifest.articles:
            if record.first_passage >= count:
                break
            records.append(
                replace(
                    record,
                    article_id=f"real{number}/{record.article_id}",
                    first_passage=taken + record.first_passage,
                    passage_count=min(record.passage_count, count - record.first_passage),
                    size=0,
                )
            )
        taken += count
    real_sets = pool.passage_sentences[:taken]
    synthetic_sets = _draw(pool, size - taken, seed)
    template = snapshots[0].manifest.articles[0]
    if synthetic_sets:
        table, synthetic_vectors, synthetic_sentences = _synthetic_table(pool, synthetic_sets)
        tables.append(table)
        vectors.append(synthetic_vectors)
        sentence_vectors.append(synthetic_sentences)
        for first in range(0, len(synthetic_sets), PASSAGES_PER_ARTICLE):
            number = first // PASSAGES_PER_ARTICLE
            records.append(
                replace(
                    template,
                    article_id=f"synthetic/{number}",
                    title=f"Synthetic article {number}",
                    source=f"synthetic/{number}.txt",
                    content_hash=f"synthetic-{number}",
                    first_passage=taken + first,
                    passage_count=min(PASSAGES_PER_ARTICLE, len(synthetic_sets) - first),
                    size=0,
                    url=None,
                )
            )
    tokens, lengths = _concat_tokens(pool, real_sets + synthetic_sets)
    lexical = LexicalIndex.from_token_ids(tokens, offsets_from_lengths(lengths), pool.vocab)
    return Collection(
        table=PassageTable.concatenate(tables),
        vectors=np.vstack(vectors),
        sentence_vectors=np.concatenate(sentence_vectors),
        lexical=lexical,
        records=records,
        real_passages=taken,
        synthetic_passages=len(synthetic_sets),
    )
