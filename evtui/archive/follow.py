"""Archiving a recording as it grows, in a process of its own: `evtui record --archive`.

The recorder writes its session file as always; a follower process reads what the file holds
every `every` seconds, folds it and writes the archive's files. The recorder's thread does no
archiving at all (its ingest costs what it did: the follower runs on another core), and the
archive holds exactly what `evtui archive` of the finished file would (the same rows, the
same session id: adding the file later adds nothing). The follower ends when told to, or when
the recorder is gone (killed): either way it reads the file to its end first and marks the
session complete.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path

from evtui.archive.engine import ArchiveError
from evtui.archive.places import placer
from evtui.archive.writer import ArchiveWriter
from evtui.model import decode
from evtui.model.directory import LocationInfo
from evtui.recording import SessionError, SessionReader

__all__ = ["FollowResult", "Follower"]


@dataclass(frozen=True)
class FollowResult:
    """What the follower wrote, or why it could not."""

    changes: int
    files: int
    error: str | None = None


class Follower:
    """The follower process of one recording (see the module's docstring)."""

    def __init__(
        self,
        session: Path,
        directory: Path,
        writer: str,
        key: str,
        *,
        places: dict[str, LocationInfo] | None = None,
        every: float = 180.0,
    ) -> None:
        # spawn, not fork: the recorder has threads and an event loop a fork would copy.
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._results = context.Queue()
        self._process = context.Process(
            target=_follow,
            args=(
                session, directory, writer, key, places or {}, every, self._stop,
                self._results, os.getpid(),
            ),
            name="evtui-archive",
            daemon=False,
        )
        self._process.start()

    def finish(self, timeout: float = 600.0) -> FollowResult:
        """Tell the follower the recording has ended; wait for its last files."""
        self._stop.set()
        try:
            result: FollowResult = self._results.get(timeout=timeout)
        except Exception:  # the queue's Empty, or the process died without a word
            result = FollowResult(0, 0, "the archive's follower process did not finish")
        self._process.join(timeout=10)
        return result


def _follow(
    session: Path,
    directory: Path,
    writer_name: str,
    key: str,
    places: dict[str, LocationInfo],
    every: float,
    stop: Event,
    results: multiprocessing.Queue,  # type: ignore[type-arg]
    parent: int,
) -> None:
    # Ctrl-C and kill reach the whole process group: the recorder decides when this ends.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    done = 0
    try:
        writer = ArchiveWriter(directory, writer_name, key, place=placer(places))
        due = time.monotonic() + every
        while True:
            # Awake each second: a recorder killed outright is noticed within it.
            ending = stop.wait(1.0) or os.getppid() != parent
            if ending:
                _read_on(session, writer, done)
                writer.close()
                break
            if time.monotonic() >= due:
                done = _read_on(session, writer, done)
                writer.flush()
                due = time.monotonic() + every
    except (ArchiveError, SessionError, OSError) as exc:
        results.put(FollowResult(0, 0, str(exc)))
        return
    results.put(FollowResult(writer.written_changes, len(writer.files)))


def _read_on(session: Path, writer: ArchiveWriter, done: int) -> int:
    """Fold the messages the file holds from `done` on; returns how far it got."""
    for attempt in range(5):
        try:
            with SessionReader(session) as reader:
                for chunk in reader.read(done):
                    writer.add([(seq, decode(message)) for seq, message in chunk])
                    done = chunk[-1][0] + 1
            return done
        except SessionError:
            # Not created yet, or its header not yet written: try again shortly.
            time.sleep(0.2 * (attempt + 1))
    return done
