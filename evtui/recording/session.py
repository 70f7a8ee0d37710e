"""The session file: an SQLite database of stream messages as received, markers and checkpoints.

SQLite (stdlib, WAL mode) because it gives what a recording needs without code of ours:
transactions that survive `kill -9` (a committed batch is in the write-ahead log), an index to
find a time in a million messages, and a file that other tools can open. See the README.

Format version 2 (about a quarter of the size of version 1, which evtui still reads):

- `session(key, value)`: the header (format, versions, source, catalog, layer, started/ended,
  and `dictionary`: base64 of the deflate dictionary the documents are compressed with).
  No `ended_at` means the recording was interrupted.
- `messages(seq, received_at, partition, offset, timestamp, key, encoding, data, data_handle)`:
  one row per message in arrival order, `seq` from 0, receive times never going back.
  `timestamp` is stored as milliseconds after `received_at` (a byte or two); `key` is an
  integer reference to `strings`, or text. A message that decoded to a payload keeps its JSON
  document (encoding 5): raw deflate with the dictionary and a 2 KiB window, its ids replaced
  by references to `strings`; it reads back as an inflated message holding that document,
  byte for byte, so it decodes to the same payload (its gzip wrapper is not kept). A rejected
  message is kept as received: base64 text as the bytes it encodes when that round-trips.
- `strings(id, value)`: each location and EVSE id once, written with the first message that
  uses it. In a document or a checkpoint, NUL and the id's number stand for it (valid JSON
  never holds a raw NUL).
- `markers(id, seq, at, kind, label)`: a marker sits before message `seq`.
- `checkpoints(seq, at, state)`: the monitor state after `seq` messages, zlib-compressed JSON,
  ids referring to `strings` (`pack_state`). The version inside says what it holds: 2, a whole
  state; 4, a whole state with the EVSEs' timelines as bytes in a second zlib stream after the
  JSON (byte planes of their delta-coded start times, then their statuses); 3, a delta: what
  changed since the checkpoint it names as its `base` (0: the empty state), restored on top of
  it. evtui 0.1.0 before these restores neither 3 nor 4: it takes them for damaged and replays from
  an earlier checkpoint (or the start), still exactly.

Version 1 differs: an index of messages by `received_at`, no `strings` and no dictionary,
`timestamp` and `key` as they came, documents never packed, checkpoints with ids in full.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
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
    "pack_state",
    "unpack_state",
]

FORMAT = "evtui-session"
FORMAT_VERSION = 2
APPLICATION_ID = 0x65767475  # "evtu": lets `file`-like tools and evtui tell its sessions apart
SQLITE_MAGIC = b"SQLite format 3\x00"
FOLD_EVERY = 5.0
"""Seconds between folds of the write-ahead log into the session file while recording."""
READ_CHUNK = 2000
"""Messages read per query; a damaged chunk is read again one message at a time."""

_NONE, _BASE64, _TEXT, _BYTES, _DOCUMENT, _PACKED = range(6)

# No index by receive time (version 1 had one, a fifth of the file): receive times never go
# back, so a binary search by `seq` finds a time in some twenty lookups.
_SCHEMA = """
CREATE TABLE session (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL,
    timestamp INTEGER,
    key,
    encoding INTEGER NOT NULL,
    data BLOB,
    data_handle TEXT
);
CREATE TABLE strings (id INTEGER PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE markers (
    id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, at REAL NOT NULL, kind TEXT, label TEXT
);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, at REAL NOT NULL, state BLOB NOT NULL);
"""

_WBITS = 11
"""Raw deflate with a 2 KiB window: a document is a few hundred bytes, and a small window
makes the per-message compressor cheap to copy."""
_ID = re.compile(rb'"id"\s*:\s*"([^"\\\x00-\x1f]+)"')
"""An `"id": "..."` member without escapes: its value goes to the strings table."""
_STRING = re.compile(rb'"([^"\\\x00-\x1f]{8,})"')
"""A JSON string without escapes that may be an interned id (in a checkpoint)."""
_REF = re.compile(rb"\x00(\d+)")
"""A reference to the strings table. Valid JSON never holds a raw NUL, so it is unambiguous."""

_STATUSES = ("UNKNOWN", "BLOCKED", "INOPERATIVE", "OUT_OF_ORDER", "RESERVED", "AVAILABLE")


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

    def __init__(self, path: Path, connection: sqlite3.Connection, dictionary: bytes) -> None:
        self.path = path
        self._db = connection
        self.messages = 0
        """Messages written so far; also the `seq` of the next one."""
        self._packer = _Packer(dictionary)
        self.checkpoint_size = 0
        """Bytes the last checkpoint written takes."""
        self._folded = time.monotonic()
        self._size = _file_size(path)
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
        except OSError as exc:
            raise SessionError(f"cannot create {path}: {_reason(exc)}") from None
        try:
            # "x": never overwrite a session; SQLite then takes over the empty file.
            with open(path, "xb"):
                pass
        except FileExistsError:
            raise SessionError(f"{path} already exists; not overwriting it") from None
        except OSError as exc:
            raise SessionError(f"cannot create {path}: {_reason(exc)}") from None
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed transaction survives the process being killed.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            started_at = started_at if started_at is not None else time.time()
            dictionary = _dictionary(started_at)
            header = {
                "format": FORMAT,
                "format_version": str(FORMAT_VERSION),
                "evtui_version": __version__,
                "source": source,
                "source_kind": source_kind,
                "catalog": catalog,
                "layer": layer,
                "started_at": repr(started_at),
                "dictionary": base64.b64encode(dictionary).decode("ascii"),
            }
            # Tables and header together: a file has both, or is no session yet.
            with _transaction(db):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.executemany("INSERT INTO session VALUES (?, ?)", header.items())
        except (OSError, sqlite3.Error) as exc:
            if db is not None:
                db.close()
            # The file is ours and holds nothing: leave no half-made session behind.
            delete_session(path)
            raise SessionError(f"cannot create {path}: {_reason(exc)}") from None
        return cls(path, db, dictionary)

    @property
    def size(self) -> int:
        """Bytes the session takes (as it will once the write-ahead log is folded in), as of
        the last write: the header reads it on every repaint, the file is asked once a batch."""
        return self._size

    def _measure(self) -> None:
        try:
            (pages,) = self._db.execute("PRAGMA page_count").fetchone()
            (page_size,) = self._db.execute("PRAGMA page_size").fetchone()
        except sqlite3.Error:
            self._size = _file_size(self.path)
        else:
            self._size = int(pages) * int(page_size)

    def write(
        self,
        messages: Sequence[StreamMessage],
        checkpoint: tuple[float, dict[str, Any]] | None = None,
        documents: Sequence[bytes | None] | None = None,
    ) -> int:
        """Append `messages` (and a checkpoint taken after them) in one transaction.

        `documents`, where given, are the JSON documents the messages decoded to (None for a
        rejected one): those are kept instead of the payload as it came, compressed, and read
        back as inflated messages that decode to the same payload.

        Returns the `seq` of the first. Raises `SessionError` (disk full, file gone, ...).
        """
        first = self.messages
        packer = self._packer
        if documents is None:
            documents = [
                m.data if m.inflated and isinstance(m.data, bytes) else None for m in messages
            ]
        rows = [
            _row(first + i, m, packer, document)
            for i, (m, document) in enumerate(zip(messages, documents, strict=True))
        ]
        try:
            with _transaction(self._db):
                if packer.added:
                    self._db.executemany("INSERT INTO strings VALUES (?, ?)", packer.added)
                self._db.executemany(
                    "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
                if checkpoint is not None:
                    at, state = checkpoint
                    blob = packer.checkpoint(state)
                    self._db.execute(
                        "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)",
                        (first + len(rows), at, blob),
                    )
                    self.checkpoint_size = len(blob)
        except sqlite3.Error as exc:
            packer.rollback()
            raise SessionError(f"recording to {self.path} failed: {_write_reason(exc)}") from None
        packer.added.clear()
        self.messages += len(rows)
        self._measure()
        if time.monotonic() - self._folded >= FOLD_EVERY:
            # Until the session is closed, what is in the write-ahead log is not in the file
            # itself: fold it in now and then, so that a copy of the file alone (made while
            # recording, or after a crash) is at most this old.
            self._folded = time.monotonic()
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
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
            raise SessionError(f"recording to {self.path} failed: {_write_reason(exc)}") from None
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
            raise SessionError(f"closing {self.path} failed: {_write_reason(exc)}") from None
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


def _row(seq: int, m: StreamMessage, packer: _Packer, document: bytes | None) -> tuple[object, ...]:
    data: bytes | None
    packed = None if document is None else packer.document(document)
    if packed is not None:
        encoding, data = _PACKED, packed
    elif m.data is None:
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
        # Published a moment before it arrived: the difference takes a byte or two.
        None if m.timestamp is None else m.timestamp - _millis(m.received_at),
        packer.key(m.key),
        encoding,
        data,
        m.data_handle,
    )


def _millis(at: float) -> int:
    return int(at * 1000)


def _dictionary(now: float) -> bytes:
    """Documents as the stream carries them, to prime the compressor of each message with.

    Kept in the session's header: a reader uses the file's own, so it may change freely.
    """
    day = time.strftime("%Y-%m-%dT", time.gmtime(now))
    parts = []
    for comma, colon in ((", ", ": "), (",", ":")):
        # The most frequent last: the nearest matches cost the fewest bits.
        for n, status in enumerate((*_STATUSES, "CHARGING")):
            time_ = f"{day}{n:02}:{n + 3}0:00Z"
            parts.append(
                f'{{"id"{colon}"\x00{n}"{comma}"evses"{colon}[{{"id"{colon}"\x00{n + 9}"{comma}'
                f'"status"{colon}"{status}"{comma}"last_updated"{colon}"{time_}"}}]}}'
            )
    return "".join(parts).encode()[-(1 << _WBITS) :]


class _Packer:
    """Compresses what a writer stores: ids once in the `strings` table, each document by
    itself (so any one message can be read alone) with a dictionary of typical ones."""

    def __init__(self, dictionary: bytes) -> None:
        self._compressor = zlib.compressobj(
            6, zlib.DEFLATED, -_WBITS, 4, zlib.Z_DEFAULT_STRATEGY, dictionary
        )
        self.ids: dict[bytes, int] = {}
        self._tokens: dict[bytes, tuple[bytes, bytes]] = {}
        """An id's `"<id>"` and the reference that stands for it, made once."""
        self.added: list[tuple[int, bytes]] = []
        """Strings not yet in the file: written with the messages that use them."""

    def ref(self, value: bytes) -> int:
        n = self.ids.get(value)
        if n is None:
            n = self.ids[value] = len(self.ids)
            self.added.append((n, value))
        return n

    def rollback(self) -> None:
        """Forget the strings of a write that failed."""
        for _, value in self.added:
            del self.ids[value]
            self._tokens.pop(value, None)
        self.added.clear()

    def document(self, document: bytes) -> bytes | None:
        """The document compressed; None if it holds a NUL (no valid JSON does)."""
        if b"\x00" in document:
            return None
        # Every `"<id>"` becomes `"\x00<n>"`; reading puts the id back in place of `\x00<n>`.
        # Quotes stay where they were, so this undoes exactly whatever else the bytes match.
        tokens = self._tokens
        for value in set(_ID.findall(document)):
            token = tokens.get(value)
            if token is None:
                token = tokens[value] = (b'"%s"' % value, b'"\x00%d"' % self.ref(value))
            document = document.replace(*token)
        # A copy of a primed compressor: a new one would set up the dictionary every time.
        compressor = self._compressor.copy()
        return compressor.compress(document) + compressor.flush()

    def key(self, key: str | None) -> int | str | None:
        if key is None:
            return None
        try:
            return self.ref(key.encode())
        except UnicodeEncodeError:  # lone surrogates: kept as text
            return key

    def checkpoint(self, state: dict[str, Any]) -> bytes:
        """The state as JSON with the ids the file already has replaced by references."""
        ids = self.ids

        def intern(match: re.Match[bytes]) -> bytes:
            n = ids.get(match[1])
            return match[0] if n is None else b'"\x00%d"' % n

        return pack_state(state, lambda text: _STRING.sub(intern, text))


def pack_state(
    state: dict[str, Any], intern: Callable[[bytes], bytes] | None = None, level: int = 6
) -> bytes:
    """A checkpoint's state as stored: its JSON, zlib-compressed; then, where it has `bytes`
    values (a version 4 snapshot's timelines), those in a second zlib stream after the first,
    the JSON naming each with its length under "binary"."""
    binary = {key: value for key, value in state.items() if isinstance(value, bytes)}
    if binary:
        state = {key: value for key, value in state.items() if key not in binary}
        state["binary"] = [[key, len(value)] for key, value in binary.items()]
    text = json.dumps(state, separators=(",", ":")).encode()
    if intern is not None:
        text = intern(text)
    blob = zlib.compress(text, level)
    if binary:
        blob += zlib.compress(b"".join(binary.values()), level)
    return blob


def unpack_state(blob: bytes, resolve: Callable[[bytes], bytes] | None = None) -> dict[str, Any]:
    """What `pack_state` packed (`resolve` turns the references in its JSON back into ids).
    Raises ValueError or zlib.error when it is damaged."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(blob)
    if not inflater.eof:
        raise ValueError("checkpoint cut short")
    if resolve is not None:
        text = resolve(text)
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a checkpoint")
    parts = data.pop("binary", None)
    if parts is not None:
        raw = zlib.decompress(inflater.unused_data)
        offset = 0
        for key, length in parts:
            data[str(key)] = raw[offset : offset + int(length)]
            offset += int(length)
        if offset != len(raw):
            raise ValueError("checkpoint cut short")
    return data


def _encode_text(text: str) -> tuple[int, bytes]:
    # Base64 costs a third more room; keep the bytes when the text can be rebuilt exactly.
    try:
        raw = base64.b64decode(text, validate=True)
        if base64.b64encode(raw).decode("ascii") == text:
            return _BASE64, raw
    except (binascii.Error, ValueError):
        pass
    return _TEXT, text.encode("utf-8", "surrogatepass")


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _write_reason(exc: BaseException) -> str:
    """Why a write failed; a full disk (or a file not allowed to grow) says so."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    if name in ("SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE"):
        return f"{_reason(exc)} (is the disk full?)"
    return _reason(exc)


_SELECT = (
    'SELECT seq, received_at, partition, "offset", timestamp, key, encoding, data, data_handle '
    "FROM messages "
)
_READ_RANGE = _SELECT + "WHERE seq >= ? AND seq < ? ORDER BY seq"
_READ_ONE = _SELECT + "WHERE seq = ?"
_READ_SEQ = "SELECT seq FROM messages WHERE seq = ?"
_READ_STRINGS = "SELECT id, value FROM strings WHERE id IN (SELECT value FROM json_each(?))"
_UNREADABLE = (sqlite3.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, zlib.error)
"""What reading a damaged row may raise."""


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
        self._unreadable: set[int] = set()
        self._db = self._connect()
        try:
            self._header = self._read_header()
        except BaseException:
            self._db.close()
            raise
        self._version = _int(self._header.get("format_version")) or 1
        try:
            self._dictionary = base64.b64decode(self._header.get("dictionary") or "")
        except (binascii.Error, ValueError):
            self._dictionary = b""  # its packed messages read as damaged
        self._strings: dict[int, bytes] = {}
        self._inflater = zlib.decompressobj(-_WBITS, self._dictionary)
        """Primed with the dictionary; each packed message inflates with a copy."""
        self.count = self._count()
        """Messages in the session (where the file is damaged: as far as it says)."""
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
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return db
            except sqlite3.DatabaseError as exc:
                failure = exc
            # A file cut short (a copy that stopped, a full disk) is "malformed" only because
            # it is shorter than its header says: with `writable_schema` SQLite reads what is
            # there instead. Nothing is ever written through this connection.
            try:
                db.execute("PRAGMA writable_schema=ON")
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return db
            except sqlite3.Error:
                db.close()
        raise SessionError(
            f"{self.path}: cannot open it: {_reason(failure) if failure else 'unknown error'}"
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
                hint = ""
                if not tables and not Path(f"{self.path}-wal").exists():
                    # A recording that never closed keeps its messages in the write-ahead log.
                    hint = (
                        f" (if it is a copy of a recording that did not end cleanly, copy "
                        f"{self.path.name}-wal beside it too)"
                    )
                raise SessionError(f"{self.path} is an SQLite file but not an evtui session{hint}")
            rows = self._db.execute("SELECT key, value FROM session").fetchall()
        except sqlite3.Error as exc:
            raise SessionError(
                f"{self.path} is not a readable evtui session: {_reason(exc)}"
            ) from None
        header = {str(k): v for k, v in rows}
        if header.get("format") != FORMAT:
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
        try:
            row = self._db.execute("SELECT max(seq) FROM messages").fetchone()
            return 0 if row[0] is None else int(row[0]) + 1
        except (sqlite3.Error, TypeError, ValueError) as exc:
            reason = _reason(exc)
        # The table's last pages are gone: the count is as far as messages can be found.
        last = self._last_readable()
        self.damage = Damage(last + 1, None, reason)
        bounds = [last + 1]
        for query in ("SELECT max(seq) FROM checkpoints", "SELECT max(seq) FROM markers"):
            with contextlib.suppress(sqlite3.Error, TypeError, ValueError):
                (value,) = self._db.execute(query).fetchone()
                if value is not None:
                    bounds.append(int(value))
        return max(bounds)

    def _last_readable(self) -> int:
        """The last message that can be read, looking past unreadable stretches (-1: none)."""
        last = -1
        probe = 0
        try:
            page_size, pages = (
                int(self._db.execute(f"PRAGMA {name}").fetchone()[0])
                for name in ("page_size", "page_count")
            )
        except sqlite3.Error:
            found = self._scan_from(0)
            return -1 if found is None else found
        # Rows take at least a dozen bytes: no file holds more messages than this.
        most = page_size * pages // 12 + 1
        while probe < most:
            found = self._scan_from(probe)
            if found is not None:
                last = found
                probe = found + 1
                continue
            # Unreadable here: try further on, in growing steps.
            step = 1
            while probe + step < most and self._scan_from(probe + step) is None:
                step *= 2
            if probe + step >= most:
                return last
            probe += step
        return last

    def _scan_from(self, start: int) -> int | None:
        """The last message of the readable run starting at `start`; None if `start` is not
        readable."""
        last = None
        try:
            for (seq,) in self._db.execute(
                "SELECT seq FROM messages WHERE seq >= ? ORDER BY seq", (start,)
            ):
                if seq != (start if last is None else last + 1):
                    return last
                last = int(seq)
        except sqlite3.Error:
            pass
        # A scan stops one row early where the next one is unreadable: look them up one by one.
        while True:
            after = start if last is None else last + 1
            try:
                row = self._db.execute(_READ_SEQ, (after,)).fetchone()
            except sqlite3.Error:
                row = None
            if row is None:
                return last
            last = after

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
            size=_file_size(self.path),
            damaged=self.damage is not None,
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
        last = self._last_readable()
        return self.time_of(last) if last >= 0 else None

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
                rows = self._db.execute(_READ_RANGE, (seq, end)).fetchall()
                messages = self._messages(rows)
            except _UNREADABLE:
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
                    messages.extend(self._messages([row]))
            except _UNREADABLE as exc:
                self._damaged(seq, _reason(exc))
        return messages

    def _messages(self, rows: list[tuple[Any, ...]]) -> list[tuple[int, StreamMessage]]:
        """The messages rows hold; ValueError (and others of `_UNREADABLE`) for a row damage
        has left with the wrong types or references."""
        # Seeking reads tens of thousands of these: one pass to inflate, one to rebuild.
        skeletons: dict[int, list[bytes]] = {}
        refs: set[int] = set()
        for i, row in enumerate(rows):
            if row[6] == _PACKED:
                if not isinstance(row[7], bytes):
                    raise ValueError("a damaged row")
                inflater = self._inflater.copy()
                pieces = _REF.split(inflater.decompress(row[7]))
                if not inflater.eof or inflater.unused_data:
                    raise ValueError("a damaged row (its document is cut short)")
                skeletons[i] = pieces
                refs.update(map(int, pieces[1::2]))
            if isinstance(row[5], int):
                refs.add(row[5])
        strings = self._strings
        if not refs.issubset(strings.keys()):
            self._load_strings(refs)
        messages = []
        for i, row in enumerate(rows):
            parts = skeletons.get(i)
            document = None
            if parts is not None:
                try:
                    parts[1::2] = [strings[int(n)] for n in parts[1::2]]
                except KeyError as exc:
                    raise ValueError(f"a damaged row (string {exc} is missing)") from None
                document = b"".join(parts)
            messages.append((int(row[0]), self._message(row, document)))
        return messages

    def _message(self, row: tuple[Any, ...], document: bytes | None) -> StreamMessage:
        _, received_at, partition, offset, timestamp, key, encoding, data, handle = row
        if isinstance(key, int) and self._version >= 2:
            if key not in self._strings:
                raise ValueError(f"a damaged row (string {key} is missing)")
            key = self._strings[key].decode()
        if not (
            isinstance(partition, int)
            and isinstance(offset, int)
            and isinstance(received_at, int | float)
            and isinstance(timestamp, int | None)
            and isinstance(key, str | None)
            and isinstance(handle, str | None)
            and (data is None if encoding == _NONE else isinstance(data, bytes))
        ):
            raise ValueError("a damaged row")
        if timestamp is not None and self._version >= 2:
            timestamp += _millis(received_at)
        payload: str | bytes | None
        if encoding == _BASE64:
            payload = base64.b64encode(data).decode("ascii")
        elif encoding == _TEXT:
            payload = bytes(data).decode("utf-8", "surrogatepass")
        elif encoding in (_BYTES, _DOCUMENT):
            payload = bytes(data)
        elif encoding == _PACKED and document is not None:
            payload = document
        elif encoding == _NONE:
            payload = None
        else:
            raise ValueError(f"a damaged row (encoding {encoding!r})")
        return StreamMessage(
            partition=partition,
            offset=offset,
            data=payload,
            timestamp=timestamp,
            key=key,
            data_handle=handle,
            received_at=float(received_at),
            inflated=encoding in (_DOCUMENT, _PACKED),
        )

    def _load_strings(self, refs: set[int]) -> None:
        missing = [n for n in refs if n not in self._strings]
        if missing:
            for n, value in self._db.execute(_READ_STRINGS, (json.dumps(missing),)):
                if isinstance(n, int) and isinstance(value, bytes):
                    self._strings[n] = value

    def _string(self, match: re.Match[bytes]) -> bytes:
        value = self._strings.get(int(match[1]))
        if value is None:
            raise ValueError(f"a damaged row (string {int(match[1])} is missing)")
        return value

    def _damaged(self, seq: int, reason: str) -> None:
        if seq in self._unreadable:
            return  # read again (a checkpoint's rejected message): counted once
        self._unreadable.add(seq)
        d = self.damage
        if d is None:
            self.damage = Damage(seq, 1, reason)
        elif d.lost is None:
            if seq < d.first_seq:
                self.damage = Damage(seq, None, reason)
        elif seq < d.first_seq:
            self.damage = Damage(seq, d.lost + 1, reason)
        elif seq > d.first_seq:
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
                markers.append(Marker(int(seq), float(at), str(kind or "user"), str(label or "")))
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
            return unpack_state(row[0], self._resolve if self._version >= 2 else None)
        except (sqlite3.Error, zlib.error, ValueError, TypeError):
            return None

    def _resolve(self, text: bytes) -> bytes:
        self._load_strings({int(n) for n in _REF.findall(text)})
        return _REF.sub(self._string, text)


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
    """Every session file in `directory`, oldest first by start time; then the unreadable
    ones, as (path, why)."""
    found: list[SessionInfo | tuple[Path, str]] = []
    if not directory.is_dir():
        return found
    unreadable: list[tuple[Path, str]] = []
    readable: list[SessionInfo] = []
    for path in sorted(directory.glob("*.evtui")):
        try:
            with SessionReader(path) as reader:
                readable.append(reader.info)
        except SessionError as exc:
            unreadable.append((path, str(exc)))
    readable.sort(key=lambda info: info.started_at)
    return [*readable, *unreadable]


def delete_session(path: Path) -> None:
    """Remove a session file with its write-ahead log and shared-memory index."""
    for suffix in ("-wal", "-shm", ""):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")
