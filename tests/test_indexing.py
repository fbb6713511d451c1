"""Index on disk with a fake encoder: incremental updates, refusals, damage, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEncoder

from qa import build_index
from qa.errors import CorpusError, IndexCorruptError, IndexIncompatibleError, IndexMissingError, IndexWriteError
from qa.query.retriever import Retriever
from qa.store.manifest import current_generation
from qa.store.snapshot import load_snapshot


def test_incremental_update_embeds_only_what_changed(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    encoder = FakeEncoder()
    first = build_index(corpus_copy, index, encoder=encoder)
    assert len(first.added) == 5 and first.passages_embedded == first.passages_total > 0

    encoder.encoded_passages = 0
    again = build_index(corpus_copy, index, encoder=encoder)
    assert encoder.encoded_passages == 0 and again.generation == first.generation

    (corpus_copy / "new.txt").write_text(
        "New story\nA brand new article about trade. It has two sentences.\n", encoding="utf-8"
    )
    changed = sorted(corpus_copy.glob("003_*"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more sentence was added today.\n", encoding="utf-8")
    sorted(corpus_copy.glob("004_*"))[0].unlink()
    report = build_index(corpus_copy, index, encoder=encoder)
    assert report.added == ("new",) and len(report.changed) == 1 and len(report.removed) == 1
    assert len(report.unchanged) == 3
    snapshot = load_snapshot(index)
    new_passages = [p for p in snapshot.passages if p.article_id in ("new", report.changed[0])]
    assert report.passages_embedded == encoder.encoded_passages == len(new_passages)
    # reused vectors equal freshly computed ones: nothing got shuffled
    fresh = FakeEncoder().encode([p.text for p in snapshot.passages])
    assert np.allclose(np.asarray(snapshot.vectors), fresh, atol=1e-6)


def test_model_change_forces_full_rebuild(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    report = build_index(corpus_copy, index, encoder=FakeEncoder(name="other-model"))
    assert "model changed" in (report.full_rebuild_reason or "") and report.passages_embedded == report.passages_total


def test_loading_with_another_model_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    with pytest.raises(IndexIncompatibleError, match="qa index --full"):
        Retriever.load(index, encoder=FakeEncoder(name="other-model"))


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="qa index"):
        Retriever.load(tmp_path / "nothing")


def test_damaged_file_is_detected(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    vectors = index / current_generation(index) / "vectors.npy"  # type: ignore[operator]
    data = bytearray(vectors.read_bytes())
    data[-5] ^= 0xFF
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="qa index --full"):
        load_snapshot(index)


def test_future_format_is_refused(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    manifest = index / current_generation(index) / "manifest.json"  # type: ignore[operator]
    data = json.loads(manifest.read_text())
    data["format_version"] = 99
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexIncompatibleError, match="format 99"):
        load_snapshot(index)


def test_failed_build_leaves_previous_index_serving(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    before = current_generation(index)
    for path in corpus_copy.iterdir():
        path.write_bytes(b"\x00binary")
    with pytest.raises(CorpusError, match="no usable article"):
        build_index(corpus_copy, index, encoder=FakeEncoder())
    assert current_generation(index) == before
    assert Retriever.load(index, encoder=FakeEncoder()).search("Doval", k=3)


def test_crash_while_writing_leaves_previous_index(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    before = current_generation(index)
    (corpus_copy / "extra.txt").write_text("Extra\nAn extra article sentence.\n", encoding="utf-8")

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("qa.store.generations.write_vector_index", boom)
    with pytest.raises(IndexWriteError, match="No space left on device.*free some disk space"):
        build_index(corpus_copy, index, encoder=FakeEncoder())
    assert current_generation(index) == before
    assert not list(index.glob(".gen-*"))  # the partial generation was cleaned up
    load_snapshot(index)


def test_bad_files_are_reported_and_good_articles_served(corpus_copy: Path, tmp_path: Path) -> None:
    import os

    (corpus_copy / "empty.txt").write_text("", encoding="utf-8")
    (corpus_copy / "binary.md").write_bytes(b"\x89PNG\x00\x00")
    (corpus_copy / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (corpus_copy / ".hidden.txt").write_text("Hidden\nSecret hidden text.\n", encoding="utf-8")
    (corpus_copy / "copy.txt").write_bytes(sorted(corpus_copy.glob("000_*"))[0].read_bytes())
    (corpus_copy / "huge.txt").write_bytes(b"word " * 1_100_000)
    secret = tmp_path / "secret.txt"
    secret.write_text("Outside\nThe password is swordfish.\n", encoding="utf-8")
    os.symlink(secret, corpus_copy / "link.txt")
    report = build_index(corpus_copy, tmp_path / "embeddings", encoder=FakeEncoder())
    skipped = {p.path for p in report.problems}
    assert {"empty.txt", "binary.md", "latin1.txt", ".hidden.txt", "huge.txt", "link.txt"} <= skipped
    assert any("duplicate" in p.reason for p in report.problems)
    assert len(report.added) == 5
    retriever = Retriever.load(tmp_path / "embeddings", encoder=FakeEncoder())
    assert all("swordfish" not in p.text for p in retriever.snapshot.passages)
    assert retriever.search("Peskov", k=1, mode="bm25")[0].citation.article_id.startswith("003")


def test_truncated_file_is_detected(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    faiss_file = index / current_generation(index) / "vectors.faiss"  # type: ignore[operator]
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match="damaged"):
        Retriever.load(index, encoder=FakeEncoder())


def test_a_damaged_new_generation_never_replaces_the_served_one(corpus_copy: Path, tmp_path: Path) -> None:
    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    retriever = Retriever.load(index, encoder=FakeEncoder())
    serving = retriever.snapshot.generation
    (corpus_copy / "extra.txt").write_text("Extra\nAn extra article about zebras.\n", encoding="utf-8")
    build_index(corpus_copy, index, encoder=FakeEncoder())
    texts = index / current_generation(index) / "passage_texts.bin"  # type: ignore[operator]
    texts.write_bytes(texts.read_bytes() + b"garbage")
    assert not retriever.refresh()
    assert retriever.snapshot.generation == serving and retriever.search("Doval", k=2)


def test_concurrent_index_runs_are_serialised(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that starts while another holds the lock does its work only after the release."""
    import threading
    import time

    import qa.indexing.build as build
    from qa.store.generations import writer_lock

    index = tmp_path / "embeddings"
    released: list[float] = []
    entered: list[float] = []
    holding = threading.Event()
    real_plan = build.plan_update

    def plan_update(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.append(time.monotonic())  # the first step inside the lock
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(build, "plan_update", plan_update)

    def hold() -> None:
        with writer_lock(index):
            holding.set()
            time.sleep(0.5)
            released.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    build_index(corpus_copy, index, encoder=FakeEncoder())
    holder.join()
    assert released and entered and entered[0] >= released[0]


def test_an_update_keeps_the_split_settings_the_index_was_built_with(corpus_copy: Path, tmp_path: Path) -> None:
    from qa.passages.splitter import SplitSettings

    index = tmp_path / "embeddings"
    build_index(
        corpus_copy, index, encoder=FakeEncoder(), settings=SplitSettings(title_in_embedding=True, max_tokens=64)
    )
    report = build_index(corpus_copy, index, encoder=FakeEncoder())  # no settings: keep the index's own
    assert report.full_rebuild_reason is None and report.passages_embedded == 0
    changed = build_index(corpus_copy, index, encoder=FakeEncoder(), settings=SplitSettings())
    assert "split settings changed" in (changed.full_rebuild_reason or "")


def test_incremental_bm25_scores_equal_a_fresh_build(corpus_copy: Path, tmp_path: Path) -> None:
    from qa.passages.splitter import SplitSettings, embedding_text
    from qa.store.lexical import LexicalIndex

    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    (corpus_copy / "new.txt").write_text("Zinc report\nZinc exports from Rajasthan rose in March.\n", encoding="utf-8")
    sorted(corpus_copy.glob("002_*"))[0].unlink()
    build_index(corpus_copy, index, encoder=FakeEncoder())
    snapshot = load_snapshot(index)
    titles = {r.article_id: r.title for r in snapshot.manifest.articles}
    fresh = LexicalIndex.build(
        [embedding_text(titles[p.article_id], p.text, SplitSettings()) for p in snapshot.passages]
    )
    for query in ["zinc exports Rajasthan", "Doval Shoigu Moscow", "oil tariffs India", "Kudankulam nuclear"]:
        assert np.allclose(snapshot.lexical.scores(query), fresh.scores(query), atol=1e-5), query


def test_unchanged_files_are_not_read_again_but_edits_are_seen(corpus_copy: Path, tmp_path: Path) -> None:
    import os

    index = tmp_path / "embeddings"
    article = sorted(corpus_copy.glob("003_*"))[0]
    old = article.stat()
    os.utime(article, ns=(old.st_atime_ns, old.st_mtime_ns - 10_000_000_000))  # well before the build
    build_index(corpus_copy, index, encoder=FakeEncoder())
    record = next(r for r in load_snapshot(index).manifest.articles if r.source == article.name)
    assert record.size == article.stat().st_size and record.mtime_ns == article.stat().st_mtime_ns
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("Reuters", "REUTERS"), encoding="utf-8")  # same size, new content and time
    report = build_index(corpus_copy, index, encoder=FakeEncoder())
    assert report.changed == (article.stem,)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_every_vector_index_kind_serves_and_is_kept_by_plain_updates(
    corpus_copy: Path, tmp_path: Path, kind: str
) -> None:
    from qa.store.vector_index import VectorIndexSettings

    index = tmp_path / "embeddings"
    build_index(corpus_copy, index, encoder=FakeEncoder())
    flat_generation = current_generation(index)
    report = build_index(corpus_copy, index, encoder=FakeEncoder(), vector_settings=VectorIndexSettings(kind=kind))  # type: ignore[arg-type]
    assert report.generation != flat_generation and report.passages_embedded == 0  # re-indexed, nothing re-embedded
    (corpus_copy / "zebra.txt").write_text("Zebras\nA zebra herd crossed the river at dawn.\n", encoding="utf-8")
    build_index(corpus_copy, index, encoder=FakeEncoder())
    snapshot = load_snapshot(index)
    assert snapshot.manifest.vector_index == kind and snapshot.manifest.vector_index_requested == kind
    hits = Retriever.load(index, encoder=FakeEncoder()).search("zebra herd river", k=3, mode="dense")
    assert hits and hits[0].citation.source == "zebra.txt"


def test_a_corpus_of_only_bad_files_names_a_few_and_counts_the_rest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(12):
        (corpus / f"empty-{number:02d}.txt").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError, match="no usable article") as refused:
        build_index(corpus, tmp_path / "index", encoder=FakeEncoder())
    message = str(refused.value)
    assert "empty-00.txt" in message and "and 7 more" in message and "empty-11.txt" not in message


def test_a_renamed_article_is_not_embedded_again_and_is_found_under_its_new_id(
    corpus_copy: Path, tmp_path: Path
) -> None:
    index = tmp_path / "embeddings"
    encoder = FakeEncoder()
    build_index(corpus_copy, index, encoder=encoder)
    old = sorted(corpus_copy.glob("002_*"))[0]
    passage = next(p.text for p in load_snapshot(index).passages if p.article_id == old.stem)
    old.rename(corpus_copy / "renamed-story.txt")
    encoder.encoded_passages = 0
    report = build_index(corpus_copy, index, encoder=encoder)
    assert report.passages_embedded == encoder.encoded_passages == 0
    assert report.added == () and report.changed == ()  # the same bytes: unchanged under the new id, the old id gone
    assert report.removed == (old.stem,) and "renamed-story" in report.unchanged and len(report.unchanged) == 5
    snapshot = load_snapshot(index)
    assert "renamed-story" in snapshot.articles and old.stem not in snapshot.articles
    assert snapshot.articles["renamed-story"].source == "renamed-story.txt"
    hit = Retriever.load(index, encoder=FakeEncoder()).search(passage, k=1, mode="dense")[0]
    assert "renamed-story" in {hit.citation.article_id, *(c.article_id for c in hit.also_in)}
    assert old.stem not in {hit.citation.article_id, *(c.article_id for c in hit.also_in)}
    assert build_index(corpus_copy, index, encoder=encoder).generation == report.generation  # nothing left to do


def test_one_location_names_a_folder_or_a_milvus_collection(tmp_path: Path) -> None:
    from qa import Library
    from qa.errors import UsageError
    from qa.store.milvus.address import MilvusAddress, parse_location

    assert parse_location("embeddings") == Path("embeddings") and parse_location(tmp_path) == tmp_path
    assert parse_location("milvus:./milvus.db") == MilvusAddress("./milvus.db")
    assert parse_location("milvus:http://host:19530#news") == MilvusAddress("http://host:19530", None, "news")
    assert parse_location("milvus://host:19530") == MilvusAddress("http://host:19530")
    address = MilvusAddress(str(tmp_path / "m.db"), "user:secret", "news")
    assert parse_location(address) is address and parse_location(address.location) == MilvusAddress(
        address.uri, None, "news"
    )
    with pytest.raises(UsageError, match="collection"):
        parse_location("milvus:./milvus.db#no-dash")
    folder = Library(tmp_path / "corpus", tmp_path / "embeddings")
    assert folder.location == folder.index_dir == tmp_path / "embeddings" and folder.milvus is None
    collection = Library(tmp_path / "corpus", "milvus:" + str(tmp_path / "m.db"), export_dir=tmp_path / "exports")
    assert collection.milvus == collection.location == MilvusAddress(str(tmp_path / "m.db"))
    assert collection.index_dir == tmp_path / "exports" and not collection.has_index()  # no file yet: nothing connects
    keyword = Library(tmp_path / "corpus", tmp_path / "embeddings", milvus=address)
    assert keyword.location == address and keyword.index_dir == tmp_path / "embeddings"
