"""Damage: how reading copes with a session file that is partly unreadable.

A recording can be cut short (a copy that stopped, a full disk) or have pages overwritten.
`SessionReader` reads such a file as far as it can; this module holds what that needs apart
from reading rows: `Damage`, which says where the file broke and how much was lost, the
errors a damaged row raises, and the scans that find how far the messages can still be read
when the file no longer says how many it held. None of it runs while reading an intact file.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "UNREADABLE",
    "Damage",
    "count_past_damage",
    "last_readable",
    "shorter_than_its_header",
    "with_unreadable",
]

UNREADABLE = (sqlite3.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, zlib.error)
"""What reading a damaged row may raise."""

_READ_SEQ = "SELECT seq FROM messages WHERE seq = ?"


@dataclass(frozen=True)
class Damage:
    """Where a damaged file stopped being readable."""

    first_seq: int
    """The first message that could not be read."""
    lost: int
    """Messages before `cut` (all of them where the file is not cut short) found unreadable."""
    reason: str
    cut: int | None = None
    """A file cut short (a copy that stopped, a full disk): the messages from this one on are
    gone, and no one knows how many there were. None where the file is not cut short."""

    def describe(self) -> str:
        where = f"the file is damaged at message {self.first_seq + 1:,}: {self.reason}; "
        plural = "s" if self.lost != 1 else ""
        if self.cut is None:
            return where + f"{self.lost:,} message{plural} could not be read"
        if not self.lost:
            before = "the message before it is" if self.cut == 1 else (
                f"the {self.cut:,} messages before it are"
            )
            return where + f"it is cut short there: {before} readable, the rest is lost"
        return where + (
            f"{self.lost:,} message{plural} could not be read, and it is cut short after "
            f"message {self.cut:,}: {self.cut - self.lost:,} messages are readable, "
            "the rest is lost"
        )


def with_unreadable(damage: Damage | None, seq: int, reason: str) -> Damage:
    """`damage` with message `seq` found unreadable too (the caller counts each `seq` once).

    The earliest break gives the reason. Past the cut of a file cut short, nothing is counted:
    the description says those messages are gone.
    """
    if damage is None:
        return Damage(seq, 1, reason)
    cut = damage.cut
    if cut is not None and seq >= cut:
        return damage
    lost = damage.lost + 1
    if seq < damage.first_seq:
        return Damage(seq, lost, reason, cut)
    return Damage(damage.first_seq, lost, damage.reason, cut)


def count_past_damage(db: sqlite3.Connection, reason: str) -> tuple[int, Damage]:
    """How many messages a file held whose `messages` table cannot say (its last pages are
    gone, so `max(seq)` failed with `reason`): as far as messages can be read, and the damage:
    cut short after the last readable message.

    Neither a checkpoint's row nor a marker past them counts: what they stand for was in the
    messages that are gone (a readable checkpoint there has the state, but no time to show on
    a timeline, and no message to count). The count is what a replay plays and a listing
    shows, and the messages before it are the readable ones, the damage says which not.
    """
    last = last_readable(db)
    return last + 1, Damage(last + 1, 0, reason, cut=last + 1)


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


def shorter_than_its_header(path: Path) -> bool:
    """Whether a closed session file is shorter than its SQLite header says: cut at its end
    (a copy that stopped), which reading its ends alone may not notice, as a cut through the
    last messages' pages leaves the table's count intact.

    Ask only of a file with no write-ahead log beside it: one being written (or left by a
    killed recorder) keeps its newest pages there, and its header runs ahead during a
    checkpoint.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(100)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return False
    if len(head) < 100:
        return False
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # The page count in the header holds only where SQLite says so: its change counter
    # (bytes 24-27) matches the version that wrote the count (92-95).
    if head[24:28] != head[92:96] or not pages:
        return False
    return size < page_size * pages
