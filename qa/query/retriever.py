"""``Retriever``: the one front object. Load an index, search it, answer from it.

Search modes: ``dense`` (FAISS over sentence embeddings), ``bm25`` (lexical) and
``hybrid`` (reciprocal rank fusion of both over a generous candidate pool; the default).
Near-identical passages are folded into one hit that cites every article carrying them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.embedding import EncoderSettings
from qa.embedding.encoder import TextEncoder, canonical_model_name
from qa.errors import IndexIncompatibleError, IndexStateError
from qa.query.followup import FollowUp, has_own_topic, resolve_follow_up
from qa.query.fusion import group_duplicates
from qa.query.question import check_hits, clean_question, parse_mode
from qa.query.question_encoder import collection_encoder, index_encoder
from qa.reading.answer import AnswerSettings, extract_answer
from qa.reading.reader import shared_reader
from qa.store.milvus.address import Location, MilvusAddress, parse_location
from qa.store.search_index import PassageLookup, SearchIndex
from qa.store.snapshot import load_snapshot
from qa.store.vector_index import SearchTuning
from qa.types import DEFAULT_INDEX_DIR, Answer, Hit, SearchMode

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

MIN_POOL = 50


class Retriever:
    """Search and answer over one index (a folder or a Milvus collection); safe to share
    between threads."""

    def __init__(
        self,
        snapshot: SearchIndex,
        encoder: TextEncoder,
        location: Path | str | MilvusAddress,
        answer_settings: AnswerSettings | None = None,
        tuning: SearchTuning | None = None,
    ) -> None:
        self._snapshot = snapshot
        self.encoder = encoder
        self.location = location  # the folder, or the Milvus collection, the index was opened from
        self.answer_settings = answer_settings or AnswerSettings()
        self.tuning = tuning or SearchTuning()
        self._swap_lock = threading.Lock()

    @property
    def index_dir(self) -> Path | str:
        """``location`` under its former name (a Milvus collection as its description)."""
        return str(self.location) if isinstance(self.location, MilvusAddress) else self.location

    @classmethod
    def load(
        cls,
        path: Location = DEFAULT_INDEX_DIR,
        *,
        model: str | None = None,
        encoder: TextEncoder | None = None,
        answer_settings: AnswerSettings | None = None,
        tuning: SearchTuning | None = None,
        encoder_settings: EncoderSettings | None = None,
        export_dir: str | Path = DEFAULT_INDEX_DIR,
    ) -> Retriever:
        """Open the index in the folder ``path``, or the Milvus collection it names (a
        ``MilvusAddress`` or ``milvus:<uri>[#<collection>]``: ``connect``, with the model
        export kept in ``export_dir``); refuse one built with another model than ``model``.

        ``qa.settings.Settings`` gathers every argument from flags and the environment
        (``Settings.resolve().retriever()``); here nothing is read from the environment.
        """
        where = parse_location(path)
        if isinstance(where, MilvusAddress):
            return cls.connect(
                where,
                export_dir=export_dir,
                model=model,
                encoder=encoder,
                answer_settings=answer_settings,
                encoder_settings=encoder_settings,
                tuning=tuning,
            )
        index_dir = where
        snapshot = load_snapshot(index_dir, tuning=tuning)
        built_with = snapshot.manifest.model
        wanted = encoder.name if encoder is not None else canonical_model_name(model) if model else built_with
        if wanted != built_with:
            raise IndexIncompatibleError(
                f"the index in {index_dir} was built with {built_with}, not {wanted}: "
                f"rebuild it with `qa index --full --model {wanted} --index {index_dir}`, or load it without a model"
            )
        encoder = encoder or index_encoder(index_dir, snapshot, encoder_settings or EncoderSettings())
        return cls(snapshot, encoder, index_dir, answer_settings, tuning)

    @classmethod
    def connect(
        cls,
        address: MilvusAddress,
        *,
        export_dir: str | Path = DEFAULT_INDEX_DIR,
        encoder: TextEncoder | None = None,
        answer_settings: AnswerSettings | None = None,
        encoder_settings: EncoderSettings | None = None,
        model: str | None = None,
        tuning: SearchTuning | None = None,
    ) -> Retriever:
        """Serve the collection at ``address`` (Milvus Lite file or server); questions are
        embedded by the model export the collection was built with, kept in ``export_dir``.
        ``Retriever.load(address)`` is the same call."""
        from qa.store.milvus.view import MilvusIndex

        index = MilvusIndex.open(address)
        wanted = encoder.name if encoder is not None else canonical_model_name(model) if model else index.manifest.model
        if wanted != index.manifest.model:
            raise IndexIncompatibleError(
                f"the {address} was built with {index.manifest.model}, not {wanted}: rebuild it with "
                f"`qa index --full --model {wanted} --uri {address.uri}`, or open it without a model"
            )
        encoder = encoder or collection_encoder(index, Path(export_dir), encoder_settings or EncoderSettings())
        return cls(index, encoder, address, answer_settings, tuning)

    def with_answer_settings(self, answer_settings: AnswerSettings) -> Retriever:
        """A retriever over the same index and encoder that answers with ``answer_settings``
        (this one, shared between threads, is never changed in place)."""
        return type(self)(self._snapshot, self.encoder, self.location, answer_settings, self.tuning)

    @property
    def snapshot(self) -> SearchIndex:
        """The generation being served (an ``IndexSnapshot`` for a local index)."""
        return self._snapshot

    def refresh(self) -> bool:
        """Switch to a newer generation if ``qa index`` wrote one; True when it switched.

        The new generation is loaded and checked while the current one keeps serving; only
        the swap itself takes the lock. One that fails to load is logged and ignored.
        """
        current = self._snapshot
        try:
            snapshot = current.newer()
        except IndexStateError as error:
            log.warning("kept serving %s: %s", current.generation, error)
            return False
        if snapshot is None:
            return False
        if snapshot.manifest.model != self.encoder.name or snapshot.manifest.dimension != current.manifest.dimension:
            log.warning(
                "kept serving %s: the new index uses another model; rebuild it with `qa index --full`",
                current.generation,
            )
            return False
        with self._swap_lock:
            if (
                snapshot.generation == self._snapshot.generation
                or snapshot.manifest.created < self._snapshot.manifest.created
            ):
                return False
            self._snapshot = snapshot
            return True

    def embed_question(self, question: str) -> np.ndarray:
        """The question's unit-length embedding."""
        return self.encoder.encode([question])[0]

    def search(self, question: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The ``k`` best passages for ``question`` (1 <= k <= 1000), best first, duplicates folded."""
        question, k, search_mode = clean_question(question), check_hits(k), parse_mode(mode)
        return self._search(self._snapshot, question, self.embed_question(question), k, search_mode)[0]

    def search_with_vector(self, question: str, vector: np.ndarray, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """``search`` with the question already embedded: ``vector`` is its unit-length
        embedding by this retriever's model (``embed_question``, or many questions encoded
        at once beforehand); ``question`` is still read for BM25. For benchmarks that time
        the search alone, and callers that embed in batches."""
        question, k, search_mode = clean_question(question), check_hits(k), parse_mode(mode)
        return self._search(self._snapshot, question, np.asarray(vector, dtype=np.float32), k, search_mode)[0]

    def retrieve(self, question: str, k: int = 5, mode: str = "hybrid") -> tuple[list[Hit], PassageLookup | None]:
        """``search``, and the lookup of the generation searched (passages with their sentence
        spans, the vocabulary): what the reading stage reads the hits with."""
        question, k, search_mode = clean_question(question), check_hits(k), parse_mode(mode)
        return self._search(self._snapshot, question, self.embed_question(question), k, search_mode)

    def answer(self, question: str, k: int = 5, mode: str = "hybrid", context: str = "") -> Answer:
        """The answer sentence(s) copied from the articles, or ``found=False``.

        ``context`` (a follow-up's earlier subject, see ``qa.query.followup``) is searched
        and embedded with the question; the reader reads the question alone when it has
        words of its own ("and what about defence?"), and with the context when it has
        none ("when?").
        """
        question, k, search_mode = clean_question(question), check_hits(k), parse_mode(mode)
        search_text = clean_question(f"{question} {context}") if context.strip() else question
        snapshot = self._snapshot
        vector = self.embed_question(search_text)
        hits, lookup = self._search(snapshot, search_text, vector, k, search_mode)
        return extract_answer(
            question,
            hits,
            lookup,
            self.answer_settings,
            search_mode,
            shared_reader(),
            read_as=search_text if context.strip() and not has_own_topic(question) else None,
        )

    def answer_follow_up(
        self, message: str, previous: Sequence[str], k: int = 5, mode: str = "hybrid"
    ) -> tuple[FollowUp, Answer]:
        """Answer ``message`` as a turn of a conversation whose earlier questions are
        ``previous`` (oldest first): how it was taken, and its answer."""
        k, mode = check_hits(k), parse_mode(mode)

        def phrase_of(turn: FollowUp) -> str | None:
            answer = self.answer(turn.question, k=k, mode=mode, context=turn.context)
            # the subject a follow-up leans on: the reader's span of an answer given
            return answer.reader_span.text if answer.found and answer.reader_span is not None else None

        resolved = resolve_follow_up(clean_question(message), previous, phrase_of)
        return resolved, self.answer(resolved.question, k=k, mode=mode, context=resolved.context)

    def _search(
        self, snapshot: SearchIndex, question: str, vector: np.ndarray, k: int, mode: SearchMode
    ) -> tuple[list[Hit], PassageLookup | None]:
        pool = min(snapshot.manifest.passage_count, max(MIN_POOL, 10 * k))
        found = snapshot.candidates(mode, question, vector, pool) if pool else None
        if found is None or not len(found.ids):
            return [], None
        dense = found.vectors @ vector
        hits: list[Hit] = []
        row_of = {int(item): row for row, item in enumerate(found.ids)}
        for item, duplicates in group_duplicates(found.ids, found.texts, found.vectors, limit=k):
            row = row_of[int(item)]
            citation = found.citation_of(int(item))
            also = tuple(
                dict.fromkeys(
                    other
                    for other in map(found.citation_of, map(int, duplicates))
                    if other.article_id != citation.article_id
                )
            )
            hits.append(
                Hit(
                    text=found.texts[row],
                    score=float(found.scores[row]),
                    citation=citation,
                    dense_score=float(dense[row]),
                    bm25_score=float(found.bm25[row]),
                    passage_index=int(item),
                    also_in=also,
                )
            )
        return hits, found.lookup
