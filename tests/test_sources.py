"""Sources without repetition: one article's overlapping passages become one excerpt."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import dev_questions

from qa.app.render import answer_dict, sources_html
from qa.query.retriever import Retriever
from qa.query.sources import answer_sources
from qa.types import Answer, AnswerSentence, Citation, Hit

ARTICLE = "First sentence here. Second one follows. Third is the answer. Fourth ends it. Fifth stands apart."


def _hit(start: int, end: int, score: float, article: str = "a") -> Hit:
    citation = Citation(article, f"Title {article}", f"{article}.txt", start, end)
    return Hit(ARTICLE[start:end], score, citation, 0.5, 1.0, 0)


def test_overlapping_passages_of_one_article_merge_into_one_excerpt() -> None:
    third = ARTICLE.index("Third")
    hits = (_hit(0, 60, 0.03), _hit(21, 78, 0.02), _hit(79, len(ARTICLE), 0.01), _hit(0, 20, 0.005, "b"))
    sentence = AnswerSentence("Third is the answer.", third, third + 20, 2, 1.0)
    answer = Answer("q", True, sentence.text, (sentence,), hits, 0.9)
    sources = answer_sources(answer)
    assert [(s.citation.article_id, s.citation.start, s.citation.end, s.hit_numbers) for s in sources] == [
        ("a", 0, 78, (1, 2)),
        ("a", 79, len(ARTICLE), (3,)),
        ("b", 0, 20, (4,)),
    ]
    assert sources[0].text == ARTICLE[0:78] and sources[0].strength == "answers the question"
    assert {s.strength for s in sources[1:]} == {"related"} and sources[0].score == 0.03
    panel = sources_html(answer)
    assert panel.count("Second one follows") == 1 and "score" not in re.sub(r"title='[^']*'", "", panel)
    assert "answers the question" in panel and "related" in panel
    assert answer_dict(answer)["sources"][0]["score"] == 0.03


def test_no_sentence_is_shown_twice_for_any_dev_question(real_index: Path) -> None:
    retriever = Retriever.load(real_index / "embeddings")
    questions = [q["question"] for q in dev_questions()]
    for question in questions:
        answer = retriever.answer(question)
        sources = answer_sources(answer)
        shown = [s.text for s in sources]
        for i, a in enumerate(sources):
            for b in sources[i + 1 :]:
                same_article = a.citation.article_id == b.citation.article_id
                assert not (same_article and a.citation.start < b.citation.end and b.citation.start < a.citation.end), (
                    question
                )
        sentences = [
            part.strip() for text in shown for part in re.split(r"(?<=[.!?])\s+", text) if len(part.split()) > 4
        ]
        assert len(sentences) == len(set(sentences)), question
        if answer.span is not None:  # the bold span is the reader's, in the first sentence's article
            assert answer.span == answer.reader_span and answer.span.hit_number == answer.sentences[0].hit_number
        if answer.found:  # the reader's best span, shown or not, is exact: the cited file holds it at its offsets
            span = answer.reader_span
            assert span is not None and span.confidence is not None and 0.0 <= span.confidence <= 1.0, question
            cited = answer.hits[span.hit_number - 1].citation
            with open(real_index / "corpus" / cited.source, encoding="utf-8", newline="") as handle:
                assert handle.read()[span.start : span.end] == span.text, question
