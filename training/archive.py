"""The archive's own text that training may learn from without labels.

The BBC articles of ``bbc-question-articles.txt`` whose story is in the news questions'
train split (never a dev or test story, never a kept-back article), and SQuAD-half's
articles with the part each is in, so that a run choosing settings (``--squad A``) reads
part A's only.
"""

from __future__ import annotations

from collections import defaultdict

from training.data import SQUAD_CORPUS, part_of, squad_articles, squad_paragraph
from training.news_questions import allowed_articles, article_text, split_of


def bbc_texts() -> list[tuple[str, str]]:
    """(article id, body without the headline) of each allowed train-split BBC article."""
    chosen = [a for a in sorted(allowed_articles()) if split_of(a) == "train"]
    return [(a, article_text(a).partition("\n")[2]) for a in chosen]


def squad_texts() -> list[tuple[str, str, str]]:
    """(article number, its paragraphs one per line, part "A" or "B") of SQuAD-half."""
    paragraphs: dict[str, list[str]] = defaultdict(list)
    for path in sorted(SQUAD_CORPUS.glob("*.txt")):
        paragraphs[path.stem.split("_")[0]].append(" ".join(squad_paragraph(path.stem).split()))
    order = squad_articles()
    return [
        (number, "\n".join(texts), part_of({"articles": [number]}, order))
        for number, texts in paragraphs.items()
        if number in order
    ]
