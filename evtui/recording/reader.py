"""Reading a session back: its header and extent, its messages in order, the position at a
time, its markers and checkpoints.

`SessionReader` is the one way into a session for whatever uses what it holds: a replay
(`Player`), `evtui tail` and `export`, the listing of a directory (`catalog.py`). Its rows come
back as the `StreamMessage`s that were recorded (`packing.Unpacker`); a damaged file is read
as far as it can be, and `damage` says where it broke (`damage.py` finds how far that is).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evtui import __version__
from evtui.model import StreamMessage
from evtui.recording.damage import (
    UNREADABLE,
    Damage,
    count_past_damage,
    last_readable,
    shorter_than_its_header,
    with_unreadable,
)
from evtui.recording.format import (
    FORMAT,
    FORMAT_VERSION,
    Marker,
    SessionError,
    error_text,
    file_size,
    is_session_file,
    still_recording,
)
from evtui.recording.packing import Unpacker, unpack_state

__all__ = ["READ_CHUNK", "SessionInfo", "SessionReader"]

READ_CHUNK = 2000
"""Messages read per query; a damaged chunk is read again one message at a time."""


@dataclass(frozen=True)
class SessionInfo:
    """A session's header and extent, as `evtui sessions` lists it."""

    path: Path
    format_version: int
    evtui_version: str
    source: str
    source_kind: str
    catalog: str | None
    layer: str | None
    started_at: float
    ended_at: float | None
    messages: int
    first_at: float | None
    last_at: float | None
    size: int
    damaged: bool = False
    """Part of the file could not be read (as far as opening it found)."""
    recording: bool = False
    """It has no end yet, and the process recording it is running on this machine."""

    @property
    def interrupted(self) -> bool:
        """The recording did not end cleanly (killed, crashed, or still being written)."""
        return self.ended_at is None

    @property
    def state(self) -> str:
        """As a listing says it: damaged, recording, interrupted or complete."""
        if self.damaged:
            return "damaged"
        if self.recording:  # (no end yet either: it is not interrupted)
            return "recording"
        return "interrupted" if self.interrupted else "complete"

    @property
    def key(self) -> str:
        """The session's identity: the same for the file and any copy of it (an archive
        knows a session by it)."""
        text = f"{self.started_at!r}|{self.source}|{self.source_kind}|{self.catalog}|{self.layer}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def duration(self) -> float:
        """Seconds from the first message to the last (0 when there are fewer than two)."""
        if self.first_at is None or self.last_at is None:
            return 0.0
        return max(0.0, self.last_at - self.first_at)


_CUT_TOO_SHORT = (
    "is cut short (an SQLite file shorter than its header says): too little of it is left "
    "to hold a session"
)
_SELECT = (
    'SELECT seq, received_at, partition, "offset", timestamp, key, encoding, data, data_handle '
    "FROM messages "
)
_READ_RANGE = _SELECT + "WHERE seq >= ? AND seq < ? ORDER BY seq"
_READ_ONE = _SELECT + "WHERE seq = ?"


class SessionReader:
    """Reads a session file: header, messages in order, markers and checkpoints.

    A damaged file is read as far as it can be: `damage` then says where it broke.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise SessionError(f"{self.path} is a directory, not a session file")
        if not self.path.is_file():
            raise SessionError(f"{self.path}: no such file")
        if not is_session_file(self.path):
            raise SessionError(f"{self.path} is not an evtui session (not an SQLite file)")
        self.damage: Damage | None = None
        self._unreadable: set[int] = set()
        # Looked at before connecting: the connection makes a write-ahead log of its own.
        self._had_log = os.path.exists(f"{self.path}-wal")
        self._cut_short = not self._had_log and shorter_than_its_header(self.path)
        try:
            self._db = self._connect()
        except BaseException:
            self._tidy()
            raise
        try:
            self._header = self._read_header()
        except BaseException:
            self.close()
            raise
        self._version = _int(self._header.get("format_version")) or 1
        try:
            dictionary = base64.b64decode(self._header.get("dictionary") or "")
        except (binascii.Error, ValueError):
            dictionary = b""  # its packed messages read as damaged
        self._unpacker = Unpacker(self._db, self._version, dictionary)
        self.count = self._count()
        """Messages in the session; of a file cut short, up to the last readable one."""
        self._times: dict[int, float] = {}

    def _connect(self) -> sqlite3.Connection:
        # Read-write when allowed: SQLite then folds a killed recorder's write-ahead log in.
        # Read-only otherwise (a file the user may not write).
        failure: BaseException | None = None
        for uri in (str(self.path), f"{self.path.resolve().as_uri()}?mode=ro"):
            try:
                db = sqlite3.connect(
                    uri, uri=uri.startswith("file:"), isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as exc:
                failure = exc
                continue
            # (A garbled schema can also make SQLite's message text that is not UTF-8.)
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return db
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                failure = exc
            # A file cut short (a copy that stopped, a full disk) is "malformed" only because
            # it is shorter than its header says: with `writable_schema` SQLite reads what is
            # there instead. Nothing is ever written through this connection.
            try:
                db.execute("PRAGMA writable_schema=ON")
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return db
            except (sqlite3.Error, UnicodeDecodeError):
                db.close()
        if self._cut_short:
            raise SessionError(f"{self.path} {_CUT_TOO_SHORT}")
        raise SessionError(
            f"{self.path}: cannot open it: {error_text(failure) if failure else 'unknown error'}"
        )

    def _read_header(self) -> dict[str, str | None]:
        try:
            tables = {
                name
                for (name,) in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            if "session" not in tables or "messages" not in tables:
                if self._cut_short:
                    raise SessionError(f"{self.path} {_CUT_TOO_SHORT}")
                hint = ""
                if not tables and not Path(f"{self.path}-wal").exists():
                    # A recording that never closed keeps its messages in the write-ahead log.
                    hint = (
                        f" (if it is a copy of a recording that did not end cleanly, copy "
                        f"{self.path.name}-wal beside it too)"
                    )
                raise SessionError(f"{self.path} is an SQLite file but not an evtui session{hint}")
            rows = self._db.execute("SELECT key, value FROM session").fetchall()
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise SessionError(
                f"{self.path} is not a readable evtui session: {error_text(exc)}"
            ) from None
        header = {str(k): v for k, v in rows}
        if header.get("format") != FORMAT:
            if self._cut_short:  # (its header's page is past the cut)
                raise SessionError(f"{self.path} {_CUT_TOO_SHORT}")
            raise SessionError(f"{self.path} is an SQLite file but not an evtui session")
        version = _int(header.get("format_version"))
        if version is None:
            raise SessionError(
                f"{self.path} is not a readable evtui session: its header has no format version"
            )
        if version > FORMAT_VERSION:
            raise SessionError(
                f"{self.path} was written by a newer evtui (session format {version}); "
                f"evtui {__version__} reads format {FORMAT_VERSION}: upgrade evtui to open it"
            )
        return header

    def _count(self) -> int:
        # Cut short, the table can still answer, and wrongly: a few kB off the end of a
        # file can leave `max(seq)` saying 0, as if the session held one message.
        reason = "the file is shorter than its header says"
        if not self._cut_short:
            try:
                row = self._db.execute("SELECT max(seq) FROM messages").fetchone()
                return 0 if row[0] is None else int(row[0]) + 1
            except (sqlite3.Error, TypeError, ValueError) as exc:
                reason = error_text(exc)
        # The table's last pages are gone: the count is as far as messages can be found.
        count, self.damage = count_past_damage(self._db, reason)
        # And read: the last rows found may have lost their documents with their run's first
        # row (its run in an overflow page that is gone). Looked for this far back at most:
        # rows unreadable before are told by reading them.
        last = count
        while last > max(0, count - READ_CHUNK) and not self._readable(last - 1):
            last -= 1
        if last < count:
            self.damage = Damage(last, 0, reason, cut=last)
        return last

    def _readable(self, seq: int) -> bool:
        try:
            row = self._db.execute(_READ_ONE, (seq,)).fetchone()
            return row is not None and bool(self._unpacker.messages([row]))
        except UNREADABLE:
            return False

    @property
    def info(self) -> SessionInfo:
        first = self.time_of(0) if self.count else None
        last = self.time_of(self.count - 1) if self.count else None
        if last is None and self.count:
            last = self._latest_time()
        h = self._header
        return SessionInfo(
            path=self.path,
            format_version=_int(h.get("format_version")) or 0,
            evtui_version=h.get("evtui_version") or "?",
            source=h.get("source") or "?",
            source_kind=h.get("source_kind") or "?",
            catalog=h.get("catalog"),
            layer=h.get("layer"),
            started_at=_float(h.get("started_at")) or first or 0.0,
            ended_at=_float(h.get("ended_at")),
            messages=self.count,
            first_at=first,
            last_at=last,
            size=file_size(self.path),
            damaged=self.damage is not None or self._cut_short,
            recording=h.get("ended_at") is None and still_recording(h.get("recorder")),
        )

    def _latest_time(self) -> float | None:
        """When the last readable message arrived, where the last one cannot be read."""
        try:
            # The time index can outlive damage to the table's own pages.
            (value,) = self._db.execute("SELECT max(received_at) FROM messages").fetchone()
            if value is not None:
                return float(value)
        except (sqlite3.Error, TypeError, ValueError):
            pass
        last = last_readable(self._db)
        return self.time_of(last) if last >= 0 else None

    def close(self) -> None:
        self._db.close()
        self._tidy()

    def _tidy(self) -> None:
        """Take away the empty write-ahead log (and its index) that opening a file cut short
        left beside it, where there was none: reading is no reason to leave files behind.
        (SQLite takes them away itself on closing a file it could read.) Only a file cut
        short: one being created by a recorder can have an empty log of the recorder's own,
        which must stay, and such a file is never shorter than its header says."""
        if self._had_log or not self._cut_short:
            return
        log = Path(f"{self.path}-wal")
        with contextlib.suppress(OSError):
            if log.stat().st_size == 0:
                log.unlink()
                Path(f"{self.path}-shm").unlink(missing_ok=True)

    def __enter__(self) -> SessionReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- messages ------------------------------------------------------------------------

    def read(
        self, start: int = 0, stop: int | None = None
    ) -> Iterator[list[tuple[int, StreamMessage]]]:
        """(seq, message) from `start` to `stop` (exclusive) in order, in lists of up to
        `READ_CHUNK`. Unreadable messages are skipped and recorded in `damage`.
        """
        stop = self.count if stop is None else min(stop, self.count)
        seq = max(0, start)
        while seq < stop:
            end = min(seq + READ_CHUNK, stop)
            try:
                rows = self._db.execute(_READ_RANGE, (seq, end)).fetchall()
                messages = self._unpacker.messages(rows)
            except UNREADABLE:
                messages = self._read_slowly(seq, end)
            else:
                if len(messages) != end - seq:
                    # Rows missing without an error: a damaged page that still parses.
                    found = {s for s, _ in messages}
                    for missing in range(seq, end):
                        if missing not in found:
                            self._damaged(missing, "message missing")
            if messages:
                yield messages
            seq = end

    def _read_slowly(self, start: int, end: int) -> list[tuple[int, StreamMessage]]:
        messages = []
        for seq in range(start, end):
            try:
                row = self._db.execute(_READ_ONE, (seq,)).fetchone()
                if row is None:
                    self._damaged(seq, "message missing")
                else:
                    messages.extend(self._unpacker.messages([row]))
            except UNREADABLE as exc:
                self._damaged(seq, error_text(exc))
        return messages

    def _damaged(self, seq: int, reason: str) -> None:
        if seq in self._unreadable:
            return  # read again (a checkpoint's rejected message): counted once
        self._unreadable.add(seq)
        self.damage = with_unreadable(self.damage, seq, reason)

    def message(self, seq: int) -> StreamMessage | None:
        """One message, or None where it cannot be read."""
        for chunk in self.read(seq, seq + 1):
            return chunk[0][1]
        return None

    def time_of(self, seq: int) -> float | None:
        """When message `seq` was received."""
        if seq in self._times:
            return self._times[seq]
        try:
            row = self._db.execute(
                "SELECT received_at FROM messages WHERE seq = ?", (seq,)
            ).fetchone()
            if row is None:
                return None
            self._times[seq] = float(row[0])
        except (sqlite3.Error, TypeError, ValueError):
            return None  # an unreadable row, or one that damage left without a time
        return self._times[seq]

    def seq_after(self, at: float) -> int:
        """How many messages were received at or before `at` (the position at that time)."""
        # Receive times never go back (the recorder sees to it): the first message after `at`
        # by the time index is the first in the file. `min(seq)` would scan the table.
        if self._version < 2:
            try:
                row = self._db.execute(
                    "SELECT seq FROM messages WHERE received_at > ? "
                    "ORDER BY received_at, seq LIMIT 1",
                    (at,),
                ).fetchone()
                return self.count if row is None else min(self.count, int(row[0]))
            except (sqlite3.Error, TypeError, ValueError):
                pass
        # No index (or a damaged one): a binary search, stepping over unreadable messages.
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            probe, when = middle, self.time_of(middle)
            while when is None and probe + 1 < high:
                probe += 1
                when = self.time_of(probe)
            if when is None or when > at:
                high = middle
            else:
                low = probe + 1
        return low

    # --- markers and checkpoints ---------------------------------------------------------

    def markers(self) -> list[Marker]:
        try:
            rows = self._db.execute(
                "SELECT seq, at, kind, label FROM markers ORDER BY seq, id"
            ).fetchall()
        except sqlite3.Error:
            return []
        markers = []
        for seq, at, kind, label in rows:
            with contextlib.suppress(TypeError, ValueError):  # a damaged row is left out
                marker = Marker(int(seq), float(at), str(kind or "user"), str(label or ""))
                if 0 <= marker.seq <= self.count:  # past the end of a file cut short: gone
                    markers.append(marker)
        return markers

    def checkpoints(self) -> list[int]:
        """The positions (messages applied) that have a checkpoint, in order."""
        try:
            rows = self._db.execute("SELECT seq FROM checkpoints ORDER BY seq").fetchall()
        except sqlite3.Error:
            return []
        return [seq for (seq,) in rows if isinstance(seq, int) and 0 <= seq <= self.count]

    def checkpoint(self, seq: int) -> dict[str, Any] | None:
        """The state saved at position `seq`, or None when missing or unreadable."""
        try:
            row = self._db.execute("SELECT state FROM checkpoints WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                return None
            return unpack_state(row[0], self._unpacker.resolve if self._version >= 2 else None)
        except (sqlite3.Error, zlib.error, ValueError, TypeError):
            return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None
