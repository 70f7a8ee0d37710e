"""`evtui sessions`: list the recorded sessions, unreadable files included."""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime
from pathlib import Path

from evtui import paths
from evtui.commands.common import EXIT_ERROR, fail
from evtui.recording import SessionError, SessionInfo, SessionReader, list_sessions
from evtui.safetext import cell_width, safe_text, shorten
from evtui.units import duration_text, size_text

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """`evtui sessions [DIR]`: one line per session in DIR or the sessions directory."""
    directory = Path(args.directory).expanduser() if args.directory else paths.sessions_dir()
    if args.directory and directory.is_file():
        return _one(directory)
    if args.directory and not directory.exists():
        # Only DIR given by the user: a fresh install has no sessions directory yet.
        what = "file" if directory.suffix == ".evtui" else "directory"
        fail(f"{safe_text(args.directory, 200)}: no such {what}", EXIT_ERROR)
    found = list_sessions(directory)
    if not found:
        print(
            f"No sessions in {directory}. Record one with `evtui record --source demo`, "
            "or press r in the monitor."
        )
        return 0
    print(f"Sessions in {directory}:")
    _rows(found)
    return 0


def _one(path: Path) -> int:
    """A session file given for DIR: its line alone; 1 when it cannot be read whole (as
    `tail` and `export` of it end), so a script can ask whether a copy is sound."""
    damage = None
    try:
        with SessionReader(path) as reader:
            # The listing reads a file's ends only; one file asked about is read through, so
            # damage in its middle is found too (some 6 s a million messages).
            for _ in reader.read():
                pass
            entry: SessionInfo | tuple[Path, str] = reader.info
            damage = reader.damage
    except SessionError as exc:
        entry = (path, str(exc))
    print(f"Session {path}:")
    _rows([entry])
    if damage is not None:
        said = damage.describe()
        print(f"{said[:1].upper()}{said[1:]}. Everything readable replays and exports.")
    if not isinstance(entry, SessionInfo) or entry.damaged:
        return EXIT_ERROR
    return 0


_FIXED = 19 + 2 + 9 + 2 + 10 + 2 + 9 + 2 + 11 + 2
"""Cells of a listing's line before its source and file."""
_SOURCE_LEAST = 16
"""Cells below which a line shows the file alone: it is what tells the sessions apart."""


def _source_and_file(entry: SessionInfo, room: int) -> str:
    """`source / file` in `room` cells, the source shortened first, or the file alone."""
    name = safe_text(entry.path.name)
    space = room - cell_width(name) - 3
    if space < _SOURCE_LEAST:
        return name
    return f"{shorten(safe_text(entry.source), space, keep_tail=False)} / {name}"


def _rows(found: list[SessionInfo | tuple[Path, str]]) -> None:
    terminal = shutil.get_terminal_size((120, 24)).columns
    last = "source / file" if terminal - _FIXED >= len("source / file") else "file"
    print(f"{'started':19}  {'duration':>9}  {'messages':>10}  {'size':>9}  {'state':11}  {last}")
    for entry in found:
        if not isinstance(entry, SessionInfo):
            path, why = entry
            print(
                f"{'?':19}  {'':>9}  {'':>10}  {'':>9}  {'unreadable':11}  "
                f"{safe_text(path.name)}: {safe_text(why, 200)}"
            )
            continue
        started = datetime.fromtimestamp(entry.started_at, UTC).astimezone()
        state = entry.state
        print(
            f"{started:%Y-%m-%d %H:%M:%S}  {duration_text(entry.duration, nearest=True):>9}  "
            f"{entry.messages:>10,}  {size_text(entry.size):>9}  {state:11}  "
            f"{_source_and_file(entry, terminal - _FIXED)}"
        )
