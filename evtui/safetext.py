"""Make stream text safe to put on a terminal: control characters become visible escapes.

Stream IDs are data from a third party. An ESC, a C1 control or a bidi override in one must
never reach the terminal as such: it could move the cursor, change colours or reorder text.
"""

from __future__ import annotations

import re

__all__ = ["safe_text", "shorten"]

# C0, DEL, C1, and the Unicode bidi embedding/override/isolate/mark characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_text(text: str, max_length: int | None = None) -> str:
    """`text` with every control or bidi character shown as an escape, optionally shortened."""
    cleaned = _UNSAFE.sub(_escape, text)
    return shorten(cleaned, max_length) if max_length is not None else cleaned


def shorten(text: str, max_length: int) -> str:
    """Keep the head and the tail of a long string, joined by an ellipsis."""
    if len(text) <= max_length:
        return text
    if max_length < 2:
        return "…"[:max_length]
    tail = (max_length - 1) // 3
    head = max_length - 1 - tail
    return text[:head] + "…" + (text[-tail:] if tail else "")
