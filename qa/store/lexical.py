"""BM25 over the same passages the dense index holds, scored and stored by ``bm25s``.

Lucene's IDF, ``log(1 + (N - df + 0.5) / (df + 0.5))``, is positive for every term, so a
term found in most passages of a five-article corpus still counts a little instead of
turning negative. Tokens are lower-cased, English stop words dropped, British spellings
made American, Snowball-stemmed.

One formula, ``term_scores``, scores a term in a passage: for the whole score matrix here,
and for passages of an index that keeps none (``bm25_scores``, the candidates a Milvus
collection returns). The matrix is computed with whole-array numpy operations in
``build_index_from_ids``, the method bm25s documents for overriding, instead of bm25s's
per-document loop: an update re-scores every passage (adding passages changes every IDF)
in a few milliseconds per thousand passages, and only new passages are tokenized.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized

from qa.store.arrays import mapped, offsets_from_lengths
from qa.store.spelling import american

EMPTY_TOKEN = ""
K1, B = 1.5, 0.75  # bm25s's defaults: term-frequency saturation and length normalisation
Segment = range | Sequence[str]


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _stem_words(words: list[str]) -> list[str]:
    return _stemmer().stemWords([american(w) for w in words])


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens of each text (British spellings made
    American first, see ``qa.store.spelling``)."""
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stem_words, return_ids=False, show_progress=False)


def lucene_idf(document_frequency: np.ndarray, count: int) -> np.ndarray:
    """Lucene's IDF of terms found in ``document_frequency`` of ``count`` passages."""
    return np.log1p((count - document_frequency + 0.5) / (document_frequency + 0.5))


def term_scores(
    tf: np.ndarray, idf: np.ndarray, lengths: np.ndarray, mean_length: float, k1: float = K1, b: float = B
) -> np.ndarray:
    """BM25 (Lucene) of a term found ``tf`` times in a passage of ``lengths`` tokens, given its
    IDF and the mean passage length: the one formula, for whole arrays of terms and passages."""
    return idf * tf / (k1 * ((1 - b) + b * lengths / mean_length) + tf)


def bm25_scores(
    query: str, texts: Sequence[str], idf: Callable[[Sequence[str]], np.ndarray], mean_length: float
) -> np.ndarray:
    """The BM25 score ``LexicalIndex.scores`` would give each of ``texts`` for ``query``, from
    the collection's IDF and mean passage length (for an index that keeps no score matrix)."""
    terms = tokenize([query])[0] if texts else []
    if not terms:
        return np.zeros(len(texts), dtype=np.float32)
    unique = list(dict.fromkeys(terms))
    column = {term: i for i, term in enumerate(unique)}
    passages = tokenize(texts)
    tf = np.zeros((len(texts), len(unique)))
    for row, tokens in enumerate(passages):
        for token in tokens:
            if token in column:
                tf[row, column[token]] += 1
    lengths = np.array([max(len(tokens), 1) for tokens in passages], dtype=np.float64)
    scores = term_scores(tf, np.asarray(idf(unique), dtype=np.float64)[None, :], lengths[:, None], mean_length)
    return (scores @ np.array([terms.count(term) for term in unique], dtype=np.float64)).astype(np.float32)


def lucene_scores(
    tokens: np.ndarray, offsets: np.ndarray, vocab_size: int, k1: float = K1, b: float = B
) -> dict[str, object]:
    """bm25s's score matrix (CSC, one column per term) for passages given as token ids.

    Passage ``i`` holds ``tokens[offsets[i]:offsets[i + 1]]``; an empty passage counts as
    holding the empty token, as in bm25s.
    """
    count = len(offsets) - 1
    lengths = np.diff(offsets)
    documents = np.repeat(np.arange(count, dtype=np.int64), lengths)
    terms = tokens.astype(np.int64)
    empty = np.flatnonzero(lengths == 0)
    if len(empty):
        documents = np.concatenate([documents, empty])
        terms = np.concatenate([terms, np.zeros(len(empty), np.int64)])  # the empty token is id 0
    keys, frequencies = np.unique(terms * max(count, 1) + documents, return_counts=True)
    terms, documents = np.divmod(keys, max(count, 1))
    document_frequency = np.bincount(terms, minlength=vocab_size)
    idf = lucene_idf(document_frequency, count)
    lengths = np.maximum(lengths, 1).astype(np.float64)
    data = term_scores(
        frequencies.astype(np.float64), idf[terms], lengths[documents], float(lengths.mean()) if count else 1.0, k1, b
    )
    indptr = offsets_from_lengths(document_frequency)
    return {"data": data.astype(np.float32), "indices": documents.astype(np.int32), "indptr": indptr, "num_docs": count}


@dataclass(frozen=True)
class PassageTokens:
    """Every passage's token ids: passage ``i`` is ``tokens[offsets[i]:offsets[i + 1]]``."""

    tokens: np.ndarray
    offsets: np.ndarray


class LuceneBM25(bm25s.BM25):
    """bm25s's Lucene BM25 whose ``build_index_from_ids`` (documented as the method to
    override) computes the score matrix with ``lucene_scores``, from ``PassageTokens``."""

    def __init__(self) -> None:
        super().__init__(k1=K1, b=B, method="lucene")

    def build_index_from_ids(
        self,
        unique_token_ids: list[int],
        corpus_token_ids: PassageTokens,
        show_progress: bool = True,
        leave_progress: bool = False,
    ) -> dict[str, object]:
        self.nonoccurrence_array = None  # set here by bm25s's own method too: Lucene scoring has no non-occurrence term
        return lucene_scores(corpus_token_ids.tokens, corpus_token_ids.offsets, len(unique_token_ids), self.k1, self.b)


class LexicalIndex:
    """A BM25 index whose document numbers are the passage numbers.

    It keeps each passage's token ids (``tokens.npy``, ``token_offsets.npy``) under a vocabulary
    that only grows (``qa_vocab.json``), so an update re-tokenizes only new passages.
    """

    def __init__(
        self, bm25: bm25s.BM25, size: int, vocab: dict[str, int], tokens: np.ndarray, offsets: np.ndarray
    ) -> None:
        self._bm25 = bm25
        self.size = size
        self.vocab = vocab
        self.tokens = tokens
        self.offsets = offsets

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """Index ``texts`` (document ``i`` is passage ``i``)."""
        return cls.assemble([list(texts)])

    @classmethod
    def assemble(cls, segments: Sequence[Segment], *, previous: LexicalIndex | None = None) -> LexicalIndex:
        """Index passages given as segments, in order: a ``range`` of ``previous``'s passages
        (their tokens are reused) or a list of texts to tokenize."""
        if any(isinstance(segment, str) for segment in segments):
            raise TypeError("a segment is a range or a list of texts, not one text")
        vocab = dict(previous.vocab) if previous is not None else {EMPTY_TOKEN: 0}
        if vocab.get(EMPTY_TOKEN) != 0:
            raise ValueError("the BM25 vocabulary must start with the empty token")
        fresh_texts = [text for segment in segments if not isinstance(segment, range) for text in segment]
        fresh = iter(tokenize(fresh_texts)) if fresh_texts else iter(())
        token_blocks: list[np.ndarray] = []
        length_blocks: list[np.ndarray] = []
        for segment in segments:
            if isinstance(segment, range):
                if previous is None:
                    raise ValueError("a reused range needs the previous index")
                if not len(segment):
                    continue
                start, stop = int(previous.offsets[segment.start]), int(previous.offsets[segment.stop])
                token_blocks.append(np.asarray(previous.tokens[start:stop], dtype=np.int32))
                length_blocks.append(np.diff(previous.offsets[segment.start : segment.stop + 1]))
            else:
                rows = [[vocab.setdefault(token, len(vocab)) for token in next(fresh)] for _ in segment]
                token_blocks.append(np.fromiter((t for row in rows for t in row), dtype=np.int32))
                length_blocks.append(np.array([len(row) for row in rows], dtype=np.int64))
        tokens = np.concatenate(token_blocks) if token_blocks else np.zeros(0, np.int32)
        lengths = np.concatenate(length_blocks) if length_blocks else np.zeros(0, np.int64)
        return cls.from_token_ids(tokens, offsets_from_lengths(lengths), vocab)

    @classmethod
    def from_token_ids(cls, tokens: np.ndarray, offsets: np.ndarray, vocab: dict[str, int]) -> LexicalIndex:
        """Index passages already turned into token ids: passage ``i`` is
        ``tokens[offsets[i]:offsets[i + 1]]``, ids from ``vocab`` (which starts with the empty token)."""
        bm25 = LuceneBM25()
        bm25.index(
            Tokenized(ids=PassageTokens(tokens, offsets), vocab=vocab), create_empty_token=False, show_progress=False
        )
        return cls(bm25, len(offsets) - 1, vocab, tokens, offsets)

    def save(self, folder: Path) -> None:
        """Write the index as JSON and ``.npy`` files (no pickle) into ``folder``."""
        self._bm25.save(str(folder), show_progress=False)
        np.save(folder / "tokens.npy", self.tokens, allow_pickle=False)
        np.save(folder / "token_offsets.npy", self.offsets, allow_pickle=False)
        (folder / "qa_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        """Read an index written by ``save``; arrays are memory-mapped."""
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        tokens = mapped(folder / "tokens.npy")
        offsets = mapped(folder / "token_offsets.npy")
        vocab = json.loads((folder / "qa_vocab.json").read_text(encoding="utf-8"))
        return cls(bm25, size, vocab, tokens, offsets)

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """Lucene IDF of each (already tokenized) term; unseen terms get the highest IDF."""
        vocabulary = self._bm25.vocab_dict
        pointers = self._bm25.scores["indptr"]
        frequencies = np.array(
            [pointers[vocabulary[t] + 1] - pointers[vocabulary[t]] if t in vocabulary else 0 for t in tokens],
            dtype=np.float64,
        )
        return lucene_idf(frequencies, self.size).astype(np.float32)

    def indexed_terms(self) -> list[str]:
        """The terms found in at least one passage (the vocabulary also keeps those of removed ones)."""
        pointers = self._bm25.scores["indptr"]
        return [t for t, i in self._bm25.vocab_dict.items() if t and pointers[i + 1] > pointers[i]]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when no term matches)."""
        tokens = tokenize([query])[0]
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
