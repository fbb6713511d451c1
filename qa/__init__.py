"""Question answering over news articles with exact citations and no generative model.

>>> from qa import Library, Retriever
>>> Library("corpus", "embeddings").update()       # build or update the index
>>> retriever = Retriever.load()                     # the index in ./embeddings
>>> answer = retriever.answer("Who met Ajit Doval in Moscow?")
>>> answer.found, answer.text, answer.span, answer.hits[0].citation

The package is laid out by pipeline stage: ``ingest`` (article files in), ``passages``
(sentences and passages), ``embedding`` (text to vectors), ``store`` (generations on
disk), ``indexing`` (the write side: ``Library``), ``query`` (the read side:
``Retriever``) and ``app`` (the CLI, the chat, rendering, evaluation).
"""

from qa.errors import QAError
from qa.indexing.build import IndexReport
from qa.indexing.library import AddReport, Library, build_index
from qa.passages.splitter import SplitSettings
from qa.query.followup import FollowUp
from qa.query.retriever import Retriever
from qa.query.sources import Source, answer_sources
from qa.reading.answer import AnswerSettings
from qa.settings import Settings
from qa.types import Answer, AnswerSentence, AnswerSpan, Article, Citation, Evidence, Hit, Passage

__all__ = [
    "AddReport",
    "Answer",
    "AnswerSentence",
    "AnswerSpan",
    "AnswerSettings",
    "Article",
    "Citation",
    "Evidence",
    "FollowUp",
    "Hit",
    "IndexReport",
    "Library",
    "Passage",
    "QAError",
    "Retriever",
    "Settings",
    "Source",
    "SplitSettings",
    "answer_sources",
    "build_index",
]
