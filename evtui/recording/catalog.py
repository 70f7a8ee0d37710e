"""The sessions of a directory: which there are, what each holds, and removing one.

Code that works on many sessions at once (`evtui sessions`, the sessions screen) starts here:
each readable session comes as its `SessionInfo` (read by `SessionReader`), each unreadable
one with the reason. Deleting knows the files SQLite keeps beside a session, so the writer
uses it too, to leave nothing behind when creating one fails.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from evtui.recording.format import SessionError
from evtui.recording.reader import SessionInfo, SessionReader

__all__ = ["delete_session", "list_sessions"]


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
