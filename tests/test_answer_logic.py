"""Answer logic that needs no model: follow-ups, figures, cues, the decline model, BM25 IDF."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import FakeEncoder

from qa import build_index
from qa.app.history import previous_questions
from qa.query.followup import FollowUp, context_terms, is_follow_up, resolve_follow_up
from qa.query.retriever import Retriever
from qa.reading.abstention import AbstentionModel, fit_abstention
from qa.reading.answer import answer_cue
from qa.reading.compose import figures
from qa.store.lexical import LexicalIndex, tokenize
from qa.types import Evidence


def test_follow_up_takes_the_names_of_the_previous_question() -> None:
    # a new topic is searched in the earlier subject, and answered for itself
    assert resolve_follow_up("and what about defence?", ["What did India and Russia agree on trade?"]) == FollowUp(
        "and what about defence?", "India and Russia"
    )
    # without the previous answer, a pronoun's question is asked with the previous question's names
    assert resolve_follow_up("When did he visit Moscow?", ["Who is India's National Security Adviser?"]) == FollowUp(
        "When did he visit Moscow? India's National Security Adviser"
    )
    # a new, complete question is left alone; chains keep the original context
    assert resolve_follow_up("Who painted the Mona Lisa?", ["Who is Ajit Doval?"]) == FollowUp(
        "Who painted the Mona Lisa?"
    )
    assert resolve_follow_up(
        "and in 2024?", ["What did India and Russia agree on trade?", "and what about defence?"]
    ).context == ("India and Russia")
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
    assert taken == FollowUp("Who did Vinay Kumar meet?")
    # "Who did X meet?" is answered by someone else than the "he" that follows: X
    taken = resolve_follow_up("What did he say about trade?", ["Who did Jaishankar meet in Moscow?"], phrase_of)
    assert taken == FollowUp("What did Jaishankar say about trade?")
    # the phrase is asked for only when a follow-up leans on that turn
    asked.clear()
    assert (
        resolve_follow_up("Who painted the Mona Lisa?", ["Who is India's ambassador in Moscow?"], phrase_of).context
        == ""
    )
    assert asked == []


def test_elliptic_follow_up_carries_the_previous_question_and_answer() -> None:
    taken = resolve_follow_up("when?", ["Who signed the executive order on tariffs?"], lambda turn: "Donald Trump")
    assert taken.question == "when? signed the executive order on tariffs Donald Trump"
    # with a word of its own, the earlier subject is only searched with
    taken = resolve_follow_up(
        "How was the atmosphere?", ["Who did Ambassador Kumar meet in Moscow?"], lambda turn: "Fomin"
    )
    assert taken == FollowUp("How was the atmosphere?", "Ambassador Kumar Moscow")


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


def test_quantities_and_cues() -> None:
    assert figures("trade, which now exceeds $50 billion") == {"$50billion"}
    assert figures("Trade volume surpassed $65 billion, up 12 per cent") == {"$65billion", "12%"}
    assert answer_cue("Why did the US double tariffs?", "The stated reason: oil.") == 1.0
    assert answer_cue("How many sources spoke?", "Two sources said so.") == 1.0
    assert answer_cue("When will Putin visit?", "He visits before the end of 2025.") == 1.0
    assert answer_cue("Who is Doval?", "Doval is the adviser.") == 0.0


def test_bm25_idf_stays_positive_when_a_term_is_everywhere() -> None:
    index = LexicalIndex.build(["India Russia trade", "India Russia defence", "India Russia oil"])
    assert (index.idf(tokenize(["India"])[0]) > 0).all()
    assert index.scores("India").min() > 0  # a term in every passage still counts a little
    assert index.scores("defence").argmax() == 1


def test_fit_abstention_separates_labelled_evidence() -> None:
    rng = np.random.default_rng(0)
    good = [Evidence(*rng.uniform(0.5, 0.9, 5)) for _ in range(30)]
    bad = [Evidence(*rng.uniform(0.0, 0.4, 5)) for _ in range(30)]
    model = fit_abstention(good + bad, [True] * 30 + [False] * 30)
    assert all(model.probability(e) > 0.5 for e in good) and all(model.probability(e) < 0.5 for e in bad)
    assert isinstance(model, AbstentionModel) and all(w > 0 for w in model.weights)


def test_fit_abstention_weights_questions() -> None:
    rng = np.random.default_rng(1)
    overlap = [Evidence(*rng.uniform(0.2, 0.8, 5)) for _ in range(80)]
    labels = [bool(i % 2) for i in range(80)]
    even = fit_abstention(overlap, labels)
    # counting the unanswerable ones ten times over makes the model decline more of everything
    cautious = fit_abstention(overlap, labels, sample_weights=[1.0 if label else 10.0 for label in labels])
    assert cautious.bias < even.bias
    assert sum(cautious.probability(e) < 0.5 for e in overlap) > sum(even.probability(e) < 0.5 for e in overlap)


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
