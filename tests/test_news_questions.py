"""The news questions (eval/news-qa/): every gold string sits at its offsets in its article,
no question twice, unanswerable ones' key terms in no article, split by article, spread and
paraphrased as the set's README says, and ``qa eval`` runs on a split."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import run_qa

from training.data import BBC
from training.news_questions import (
    KINDS,
    NEWS_QA,
    SPLITS,
    TYPES,
    articles_in_test,
    check_files,
    read_jsonl,
    split_of,
    split_problems,
    squad_overlap,
    stats,
    story_of,
    topic_of,
)

pytestmark = pytest.mark.skipif(not BBC.is_dir(), reason="needs ../shared/news/bbc")

FILES = [NEWS_QA / f"{name}.jsonl" for name in SPLITS]


def _all() -> list[dict]:
    return [record for path in FILES for record in read_jsonl(path)]


def test_every_question_checks_out_against_its_article() -> None:
    problems = check_files(FILES)
    assert not problems, "\n".join(map(str, problems[:20]))
    for record in _all():
        for answer, start, end in zip(record["answers"], record["start"], record["end"]):
            text = (BBC / f"{record['articles'][0]}.txt").read_text(encoding="utf-8")
            assert text[start:end] == answer


def test_ids_are_unique_and_the_split_goes_by_article() -> None:
    records = _all()
    assert len({r["id"] for r in records}) == len(records)
    for path in FILES:
        for record in read_jsonl(path):
            assert split_of(topic_of(record)) == path.stem, record["id"]
    by_split = {path.stem: {topic_of(r) for r in read_jsonl(path)} for path in FILES}
    assert (
        not (by_split["train"] & by_split["dev"])
        and not (by_split["train"] & by_split["test"])
        and not (by_split["dev"] & by_split["test"])
    )


def test_the_set_is_as_large_and_varied_as_its_readme_says() -> None:
    figures = stats(_all())
    assert figures["questions"] >= 1700 and figures["articles"] >= 500
    assert set(figures["sections"]) == {"business", "entertainment", "politics", "sport", "tech"}
    assert figures["gold_outside_most_alike_sentence"] >= 0.10
    # the splits the product is judged on hold every hard kind in its share; train grows by
    # answerable questions written for learning only, so the whole set's shares shrink
    by_split = {path.stem: stats(read_jsonl(path)) for path in FILES}
    for judged in ("dev", "test"):
        split = by_split[judged]
        assert split["unanswerable"] >= 0.15 * split["questions"], judged
        assert split["kinds"].get("latest", 0) >= 0.04 * split["questions"], judged
        assert split["kinds"].get("neighbour", 0) >= 0.10 * split["questions"], judged
    assert set(figures["types"]) == set(TYPES) and set(figures["kinds"]) == set(KINDS)
    train, dev = by_split["train"], by_split["dev"]
    # dev holds about 30% of the train and dev stories (by headline hash); questions written
    # later for training only (drafts/deeper-*) make train's share of questions larger, so
    # dev's size is held as a count
    assert 0.20 <= dev["articles"] / (train["articles"] + dev["articles"]) <= 0.40
    assert dev["questions"] >= 800 and train["questions"] > dev["questions"]
    assert train["kinds"]["near-miss"] + dev["kinds"]["near-miss"] >= 400 and dev["kinds"]["near-miss"] >= 50
    readme = (NEWS_QA / "README.md").read_text(encoding="utf-8")
    assert f"{figures['questions']:,} questions" in readme and f"{figures['articles']:,} articles" in readme


def test_the_test_split_is_its_own_stories_and_a_fifth_near_miss() -> None:
    """The test split: at least 250 questions about stories no other question is about, at
    least a fifth of them near-miss (the archive covers the subject, not the asked fact), each
    near-miss question searched for by its writer and by a second reader."""
    test = read_jsonl(NEWS_QA / "test.jsonl")
    near_miss = [r for r in test if r["kind"] == "near-miss"]
    assert len(test) >= 250 and len(near_miss) >= 0.20 * len(test)
    assert all(any(s.startswith("second reader:") for s in r["searched"]) for r in near_miss)
    stories = {a for r in test for a in story_of()[topic_of(r)]}
    assert stories <= articles_in_test()
    others = [r for name in ("train", "dev") for r in read_jsonl(NEWS_QA / f"{name}.jsonl")]
    assert not {a for r in others for a in story_of()[topic_of(r)]} & articles_in_test()


def test_drafts_about_the_wrong_split_are_refused(tmp_path: Path) -> None:
    test_record = read_jsonl(NEWS_QA / "test.jsonl")[0]
    train_record = read_jsonl(NEWS_QA / "train.jsonl")[0]
    (tmp_path / "test").mkdir()
    test_draft, draft = tmp_path / "test" / "t.jsonl", tmp_path / "d.jsonl"
    test_draft.write_text(json.dumps(train_record) + "\n", encoding="utf-8")
    draft.write_text(json.dumps(test_record) + "\n", encoding="utf-8")
    messages = [p.message for p in split_problems([draft], [test_draft])]
    assert len(messages) == 2
    assert any("is one of the test split's stories" in m for m in messages)
    assert any("is not one of the test split's stories" in m for m in messages)


def test_questions_repeat_their_answer_sentence_less_than_squad_does() -> None:
    ours = stats(_all())["overlap"]
    assert ours <= squad_overlap(limit=1500)


def test_the_checker_finds_a_wrong_offset_a_present_term_and_a_repeat(tmp_path: Path) -> None:
    good = read_jsonl(NEWS_QA / "dev.jsonl")
    answerable = next(r for r in good if r["answers"])
    unanswerable = next(r for r in good if r["kind"] == "unanswerable")
    near_miss = next(r for r in good if r["kind"] == "near-miss")
    moved = {**answerable, "start": [answerable["start"][0] + 1] + answerable["start"][1:]}
    present = {**unanswerable, "question": unanswerable["question"].rstrip("?") + " again?", "absent": ["the"]}
    draft = tmp_path / "draft.jsonl"
    elsewhere = {**near_miss, "question": near_miss["question"].rstrip("?") + " then?", "present": ["Zanzibarian"]}
    unsearched = {**near_miss, "question": near_miss["question"].rstrip("?") + " now?", "searched": []}
    rows = (answerable, moved, present, elsewhere, unsearched)
    draft.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    messages = [p.message for p in check_files([draft])]
    assert any("is not at offset" in m for m in messages)
    assert any("appears in the collection" in m for m in messages)
    assert any("the same question as" in m for m in messages)
    assert any("present term 'Zanzibarian' is not in" in m for m in messages)
    assert any("lists in `searched`" in m for m in messages)
    assert len(messages) == 5 + 1  # the repeat's offset is wrong too (it is `moved`)


@pytest.mark.slow
def test_qa_eval_runs_on_the_dev_split(tmp_path: Path) -> None:
    """The documented ``qa eval`` over an index of the dev split's articles (the whole
    archive takes minutes): the gold passage is retrieved for most answerable questions."""
    records = read_jsonl(NEWS_QA / "dev.jsonl")
    corpus = tmp_path / "bbc"
    corpus.mkdir()
    for article in {topic_of(r) for r in records}:
        shutil.copy(BBC / f"{article}.txt", corpus / f"{article}.txt")
    index = tmp_path / "index"
    built = run_qa("index", "--corpus", str(corpus), "--index", str(index), "--quiet", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    out = tmp_path / "dev.json"
    run = run_qa(
        "eval", str(NEWS_QA / "dev.jsonl"), "--index", str(index), "--modes", "hybrid", "--json", str(out), cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"hybrid", run.stdout)
    (metrics,) = json.loads(out.read_text())
    assert metrics["answerable"] == sum(bool(r["answers"]) for r in records)
    assert metrics["hit_at_5"] >= 0.8
    # the reader's best span counts whether or not it is shown: bold only when sure, so it holds more golds
    assert metrics["reader_span_accuracy"] > metrics["span_accuracy"] and metrics["reader_f1"] >= metrics["f1"]
