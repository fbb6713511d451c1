"""Incremental indexing on the BBC archive: full build, no-change run, adding ten articles.

The ten-article add is compared with its floor measured in the same run: embedding exactly
those articles' passages with the same warm model and batch size. Ratios, not absolute
seconds, are the result (times drift between runs on a shared 2-core machine).

    python -m bench.incremental --corpus ../shared/news/bbc --json bench/results/incremental.json
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import report
from qa import build_index
from qa.embedding.sentence_transformer import SentenceTransformerEncoder
from qa.ingest.corpus import scan_corpus
from qa.passages.splitter import SplitSettings, embedding_text, split_article
from training.data import BBC

ROOT = Path(__file__).resolve().parent.parent


def _floor_seconds(encoder: SentenceTransformerEncoder, folder: Path, names: list[str]) -> tuple[float, int]:
    """Seconds to embed just these articles' passages (the same inputs the indexer embeds)."""
    settings = SplitSettings()
    articles = [a for a in scan_corpus(folder).articles if a.source in names]
    texts, spans = [], []
    for article in articles:
        for passage in split_article(article, encoder.token_offsets, settings, encoder.max_tokens):
            text = embedding_text(article.title, passage.text, settings)
            shift = len(text) - len(passage.text) - passage.start
            texts.append(text)
            spans.append([(s.start + shift, s.end + shift) for s in passage.sentences])
    started = time.perf_counter()
    encoder.encode_passages(texts, spans)
    return time.perf_counter() - started, len(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BBC)
    parser.add_argument("--add", type=int, default=10, help="articles to add incrementally")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    encoder = SentenceTransformerEncoder()
    encoder.encode(["warm up"])
    sources = sorted(args.corpus.glob("*.txt"))
    copies = Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in sources)
    distinct = [p for p in sources if copies[hashlib.sha256(p.read_bytes()).hexdigest()] == 1]
    held_out = distinct[:: max(1, len(distinct) // args.add)][: args.add]  # spread over the categories
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for path in sources:
            if path not in held_out:
                shutil.copy(path, corpus / path.name)
        index = Path(work) / "embeddings"

        full = build_index(corpus, index, encoder=encoder)
        time.sleep(2.5)  # files written within 2 s of a build are re-read (mtime granularity), as in git
        nochange = build_index(corpus, index, encoder=encoder)
        started = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "qa.app.cli", "index", "--corpus", str(corpus), "--index", str(index), "--quiet"],
            capture_output=True,
            text=True,
            check=True,
        )
        cli_nochange = time.perf_counter() - started

        for path in held_out:
            shutil.copy(path, corpus / path.name)
        added = build_index(corpus, index, encoder=encoder)
        floor, floor_passages = _floor_seconds(encoder, corpus, [p.name for p in held_out])

    result = {
        "articles": len(full.added),
        "passages": full.passages_total,
        "full_build_seconds": round(full.seconds, 2),
        "full_build_embed_seconds": round(full.embed_seconds, 2),
        "full_build_passages_per_second": round(full.passages_total / full.seconds, 2),
        "no_change_seconds_in_process": round(nochange.seconds, 3),
        "no_change_seconds_cli": round(cli_nochange, 3),
        "no_change_cli_output": cli.stdout.strip(),
        "added_articles": len(added.added),
        "added_passages_embedded": added.passages_embedded,
        "add_seconds": round(added.seconds, 3),
        "add_embed_seconds": round(added.embed_seconds, 3),
        "floor_seconds": round(floor, 3),
        "floor_passages": floor_passages,
        "add_over_floor": round(added.seconds / floor, 2),
    }
    report(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
