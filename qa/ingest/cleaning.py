"""Web boilerplate removal by general rules, working on lines with exact source offsets.

Every rule looks at the shape of a line (or a run of lines), never at one site's wording:
comment forms, share buttons, hashtag lines, weather and breadcrumb headers, photo
credits, agency credit lines, a table of contents that repeats later headings, and
"Related articles" teaser lists. What survives is returned as ``Block``s; a new section
starts wherever something was removed, so a passage never spans removed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.types import Block

_WS = " \t\r\n\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u202f\u205f\u3000\ufeff"

_UI_LINE = re.compile(
    r"""(?ix)^(
        comments?\s*\(\s*\d+\s*\) | \d+\s+comments? | no\s+comments?(\s+yet)?
      | (add|post|leave|write)\s+(a\s+|your\s+)?(comment|reply|response)s?
      | please\s+enter\s+your\s+(comment|name|e-?mail)(\s+(address\s+)?here)?\s*!?
      | (your\s+)?e-?mail\s+address\s+will\s+not\s+be\s+published.* | required\s+fields\s+are\s+marked.*
      | save\s+my\s+name,?\s+e-?mail.* | (sign|log)\s+in\s+to\s+(comment|reply).* | (view|load|show)\s+(more\s+)?comments
      | share(\s+(this|post|article|story|on|via)(\s+\w+)?)?\s*:? | click\s+to\s+(share|print|email).*
      | (tweet|pin\s+it|whatsapp|telegram|facebook|twitter|linkedin|reddit|e-?mail|print|copy\s+link)
      | follow\s+us(\s+on\s+.*)? | advertisement | sponsored( content)? | skip\s+to\s+(main\s+)?content
      | (also\s+read|read\s+also|read\s+more|see\s+also)\b.{0,150}
    )\s*$""",
)
_RELATED_HEADING = re.compile(
    r"""(?ix)^(
        (related|recommended|similar|popular|trending|latest|more)\s+(articles|posts|stories|news|reads|reading)(\s+from\s+.*)?
      | related | you\s+(may|might)\s+also\s+like | read\s+next | more\s+from\s+.{1,60} | don'?t\s+miss
    )\s*:?\s*$""",
)
_WEATHER = re.compile(r"(?i)^-?\d{1,3}(\.\d+)?\s*°?\s*[CF]$")
_BREADCRUMB_SEPARATORS = re.compile(r"\s(»|›|>|/|\|)\s")
_SPACES = re.compile(r"\s+")
_PHOTO_CREDIT = re.compile(
    r"(?i)(^|[.)\s])(photo|image|picture|photograph|file\s+photo|credit)s?(\s+credit)?\s*:\s*\S.{0,79}$"
)
_AGENCY_CREDIT = re.compile(r"(?i)^\(\s*(with\s+inputs?\s+from|inputs?\s+from|with\s+agency\s+inputs?)\b[^)]*\)$")
_BULLET = re.compile(r"^(?:[-*•·–]\s+|\d{1,2}[.)]\s+)")
_SENTENCE_END = re.compile(r"[.!]['\"”’)]*$")


@dataclass(frozen=True)
class Line:
    """A non-blank line: ``start``/``end`` bound its text with outer white space trimmed."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Cleaned:
    """The result of cleaning: kept blocks, a title line if one was found, removed lines."""

    blocks: tuple[Block, ...]
    title_line: Line | None
    removed: tuple[Line, ...]


def split_lines(text: str, start: int = 0) -> list[Line]:
    """Non-blank lines of ``text[start:]`` with exact offsets, outer white space trimmed."""
    lines: list[Line] = []
    position = start
    for raw in text[start:].splitlines(keepends=True):
        left = len(raw) - len(raw.lstrip(_WS))
        stripped = raw.strip(_WS)
        if stripped:
            begin = position + left
            lines.append(Line(begin, begin + len(stripped), stripped))
        position += len(raw)
    return lines


def single_spaced(text: str, *, strip: bool = True) -> str:
    """``text`` with each run of white space (line breaks included) made one space, and none
    left at either end unless ``strip`` is False: the one white-space normaliser."""
    spaced = _SPACES.sub(" ", text)
    return spaced.strip() if strip else spaced


def _is_hashtag_line(text: str) -> bool:
    tokens = text.split()
    tags = sum(1 for token in tokens if token.startswith("#") and len(token) > 1)
    return tags >= 2 and tags >= 0.8 * len(tokens)


def looks_like_headline(text: str) -> bool:
    """A short line without a closing full stop: a headline or a section heading."""
    words = text.split()
    return 0 < len(words) <= 30 and not _SENTENCE_END.search(text) and not text.endswith(":")


def _header_drops(lines: list[Line]) -> set[int]:
    """Weather widgets and breadcrumb trails in the first few lines."""
    drops: set[int] = set()
    head = min(len(lines), 6)
    for i in range(head):
        text = lines[i].text
        if _WEATHER.match(text):
            drops.add(i)
            nxt = i + 1
            if nxt < len(lines) and len(lines[nxt].text.split()) <= 3 and looks_like_headline(lines[nxt].text):
                drops.add(nxt)  # the city the weather is for
        elif text.lower().startswith("home") and len(text) > 5 and text[4] in " »›>/|":
            following = lines[i + 1].text if i + 1 < len(lines) else ""
            if _BREADCRUMB_SEPARATORS.search(text) or (
                following and single_spaced(text.lower()).endswith(single_spaced(following.lower()))
            ):
                drops.add(i)
    return drops


def _table_of_contents(lines: list[Line]) -> set[int]:
    """Runs of three or more list items that each reappear later as a line of their own."""
    drops: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _BULLET.match(lines[j].text):
            j += 1
        if j - i >= 3:
            later = {single_spaced(line.text.lower()) for line in lines[j:]}
            items = [single_spaced(_BULLET.sub("", lines[n].text, count=1).lower()) for n in range(i, j)]
            if all(item in later for item in items):
                drops.update(range(i, j))
        i = max(j, i + 1)
    return drops


def _line_drops(lines: list[Line]) -> set[int]:
    drops: set[int] = set()
    for i, line in enumerate(lines):
        text = line.text
        if _RELATED_HEADING.match(text):
            drops.update(range(i, len(lines)))  # teaser lists run to the end of the page
            break
        if (
            _UI_LINE.match(text)
            or _is_hashtag_line(text)
            or _AGENCY_CREDIT.match(text)
            or (len(text) <= 200 and _PHOTO_CREDIT.search(text))
        ):
            drops.add(i)
    return drops


def clean(text: str, body_start: int = 0, *, find_title: bool = True) -> Cleaned:
    """Remove boilerplate from ``text[body_start:]``; return kept blocks and the title line.

    With ``find_title``, the first kept line is taken as the title when it looks like a
    headline; it is then left out of the blocks (the title is metadata, not prose).
    """
    lines = split_lines(text, body_start)
    drops = _header_drops(lines) | _table_of_contents(lines) | _line_drops(lines)
    kept = [i for i in range(len(lines)) if i not in drops]
    title_line: Line | None = None
    if find_title and kept and looks_like_headline(lines[kept[0]].text):
        title_line = lines[kept[0]]
        drops.add(kept[0])
        kept = kept[1:]
    blocks: list[Block] = []
    section = 0
    previous = -1
    for i in kept:
        if any(n in drops for n in range(previous + 1, i)):
            section += 1
        blocks.append(Block(lines[i].start, lines[i].end, section))
        previous = i
    removed = tuple(lines[i] for i in sorted(drops) if title_line is None or lines[i] != title_line)
    return Cleaned(tuple(blocks), title_line, removed)
