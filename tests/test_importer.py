"""``qa add``'s importer: every usable file and line imported, every unusable one reported with
its reason, nothing overwritten (also by two imports at once)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from qa.ingest.corpus import MAX_ARTICLE_BYTES
from qa.ingest.importer import import_files


def test_good_and_bad_files_together(tmp_path: Path) -> None:
    given = tmp_path / "given"
    given.mkdir()
    (given / "story.txt").write_text(
        "Harbour closed\nA cyclone closed the Chennai harbour for two days.\n", encoding="utf-8"
    )
    (given / "page.html").write_text(
        "<html><head><title>Zinc output soars</title></head><body><article><p>Zinc production in Rajasthan rose by 40 percent "
        "in August, the state mining department said on Monday.</p></article></body></html>",
        encoding="utf-8",
    )
    (given / "empty.txt").write_text("  \n", encoding="utf-8")
    (given / "binary.md").write_bytes(b"\x89PNG\x00\x01")
    (given / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (given / "huge.txt").write_text("x" * (MAX_ARTICLE_BYTES + 1), encoding="utf-8")
    (given / "notes.pdf").write_bytes(b"%PDF-1.4")
    (given / "bare.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    (given / "folder").mkdir()
    (given / "link.txt").symlink_to(given / "story.txt")
    lines = [
        json.dumps({"title": "Rail link opens", "text": "A new rail link between Pune and Nashik opened on Friday."}),
        "{not json",
        json.dumps({"title": "No text"}),
        json.dumps(["a", "list"]),
        "",
    ]
    (given / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    names = [
        "story.txt",
        "page.html",
        "empty.txt",
        "binary.md",
        "latin1.txt",
        "huge.txt",
        "notes.pdf",
        "bare.html",
        "folder",
        "link.txt",
        "batch.jsonl",
        "missing.txt",
    ]
    report = import_files([given / name for name in names], tmp_path / "corpus")
    assert sorted(report.written) == ["rail-link-opens.md", "story.txt", "zinc-output-soars.md"]
    reasons = {Path(p.path).name: p.reason for p in report.problems}
    assert "empty file" in reasons["empty.txt"]
    assert "binary file" in reasons["binary.md"]
    assert "not valid UTF-8" in reasons["latin1.txt"]
    assert "too large" in reasons["huge.txt"]
    assert "unsupported type" in reasons["notes.pdf"]
    assert "no article text" in reasons["bare.html"]
    assert "not a file" in reasons["folder"]
    assert "symbolic link" in reasons["link.txt"]
    assert "no such file" in reasons["missing.txt"]
    assert "not valid JSON" in reasons["batch.jsonl:2"]
    assert 'non-empty "text"' in reasons["batch.jsonl:3"] and 'non-empty "text"' in reasons["batch.jsonl:4"]
    assert (tmp_path / "corpus" / "story.txt").read_text(encoding="utf-8").startswith("Harbour closed")
    again = import_files([given / "story.txt"], tmp_path / "corpus")
    assert again.written == () and "already in the corpus" in again.problems[0].reason


def test_two_imports_at_once_never_overwrite_each_other(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    sources = []
    for number in range(8):
        folder = tmp_path / f"from-{number}"
        folder.mkdir()
        source = folder / "story.txt"  # the same file name, different articles
        source.write_text(f"Story {number}\nThis is article number {number} of the drill.\n", encoding="utf-8")
        sources.append(source)
    barrier = threading.Barrier(len(sources))
    written: list[str] = []

    def run(source: Path) -> None:
        barrier.wait()
        written.extend(import_files([source], corpus).written)

    threads = [threading.Thread(target=run, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(written) == len(set(written)) == len(sources)
    bodies = {(corpus / name).read_text(encoding="utf-8") for name in written}
    assert bodies == {source.read_text(encoding="utf-8") for source in sources}
