"""``Retriever``: the one front object. Load an index, search it, answer from it.

Search modes: ``dense`` (FAISS over sentence embeddings), ``bm25`` (lexical) and
``hybrid`` (reciprocal rank fusion of both over a generous candidate pool; the default).
Near-identical passages are folded into one hit that cites every article carrying them.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path

import numpy as np

from qa.ann import search_vectors
from qa.answer import AnswerSettings, extract_answer
from qa.encoder import SentenceTransformerEncoder, TextEncoder, canonical_model_name
from qa.errors import IndexIncompatibleError, QAError, QuestionError
from qa.fusion import group_duplicates, reciprocal_rank_fusion
from qa.store import IndexSnapshot, current_generation, load_snapshot, rebuild_hint
from qa.types import SEARCH_MODES, Answer, Hit, SearchMode

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
MIN_POOL = 50
DEFAULT_INDEX_DIR = "embeddings"


def clean_question(question: str) -> str:
    """The question with control characters, lone surrogates and extra white space removed.

    Raises ``QuestionError`` when nothing is left or the question is too long to be one.
    """
    if not isinstance(question, str):
        raise QuestionError(f"a question must be text, not {type(question).__name__}")
    if len(question) > MAX_QUESTION_CHARS * 4:
        raise QuestionError(f"the question is {len(question):,} characters long; ask in at most {MAX_QUESTION_CHARS:,}")
    text = question.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text):,} characters long; ask in at most {MAX_QUESTION_CHARS:,}")
    return text


def _check_mode(mode: str) -> SearchMode:
    if mode not in SEARCH_MODES:
        raise QuestionError(f"unknown search mode {mode!r}: use one of {', '.join(SEARCH_MODES)}")
    return mode  # type: ignore[return-value]


class Retriever:
    """Search and answer over one index folder; safe to share between threads."""

    def __init__(
        self,
        snapshot: IndexSnapshot,
        encoder: TextEncoder,
        index_dir: Path,
        answer_settings: AnswerSettings | None = None,
    ) -> None:
        self._snapshot = snapshot
        self.encoder = encoder
        self.index_dir = index_dir
        self.answer_settings = answer_settings or AnswerSettings.from_env()
        self._reload_lock = threading.Lock()

    @classmethod
    def load(
        cls,
        path: str | Path = DEFAULT_INDEX_DIR,
        *,
        model: str | None = None,
        encoder: TextEncoder | None = None,
        answer_settings: AnswerSettings | None = None,
    ) -> "Retriever":
        """Open the index in ``path``; refuse one built with another model than ``model``."""
        index_dir = Path(path)
        snapshot = load_snapshot(index_dir)
        built_with = snapshot.manifest.model
        wanted = encoder.name if encoder is not None else canonical_model_name(model) if model else built_with
        if wanted != built_with:
            raise IndexIncompatibleError(
                f"the index in {index_dir} was built with {built_with}, not {wanted}: "
                f"rebuild it with `qa index --full --model {wanted} --index {index_dir}`, or load it without a model"
            )
        encoder = encoder or SentenceTransformerEncoder(built_with)
        return cls(snapshot, encoder, index_dir, answer_settings)

    @property
    def snapshot(self) -> IndexSnapshot:
        """The generation being served."""
        return self._snapshot

    def refresh(self) -> bool:
        """Switch to a newer generation if ``qa index`` wrote one; True when it switched.

        A newer generation that fails to load is logged and ignored: the current one keeps
        serving.
        """
        name = current_generation(self.index_dir)
        if name is None or name == self._snapshot.generation:
            return False
        with self._reload_lock:
            if name == self._snapshot.generation:
                return False
            try:
                snapshot = load_snapshot(self.index_dir)
            except QAError as error:
                log.warning("kept serving %s: %s", self._snapshot.generation, error)
                return False
            if snapshot.manifest.model != self.encoder.name or snapshot.manifest.dimension != self._snapshot.manifest.dimension:
                log.warning("kept serving %s: the new index uses another model; %s", self._snapshot.generation, rebuild_hint(self.index_dir))
                return False
            self._snapshot = snapshot
            return True

    def embed_question(self, question: str) -> np.ndarray:
        """The question's unit-length embedding."""
        return self.encoder.encode([question])[0]

    def search(self, question: str, k: int = 5, mode: SearchMode = "hybrid") -> list[Hit]:
        """The ``k`` best passages for ``question``, best first, duplicates folded."""
        question = clean_question(question)
        return self._search(self._snapshot, question, self.embed_question(question), k, _check_mode(mode))

    def answer(self, question: str, k: int = 5, mode: SearchMode = "hybrid") -> Answer:
        """The answer sentence(s) copied from the articles, or ``found=False``."""
        question = clean_question(question)
        snapshot = self._snapshot
        vector = self.embed_question(question)
        hits = self._search(snapshot, question, vector, k, _check_mode(mode))
        return extract_answer(question, vector, hits, snapshot, self.answer_settings, mode)

    def _search(self, snapshot: IndexSnapshot, question: str, vector: np.ndarray, k: int, mode: SearchMode) -> list[Hit]:
        if k <= 0:
            return []
        size = len(snapshot.table)
        pool = min(size, max(MIN_POOL, 10 * k))
        rankings: list[np.ndarray] = []
        bm25_all = snapshot.lexical.scores(question) if mode != "dense" else None
        if mode != "bm25":
            rankings.append(search_vectors(snapshot.vector_index, vector, pool)[0])
        if bm25_all is not None:
            top = _top(bm25_all, pool)
            rankings.append(top[bm25_all[top] > 0])
        fused = dict(reciprocal_rank_fusion(rankings)) if mode == "hybrid" else {}
        ordered = list(fused) if mode == "hybrid" else [int(i) for i in rankings[0]]
        if not ordered:
            return []
        ids = np.asarray(ordered, dtype=np.int64)
        candidate_vectors = np.asarray(snapshot.vectors[ids], dtype=np.float32)
        dense = candidate_vectors @ vector
        bm25 = bm25_all[ids] if bm25_all is not None else np.zeros(len(ids), dtype=np.float32)
        texts = [snapshot.passage_text(int(i)) for i in ids]
        hits: list[Hit] = []
        row_of = {int(item): row for row, item in enumerate(ids)}
        for item, duplicates in group_duplicates(ids, texts, candidate_vectors, limit=k):
            row = row_of[int(item)]
            score = fused[int(item)] if mode == "hybrid" else float(dense[row] if mode == "dense" else bm25[row])
            citation = snapshot.citation(int(item))
            also = tuple(
                dict.fromkeys(
                    snapshot.citation(int(d)) for d in duplicates if snapshot.article_of(int(d)).article_id != citation.article_id
                )
            )
            hits.append(
                Hit(
                    text=texts[row],
                    score=float(score),
                    citation=citation,
                    dense_score=float(dense[row]),
                    bm25_score=float(bm25[row]),
                    passage_index=int(item),
                    also_in=also,
                )
            )
        return hits


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest scores, best first, ties by index."""
    part = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]
