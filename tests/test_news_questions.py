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

from bench.common import BBC
from bench.news_questions import (
    KINDS,
    NEWS_QA,
    SPLITS,
    TYPES,
    check_files,
    read_jsonl,
    split_of,
    squad_overlap,
    stats,
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
    assert figures["questions"] >= 900 and figures["articles"] >= 250
    assert set(figures["sections"]) == {"business", "entertainment", "politics", "sport", "tech"}
    assert figures["unanswerable"] >= 0.15 * figures["questions"]
    assert figures["kinds"].get("latest", 0) >= 0.05 * figures["questions"]
    assert figures["kinds"].get("neighbour", 0) >= 0.10 * figures["questions"]
    assert figures["gold_outside_most_alike_sentence"] >= 0.10
    assert set(figures["types"]) == set(TYPES) and set(figures["kinds"]) == set(KINDS)
    dev, test = stats(read_jsonl(NEWS_QA / "dev.jsonl")), stats(read_jsonl(NEWS_QA / "test.jsonl"))
    assert (
        0.10 <= dev["questions"] / figures["questions"] <= 0.20
        and 0.10 <= test["questions"] / figures["questions"] <= 0.20
    )
    readme = (NEWS_QA / "README.md").read_text(encoding="utf-8")
    assert f"{figures['questions']:,} questions" in readme and f"{figures['articles']} articles" in readme


def test_questions_repeat_their_answer_sentence_less_than_squad_does() -> None:
    ours = stats(_all())["overlap"]
    assert ours <= squad_overlap(limit=1500)


def test_the_checker_finds_a_wrong_offset_a_present_term_and_a_repeat(tmp_path: Path) -> None:
    good = read_jsonl(NEWS_QA / "dev.jsonl")
    answerable = next(r for r in good if r["answers"])
    unanswerable = next(r for r in good if not r["answers"])
    moved = {**answerable, "start": [answerable["start"][0] + 1] + answerable["start"][1:]}
    present = {**unanswerable, "question": unanswerable["question"].rstrip("?") + " again?", "absent": ["the"]}
    draft = tmp_path / "draft.jsonl"
    draft.write_text("".join(json.dumps(r) + "\n" for r in (answerable, moved, present)), encoding="utf-8")
    messages = [p.message for p in check_files([draft])]
    assert any("is not at offset" in m for m in messages)
    assert any("appears in the collection" in m for m in messages)
    assert any("the same question as" in m for m in messages)
    assert len(messages) == 3 + 1  # the repeat's offset is wrong too (it is `moved`)


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
