"""Which SOURCEs `evtui report` reads and in what order (sessions in the order their messages
were received, then payload files as given), each checked before any output, and how they are
folded into one history."""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from pathlib import Path
from typing import NamedTuple, TextIO

from evtui.commands.common import EXIT_ERROR, fail, open_source
from evtui.model import Accepted, Rejection
from evtui.model.reliability import History
from evtui.recording import SessionError, SessionInfo, SessionReader, is_session_file
from evtui.recording.merge import SessionFile
from evtui.safetext import safe_text
from evtui.units import counted

__all__ = ["Sources", "check_source", "ordered", "read", "read_sessions"]


class Sources(NamedTuple):
    """The SOURCEs of one report: session files oldest first (each opened once already, for
    its header), then payload files as given."""

    sessions: list[SessionFile]
    files: list[str]


def read(args: argparse.Namespace, sources: Sources, history: History, err: TextIO) -> bool:
    """Fold every source into `history`; True when one of them was damaged or unreadable."""
    damaged = read_sessions(sources.sessions, history, err)
    newest, files_damaged = asyncio.run(_read(args, sources.files, history, err))
    if not sources.sessions and newest is not None:
        # Payload files alone have no receive clock: their newest update is as far as the
        # data is known, and a window past it ends in a gap, as one past a session does
        # (not the statuses held on for the month a window asks about).
        history.received(newest)
    return files_damaged or damaged


def check_source(spec: str) -> SessionInfo | None:
    """Say now, before any output, why a SOURCE cannot be read: named as the user gave it.
    Returns a session's header (None: not a session)."""
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
            return reader.info
    except SessionError as exc:
        fail(str(exc), EXIT_ERROR)


def ordered(sources: list[str]) -> Sources:
    """Sessions by their start, oldest first; then payload files as given. Each is checked
    first (`check_source`)."""
    sessions, files = [], []
    given: set[Path] = set()
    for spec in sources:
        same = Path(spec).resolve() if spec != "-" else None
        if same in given:
            # (Read twice, a file's updates would each come again right after themselves.)
            sys.stderr.write(f"evtui report: {safe_text(spec, 200)} is given twice: read once\n")
            continue
        if same is not None:
            given.add(same)
        info = check_source(spec)
        if info is None:
            files.append(spec)
        else:
            sessions.append(SessionFile(Path(spec), info))
    return Sources(sorted(sessions, key=lambda s: s.info.started_at), files)


def read_sessions(found: list[SessionFile], history: History, err: TextIO) -> bool:
    """Fold the sessions (oldest first) as one history, their messages in receive order
    (`merged`: where two overlap in time, each one's copy of an update is a repeat, not a
    late update)."""
    from evtui.model import decode
    from evtui.recording.merge import distinct, merged, overlapping

    sessions = []
    for i, (session, read) in enumerate(zip(found, distinct(found), strict=True)):
        if read == i:
            sessions.append(session)
        else:
            where, other = (safe_text(str(s.path), 200) for s in (session, found[read]))
            err.write(f"evtui report: {where}: a copy of {other}, which is read instead\n")
    # Copies are looked for only where sessions overlap, as the archive's report does.
    copies = overlapping(sessions)
    rejected = [0] * len(sessions)
    # Where sessions overlap, each one's newest update of each EVSE: an update late only
    # against another session's is one its own session had in order (it was behind).
    own: dict[tuple[int, str, str], float] = {}
    behind = [0] * len(sessions)
    for index, run in merged(sessions):
        source = index if copies else 0
        for _, message in run:
            history.received(message.received_at)
            item = decode(message)
            if isinstance(item, Accepted):
                payload = item.payload
                for evse in payload.evses:
                    at = evse.last_updated.timestamp()
                    late = history.update(payload.id, evse.id, evse.status, at, source)
                    if copies:
                        key = (index, payload.id, evse.id)
                        newest = own.get(key, -math.inf)
                        if late and at >= newest:
                            behind[index] += 1
                        own[key] = max(newest, at)
            else:
                rejected[index] += 1
    for session, count in zip(sessions, behind, strict=True):
        if count:
            # A recorder catching up on a backlog beside a live one: in receive order, its
            # history comes after the other's newer updates. Said, as it changes the figures.
            where = safe_text(str(session.path), 200)
            err.write(
                f"evtui report: {where}: {counted(count, 'update')} came after newer ones "
                f"another session had received first (it was behind: catching up?), so are "
                f"late, not applied; a report of {where} alone applies them\n"
            )
    damaged = False
    for session, refused in zip(sessions, rejected, strict=True):
        if refused:
            # As they were live: counted, kept in the file for `evtui tail` to show.
            err.write(
                f"evtui report: {safe_text(str(session.path), 200)}: "
                f"{counted(refused, 'message')} not a valid payload, left out\n"
            )
        if session.failure is not None:  # (its SessionError names the file)
            err.write(f"evtui report: {safe_text(session.failure, 300)}\n")
        elif session.damage is not None:
            where = safe_text(str(session.path), 200)
            err.write(f"evtui report: {where}: {session.damage.describe()}\n")
        damaged = damaged or session.failure is not None or session.damage is not None
    return damaged


async def _read(
    args: argparse.Namespace, specs: list[str], history: History, err: TextIO
) -> tuple[float | None, bool]:
    """Fold the payload files into `history`: the newest `last_updated` in them (None: no
    update), and True when one of them was damaged or unreadable."""
    from evtui.here import ConnectionState, ConnectionStatus

    damaged = False
    newest: float | None = None
    for spec in specs:
        source = open_source(args, spec)
        accepted = rejected = 0
        first: Rejection | None = None
        async with source:
            async for event in source:
                if isinstance(event, ConnectionState):
                    if event.status is ConnectionStatus.ERROR:
                        err.write(f"evtui report: {safe_text(spec, 200)}: {event.detail}\n")
                        damaged = True
                    continue
                # Payload files have no receive clock: their read times say nothing of gaps.
                for item in event.items:
                    if isinstance(item, Accepted):
                        accepted += 1
                        payload = item.payload
                        for evse in payload.evses:
                            at = evse.last_updated.timestamp()
                            history.update(payload.id, evse.id, evse.status, at)
                            if newest is None or at > newest:
                                newest = at
                    else:
                        rejected += 1
                        first = first or item
        if accepted and first is not None:
            # A line cut short, say: the rest is reported, and this says what is not in it.
            err.write(
                f"evtui report: {safe_text(spec, 200)}: "
                f"{counted(rejected, 'document')} not a valid payload, left out (the first: "
                f"{first.reason}: {safe_text(first.detail, 200)})\n"
            )
        if not accepted:
            # Not one payload: the wrong file, not a quiet network (an empty session is one).
            what = f"{rejected:,} rejected" if rejected else "empty"
            err.write(
                f"evtui report: {safe_text(spec, 200)}: not a session or payload file "
                f"(no valid payload; {what})\n"
            )
            damaged = True
    return newest, damaged
