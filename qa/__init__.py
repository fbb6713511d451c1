"""Question answering over news articles with exact citations and no generative model.

>>> from qa import Retriever
>>> retriever = Retriever.load()                 # the index in ./embeddings
>>> answer = retriever.answer("Who met Ajit Doval in Moscow?")
>>> answer.found, answer.text, answer.hits[0].citation
"""

from qa.answer import AnswerSettings
from qa.errors import QAError
from qa.indexer import IndexReport, build_index
from qa.passages import SplitSettings
from qa.retriever import Retriever
from qa.types import Answer, AnswerSentence, Article, Citation, Evidence, Hit, Passage

__all__ = [
    "Answer",
    "AnswerSentence",
    "AnswerSettings",
    "Article",
    "Citation",
    "Evidence",
    "Hit",
    "IndexReport",
    "Passage",
    "QAError",
    "Retriever",
    "SplitSettings",
    "build_index",
]
