"""The session file: an SQLite database of stream messages as received, markers and checkpoints.

SQLite (stdlib, WAL mode) because it gives what a recording needs without code of ours:
transactions that survive `kill -9` (a committed batch is in the write-ahead log), an index to
find a time in a million messages, and a file that other tools can open. See the README.

Format version 1:

- `session(key, value)`: the header (format, versions, source, catalog, layer, started/ended).
  No `ended_at` means the recording was interrupted.
- `messages(seq, received_at, partition, offset, timestamp, key, encoding, data, data_handle)`:
  one row per message in arrival order, `seq` from 0. `data` keeps the payload exactly as
  received; base64 text is stored as the bytes it encodes when that round-trips exactly.
- `markers(id, seq, at, kind, label)`: a marker sits before message `seq`.
- `checkpoints(seq, at, state)`: the monitor state after `seq` messages, zlib-compressed JSON.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evtui import __version__
from evtui.model import StreamMessage

__all__ = [
    "FORMAT_VERSION",
    "Damage",
    "Marker",
    "SessionError",
    "SessionInfo",
    "SessionReader",
    "SessionWriter",
    "delete_session",
    "is_session_file",
    "list_sessions",
]

FORMAT = "evtui-session"
FORMAT_VERSION = 1
APPLICATION_ID = 0x65767475  # "evtu": lets `file`-like tools and evtui tell its sessions apart
SQLITE_MAGIC = b"SQLite format 3\x00"
READ_CHUNK = 2000
"""Messages read per query; a damaged chunk is read again one message at a time."""

_NONE, _BASE64, _TEXT, _BYTES, _DOCUMENT = range(5)

_SCHEMA = """
CREATE TABLE session (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL,
    timestamp INTEGER,
    key TEXT,
    encoding INTEGER NOT NULL,
    data BLOB,
    data_handle TEXT
);
CREATE INDEX messages_by_time ON messages (received_at);
CREATE TABLE markers (
    id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, at REAL NOT NULL, kind TEXT, label TEXT
);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, at REAL NOT NULL, state BLOB NOT NULL);
"""


class SessionError(Exception):
    """A session file that cannot be written, or opened at all."""


def is_session_file(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is an SQLite file (so, for evtui, a session rather than payload text)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


@dataclass(frozen=True)
class Marker:
    """A point of interest: dropped with `m`, or by a watchlist notification."""

    seq: int
    """The marker sits just before this message (after `seq` messages)."""
    at: float
    kind: str
    """"user" or "alert"."""
    label: str


@dataclass(frozen=True)
class Damage:
    """Where a damaged file stopped being readable."""

    first_seq: int
    """The first message that could not be read."""
    lost: int
    """Messages that could not be read, counted where the file still says how many it held."""
    reason: str

    def describe(self) -> str:
        return (
            f"the file is damaged from message {self.first_seq + 1:,} on: {self.reason}; "
            f"{self.lost:,} message{'s' if self.lost != 1 else ''} could not be read"
        )


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

    @property
    def interrupted(self) -> bool:
        """The recording did not end cleanly (killed, crashed, or still being written)."""
        return self.ended_at is None

    @property
    def duration(self) -> float:
        """Seconds from the first message to the last (0 when there are fewer than two)."""
        if self.first_at is None or self.last_at is None:
            return 0.0
        return max(0.0, self.last_at - self.first_at)


def _file_size(path: Path) -> int:
    size = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            size += os.stat(f"{path}{suffix}").st_size
    return size


class SessionWriter:
    """Appends messages to a new session file, one transaction per call."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self.messages = 0
        """Messages written so far; also the `seq` of the next one."""
        self._closed = False

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        source: str,
        source_kind: str,
        catalog: str | None = None,
        layer: str | None = None,
        started_at: float | None = None,
    ) -> SessionWriter:
        """Create the file (it must not exist) and write its header."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # "x": never overwrite a session; SQLite then takes over the empty file.
            with open(path, "xb"):
                pass
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed transaction survives the process being killed.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            db.executescript(_SCHEMA)
            header = {
                "format": FORMAT,
                "format_version": str(FORMAT_VERSION),
                "evtui_version": __version__,
                "source": source,
                "source_kind": source_kind,
                "catalog": catalog,
                "layer": layer,
                "started_at": repr(started_at if started_at is not None else time.time()),
            }
            with _transaction(db):
                db.executemany("INSERT INTO session VALUES (?, ?)", header.items())
        except FileExistsError:
            raise SessionError(f"{path} already exists; not overwriting it") from None
        except (OSError, sqlite3.Error) as exc:
            raise SessionError(f"cannot create {path}: {_reason(exc)}") from None
        return cls(path, db)

    @property
    def size(self) -> int:
        """Bytes on disk, write-ahead log included."""
        return _file_size(self.path)

    def write(
        self,
        messages: Sequence[StreamMessage],
        checkpoint: tuple[float, dict[str, Any]] | None = None,
    ) -> int:
        """Append `messages` (and a checkpoint taken after them) in one transaction.

        Returns the `seq` of the first. Raises `SessionError` (disk full, file gone, ...).
        """
        first = self.messages
        rows = [_row(first + i, m) for i, m in enumerate(messages)]
        try:
            with _transaction(self._db):
                self._db.executemany(
                    "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
                if checkpoint is not None:
                    at, state = checkpoint
                    blob = zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 1)
                    self._db.execute(
                        "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)",
                        (first + len(rows), at, blob),
                    )
        except sqlite3.Error as exc:
            raise SessionError(f"recording to {self.path} failed: {_reason(exc)}") from None
        self.messages += len(rows)
        return first

    def add_marker(self, kind: str, label: str, at: float) -> Marker:
        """Drop a marker after the messages written so far."""
        marker = Marker(self.messages, at, kind, label)
        try:
            with _transaction(self._db):
                self._db.execute(
                    "INSERT INTO markers (seq, at, kind, label) VALUES (?, ?, ?, ?)",
                    (marker.seq, marker.at, marker.kind, marker.label),
                )
        except sqlite3.Error as exc:
            raise SessionError(f"recording to {self.path} failed: {_reason(exc)}") from None
        return marker

    def close(self, ended_at: float | None = None) -> None:
        """Mark the session as ended cleanly and fold the write-ahead log into the file."""
        if self._closed:
            return
        self._closed = True
        try:
            with _transaction(self._db):
                self._db.execute(
                    "INSERT OR REPLACE INTO session VALUES ('ended_at', ?)",
                    (repr(ended_at if ended_at is not None else time.time()),),
                )
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise SessionError(f"closing {self.path} failed: {_reason(exc)}") from None
        finally:
            self._db.close()

    def abandon(self) -> None:
        """Close without marking the session ended (it shows as interrupted)."""
        if not self._closed:
            self._closed = True
            self._db.close()


class _transaction:
    """BEGIN ... COMMIT, or ROLLBACK on error (the connection runs in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        elif self._db.in_transaction:
            # The original error is what the user needs to see.
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")


def _row(seq: int, m: StreamMessage) -> tuple[object, ...]:
    data: bytes | None
    if m.data is None:
        encoding, data = _NONE, None
    elif isinstance(m.data, bytes):
        encoding, data = (_DOCUMENT if m.inflated else _BYTES), m.data
    else:
        encoding, data = _encode_text(m.data)
    return (
        seq,
        m.received_at,
        m.partition,
        m.offset,
        m.timestamp,
        m.key,
        encoding,
        data,
        m.data_handle,
    )


def _encode_text(text: str) -> tuple[int, bytes]:
    # Base64 costs a third more room; keep the bytes when the text can be rebuilt exactly.
    try:
        raw = base64.b64decode(text, validate=True)
        if base64.b64encode(raw).decode("ascii") == text:
            return _BASE64, raw
    except (binascii.Error, ValueError):
        pass
    return _TEXT, text.encode("utf-8", "surrogatepass")


def _message(row: tuple[Any, ...]) -> StreamMessage:
    _, received_at, partition, offset, timestamp, key, encoding, data, handle = row
    payload: str | bytes | None
    if encoding == _BASE64:
        payload = base64.b64encode(data).decode("ascii")
    elif encoding == _TEXT:
        payload = bytes(data).decode("utf-8", "surrogatepass")
    elif encoding in (_BYTES, _DOCUMENT):
        payload = bytes(data)
    else:
        payload = None
    return StreamMessage(
        partition=partition,
        offset=offset,
        data=payload,
        timestamp=timestamp,
        key=key,
        data_handle=handle,
        received_at=received_at,
        inflated=encoding == _DOCUMENT,
    )


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


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
        if not self.path.is_file():
            raise SessionError(f"{self.path}: no such file")
        if not is_session_file(self.path):
            raise SessionError(f"{self.path} is not an evtui session (not an SQLite file)")
        self.damage: Damage | None = None
        self._db = self._connect()
        try:
            header = dict(self._db.execute("SELECT key, value FROM session").fetchall())
        except sqlite3.Error as exc:
            self._db.close()
            raise SessionError(
                f"{self.path} is not a readable evtui session: {_reason(exc)}"
            ) from None
        if header.get("format") != FORMAT:
            self._db.close()
            raise SessionError(f"{self.path} is an SQLite file but not an evtui session")
        version = _int(header.get("format_version"))
        if version is None or version > FORMAT_VERSION:
            self._db.close()
            found = header.get("format_version")
            raise SessionError(
                f"{self.path} was written by a newer evtui (format {found}); "
                f"this evtui {__version__} reads format {FORMAT_VERSION}: upgrade evtui"
            )
        self._header = header
        self.count = self._count()
        """Messages in the session (where the file is damaged: as far as it says)."""
        self._times: dict[int, float] = {}

    def _connect(self) -> sqlite3.Connection:
        # Read-write when allowed: SQLite then folds a killed recorder's write-ahead log in.
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.Error:
            pass
        try:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise SessionError(f"cannot open {self.path}: {_reason(exc)}") from None

    def _count(self) -> int:
        try:
            row = self._db.execute("SELECT max(seq) FROM messages").fetchone()
            return 0 if row[0] is None else int(row[0]) + 1
        except sqlite3.Error as exc:
            self.damage = Damage(0, 0, _reason(exc))
            return 0

    @property
    def info(self) -> SessionInfo:
        first = self.time_of(0) if self.count else None
        last = self.time_of(self.count - 1) if self.count else None
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
            size=_file_size(self.path),
        )

    def close(self) -> None:
        self._db.close()

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
                rows = self._db.execute(
                    _READ_RANGE,
                    (seq, end),
                ).fetchall()
            except sqlite3.Error:
                rows = self._read_slowly(seq, end)
            if rows:
                yield [(int(row[0]), _message(row)) for row in rows]
            seq = end

    def _read_slowly(self, start: int, end: int) -> list[tuple[Any, ...]]:
        rows = []
        for seq in range(start, end):
            try:
                row = self._db.execute(_READ_ONE, (seq,)).fetchone()
            except sqlite3.Error as exc:
                self._damaged(seq, _reason(exc))
                continue
            if row is None:
                self._damaged(seq, "message missing")
            else:
                rows.append(row)
        return rows

    def _damaged(self, seq: int, reason: str) -> None:
        d = self.damage
        if d is None:
            self.damage = Damage(seq, 1, reason)
        elif seq >= d.first_seq:
            self.damage = Damage(d.first_seq, d.lost + 1, d.reason)

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
        except sqlite3.Error:
            return None
        if row is None:
            return None
        self._times[seq] = float(row[0])
        return self._times[seq]

    def seq_after(self, at: float) -> int:
        """How many messages were received at or before `at` (the position at that time)."""
        try:
            row = self._db.execute(
                "SELECT min(seq) FROM messages WHERE received_at > ?", (at,)
            ).fetchone()
        except sqlite3.Error:
            return 0
        return self.count if row[0] is None else int(row[0])

    # --- markers and checkpoints ---------------------------------------------------------

    def markers(self) -> list[Marker]:
        try:
            rows = self._db.execute(
                "SELECT seq, at, kind, label FROM markers ORDER BY seq, id"
            ).fetchall()
        except sqlite3.Error:
            return []
        return [Marker(int(s), float(a), str(k or "user"), str(lab or "")) for s, a, k, lab in rows]

    def checkpoints(self) -> list[int]:
        """The positions (messages applied) that have a checkpoint, in order."""
        try:
            rows = self._db.execute("SELECT seq FROM checkpoints ORDER BY seq").fetchall()
        except sqlite3.Error:
            return []
        return [int(seq) for (seq,) in rows if seq <= self.count]

    def checkpoint(self, seq: int) -> dict[str, Any] | None:
        """The state saved at position `seq`, or None when missing or unreadable."""
        try:
            row = self._db.execute("SELECT state FROM checkpoints WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                return None
            data = json.loads(zlib.decompress(row[0]))
        except (sqlite3.Error, zlib.error, ValueError):
            return None
        return data if isinstance(data, dict) else None


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


def list_sessions(directory: Path) -> list[SessionInfo | tuple[Path, str]]:
    """Every session file in `directory`, oldest first; unreadable ones as (path, why)."""
    found: list[SessionInfo | tuple[Path, str]] = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.evtui")):
        try:
            with SessionReader(path) as reader:
                found.append(reader.info)
        except SessionError as exc:
            found.append((path, str(exc)))
    return found


def delete_session(path: Path) -> None:
    """Remove a session file with its write-ahead log and shared-memory index."""
    for suffix in ("-wal", "-shm", ""):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")
