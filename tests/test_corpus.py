"""Reading a corpus folder: metadata, ids, and every kind of bad file reported and skipped."""

from __future__ import annotations

import os
from pathlib import Path

from qa.ingest.corpus import MAX_ARTICLE_BYTES, parse_front_matter, scan_corpus

GOOD = "A headline\n\nThe first sentence of the story. The second sentence follows.\n"


def test_front_matter_sets_metadata_and_offsets_stay_in_the_file(tmp_path: Path) -> None:
    text = '---\ntitle: "Given title"\nsource: Wire\nurl: https://example.org/a\ndate: 2025-08-07\n---\nBody sentence here. Another one.\n'
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "story.md").write_text(text, encoding="utf-8")
    article = scan_corpus(tmp_path).articles[0]
    assert article.article_id == "world/story"
    assert (article.title, article.publisher, article.url, article.date) == (
        "Given title",
        "Wire",
        "https://example.org/a",
        "2025-08-07",
    )
    block = article.blocks[0]
    assert text[block.start : block.end] == "Body sentence here. Another one."


def test_no_front_matter() -> None:
    assert parse_front_matter("no front matter\n---\n") == ({}, 0)


def test_bad_files_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00def")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 story".encode("latin-1"))
    (tmp_path / "huge.txt").write_bytes(b"a" * (MAX_ARTICLE_BYTES + 1))
    (tmp_path / ".hidden.txt").write_text(GOOD + "x", encoding="utf-8")
    outside = tmp_path.parent / "outside.txt"
    outside.write_text("secret outside the corpus. Do not read.", encoding="utf-8")
    os.symlink(outside, tmp_path / "link.txt")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    scan = scan_corpus(tmp_path)
    assert [a.article_id for a in scan.articles] == ["copy"]  # sorted first; good.txt is its duplicate
    reasons = {p.path: p.reason for p in scan.problems}
    assert "duplicate of copy.txt" in reasons["good.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "too large" in reasons["huge.txt"]
    assert "hidden" in reasons[".hidden.txt"]
    assert "symbolic link" in reasons["link.txt"]
    assert all("secret" not in a.text for a in scan.articles)


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    scan = scan_corpus(tmp_path / "nope")
    assert not scan.articles and "does not exist" in scan.problems[0].reason
