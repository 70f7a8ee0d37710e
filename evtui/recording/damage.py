"""Damage: how reading copes with a session file that is partly unreadable.

A recording can be cut short (a copy that stopped, a full disk) or have pages overwritten.
`SessionReader` reads such a file as far as it can; this module holds what that needs apart
from reading rows: `Damage`, which says where the file broke and how much was lost, the
errors a damaged row raises, and the scans that find how far the messages can still be read
when the file no longer says how many it held. None of it runs while reading an intact file.
"""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass

__all__ = ["UNREADABLE", "Damage", "count_past_damage", "last_readable", "with_unreadable"]

UNREADABLE = (sqlite3.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, zlib.error)
"""What reading a damaged row may raise."""

_READ_SEQ = "SELECT seq FROM messages WHERE seq = ?"


@dataclass(frozen=True)
class Damage:
    """Where a damaged file stopped being readable."""

    first_seq: int
    """The first message that could not be read."""
    lost: int | None
    """Messages that could not be read, counted where the file still says how many it held;
    None where it no longer does (a truncated file: the rest of it is gone)."""
    reason: str

    def describe(self) -> str:
        where = f"the file is damaged at message {self.first_seq + 1:,}: {self.reason}; "
        if self.lost is None:
            return where + "the messages from there on could not all be read"
        plural = "s" if self.lost != 1 else ""
        return where + f"{self.lost:,} message{plural} could not be read"


def with_unreadable(damage: Damage | None, seq: int, reason: str) -> Damage:
    """`damage` with message `seq` found unreadable too (the caller counts each `seq` once).

    The earliest break gives the reason; where the count is already unknown it stays so.
    """
    if damage is None:
        return Damage(seq, 1, reason)
    if damage.lost is None:
        if seq < damage.first_seq:
            return Damage(seq, None, reason)
    elif seq < damage.first_seq:
        return Damage(seq, damage.lost + 1, reason)
    elif seq > damage.first_seq:
        return Damage(damage.first_seq, damage.lost + 1, damage.reason)
    return damage


def count_past_damage(db: sqlite3.Connection, reason: str) -> tuple[int, Damage]:
    """How many messages a file held whose `messages` table cannot say (its last pages are
    gone, so `max(seq)` failed with `reason`): as far as messages can be read, and the damage:
    from the last readable message on.

    Neither a checkpoint's row nor a marker past them counts: what they stand for was in the
    messages that are gone (a readable checkpoint there has the state, but no time to show on
    a timeline, and no message to count). The count is what a replay plays and a listing
    shows, and the messages before it are the readable ones, the damage says which not.
    """
    last = last_readable(db)
    return last + 1, Damage(last + 1, None, reason)


def last_readable(db: sqlite3.Connection) -> int:
    """The last message that can be read, looking past unreadable stretches (-1: none)."""
    last = -1
    probe = 0
    try:
        page_size, pages = (
            int(db.execute(f"PRAGMA {name}").fetchone()[0]) for name in ("page_size", "page_count")
        )
    except sqlite3.Error:
        found = _scan_from(db, 0)
        return -1 if found is None else found
    # Rows take at least a dozen bytes: no file holds more messages than this.
    most = page_size * pages // 12 + 1
    while probe < most:
        found = _scan_from(db, probe)
        if found is not None:
            last = found
            probe = found + 1
            continue
        # Unreadable here: try further on, in growing steps.
        step = 1
        while probe + step < most and _scan_from(db, probe + step) is None:
            step *= 2
        if probe + step >= most:
            return last
        probe += step
    return last


def _scan_from(db: sqlite3.Connection, start: int) -> int | None:
    """The last message of the readable run starting at `start`; None if `start` is not
    readable."""
    last = None
    try:
        for (seq,) in db.execute("SELECT seq FROM messages WHERE seq >= ? ORDER BY seq", (start,)):
            if seq != (start if last is None else last + 1):
                return last
            last = int(seq)
    except sqlite3.Error:
        pass
    # A scan stops one row early where the next one is unreadable: look them up one by one.
    while True:
        after = start if last is None else last + 1
        try:
            row = db.execute(_READ_SEQ, (after,)).fetchone()
        except sqlite3.Error:
            row = None
        if row is None:
            return last
        last = after
