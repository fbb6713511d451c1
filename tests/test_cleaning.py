"""Boilerplate removal: the seed articles lose their web furniture and keep their prose."""

from __future__ import annotations

from conftest import SEEDS

from qa.ingest.cleaning import clean
from qa.ingest.corpus import parse_article, scan_corpus


def _kept_text(article) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(article.text[b.start : b.end] for b in article.blocks)


def _seed(prefix: str):  # type: ignore[no-untyped-def]
    scan = scan_corpus(SEEDS)
    return next(a for a in scan.articles if a.article_id.startswith(prefix))


def test_seed_boilerplate_is_gone() -> None:
    kept = "\n".join(_kept_text(a) for a in scan_corpus(SEEDS).articles)
    for junk in [
        "#RussiaIndiaPartnership",
        "Comments (0)",
        "Add Comment",
        "Share post:",
        "20.1 C",
        "Please enter your comment!",
        "Please enter your name here",
        "Related articles",
        "Haryana Police Crack Down",
        "Darul Uloom Deoband",
        "Home India Russian Deputy Minister",
        "Photo: A.Savin/Wikimedia Commons",
        "With inputs from IBNS and Reuters",
    ]:
        assert junk not in kept, junk


def test_seed_prose_is_intact() -> None:
    kept = "\n".join(_kept_text(a) for a in scan_corpus(SEEDS).articles)
    for prose in [
        "Russian Security Council Secretary Sergey Shoigu, during high-level talks with Indian National Security Adviser Ajit Doval",
        "Putin also invited Indian Prime Minister Narendra Modi to visit Moscow.",
        "Now it’s about 45%, but that’s down from 65% about seven years ago.",
        "- Joint development of military platforms",
        "Two Indian government sources told Reuters on the weekend",
        "The meeting, held in a private session at the Russian Ministry of Defense",
        "It is quite clear that India wont buckle under the pressure of Western Powers at any cost.",
    ]:
        assert prose in kept, prose


def test_seed_titles() -> None:
    assert _seed("000").title == "Russia-India Security Ties Deepen Amid US Pressure Over Oil Trade"
    assert _seed("001").title.startswith("India, Russia comes closer")  # after the weather widget
    assert _seed("003").title == "Russian Deputy Minister, Indian Envoy Discuss Strengthening Defence Ties"
    derived = _seed("004").title  # no headline: the first words of the article
    assert derived.startswith("On August 6th, National Security Advisor") and derived.endswith("…")


def test_table_of_contents_that_repeats_headings_is_removed() -> None:
    article = _seed("002")
    kept = _kept_text(article)
    assert "- India’s Strategic Autonomy on Display" not in kept
    assert "India’s Strategic Autonomy on Display" in kept  # the heading itself stays


def test_general_rules_on_other_text() -> None:
    text = (
        "Home » World » Storm hits coast\n"
        "Storm hits coast\n"
        "A storm hit the coast on Monday. Hundreds were evacuated.\n"
        "Share this article\n"
        "Officials said damage was limited.\n"
        "#storm #coast #weather\n"
        "Leave a reply\n"
        "You may also like\n"
        "Another story teaser...\n"
    )
    article = parse_article(text, article_id="x", source="x.txt", digest="0")
    assert article.title == "Storm hits coast"
    assert (
        _kept_text(article)
        == "A storm hit the coast on Monday. Hundreds were evacuated.\nOfficials said damage was limited."
    )
    sections = [b.section for b in article.blocks]
    assert sections[0] != sections[1]  # "Share this article" was removed between them


def test_list_items_that_do_not_repeat_are_kept() -> None:
    text = "Intro line that is a sentence.\n- first item\n- second item\n- third item\nEnd of story.\n"
    cleaned = clean(text, find_title=False)
    assert len(cleaned.blocks) == 5 and not cleaned.removed
