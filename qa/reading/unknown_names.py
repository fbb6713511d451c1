"""Names in the question that no article mentions: the plainest reason to decline.

"How much profit did Colombia's state oil company Ecopetrol make?" cannot be answered from
an archive in which "Ecopetrol" occurs nowhere, however well other passages resemble the
question. A name is a word written with a capital (not the question's first word) or
starting with a letter and holding a digit; it is unknown when its BM25 term is in no served passage and
no indexed term is a near spelling of it:

- the same but for one letter (dropped, added, changed or two swapped), for terms of at
  least ``EDIT_LENGTH`` letters ("Milennium", "Chafffee");
- a plural ("DVDs" for "dvd");
- a longer word it begins by at least ``SHORTER_BY`` letters ("Feb", "Kazakh");
- a word of at least ``STEM_LENGTH`` letters it begins with, at most ``LONGER_BY`` more
  ("Frenchman" for "French", "Kyrgyzstan" for "Kyrgyz"; "Nepalese" is too far from
  "Nepal").

On the news questions' train split this finds 71 of the 125 unanswerable questions and
none of the 606 answerable ones; on SQuAD-half part B, 17 of 2,476 answerable questions,
mostly misspelt names (``bench.unknown_names``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.store.lexical import tokenize
from qa.store.vocabulary import Vocabulary, without_accents

EDIT_LENGTH = 7
SHORTER_BY = 2
STEM_LENGTH = 6
LONGER_BY = 4
_WORD = re.compile(r"[^\W_][\w&.'’-]*")
_POSSESSIVE = re.compile(r"['’]s?$")
# Capitalised after the first word only in a question written in capitals or Title Case.
_STYLE_WORDS = frozenset(
    "Is Are Was Were Did Does Do Has Have Had Will Would Can Could Of In On At For With And Or To From By About "
    "What Which Who Whom Whose When Where Why How".split()
)
_PHRASE_WORD = re.compile(r"[^\W_]+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def _bare(word: str) -> str:
    return _POSSESSIVE.sub("", word.rstrip(".-&"))


def _is_name(word: str) -> bool:
    mixed = word[:1].isalpha() and any(c.isdigit() for c in word)  # "KC-767", not "1600s" or "25th"
    return len(word) >= 3 and (word[0].isupper() or mixed)


def name_runs(question: str) -> list[tuple[str, list[str]]]:
    """The question's names: runs of words written with a capital (not the first word) or
    starting with a letter and holding a digit, as ``(the run as written, its words of at least three
    characters)``, possessives cut ("Colombia's" -> "Colombia"). None in a question written
    in capitals or in Title Case ("What Is The Price Of Gold?"): there capitals tell no names."""
    words = [match.group(0) for match in _WORD.finditer(question)]
    if not any(c.islower() for c in question) or any(w in _STYLE_WORDS for w in words[1:]):
        return []
    runs: list[tuple[int, int, list[str]]] = []
    for number, match in enumerate(_WORD.finditer(question)):
        raw = match.group(0)
        if number == 0 or not (raw[0].isupper() or _is_name(_bare(raw))):
            continue
        word = _bare(raw)
        joined = (
            runs
            and not question[runs[-1][1] : match.start()].strip()
            and not _POSSESSIVE.search(question[runs[-1][0] : runs[-1][1]].rstrip(".-&"))
        )
        if joined:
            runs[-1] = (runs[-1][0], match.end(), runs[-1][2] + [word] * _is_name(word))
        else:
            runs.append((match.start(), match.end(), [word] * _is_name(word)))
    return [(_bare(question[start:end]), words) for start, end, words in runs if words]


def _one_letter_off(term: str) -> set[str]:
    """Every string one deletion, swap, change or insertion away from ``term``."""
    cuts = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    near = {left + right[1:] for left, right in cuts if right}
    near |= {left + right[1] + right[0] + right[2:] for left, right in cuts if len(right) > 1}
    near |= {left + c + right[1:] for left, right in cuts if right for c in _LETTERS}
    near |= {left + c + right for left, right in cuts for c in _LETTERS}
    return near


def is_known(term: str, vocabulary: Vocabulary) -> bool:
    """``term`` (a BM25 term) or a near spelling of it is in ``vocabulary``."""
    term = without_accents(term)
    if term in vocabulary or (term.endswith("s") and term[:-1] in vocabulary):
        return True
    if len(term) >= EDIT_LENGTH and any(near in vocabulary for near in _one_letter_off(term)):
        return True
    if len(term) >= 3 and any(len(longer) >= len(term) + SHORTER_BY for longer in vocabulary.starting_with(term)):
        return True
    return any(term[:size] in vocabulary for size in range(max(STEM_LENGTH, len(term) - LONGER_BY), len(term)))


def unknown_names(question: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The names of ``question`` (as written: "Ben Bernanke") with a word that no passage in
    ``vocabulary``'s index mentions, in order."""
    if not len(vocabulary):
        return ()
    unknown: list[str] = []
    for name, words in name_runs(question):
        for word in words:
            terms = tokenize([word])[0]
            if terms and not any(is_known(term, vocabulary) for term in terms):
                if name not in unknown:
                    unknown.append(name)
                break
    return tuple(unknown)


def _phrase_form(text: str) -> str:
    """Lower case, no accents, every run of non-word characters one space, padded."""
    return " " + " ".join(_PHRASE_WORD.findall(without_accents(text.lower()))) + " "


def names_not_in(question: str, texts: Sequence[str]) -> tuple[str, ...]:
    """The question's names of two words or more ("George Bailey") that none of ``texts``
    (the passages read) holds as a phrase, case, accents and punctuation aside."""
    read = "".join(_phrase_form(text) for text in texts)
    return tuple(name for name, _ in name_runs(question) if len(name.split()) >= 2 and _phrase_form(name) not in read)
