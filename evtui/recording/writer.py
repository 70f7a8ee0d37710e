"""Writing a session: creating the file, and appending to it one transaction at a time.

`SessionWriter` is how messages, checkpoints and markers get into a file (`Recorder` decides
what and when); what a row holds is `packing.py`'s. This module makes each write whole or
absent: one transaction per call, the write-ahead log folded in now and then, and a failure
(a full disk above all) said plainly.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evtui import __version__
from evtui.model import StreamMessage
from evtui.recording.catalog import delete_session
from evtui.recording.format import (
    APPLICATION_ID,
    FORMAT,
    FORMAT_VERSION,
    SCHEMA,
    Marker,
    SessionError,
    error_text,
    file_size,
)
from evtui.recording.packing import (
    Columns,
    Packer,
    columns_of,
    deflate_dictionary,
    documents_of,
    message_rows,
)

__all__ = ["FOLD_EVERY", "SessionWriter"]

FOLD_EVERY = 5.0
"""Seconds between folds of the write-ahead log into the session file while recording."""


class SessionWriter:
    """Appends messages to a new session file, one transaction per call."""

    def __init__(self, path: Path, connection: sqlite3.Connection, dictionary: bytes) -> None:
        self.path = path
        self._db = connection
        self.messages = 0
        """Messages written so far; also the `seq` of the next one."""
        self._packer = Packer(dictionary)
        self.checkpoint_size = 0
        """Bytes the last checkpoint written takes."""
        self._folded = time.monotonic()
        self._size = file_size(path)
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
            raise SessionError(f"cannot create {path}: {error_text(exc)}") from None
        try:
            # "x": never overwrite a session; SQLite then takes over the empty file.
            with open(path, "xb"):
                pass
        except FileExistsError:
            raise SessionError(f"{path} already exists; not overwriting it") from None
        except OSError as exc:
            raise SessionError(f"cannot create {path}: {error_text(exc)}") from None
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed transaction survives the process being killed.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            started_at = started_at if started_at is not None else time.time()
            dictionary = deflate_dictionary(started_at)
            header = {
                "format": FORMAT,
                "format_version": str(FORMAT_VERSION),
                "evtui_version": __version__,
                "source": source,
                "source_kind": source_kind,
                "catalog": catalog,
                "layer": layer,
                "started_at": repr(started_at),
                # Who records it, so that a listing can tell a recording going on from one
                # that was killed (both have no end yet).
                "recorder": f"{socket.gethostname()}:{os.getpid()}",
                "dictionary": base64.b64encode(dictionary).decode("ascii"),
            }
            # Tables and header together: a file has both, or is no session yet.
            with _transaction(db):
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.executemany("INSERT INTO session VALUES (?, ?)", header.items())
        except (OSError, sqlite3.Error) as exc:
            if db is not None:
                db.close()
            # The file is ours and holds nothing: leave no half-made session behind.
            delete_session(path)
            raise SessionError(f"cannot create {path}: {error_text(exc)}") from None
        return cls(path, db, dictionary)

    @classmethod
    def reopen(cls, path: Path) -> SessionWriter:
        """Write to a session `create` made (in another process, say) before it holds any
        message: its packer starts with no strings, as the file does."""
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous=NORMAL")
            row = db.execute("SELECT value FROM session WHERE key = 'dictionary'").fetchone()
            (count,) = db.execute("SELECT count(*) FROM messages").fetchone()
        except sqlite3.Error as exc:
            raise SessionError(f"cannot open {path}: {error_text(exc)}") from None
        if row is None or count:
            db.close()
            raise SessionError(f"cannot open {path}: not a new session")
        return cls(path, db, base64.b64decode(row[0]))

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
            self._size = file_size(self.path)
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
        if documents is None:
            documents = documents_of(messages)
        return self.write_columns(
            columns_of(messages), [m.data for m in messages], documents, checkpoint
        )

    def write_columns(
        self,
        columns: Columns,
        payloads: Sequence[str | bytes | None] | None,
        documents: Sequence[bytes | None],
        checkpoint: tuple[float, dict[str, Any]] | None = None,
    ) -> int:
        """`write` of a batch as its fields (`columns`), payloads and documents, as a recorder
        hands it to its writer process (`payloads` None: every document is kept)."""
        first = self.messages
        packer = self._packer
        rows = message_rows(first, columns, payloads, documents, packer)
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


def _write_reason(exc: BaseException) -> str:
    """Why a write failed; a full disk (or a file not allowed to grow) says so."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    if name in ("SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE"):
        return f"{error_text(exc)} (is the disk full?)"
    return error_text(exc)
