"""Answer logic that needs no model: follow-ups, figures, fitting the answer score, BM25 IDF."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import FakeEncoder

from qa import build_index
from qa.app.history import previous_questions
from qa.query.followup import FollowUp, context_terms, has_own_topic, is_follow_up, resolve_follow_up
from qa.query.retriever import Retriever
from qa.reading.answer_score import FEATURES, AnswerScore
from qa.reading.compose import differing_figure, figure_kind, figures
from qa.reading.fit_score import Candidate, Labelled, fit_score, fit_weights, operating_points
from qa.reading.reader import FoundSpan
from qa.store.lexical import LexicalIndex, tokenize


def test_follow_up_takes_the_names_of_the_previous_question() -> None:
    # a new topic is searched in the earlier subject, and answered for itself
    taken = resolve_follow_up("and what about defence?", ["What did India and Russia agree on trade?"])
    assert taken == FollowUp("and what about defence?", "India and Russia", "What did India and Russia agree on trade?")
    # the chat says how it took it in words a person reads, never as a bag of search terms
    assert taken.shown == "and what about defence? (following “What did India and Russia agree on trade?”)"
    # without the previous answer, a pronoun's question is asked with the previous question's names
    taken = resolve_follow_up("When did he visit Moscow?", ["Who is India's National Security Adviser?"])
    assert taken.text == "When did he visit Moscow? India's National Security Adviser"
    assert taken.shown == "When did he visit Moscow? (following “Who is India's National Security Adviser?”)"
    # a new, complete question is left alone; chains keep the original context
    assert resolve_follow_up("Who painted the Mona Lisa?", ["Who is Ajit Doval?"]) == FollowUp(
        "Who painted the Mona Lisa?"
    )
    chained = resolve_follow_up(
        "and in 2024?", ["What did India and Russia agree on trade?", "and what about defence?"]
    )
    assert chained.context == "India and Russia" and chained.after == "What did India and Russia agree on trade?"
    assert not is_follow_up("What did the Kremlin say about tariffs imposed by the United States last week?")
    assert context_terms("What is the capital of Australia?") == "Australia"


def test_follow_up_pronoun_becomes_the_person_it_stands_for() -> None:
    asked: list[str] = []

    def phrase_of(turn: FollowUp) -> str:
        asked.append(turn.text)
        return {
            "Who is India's ambassador in Moscow?": "Vinay Kumar",
            "Who did Jaishankar meet in Moscow?": "Vladimir Putin",
        }[turn.text]

    # "Who is X?" is answered by the person "he" means next
    taken = resolve_follow_up("Who did he meet?", ["Who is India's ambassador in Moscow?"], phrase_of)
    assert taken.question == "Who did Vinay Kumar meet?" and taken.context == "India's Moscow"
    assert taken.shown == "Who did Vinay Kumar meet? (following “Who is India's ambassador in Moscow?”)"
    # "Who did X meet?" is answered by someone else than the "he" that follows: X
    taken = resolve_follow_up("What did he say about trade?", ["Who did Jaishankar meet in Moscow?"], phrase_of)
    assert taken == FollowUp(
        "What did Jaishankar say about trade?", "Jaishankar Moscow", "Who did Jaishankar meet in Moscow?"
    )
    # the phrase is asked for only when a follow-up leans on that turn
    asked.clear()
    assert (
        resolve_follow_up("Who painted the Mona Lisa?", ["Who is India's ambassador in Moscow?"], phrase_of).context
        == ""
    )
    assert asked == []


def test_elliptic_follow_up_carries_the_previous_question_and_answer() -> None:
    taken = resolve_follow_up("when?", ["Who signed the executive order on tariffs?"], lambda turn: "Donald Trump")
    assert taken.text == "when? signed the executive order on tariffs Donald Trump" and taken.question == "when?"
    assert taken.shown == "when? (following “Who signed the executive order on tariffs?”)"
    # with a word of its own, the earlier subject is only searched with
    taken = resolve_follow_up(
        "How was the atmosphere?", ["Who did Ambassador Kumar meet in Moscow?"], lambda turn: "Fomin"
    )
    assert taken == FollowUp(
        "How was the atmosphere?", "Ambassador Kumar Moscow", "Who did Ambassador Kumar meet in Moscow?"
    )


def test_a_follow_up_with_words_of_its_own_is_read_alone() -> None:
    """The reader reads a follow-up's own words; only one with none is read with the earlier subject."""
    assert has_own_topic("and what about defence?") and has_own_topic("Which side does it favour?")
    assert not has_own_topic("when?") and not has_own_topic("and now?")


def test_previous_questions_from_gradio_history() -> None:
    history = [
        {"role": "user", "content": "Who is Ajit Doval?"},
        {"role": "assistant", "content": "He is ..."},
        {"role": "user", "content": [{"type": "text", "text": "and Shoigu?"}]},
    ]
    assert previous_questions(history) == ["Who is Ajit Doval?", "and Shoigu?"]


def test_this_module_imports_no_gradio() -> None:
    """The answer logic is tested without the web stack: importing this file loads no Gradio."""
    code = "import sys, test_answer_logic; assert 'gradio' not in sys.modules, 'gradio imported'"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_figures_and_their_kinds() -> None:
    assert figures("trade, which now exceeds $50 billion") == {"$50billion"}
    assert figures("Trade volume surpassed $65 billion, up 12 per cent") == {"$65billion", "12%"}
    assert figure_kind("$65 billion") == "money" and figure_kind("£10") == "money"
    assert figure_kind("12 per cent") == "percentage" and figure_kind("45%") == "percentage"
    assert figure_kind("464,000") == "count" and figure_kind("Vinay Kumar") is None


def _span(article: str, text: str, hit: int) -> FoundSpan:
    return FoundSpan(hit, article, 0, len(text), text, 0.5, 0.1)


def test_a_differing_figure_is_another_articles_figure_of_the_same_kind() -> None:
    best = _span("a", "$50 billion", 1)
    assert differing_figure(best, [_span("b", "$65 billion", 2)]) == _span("b", "$65 billion", 2)
    assert differing_figure(best, [_span("a", "$65 billion", 2)]) is None  # the same article
    assert differing_figure(best, [_span("b", "12%", 2)]) is None  # another kind of figure
    assert differing_figure(best, [_span("b", "$50bn", 2), _span("c", "$50 billion", 3)]) is None
    assert differing_figure(_span("a", "Moscow", 1), [_span("b", "$65 billion", 2)]) is None


def test_bm25_idf_stays_positive_when_a_term_is_everywhere() -> None:
    index = LexicalIndex.build(["India Russia trade", "India Russia defence", "India Russia oil"])
    assert (index.idf(tokenize(["India"])[0]) > 0).all()
    assert index.scores("India").min() > 0  # a term in every passage still counts a little
    assert index.scores("defence").argmax() == 1


def _evidence(rng: np.random.Generator, low: float, high: float) -> dict[str, float]:
    return {name: float(rng.uniform(low, high)) for name in FEATURES}


def test_the_answer_score_separates_right_from_wrong_answers() -> None:
    rng = np.random.default_rng(0)
    good = [_evidence(rng, 0.5, 0.9) | {"no_answer": float(rng.uniform(0.0, 0.3))} for _ in range(30)]
    bad = [_evidence(rng, 0.0, 0.4) | {"no_answer": float(rng.uniform(0.6, 1.0))} for _ in range(30)]
    weights, bias = fit_weights(good + bad, [True] * 30 + [False] * 30)
    score = AnswerScore(FEATURES, weights, bias, 0.5, 0.9)
    assert all(score.probability(e) > 0.5 for e in good) and all(score.probability(e) < 0.5 for e in bad)
    assert weights[FEATURES.index("span")] > 0 > weights[FEATURES.index("no_answer")]


def test_the_cut_offs_keep_nine_answers_in_ten_and_bold_only_what_is_mostly_right() -> None:
    rng = np.random.default_rng(1)
    labelled = []
    for i in range(200):
        answerable = i % 4 != 0
        quality = float(rng.uniform(0.3, 1.0) if answerable else rng.uniform(0.0, 0.6))
        right = answerable and rng.uniform() < quality
        evidence = {name: quality for name in FEATURES} | {"no_answer": 1 - quality, "least_no_answer": 1 - quality}
        weak = {name: quality / 2 for name in FEATURES} | {"no_answer": 1.0, "least_no_answer": 1 - quality}
        labelled.append(
            Labelled(
                (Candidate(evidence, right, right and rng.uniform() < 0.8), Candidate(weak, False, False)), answerable
            )
        )
    labelled.append(Labelled((), False))  # declined for an unknown name: never scored
    score = fit_score(labelled, reader_sha256="abc")
    assert score.reader_sha256 == "abc" and score.decline_below <= score.bold_from
    curve = {row["cut_off"]: row for row in operating_points(labelled, score)}
    assert curve[score.decline_below]["answered"] >= 0.90
    above = round(score.decline_below + 0.01, 2)
    assert above not in curve or curve[above]["answered"] < 0.90  # the most declines the bar allows
    if score.bold_from < 1.0:
        assert curve[score.bold_from]["bold_precision"] >= 0.85
    # each question is counted by the candidate the score rates highest: here the stronger one
    assert all(q.chosen(score)[0] is q.candidates[0] for q in labelled if q.candidates)


def test_duplicate_wire_copy_is_one_hit_citing_both(tmp_path: Path) -> None:
    wire = "The ministry said exports of zinc rose sharply in March. Officials expect more growth in April."
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"Paper A reports\n{wire}\n", encoding="utf-8")
    (corpus / "b.txt").write_text(f"Paper B reports\n{wire}\n", encoding="utf-8")
    (corpus / "c.txt").write_text("Other news\nA storm closed the harbour for two days.\n", encoding="utf-8")
    build_index(corpus, tmp_path / "embeddings", encoder=FakeEncoder())
    retriever = Retriever.load(tmp_path / "embeddings", encoder=FakeEncoder())
    hits = retriever.search("zinc exports ministry", k=3)
    assert sum("zinc" in h.text for h in hits) == 1
    top = hits[0]
    assert {top.citation.article_id, *(c.article_id for c in top.also_in)} == {"a", "b"}


def test_min_confidence_from_the_environment() -> None:
    import pytest

    from qa.errors import UsageError
    from qa.settings import Settings

    settings = Settings.resolve(environ={"QA_MIN_CONFIDENCE": "0.8"}, only=["min_confidence"])
    assert settings.answer_settings().min_confidence == 0.8
    with pytest.raises(UsageError, match="QA_MIN_CONFIDENCE must be a number between 0 and 1"):
        Settings.resolve(environ={"QA_MIN_CONFIDENCE": "high"}, only=["min_confidence"])


def test_min_confidence_changes_what_is_declined(tmp_path: Path) -> None:
    from qa.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Zinc news\nZinc exports from Rajasthan rose sharply in March this year.\n", encoding="utf-8"
    )
    build_index(corpus, tmp_path / "embeddings", encoder=FakeEncoder())
    question = "Did zinc exports from Rajasthan rise in March?"
    confidence = Retriever.load(tmp_path / "embeddings", encoder=FakeEncoder()).answer(question).confidence
    found = {}
    step = min(0.01, confidence / 2, (1 - confidence) / 2)
    assert step > 1e-6, confidence
    for threshold in (confidence - step, confidence + step):
        settings = Settings.resolve(environ={"QA_MIN_CONFIDENCE": f"{threshold:.9f}"}, only=["min_confidence"])
        retriever = Retriever.load(
            tmp_path / "embeddings", encoder=FakeEncoder(), answer_settings=settings.answer_settings()
        )
        found[threshold > confidence] = retriever.answer(question).found
    assert found == {False: True, True: False}


def test_rejected_messages_never_reach_follow_up_resolution() -> None:
    huge = "who " * 2_500_000  # 10 MB
    history = [
        {"role": "user", "content": huge},
        {"role": "assistant", "content": "too long"},
        {"role": "user", "content": "Who met Ajit Doval in Moscow?"},
        {"role": "user", "content": "   "},
    ]
    assert previous_questions(history) == ["Who met Ajit Doval in Moscow?"]


def test_a_very_long_chat_history_is_handled_quickly(tmp_path: Path) -> None:
    import time

    from qa.app.chat import make_responder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Zinc news\nZinc exports rose sharply in March.\n", encoding="utf-8")
    build_index(corpus, tmp_path / "embeddings", encoder=FakeEncoder())
    respond = make_responder(Retriever.load(tmp_path / "embeddings", encoder=FakeEncoder()))
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": "x " * 50} for i in range(200_000)]
    started = time.perf_counter()
    reply, _ = respond("and zinc?", history, "hybrid")
    assert time.perf_counter() - started < 5 and reply


class _Lookup:
    """Three one-passage articles with hand-made sentence vectors."""

    def __init__(self, passages: dict[int, tuple[str, list[str], list[list[float]]]]) -> None:
        self.passages = passages

    def passage(self, index: int):  # type: ignore[no-untyped-def]
        from qa.types import Passage, Span

        article, sentences, _ = self.passages[index]
        text = " ".join(sentences)
        spans, start = [], 0
        for sentence in sentences:
            spans.append(Span(start, start + len(sentence)))
            start += len(sentence) + 1
        return Passage(article, 0, len(text), text, tuple(spans))

    def passage_sentence_vectors(self, index: int) -> np.ndarray:
        vectors = np.array(self.passages[index][2], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_another_article_saying_the_same_is_cited_unless_its_figure_differs() -> None:
    from qa.reading.compose import same_fact_elsewhere
    from qa.types import Citation, Hit, Span

    lookup = _Lookup(
        {
            0: ("a", ["Putin will visit India before the end of 2025.", "Trade grew."], [[1, 0, 0], [0, 1, 0]]),
            1: ("b", ["Officials said Putin visits India before the year ends."], [[0.95, 0.3, 0]]),
            2: ("c", ["Putin will visit India in 2026, aides said."], [[0.97, 0.2, 0]]),
            3: ("d", ["The weather was mild."], [[0, 0, 1]]),
        }
    )
    hits = [
        Hit(lookup.passage(i).text, 1.0, Citation(article, article, f"{article}.txt", 0, 10), 0.5, 1.0, passage_index=i)
        for i, (article, _, _) in lookup.passages.items()
    ]
    answer = Span(0, len("Putin will visit India before the end of 2025."))
    # b says the same (no figure of its own); c is as close but states another year; d is about something else
    assert same_fact_elsewhere(answer, 1, hits, lookup) == (2,)  # type: ignore[arg-type]
    assert same_fact_elsewhere(answer, 1, hits, lookup, cosine=0.999) == ()  # type: ignore[arg-type]
