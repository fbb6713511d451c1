"""The Milvus backend on a real Milvus Lite server (the C++ engine in a child process): the
same answers as the local index, incremental updates that switch readers whole, a copy of
a local index without embedding, kills inside a publish, and bad input with clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import BBC_SAMPLE, SEEDS, FakeEncoder, dev_questions, run_qa

from qa import Library, Retriever
from qa.app.cli import main
from qa.errors import BackendError, IndexIncompatibleError
from qa.store.milvus.address import MilvusAddress
from qa.store.milvus.connection import connection_error
from qa.store.milvus.meta import FREQUENCY_CHUNK, FrequencyTable, frequency_rows, query_all
from qa.store.milvus.schema import names, one_of, visible
from qa.store.milvus.view import MilvusIndex
from qa.store.snapshot import load_snapshot

# -- fast: no server ---------------------------------------------------------------------------


def test_filters_quote_article_ids_and_frequencies_fit_in_rows() -> None:
    assert one_of("article_id", ['a"b', "c\\d"]) == 'article_id in ["a\\"b", "c\\\\d"]'
    assert one_of("passage_id", [3, 4]) == "passage_id in [3, 4]"
    table = FrequencyTable()
    table.add([[f"token{i}" for i in range(20_000)], ["token1", "token1"]])
    table.add([["token1"]], -1)
    assert table.counts["token1"] == 1 and table.counts["token2"] == 1
    rows = frequency_rows(table, 7)
    assert len(rows) > 1 and all(len(row["body"]) <= FREQUENCY_CHUNK for row in rows)
    merged: dict[str, int] = {}
    for row in rows:
        merged.update(json.loads(row["body"]))
    assert merged == table.counts and {row["born"] for row in rows} == {7}


def test_a_server_refusing_credentials_or_absent_is_named_with_the_fix() -> None:
    server = MilvusAddress("http://milvus.example:19530", token="root:wrong")
    # the texts Milvus servers answer (milvus-io/milvus #37714, pymilvus #2206)
    wrong = connection_error(
        server,
        RuntimeError("StatusCode.UNAUTHENTICATED auth check failure, please check username and password are correct"),
    )
    missing = connection_error(server, RuntimeError("missing authorization in header"))
    down = connection_error(server, RuntimeError("Fail connecting to server on milvus.example:19530"))
    assert "--token" in str(wrong) and "--token" in str(missing) and "root:wrong" not in str(wrong)
    assert "cannot reach Milvus" in str(down) and "--uri" in str(down)
    assert all(isinstance(e, BackendError) and e.exit_code == 3 for e in (wrong, missing, down))


# -- slow: a real Milvus Lite server, the real model -------------------------------------------


@pytest.fixture(scope="module")
def lite(real_index: Path, tmp_path_factory: pytest.TempPathFactory) -> MilvusAddress:
    """The seed articles built into a Milvus Lite collection from the corpus, as `qa index --uri` does."""
    folder = tmp_path_factory.mktemp("milvus")
    address = MilvusAddress(str(folder / "milvus.db"))
    report = Library(real_index / "corpus", real_index / "embeddings", milvus=address).update()
    assert report.passages_embedded == report.passages_total > 0
    return address


@pytest.mark.slow
def test_every_dev_question_gets_the_local_answer_from_milvus(real_index: Path, lite: MilvusAddress) -> None:
    local = Retriever.load(real_index / "embeddings")
    milvus = Retriever.connect(lite, export_dir=real_index / "embeddings")
    try:
        assert milvus.snapshot.manifest.passage_count == local.snapshot.manifest.passage_count
        named = 0  # questions declined for a name no article mentions (Milvus's own vocabulary)
        for row in dev_questions():
            question = str(row["question"])
            a, b = milvus.answer(question), local.answer(question)
            assert (a.found, a.text, a.span, a.unknown_names) == (b.found, b.text, b.span, b.unknown_names), question
            named += bool(a.unknown_names)
            assert abs(a.confidence - b.confidence) <= 0.05, question
            cited = [(a.hits[x.hit_number - 1].citation.source, x.start, x.end) for x in a.sentences]
            assert cited == [(b.hits[x.hit_number - 1].citation.source, x.start, x.end) for x in b.sentences], question
            for hit in a.hits:  # exact citations: the cited characters of the file are the passage
                assert (
                    hit.text
                    == (SEEDS / hit.citation.source).read_text(encoding="utf-8")[hit.citation.start : hit.citation.end]
                )
            for mode in ("dense", "bm25"):
                assert milvus.search(question, k=3, mode=mode), (question, mode)
        assert named == 3
    finally:
        milvus.snapshot.client.close()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_local_index_is_copied_without_embedding_and_serves_the_same_vectors(
    real_index: Path, tmp_path: Path
) -> None:
    address = MilvusAddress(str(tmp_path / "copy.db"))
    library = Library(real_index / "corpus", real_index / "embeddings", milvus=address)
    first = library.copy_to_milvus()
    again = library.copy_to_milvus()
    assert first.passages_embedded == 0
    assert len(first.added) == 5
    assert first.passages_total == load_snapshot(real_index / "embeddings").manifest.passage_count > 0
    assert (
        again.added == again.changed == again.removed == ()
        and len(again.unchanged) == 5
        and again.generation == first.generation
    )
    index = MilvusIndex.open(address)
    local = Retriever.load(real_index / "embeddings").snapshot
    rows = list(
        query_all(
            index.client, names(address)[0], visible(index.state.generation), ["id", "article_id", "start", "dense"]
        )
    )
    assert len(rows) == local.manifest.passage_count
    by_span = {(r.article_id, int(s), int(e)): i for i, r in enumerate(local.passages) for s, e in [(r.start, r.end)]}
    for row in rows:
        passage_index = next(i for (a, s, _), i in by_span.items() if a == row["article_id"] and s == row["start"])
        assert float(np.dot(np.asarray(row["dense"], dtype=np.float32), local.vectors[passage_index])) >= 0.9999
    question = "What did India's External Affairs Minister say?"
    hit_ids = Retriever(index, Retriever.load(real_index / "embeddings").encoder, str(address)).search(question, k=1)
    assert hit_ids and hit_ids[0].citation.article_id in index.records
    index.client.close()


@pytest.mark.slow
def test_updates_embed_only_what_changed_and_readers_switch_to_whole_generations(real_encoder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    address = MilvusAddress(str(tmp_path / "milvus.db"))
    library = Library(corpus, tmp_path / "embeddings", encoder=real_encoder, milvus=address)
    built = library.update()
    reader = Retriever.connect(address, encoder=real_encoder)
    before = reader.snapshot.generation
    articles = sorted(corpus.glob("*.txt"))
    added = sorted(BBC_SAMPLE.glob("*.txt"))[0]
    shutil.copy(added, corpus / "bbc-added.txt")
    with articles[0].open("a", encoding="utf-8") as handle:
        handle.write("\nThe drill added this closing sentence about a harbour in Valparaiso.\n")
    articles[1].unlink()
    report = library.update()
    assert (
        report.added == ("bbc-added",)
        and report.changed == (articles[0].stem,)
        and report.removed == (articles[1].stem,)
    )
    assert 0 < report.passages_embedded < built.passages_embedded and len(report.unchanged) == 3
    assert reader.snapshot.generation == before  # readers keep their generation until they refresh
    assert reader.refresh() and reader.snapshot.generation != before
    index = reader.snapshot
    assert isinstance(index, MilvusIndex)
    rows = list(query_all(index.client, names(address)[0], visible(index.state.generation), ["article_id"]))
    assert len(rows) == index.state.passage_count == report.passages_total
    assert articles[1].stem not in {row["article_id"] for row in rows}
    title = added.read_text(encoding="utf-8").splitlines()[0]
    assert reader.search(title, k=1)[0].citation.article_id == "bbc-added"
    assert reader.search("harbour in Valparaiso", k=1, mode="bm25")[0].citation.article_id == articles[0].stem
    assert library.update().passages_embedded == 0  # nothing changed: nothing written
    with pytest.raises(IndexIncompatibleError, match="built with"):
        Retriever.connect(address, encoder=FakeEncoder())
    index.client.close()


@pytest.mark.slow
def test_a_renamed_article_is_not_embedded_again_and_is_found_under_its_new_id(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    address = MilvusAddress(str(tmp_path / "milvus.db"))
    encoder = FakeEncoder()
    library = Library(corpus, address.location, export_dir=tmp_path / "embeddings", encoder=encoder)  # milvus:<file>#qa
    built = library.update()
    old = sorted(corpus.glob("002_*"))[0]
    index = MilvusIndex.open(address)
    before = {
        int(row["start"]): row
        for row in query_all(
            index.client, names(address)[0], one_of("article_id", [old.stem]), ["start", "text", "dense"]
        )
    }
    old.rename(corpus / "renamed-story.txt")
    encoder.encoded_passages = 0
    report = library.update()
    assert report.passages_embedded == encoder.encoded_passages == 0
    assert (
        report.added == () and report.changed == ()
    )  # as the local index reports it: unchanged under the new id, the old id gone
    assert report.removed == (old.stem,) and "renamed-story" in report.unchanged and len(report.unchanged) == 5
    assert report.passages_total == built.passages_total and report.generation != built.generation
    reader = Retriever.load(address.location, encoder=FakeEncoder())
    index = reader.snapshot
    assert isinstance(index, MilvusIndex) and index.state.passage_count == report.passages_total
    assert "renamed-story" in index.records and old.stem not in index.records
    assert index.records["renamed-story"].source == "renamed-story.txt"
    rows = list(
        query_all(
            index.client, names(address)[0], visible(index.state.generation), ["article_id", "start", "text", "dense"]
        )
    )
    assert len(rows) == report.passages_total and old.stem not in {row["article_id"] for row in rows}
    moved = [row for row in rows if row["article_id"] == "renamed-story"]
    assert sorted(int(row["start"]) for row in moved) == sorted(before)
    for row in moved:  # the very vectors embedded at first, read back from the collection
        assert row["text"] == before[int(row["start"])]["text"]
        assert np.array_equal(
            np.asarray(row["dense"], dtype=np.float32), np.asarray(before[int(row["start"])]["dense"], dtype=np.float32)
        )
    passage = moved[0]["text"]
    for mode in ("dense", "bm25", "hybrid"):
        hit = reader.search(passage, k=1, mode=mode)[0]
        cited = {hit.citation.article_id, *(c.article_id for c in hit.also_in)}
        assert "renamed-story" in cited and old.stem not in cited, mode
    assert library.update().generation == report.generation  # nothing left to do
    index.client.close()


@pytest.mark.slow
def test_a_kill_at_every_step_of_a_publish_leaves_a_whole_generation_served() -> None:
    from bench.milvus_crash_drill import AFTER_SWITCH, run_milvus_drill
    from qa.store.faults import MILVUS_POINTS

    result = run_milvus_drill(SEEDS, articles=5, rounds=2, seed=3)
    assert result.failures == 0
    assert result.hits == {point: 2 for point in MILVUS_POINTS}
    assert result.whole_generations == result.searches_ok == 2 * len(MILVUS_POINTS)
    assert result.new_generation_served == 2 * len(AFTER_SWITCH)


@pytest.mark.slow
def test_the_cli_builds_asks_and_refuses_bad_input_with_exit_codes(
    real_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(SEEDS, tmp_path / "corpus")
    shutil.copytree(
        real_index / "embeddings" / "exports", tmp_path / "embeddings" / "exports"
    )  # the model export, made once
    built = run_qa(
        "index", "--uri", "./milvus.db", "--collection", "seeds", "--quiet", cwd=tmp_path
    )  # the console script, in its own process
    assert built.returncode == 0, built.stderr
    assert "collection 'seeds'" in built.stdout and "5 added" in built.stdout
    monkeypatch.chdir(tmp_path)

    def qa(*args: str) -> tuple[int, str, str]:
        """``qa ARGS...`` in this process: exit code, stdout, stderr."""
        code = main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, err
        return code, out, err

    seeds = ("--uri", "./milvus.db", "--collection", "seeds")
    code, out, err = qa("ask", "Who met Ajit Doval in Moscow?", *seeds, "--json")
    assert code == 0, err
    assert "Doval" in json.loads(out)["text"]

    story = tmp_path / "story.txt"
    story.write_text("Harbour pilots in Valparaiso went on strike on Tuesday over night shifts.\n", encoding="utf-8")
    code, out, err = qa("add", str(story), "--index-now", *seeds)
    assert code == 0, err
    assert "1 added" in out and "1 of " in out, out
    code, out, err = qa("ask", "Who went on strike in Valparaiso?", *seeds, "--json")
    assert code == 0, err
    assert json.loads(out)["hits"][0]["citation"]["article_id"] == "story"
    code, out, err = qa("remove", "story", *seeds)
    assert code == 0, err
    assert "1 removed" in out, out
    code, out, err = qa("ask", "Who went on strike in Valparaiso?", *seeds, "--json")
    assert all(hit["citation"]["article_id"] != "story" for hit in json.loads(out)["hits"])

    code, _, err = qa("ask", "Who met Ajit Doval?", "--uri", "./other.db")
    assert code == 3 and "qa index --uri ./other.db" in err, err
    assert not (tmp_path / "other.db").exists()
    code, _, err = qa("ask", "Who met Ajit Doval?", "--uri", "http://127.0.0.1:9")
    assert code == 3 and "cannot reach Milvus at http://127.0.0.1:9" in err, err
    code, _, err = qa("ask", "Who met Ajit Doval?", "--uri", "./milvus.txt")
    assert code == 2 and "must end in .db" in err, err
    code, _, err = qa("ask", "Who met Ajit Doval?", "--store", "local", "--uri", "./milvus.db")
    assert code == 2 and "--store milvus" in err, err
    code, _, err = qa("ask", "Who met Ajit Doval?", "--uri", "./milvus.db", "--collection", "no-dash")
    assert code == 2 and "--collection" in err, err

    # another process holds a Milvus Lite file (this one serves ./milvus.db itself now, so it holds another)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from qa.store.milvus.connection import connect; from qa.store.milvus.address import MilvusAddress;"
            " connect(MilvusAddress('./held.db')); print('open', flush=True); time.sleep(120)",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        code, _, err = qa("ask", "Who met Ajit Doval?", "--uri", "./held.db")
        assert code == 3 and "open in another process" in err, err
    finally:
        holder.kill()
        holder.wait()
    code, out, err = qa("index", "--to", "milvus", "--uri", "./copy.db", "--index", str(real_index / "embeddings"))
    assert code == 0, err
    assert "0 of 50 passages embedded" in out, out
