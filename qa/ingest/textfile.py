"""The checks every article file passes before it is read as text, with one wording.

Used by the corpus reader and by ``qa add``: a file too large, binary, not UTF-8 or empty
is refused with a reason that says what to do. ``ValueError`` carries the reason.
"""

from __future__ import annotations

from pathlib import Path


def check_size(size: int, limit: int) -> None:
    """Refuse a file of ``size`` bytes above ``limit``."""
    if size > limit:
        raise ValueError(f"too large ({size:,} bytes; the limit is {limit:,}): split it into articles")


def decode_text(data: bytes) -> str:
    """The bytes of an article file as text; refuse binary, non-UTF-8 and empty files."""
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes): save the article as UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not valid UTF-8 (byte {error.start}): re-save the file as UTF-8") from error
    if not text.strip():
        raise ValueError("empty file: add the article's text or remove the file")
    return text


def read_text_file(path: Path, limit: int) -> str:
    """The text of the file at ``path``, after the size, binary, UTF-8 and empty checks."""
    check_size(path.stat().st_size, limit)
    return decode_text(path.read_bytes())
