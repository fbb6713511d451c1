"""A real browser (Debian's Chromium driven by Playwright) against a real chat server.

Screenshots land in tests/artifacts/. Without Chromium the tests skip, unless
QA_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS, dev_questions, free_port

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
XSS_ARTICLE = (
    "Harbour reopens after storm\n"
    "The Vizag harbour reopened on Monday after repairs <script>window.__xss = 1; alert('xss')</script>.\n"
    "Port staff said the harbour <img src=x onerror=\"window.__xss = 2; alert('img')\"> repairs took a week.\n"
    "Harbour officials posted <a href=\"javascript:alert('link')\">a link</a> and [a harbour map](javascript:alert('md')).\n"
    "The harbour notice showed ![beacon](http://127.0.0.1:9/beacon.png) and "
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">overlay</div>.\n'
)


@pytest.fixture(scope="module")
def chat_url(tmp_path_factory: pytest.TempPathFactory, real_encoder):  # type: ignore[no-untyped-def]
    if CHROMIUM is None:
        if os.environ.get("QA_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (QA_REQUIRE_BROWSER=1): apt-get install chromium")
        pytest.skip("Chromium not installed: apt-get install chromium to run the browser tests")
    from qa import build_index
    from qa.app.server import start_chat
    from qa.query.retriever import Retriever
    from qa.settings import Settings

    folder = tmp_path_factory.mktemp("browser")
    shutil.copytree(SEEDS, folder / "corpus")
    (folder / "corpus" / "harbour.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    build_index(folder / "corpus", folder / "embeddings", encoder=real_encoder)
    settings = Settings(index_dir=str(folder / "embeddings"), port=free_port())
    running = start_chat(Retriever.load(folder / "embeddings", encoder=real_encoder), settings)
    yield f"http://127.0.0.1:{settings.port}/"
    running.close()


@pytest.fixture
def page(chat_url: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.dialogs = []  # type: ignore[attr-defined]
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
        page.goto(chat_url)
        page.wait_for_selector("textarea")
        yield page
        browser.close()


def _ask(page, question: str, expect: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("textarea", question)
    page.keyboard.press("Enter")
    page.get_by_text(expect).last.wait_for(timeout=60_000)


def test_answer_with_citation_and_sources(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "Who is India's National Security Adviser?", "Russia-India Security Ties Deepen")
    chat = page.locator(".message-wrap, [role=log]").first.inner_text()
    assert "Ajit Doval" in chat and "[1]" in chat
    marked = page.locator(".qa-source mark").first
    marked.wait_for()
    assert "Ajit Doval" in marked.inner_text()
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)


def test_unanswerable_question_is_declined(page) -> None:  # type: ignore[no-untyped-def]
    _ask(
        page, "What are the opening hours of the Louvre museum?", "I could not find an answer to that in the articles."
    )
    assert page.locator(".qa-source").count() == 0
    chat = page.locator(".message-wrap, [role=log]").first.inner_text()
    assert "No article mentions “Louvre”." in chat  # the reason, as text
    assert page.locator(".qa-note").first.inner_text() == "No article mentions “Louvre”."
    page.screenshot(path=str(ARTIFACTS / "declined.png"), full_page=True)


def test_hostile_article_is_shown_as_text(page) -> None:  # type: ignore[no-untyped-def]
    _ask(page, "When did the Vizag harbour reopen after repairs?", "Harbour reopens after storm")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.evaluate("window.__xss === undefined")
    body = page.locator("body").inner_text()
    for shown in ["<script>", "onerror", "javascript:alert('md')", "![beacon]", "position:fixed"]:
        assert shown in body, shown  # displayed as text
    assert page.locator("img[src='x'], a[href^='javascript'], img[src*='beacon']").count() == 0
    overlay = page.locator("div[style*='position:fixed']")
    assert overlay.count() == 0


def test_a_reader_answer_shows_its_phrase_bold_and_no_unrelated_figure(page) -> None:  # type: ignore[no-untyped-def]
    """The arms question of issue 23: the reader's phrase is bold inside the answer sentence,
    and no "different figure" line cites a number about something else (trade)."""
    _ask(page, "What percentage of Indian arms imports by value comes from Russia today?", "India, Russia comes closer")
    page.wait_for_selector(".qa-source mark b", timeout=60_000)
    chat = page.locator(".message-wrap, [role=log]").first.inner_text()
    bold = page.locator(".qa-source mark b").first.inner_text()
    assert "%" in bold and bold in chat
    assert "different figure" not in chat and "Trade volume" not in chat
    page.screenshot(path=str(ARTIFACTS / "reader.png"), full_page=True)


def test_a_follow_up_says_how_it_was_taken_in_words(page) -> None:  # type: ignore[no-untyped-def]
    """ "and what about France?" after the arms question: the "Taken as" line is a question a
    person can read, naming the earlier question in words, never a bag of search terms."""
    first = "What percentage of Indian arms imports come from Russia today?"
    _ask(page, first, "India, Russia comes closer")
    page.fill("textarea", "and what about France?")
    page.keyboard.press("Enter")
    taken = page.get_by_text("Taken as:").last
    taken.wait_for(timeout=60_000)
    line = taken.inner_text()
    assert line.startswith("Taken as: and what about France?"), line
    assert f"(following “{first}”)" in line, line
    assert "Indian Russia" not in line
    page.screenshot(path=str(ARTIFACTS / "follow-up.png"), full_page=True)


def test_every_dev_question_shows_each_excerpt_once(page, chat_url: str) -> None:  # type: ignore[no-untyped-def]
    """Over all dev questions: no sentence twice in the sources panel, match strength in
    words (the score only on hover), and the reader's phrase bold in the highlighted sentence
    when it is sure enough (a bold phrase that is right, or none)."""
    questions = [q["question"] for q in dev_questions()]
    bold_phrases = 0
    for question in questions:
        page.goto(chat_url)
        page.wait_for_selector("textarea")
        page.fill("textarea", question)
        page.keyboard.press("Enter")
        page.wait_for_selector(".qa-source, .qa-note", timeout=60_000)
        excerpts = page.locator(".qa-source blockquote").all_inner_texts()
        sentences = [s.strip() for text in excerpts for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 4]
        assert len(sentences) == len(set(sentences)), (question, excerpts)
        where = page.locator(".qa-where").all_inner_texts()
        assert all("score" not in line and ("answers the question" in line or "related" in line) for line in where), (
            where
        )
        bold_phrases += page.locator(".qa-source mark b").count() > 0
    assert 2 <= bold_phrases <= len(questions) - 4  # the four unanswerable ones show no passage
