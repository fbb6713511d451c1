"""Names no article mentions: which words count as names, and which spellings count as known."""

from __future__ import annotations

from qa.reading.unknown_names import is_known, name_runs, unknown_names
from qa.store.lexical import LexicalIndex, tokenize
from qa.store.vocabulary import Vocabulary, without_accents

ARTICLES = [
    "Shares in Menatep rose in February after the Nepal deal.",
    "The French minister met Céloron at the Millennium Bridge.",
    "DVD sales of the film grew in Kazakhstan and among Kyrgyz voters.",
]


def _vocabulary() -> Vocabulary:
    return Vocabulary(term for text in ARTICLES for term in tokenize([text])[0])


def test_names_are_capitalised_words_after_the_first_and_possessives_end_a_run() -> None:
    runs = name_runs("What did Fed governor Ben Bernanke say about London's National Gallery?")
    assert runs == [("Fed", ["Fed"]), ("Ben Bernanke", ["Ben", "Bernanke"]), ("London", ["London"]),
                    ("National Gallery", ["National", "Gallery"])]  # fmt: skip
    assert name_runs("Bernanke said what?") == []  # the first word is capitalised anyway
    assert name_runs("How many KC-767 tankers, 1600s houses and 25th birthdays?") == [("KC-767", ["KC-767"])]
    assert name_runs("Who leads the UK?") == []  # two letters: too short to tell
    # capitals that are the question's style, not names
    assert name_runs("WHO PAINTED THE MONA LISA?") == []
    assert name_runs("What Is The Boiling Point Of Water?") == []
    assert name_runs("Who is Ben Bernanke?") == [("Ben Bernanke", ["Ben", "Bernanke"])]


def test_a_term_is_known_under_accents_plurals_misspellings_and_word_forms() -> None:
    vocabulary = _vocabulary()
    assert "celoron" in vocabulary and without_accents("céloron") == "celoron"
    for word in ("Céloron", "DVDs", "Milennium", "Feb", "Kazakh", "Frenchman", "Kyrgyzstan", "Menatep"):
        assert all(is_known(term, vocabulary) for term in tokenize([word])[0]), word
    # short words get no spelling slack, and a short stem no longer forms
    for word in ("Minotop", "Mentep", "Bernanke", "Kahlua", "Nepa", "Nepalese", "Frenchwoman"):
        assert not any(is_known(term, vocabulary) for term in tokenize([word])[0]), word


def test_unknown_names_are_reported_as_written_once() -> None:
    vocabulary = _vocabulary()
    assert unknown_names("What did Fed governor Ben Bernanke say in Nepal?", vocabulary) == ("Fed", "Ben Bernanke")
    assert unknown_names("How much did Menatep gain in February?", vocabulary) == ()
    assert unknown_names("Who sells Kahlua and who drinks Kahlua?", vocabulary) == ("Kahlua",)
    assert unknown_names("Who sells Kahlua?", Vocabulary([])) == ()  # an empty index: nothing to tell


def test_a_removed_passage_takes_its_terms_out_of_the_vocabulary() -> None:
    index = LexicalIndex.build(ARTICLES)
    assert "menatep" in Vocabulary(index.indexed_terms())
    rest = LexicalIndex.assemble([range(1, 3)], previous=index)  # the first passage removed
    assert "menatep" in rest.vocab  # the id vocabulary only grows ...
    assert "menatep" not in Vocabulary(rest.indexed_terms())  # ... but the term is in no passage now


def test_a_name_of_two_words_is_read_only_as_a_phrase() -> None:
    from qa.reading.unknown_names import names_not_in

    question = "Which actor plays George Bailey for Céloron Films?"
    assert names_not_in(question, ["George met Bailey.", "Celoron  films, at last"]) == ("George Bailey",)
    assert names_not_in(question, ["GEORGE BAILEY-style", "céloron films"]) == ()
    assert names_not_in("Who plays Bailey?", ["nothing"]) == ()  # one word: the vocabulary's job


def test_the_benchmark_counts_flagged_questions_by_kind(capsys) -> None:  # type: ignore[no-untyped-def]
    from bench.unknown_names import count

    questions = [
        {"question": "How much did Menatep gain?", "answers": ["$1bn"]},
        {"question": "Who owns Kahlua?", "answers": ["Allied Domecq"]},  # answerable, yet flagged: a wrong decline
        {"question": "What did Ben Bernanke say?", "answers": []},
        {"question": "What did the minister say?", "answers": []},
    ]
    counts = count(questions, _vocabulary(), show=True)
    assert counts == {"answerable": 2, "answerable_flagged": 1, "unanswerable": 2, "unanswerable_flagged": 1}
    assert "Who owns Kahlua? (Kahlua)" in capsys.readouterr().out
