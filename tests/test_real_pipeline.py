"""The real pipeline: the packaged model, a FAISS index on disk, the CLI, a Gradio server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import dev_questions, free_port, run_qa

from qa.query.retriever import Retriever
from qa.reading.answer import AnswerSettings

pytestmark = pytest.mark.slow


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def retriever(real_index: Path, real_encoder) -> Retriever:  # type: ignore[no-untyped-def]
    return Retriever.load(real_index / "embeddings", encoder=real_encoder)


def test_every_citation_is_exact_in_the_source_file(retriever: Retriever, real_index: Path) -> None:
    snapshot = retriever.snapshot
    for index, passage in enumerate(snapshot.passages):
        citation = snapshot.citation(index)
        source = (real_index / "corpus" / citation.source).read_bytes().decode("utf-8")
        assert _norm(source[citation.start : citation.end]) == _norm(passage.text)


def test_passages_fit_the_model(retriever: Retriever, real_encoder) -> None:  # type: ignore[no-untyped-def]
    special = 2  # [CLS] and [SEP]
    lengths = [
        len(offsets) + special for offsets in real_encoder.token_offsets([p.text for p in retriever.snapshot.passages])
    ]
    assert max(lengths) <= real_encoder.max_tokens


def test_dev_questions_are_found_answered_and_the_unanswerable_declined(retriever: Retriever) -> None:
    """Held-out questions (the answer score was fitted on the news dev split)."""
    questions = dev_questions()
    answerable = [q for q in questions if q["answers"]]
    answered = 0
    for q in answerable:
        answer = retriever.answer(q["question"], k=5)
        golds = [_norm(g) for g in q["answers"]]
        assert any(any(g in _norm(h.text) for g in golds) for h in answer.hits), q["id"]  # hit@5 = 1.0
        answered += answer.found
    assert answered / len(answerable) >= 0.95
    for q in questions:
        if not q["answers"]:
            assert not retriever.answer(q["question"], k=5).found, q["id"]


# The reader shipped on 2026-12-07 misses these seed-article answers (docs/quality.md, "The
# seed questions"). Each stays a strict expected failure with the bar it had, so the suite
# says so on every run and fails the day a reader passes it, until the mark is removed.
_READER_MISSES = "the reader of 2026-12-07 misses it (docs/quality.md, the seed questions)"


@pytest.mark.xfail(strict=True, reason=f"11 of 16 right, bar 15: {_READER_MISSES}")
def test_dev_questions_are_answered_right(retriever: Retriever) -> None:
    answerable = [q for q in dev_questions() if q["answers"]]
    right = 0
    for q in answerable:
        answer = retriever.answer(q["question"], k=5)
        right += answer.found and any(_norm(g) in _norm(answer.text) for g in q["answers"])
    assert right / len(answerable) >= 0.9


def test_far_questions_are_declined(retriever: Retriever) -> None:
    for question in [
        "What is the capital of Australia?",
        "How tall is Mount Everest?",
        "Who won the Champions League?",
    ]:
        assert not retriever.answer(question).found, question


def test_the_answer_score_declines_what_the_reader_cannot_answer(real_index: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """With the unknown-names rule off, the answer score alone declines the unanswerable dev
    questions; with its cut-off at 0, every one of them gets an answer."""
    questions = [q["question"] for q in dev_questions() if not q["answers"]]
    scored = Retriever.load(
        real_index / "embeddings", encoder=real_encoder, answer_settings=AnswerSettings(decline_unknown_names=False)
    )
    assert not any(scored.answer(q).found for q in questions)
    off = AnswerSettings(min_confidence=0.0, decline_unknown_names=False)
    answers = [
        Retriever.load(real_index / "embeddings", encoder=real_encoder, answer_settings=off).answer(q)
        for q in questions
    ]
    assert all(a.found and 0.0 <= a.confidence < scored.answer_settings.decline_below for a in answers)


def test_a_question_naming_what_no_article_mentions_is_declined_with_the_name(real_index: Path, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """Nothing else declines here (the answer score's cut-off at 0): the unknown name alone does."""
    only_names = AnswerSettings(min_confidence=0.0)
    retriever = Retriever.load(real_index / "embeddings", encoder=real_encoder, answer_settings=only_names)
    mona = retriever.answer("Who painted the Mona Lisa?")
    assert not mona.found and mona.unknown_names == ("Mona Lisa",) and mona.confidence == 0.0
    assert mona.hits  # the closest passages are still there to inspect
    named = [retriever.answer(q["question"]) for q in dev_questions()]
    assert sum(bool(a.unknown_names) for a in named) == 3  # 3 of the 4 unanswerable dev questions
    assert all(a.found for a in named if not a.unknown_names)  # none of the 16 answerable ones
    misspelt = retriever.answer("Who is India's Nattional Security Adviser?")  # one letter off: still known
    assert misspelt.found and not misspelt.unknown_names


def test_two_articles_with_the_same_fact_are_both_cited(retriever: Retriever) -> None:
    answer = retriever.answer("What kind of world order do Russia and India say they want?")
    first = answer.sentences[0]
    cited = {answer.hits[n - 1].citation.article_id for n in (first.hit_number, *first.also_cited)}
    assert len(cited) >= 2


def test_different_figures_are_both_shown(retriever: Retriever) -> None:
    answer = retriever.answer("How much is trade between India and Russia worth?")
    assert "$50 billion" in answer.text and "$65 billion" in answer.text
    # each figure is cited from its own article (the reader's answer first, the other beside it)
    cited = {
        s.text.count("$50 billion") * "001" + s.text.count("$65 billion") * "002": answer.hits[
            s.hit_number - 1
        ].citation.article_id[:3]
        for s in answer.sentences
    }
    assert cited.get("001") == "001" and cited.get("002") == "002"


def test_chat_follow_up_is_answered_in_context(retriever: Retriever) -> None:
    from qa.app.chat import make_responder

    respond = make_responder(retriever)
    history = [
        {"role": "user", "content": "Who is India's National Security Adviser?"},
        {"role": "assistant", "content": "..."},
    ]
    reply, sources = respond("Which Russian official did he meet?", history, "hybrid")
    assert "Taken as" in reply and ("Shoigu" in reply or "Shoygu" in reply)


def test_a_follow_up_is_taken_in_the_previous_subject(retriever: Retriever) -> None:
    taken, _ = retriever.answer_follow_up("and what about defence?", ["Who met Ajit Doval in Moscow?"])
    assert taken.question == "and what about defence?" and "Ajit Doval" in taken.context
    # a pronoun becomes the previous answer's name
    taken, _ = retriever.answer_follow_up(
        "What did he say about Putin's visit?", ["Who is India's National Security Adviser?"]
    )
    assert taken.question == "What did Ajit Doval say about Putin's visit?"


def test_a_new_topic_is_answered_in_the_previous_subject(retriever: Retriever) -> None:
    first = retriever.answer("Who met Ajit Doval in Moscow?")
    _, answer = retriever.answer_follow_up("and what about defence?", ["Who met Ajit Doval in Moscow?"])
    # a defence sentence (British or American spelling), not the meeting sentence again
    assert answer.found and "defen" in answer.text.lower() and answer.text != first.text


def test_what_the_previous_answers_person_said_is_answered(retriever: Retriever) -> None:
    _, answer = retriever.answer_follow_up(
        "What did he say about Putin's visit?", ["Who is India's National Security Adviser?"]
    )
    assert "almost finalized" in answer.text


def test_answer_sentences_are_verbatim_and_cited(retriever: Retriever, real_index: Path) -> None:
    answer = retriever.answer("Who is India's National Security Adviser?")
    assert answer.found and "Ajit Doval" in answer.text
    for sentence in answer.sentences:
        hit = answer.hits[sentence.hit_number - 1]
        source = (real_index / "corpus" / hit.citation.source).read_bytes().decode("utf-8")
        assert source[sentence.start : sentence.end] == sentence.text
        assert hit.citation.start <= sentence.start < sentence.end <= hit.citation.end


def test_cli_ask_json_and_exit_codes(real_index: Path) -> None:
    found = run_qa("ask", "--json", "Who is India's National Security Adviser?", cwd=real_index)
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["found"] is True and "Ajit Doval" in data["text"]
    reader_span = data["reader_span"]  # the reader's best phrase, with the hit that holds it
    assert {"text", "start", "end", "hit_number", "confidence"} == set(reader_span)
    assert reader_span["text"] in data["hits"][reader_span["hit_number"] - 1]["text"]
    assert data["hits"] and {"article_id", "title", "source", "start", "end"} <= set(data["hits"][0]["citation"])
    missing = run_qa("ask", "Who painted the Mona Lisa?", cwd=real_index)
    assert missing.returncode == 1 and "could not find" in missing.stdout
    assert "No article mentions “Mona Lisa”." in missing.stdout  # the reason: no article names it
    empty = run_qa("ask", "   ", cwd=real_index)
    assert empty.returncode == 2 and "empty" in empty.stderr
    no_index = run_qa("ask", "anything", "--index", "nowhere", cwd=real_index)
    assert no_index.returncode == 3 and "qa index" in no_index.stderr


def test_gradio_server_answers_over_http(retriever: Retriever) -> None:
    from gradio_client import Client

    from qa.app.server import start_chat
    from qa.settings import Settings

    settings = Settings(port=free_port())
    running = start_chat(retriever, settings)
    try:
        client = Client(f"http://127.0.0.1:{settings.port}/", verbose=False)
        reply, sources = client.predict("Who is India's National Security Adviser?", "hybrid", api_name="/ask")
        assert "Ajit Doval" in reply and "\\[1\\]" in reply
        assert "<mark>" in sources and "Ajit Doval" in sources
        declined, _ = client.predict("What are the opening hours of the Louvre museum?", "hybrid", api_name="/ask")
        assert declined == "I could not find an answer to that in the articles. No article mentions “Louvre”\\."
    finally:
        running.close()


def test_added_articles_are_answered_without_a_restart(real_index: Path, real_encoder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`qa add` + `qa index` an HTML page, upload a text file in the admin panel: the running chat
    answers from both, with citations, without a restart."""
    import shutil

    from gradio_client import Client, handle_file

    from qa.app.server import start_chat
    from qa.settings import Settings

    shutil.copytree(real_index / "corpus", tmp_path / "corpus")
    shutil.copytree(real_index / "embeddings", tmp_path / "embeddings")
    page = tmp_path / "zinc.html"
    page.write_text(
        "<html><head><title>Zinc output soars</title></head><body><nav>Home</nav><article>"
        "<h1>Zinc output soars in Rajasthan</h1><p>Zinc production in Rajasthan rose by 40 percent in August, "
        "the state mining department said on Monday.</p><p>Officials credited a new smelter near Udaipur "
        "for most of the rise in output this summer.</p></article></body></html>",
        encoding="utf-8",
    )
    note = tmp_path / "harbour.txt"
    note.write_text(
        "Harbour closed\nA cyclone closed the Chennai harbour for two days, port officials said.\n", encoding="utf-8"
    )
    settings = Settings(
        index_dir=str(tmp_path / "embeddings"), corpus_dir=str(tmp_path / "corpus"), port=free_port(), admin=True
    )
    running = start_chat(Retriever.load(settings.index_dir, encoder=real_encoder), settings, allowed_paths=[])
    try:
        client = Client(f"http://127.0.0.1:{settings.port}/", verbose=False)
        before, _ = client.predict("How much did zinc production in Rajasthan rise?", "hybrid", api_name="/ask")
        assert "40 percent" not in before
        paths = ["--corpus", settings.corpus_dir, "--index", settings.index_dir]
        added = run_qa("add", str(page), *paths[:2], cwd=tmp_path)
        assert added.returncode == 0 and "zinc-output-soars-in-rajasthan.md" in added.stdout, added.stderr
        indexed = run_qa("index", "--quiet", *paths, cwd=tmp_path)
        assert indexed.returncode == 0 and "1 added" in indexed.stdout, indexed.stderr
        reply, sources = client.predict("How much did zinc production in Rajasthan rise?", "hybrid", api_name="/ask")
        assert "40 percent" in reply and "Zinc output soars" in reply and "<mark>" in sources
        status = client.predict([handle_file(str(note))], api_name="/add_articles")
        assert "Added 1 article(s)" in status, status
        reply, _ = client.predict("How long was the Chennai harbour closed?", "hybrid", api_name="/ask")
        assert "two days" in reply and "harbour" in reply
    finally:
        running.close()
