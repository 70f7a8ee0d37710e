"""Which SOURCEs `evtui report` reads and in what order (sessions oldest first, then payload
files as given), each checked before any output, and how they are folded into one history."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TextIO

from evtui.commands.common import EXIT_ERROR, fail, open_source
from evtui.model import Accepted
from evtui.model.reliability import History
from evtui.recording import SessionError, SessionReader, SessionSource, is_session_file
from evtui.safetext import safe_text

__all__ = ["check_source", "ordered", "read"]


def read(args: argparse.Namespace, specs: list[str], history: History, err: TextIO) -> bool:
    """Fold every source into `history`; True when one of them was damaged or unreadable."""
    return asyncio.run(_read(args, specs, history, err))


def check_source(spec: str) -> float | None:
    """Say now, before any output, why a SOURCE cannot be read: named as the user gave it.
    Returns a session's start (None: not a session)."""
    if spec in ("here", "demo"):
        fail(f"report reads recorded history (session files or payload files), not {spec}")
    if spec == "-":
        return None
    path = Path(spec)
    if path.is_dir():
        from evtui.archive.schema import TABLES  # DuckDB's import only for a directory

        if any((path / table).is_dir() for table in TABLES):
            fail(f"{spec} is a directory; an archive? report it with --archive {spec}")
        fail(f"{spec} is a directory, not a session or payload file")
    if not path.exists():
        fail(f"{spec}: no such file")
    # A .evtui file is meant as a session: garbage in one is no payload file to skip through.
    if path.suffix != ".evtui" and not is_session_file(path):
        return None
    try:
        with SessionReader(path) as reader:
            return reader.info.started_at
    except SessionError as exc:
        fail(str(exc), EXIT_ERROR)


def ordered(sources: list[str]) -> list[str]:
    """Sessions by their start, oldest first (one history); then payload files as given.
    Each is checked first (`check_source`)."""
    sessions, files = [], []
    for spec in sources:
        started = check_source(spec)
        if started is None:
            files.append(spec)
        else:
            sessions.append((started, spec))
    return [spec for _, spec in sorted(sessions, key=lambda s: s[0])] + files


async def _read(args: argparse.Namespace, specs: list[str], history: History, err: TextIO) -> bool:
    """Fold every source into `history`; True when one of them was damaged or unreadable."""
    from evtui.here import ConnectionState, ConnectionStatus

    damaged = False
    for spec in specs:
        source = open_source(args, spec)
        # Payload files have no receive clock: their read times say nothing of gaps.
        clocked = isinstance(source, SessionSource)
        accepted = rejected = 0
        async with source:
            async for event in source:
                if isinstance(event, ConnectionState):
                    if event.status is ConnectionStatus.ERROR:
                        err.write(f"evtui report: {safe_text(spec, 200)}: {event.detail}\n")
                        damaged = True
                    continue
                for item in event.items:
                    if clocked:
                        history.received(item.message.received_at)
                    if isinstance(item, Accepted):
                        accepted += 1
                        payload = item.payload
                        for evse in payload.evses:
                            at = evse.last_updated.timestamp()
                            history.update(payload.id, evse.id, evse.status, at)
                    else:
                        rejected += 1
        if not clocked and not accepted:
            # Not one payload: the wrong file, not a quiet network (an empty session is one).
            what = f"{rejected:,} rejected" if rejected else "empty"
            err.write(
                f"evtui report: {safe_text(spec, 200)}: not a session or payload file "
                f"(no valid payload; {what})\n"
            )
            damaged = True
    return damaged
