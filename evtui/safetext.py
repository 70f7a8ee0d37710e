"""Make stream text safe to put on a terminal: control characters become visible escapes.

Stream IDs are data from a third party. An ESC, a C1 control or a bidi override in one must
never reach the terminal as such: it could move the cursor, change colours, set the window
title or reorder text. Widths here are terminal cells, so wide characters cannot push a
column out of line.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["cell_width", "pad", "safe_text", "shorten"]

# C0, DEL, C1; the bidi embedding/override/isolate/mark characters; zero-width and
# invisible formatting characters (text that looks like another id); line and paragraph
# separators (some widgets split lines on them); the byte-order mark; interlinear
# annotation marks; and lone surrogates (invalid UTF-8 kept by `surrogateescape`), which
# cannot be written to a terminal at all.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_text(text: str, max_length: int | None = None) -> str:
    """`text` with every control, bidi or invisible character shown as an escape.

    With `max_length`, shortened to at most that many terminal cells.
    """
    cleaned = _UNSAFE.sub(_escape, text)
    return shorten(cleaned, max_length) if max_length is not None else cleaned


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` cells: `str.ljust` for terminal columns."""
    return text + " " * (width - cell_width(text))


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide (East Asian) characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def shorten(text: str, max_length: int, *, keep_tail: bool = True) -> str:
    """Keep the head and the tail of a long string (an id ends in what tells ids apart),
    joined by an ellipsis, in `max_length` cells at most. `keep_tail=False` keeps the head
    only (a sentence starts with what matters)."""
    if cell_width(text) <= max_length:
        return text
    if max_length < 2:
        return "…"[:max_length]
    room = max_length - 1
    tail_room = room // 3 if keep_tail else 0
    head = _take(text, room - tail_room)
    tail = _take(text[::-1], tail_room)[::-1] if tail_room else ""
    return head + "…" + tail


def _take(text: str, cells: int) -> str:
    """The longest prefix of `text` within `cells` cells."""
    if text.isascii():
        return text[:cells]
    used = 0
    for i, char in enumerate(text):
        used += _char_width(char)
        if used > cells:
            return text[:i]
    return text
