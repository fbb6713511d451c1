"""One spelling for words that British and American English write differently.

News collections mix both ("defence" in Indian and British papers, "defense" on American
wires), and stemming alone keeps them apart (``defenc`` vs ``defens``). Every word is
mapped to the American form before stemming, for passages and questions alike, so both
spellings meet in the BM25 index. Rules that over-reach ("promise" -> "promize") are
harmless: passages and questions go through the same mapping.
"""

from __future__ import annotations

import re
from functools import lru_cache

_OUR = re.compile(
    r"^(favo|labo|colo|hono|humo|rumo|vapo|harbo|neighbo|behavio|endeavo|flavo|armo|savo|valo|vigo|savio|parlo|odo|tumo)ur"
)
_ENCE = re.compile(r"^(defen|offen|licen|preten)ce")
_ISE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers)$")
_YSE = re.compile(r"(?<=[a-z]{2})ys(e|es|ed|ing|er|ers)$")
_TRE = re.compile(r"(?<=[a-z]{2})([tb])re(s|d)?$")
_WORDS = {
    "programme": "program",
    "programmes": "programs",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "analogue": "analog",
}


@lru_cache(maxsize=1 << 18)  # words repeat: each is mapped once (the rules are five regexes)
def american(word: str) -> str:
    """``word`` (lower case) in its American spelling, when a rule knows one."""
    if word in _WORDS:
        return _WORDS[word]
    word = _OUR.sub(r"\1r", word)
    word = _ENCE.sub(r"\1se", word)
    word = _ISE.sub(r"iz\1", word)
    word = _YSE.sub(r"yz\1", word)
    return _TRE.sub(r"\1er\2", word)
