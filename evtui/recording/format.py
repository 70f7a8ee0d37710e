"""The session file format: its tables, its header's constants, and the files of a session.

What a file holds is described here, once, with the little that every part of recording
shares (`Marker`, `SessionError`). `packing.py` holds how a message, a document or a
checkpoint is packed into these tables and back; `writer.py` and `reader.py` how a session is
written and read. A change to the format starts here.

A session is an SQLite database of stream messages as received, markers and checkpoints.
SQLite (stdlib, WAL mode) because it gives what a recording needs without code of ours:
transactions that survive `kill -9` (a committed batch is in the write-ahead log), an index to
find a time in a million messages, and a file that other tools can open. See the README.

Format version 4 (about a quarter of the size of version 1; evtui reads 1, 2 and 3 still):

- `session(key, value)`: the header (format, versions, source, catalog, layer, started/ended,
  `dictionary`: base64 of the deflate dictionary the documents are compressed with, and
  `recorder`: `host:pid` of the process that records it). No `ended_at` means the recording
  was interrupted, or goes on while that process runs.
- `messages(seq, received_at, partition, offset, timestamp, key, encoding, data, data_handle)`:
  one row per message in arrival order, `seq` from 0, receive times never going back.
  `timestamp` is stored as milliseconds after `received_at` (a byte or two); `key` is an
  integer reference to `strings`, or text. A message that decoded to a payload keeps its JSON
  document (encoding 6), its ids replaced by references to `strings`, deflated with the
  documents next to it in its batch (one write, one transaction), in runs of some 8 KiB
  (`packing.RUN_BYTES`): a run's first message holds the run in its `data`, the others their
  place in it (1, 2, ...). That `data` is raw deflate with the dictionary and a 32 KiB window
  of: the messages the run spans from the first (4 bytes, little-endian), its documents' count
  and each one's length (4 bytes each), then the documents; after it, the CRC-32 of the
  deflate stream (4 bytes, little-endian), so that a byte changed on disk reads as damage,
  not as other documents. A message reads back as an
  inflated message holding its document, byte for byte, so it decodes to the same payload (its
  gzip wrapper is not kept). A rejected message is kept as received: base64 text as the bytes
  it encodes when that round-trips.
- `strings(id, value)`: each location and EVSE id once, written with the first message that
  uses it. In a document or a checkpoint, NUL and the id's number stand for it (valid JSON
  never holds a raw NUL).
- `markers(id, seq, at, kind, label)`: a marker sits before message `seq`.
- `checkpoints(seq, at, state)`: the monitor state after `seq` messages, zlib-compressed JSON,
  ids referring to `strings` (`pack_state`). The version inside says what it holds: 2, a whole
  state; 4, a whole state with the EVSEs' timelines as bytes in a second zlib stream after the
  JSON (byte planes of their delta-coded start times, then their statuses); 3, a delta: what
  changed since the checkpoint it names as its `base` (0: the checkpoint at 0, else the empty
  state), restored on top of it. evtui 0.1.0 before these restores neither 3 nor 4: it takes them
  for damaged and replays from an earlier checkpoint (or the start), still exactly. A recording
  the monitor began mid-session has a whole one at 0: the monitor's state as it began, which a
  replay starts from (an evtui that ignores it starts from the empty state, as before).

Version 3 differs only in that: its runs end with no CRC-32.

Version 2 differs: each document is deflated by itself (encoding 5: raw deflate, the
dictionary, a 2 KiB window) in its message's `data`, so any one reads alone; at two and a half
times the bytes and ten times the time.

Version 1 differs: an index of messages by `received_at`, no `strings` and no dictionary,
`timestamp` and `key` as they came, documents never packed, checkpoints with ids in full.
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "APPLICATION_ID",
    "FORMAT",
    "FORMAT_VERSION",
    "SCHEMA",
    "SQLITE_MAGIC",
    "Marker",
    "SessionError",
    "error_text",
    "file_size",
    "is_session_file",
]

FORMAT = "evtui-session"
FORMAT_VERSION = 4
APPLICATION_ID = 0x65767475  # "evtu": lets `file`-like tools and evtui tell its sessions apart
SQLITE_MAGIC = b"SQLite format 3\x00"

# No index by receive time (version 1 had one, a fifth of the file): receive times never go
# back, so a binary search by `seq` finds a time in some twenty lookups.
SCHEMA = """
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


class SessionError(Exception):
    """A session file that cannot be written, or opened at all."""


def error_text(exc: BaseException) -> str:
    """What an error says, for a `SessionError`'s message (its type where it says nothing)."""
    return str(exc) or type(exc).__name__


@dataclass(frozen=True)
class Marker:
    """A point of interest: dropped with `m`, or by a watchlist notification."""

    seq: int
    """The marker sits just before this message (after `seq` messages)."""
    at: float
    kind: str
    """"user" or "alert"."""
    label: str


def is_session_file(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is an SQLite file (so, for evtui, a session rather than payload text)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def still_recording(recorder: str | None) -> bool:
    """Whether the process a session's header names as its recorder (`host:pid`) is still
    running on this machine: a session with no end is then being recorded, not killed."""
    host, _, pid = (recorder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except PermissionError:
        pass  # another user's: it runs
    except OSError:
        return False
    # A pid the system gave to another program since: only a Python process records.
    with contextlib.suppress(OSError):
        return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return True


def file_size(path: Path) -> int:
    """Bytes the session takes on disk: the file and its write-ahead log."""
    size = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            size += os.stat(f"{path}{suffix}").st_size
    return size
