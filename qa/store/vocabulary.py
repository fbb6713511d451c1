"""The words an index holds: every BM25 term found in at least one served passage.

Answer extraction asks it whether a name in the question occurs anywhere in the
collection ("Which company owns Kahlua?" over an archive that never names Kahlua). Terms
are compared without accents ("Céleron" and "Celeron" are one word) and kept sorted, so
the words a question's word begins ("Feb" -> "februari") are found by bisection.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable, Iterator


def without_accents(term: str) -> str:
    """``term`` with its accents removed ("céleron" -> "celeron")."""
    if term.isascii():
        return term
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))


class Vocabulary:
    """The BM25 terms (stemmed, lower case, accents removed) of the passages an index serves."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms = frozenset(without_accents(t) for t in terms if t)
        self._sorted = sorted(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and without_accents(term) in self._terms

    def starting_with(self, prefix: str) -> Iterator[str]:
        """The terms that begin with ``prefix`` (itself included), in alphabetical order."""
        prefix = without_accents(prefix)
        at = bisect.bisect_left(self._sorted, prefix)
        while at < len(self._sorted) and self._sorted[at].startswith(prefix):
            yield self._sorted[at]
            at += 1
