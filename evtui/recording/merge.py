"""Reading several sessions as one history: their messages in the order they were received.

Two recorders of one stream (a spare beside the main one, or parallel recorders around a
rebalance) hold copies of the same updates. Read one after the other, the second's copy of an
update the first had moved past would count as a late update, and an update only the second
received, inside a gap of the first, would be dropped as late. Read in receive order, a copy
is a repeat of the status and the gap is filled. Sessions that do not overlap in time read
the same either way: one whole after the other, and only one of them open at a time (a year
of history can be thousands of files).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from evtui.model import StreamMessage
from evtui.recording.damage import Damage
from evtui.recording.format import SessionError
from evtui.recording.reader import SessionInfo, SessionReader

__all__ = ["SessionFile", "distinct", "merged", "overlapping", "survey"]

Run = list[tuple[int, StreamMessage]]


@dataclass
class SessionFile:
    """A session to read with others: what opening it found, and once read, its damage."""

    path: Path
    info: SessionInfo
    damage: Damage | None = None
    failure: str | None = None
    """Why it could not be opened again to be read (it changed since `survey`): the
    `SessionError`'s message, which names the file."""


def survey(paths: Iterable[str | Path]) -> tuple[list[SessionFile], list[str]]:
    """Each session's header (opened and closed again): the sessions oldest first, and one
    line for each path that is no session evtui can read."""
    found, problems = [], []
    for path in paths:
        try:
            with SessionReader(path) as reader:
                found.append(SessionFile(Path(path), reader.info))
        except SessionError as exc:
            problems.append(str(exc))
    found.sort(key=lambda s: s.info.started_at)
    return found, problems


def distinct(sessions: Sequence[SessionFile]) -> list[int]:
    """For each of `sessions`, the one to read in its place: itself, or of copies of one
    session (the same `SessionInfo.key`) the best, an intact one before a damaged one, a
    finished one before one still being written, then the one with more messages readable,
    then the first given. (Read twice, a session's copy of each update would come right
    after the update itself, and its late updates twice.) Copies are read through to tell
    which is intact: opening a file finds damage at its ends only."""
    copies: dict[str, list[int]] = {}
    for i, session in enumerate(sessions):
        copies.setdefault(session.info.key, []).append(i)
    chosen = list(range(len(sessions)))
    for same in copies.values():
        if len(same) > 1:
            best = max(same, key=lambda i: (_checked(sessions[i]), -i))
            for i in same:
                chosen[i] = best
    return chosen


def _checked(session: SessionFile) -> tuple[bool, bool, int]:
    """How good a copy is, read through: intact, finished, messages readable."""
    try:
        with SessionReader(session.path) as reader:
            readable = sum(len(chunk) for chunk in reader.read())
            return (reader.damage is None, not session.info.interrupted, readable)
    except SessionError:
        return (False, False, 0)


def overlapping(sessions: Sequence[SessionFile]) -> bool:
    """Whether one of the sessions began receiving before the one begun before it ended
    (as evtui/archive/report.sql's `once` asks): then they may hold copies of the same
    updates, and a status that one delivered at an instant where another had delivered it
    already is taken for a copy (`EvseFold.update`)."""
    spans = sorted(
        (s.info.first_at, s.info.last_at or s.info.first_at)
        for s in sessions
        if s.info.first_at is not None
    )
    return any(
        a < previous_end for (a, _), (_, previous_end) in zip(spans[1:], spans, strict=False)
    )



def merged(sessions: Sequence[SessionFile]) -> Iterator[tuple[int, Run]]:
    """(index in `sessions`, a run of that session's (seq, message)) in receive order; after
    a session's last message, (its index, []) once, its `damage` (or `failure`) then known.

    Messages received at the same instant come in the order of `sessions`, and inside one
    session in its own order. A session is opened when its first message may be next, and
    closed after its last; one that overlaps no other comes in its reader's chunks, unsplit.
    """
    waiting = sorted(range(len(sessions)), key=lambda i: (_start(sessions[i]), i))[::-1]
    readers: dict[int, SessionReader] = {}
    streams: dict[int, Iterator[Run]] = {}
    heads: dict[int, Run] = {}
    try:
        while True:
            # Open each session whose first message may come before those held.
            while waiting and (
                not heads or _start(sessions[waiting[-1]]) <= min(_at(h) for h in heads.values())
            ):
                i = waiting.pop()
                try:
                    readers[i] = SessionReader(sessions[i].path)
                except SessionError as exc:
                    sessions[i].failure = str(exc)
                    yield i, []
                    continue
                streams[i] = readers[i].read()
                head = next(streams[i], None)
                if head is None:
                    _finish(sessions[i], readers.pop(i))
                    yield i, []
                else:
                    heads[i] = head
            if not heads:
                return
            first = min(heads, key=lambda i: (_at(heads[i]), i))
            chunk = heads[first]
            times = [message.received_at for _, message in chunk]
            bounds = [(_at(head), other) for other, head in heads.items() if other != first]
            if waiting:
                bounds.append((_start(sessions[waiting[-1]]), waiting[-1]))
            take = len(chunk)
            for bound, other in bounds:
                # A tie goes to the session listed first.
                cut = bisect_right(times, bound) if first < other else bisect_left(times, bound)
                take = min(take, cut)
            yield first, chunk[:take]
            if take < len(chunk):
                heads[first] = chunk[take:]
                continue
            following = next(streams[first], None)
            if following is not None:
                heads[first] = following
                continue
            del heads[first], streams[first]
            _finish(sessions[first], readers.pop(first))
            yield first, []
    finally:
        for reader in readers.values():
            reader.close()


def _start(session: SessionFile) -> float:
    """When a session's first message came (unknown: as early as any)."""
    first = session.info.first_at
    return -math.inf if first is None else first


def _at(run: Run) -> float:
    return run[0][1].received_at


def _finish(session: SessionFile, reader: SessionReader) -> None:
    session.damage = reader.damage
    reader.close()
