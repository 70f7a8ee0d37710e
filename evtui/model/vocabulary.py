"""The feed's words that need no parser: the OCPI statuses HERE publishes, and how a HERE id
is shortened for people. Apart from `payload.py`, whose pydantic and msgspec a report, a
filter or a screen that only names statuses need not load."""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["KNOWN_STATUSES", "Status", "id_tail"]


class Status(StrEnum):
    """The EVSE statuses of OCPI 2.2.1 §8.4.22 that HERE publishes.

    The stream may carry values outside this list; the model keeps those as their raw text.
    """

    AVAILABLE = "AVAILABLE"
    CHARGING = "CHARGING"
    RESERVED = "RESERVED"
    OUT_OF_ORDER = "OUT_OF_ORDER"
    INOPERATIVE = "INOPERATIVE"
    BLOCKED = "BLOCKED"
    UNKNOWN = "UNKNOWN"


KNOWN_STATUSES: tuple[str, ...] = tuple(s.value for s in Status)


_HERE_PREFIX = re.compile(r"here:evcp:[A-Za-z_]+:")


def id_tail(identifier: str) -> str:
    """The distinctive part of a HERE id: `here:evcp:evse:<hex>` → `<hex>`.

    Only HERE's own prefix is dropped: an id of another shape is its own tail, colons and all,
    so that two different ids never look alike.
    """
    match = _HERE_PREFIX.match(identifier)
    tail = identifier[match.end() :] if match else identifier
    return tail or identifier
