"""Adding session files to an archive: `evtui archive SESSION... DIR`.

Sessions that overlap in time are folded as one history, their messages in the order they
were received (as `evtui report` reads them); each that overlaps none before it starts afresh
(the report's SQL joins them, whichever run added them). A session the archive already holds
completely is skipped, and so are all but the best of copies given together. A session is
complete once added from a file that ended cleanly and was read whole:
one added while it was still being recorded, from a damaged copy, or by a run that was
interrupted is added again, and only the rows the archive lacks are written (an interrupted
run's own rows, written before its end was, the report's SQL counts once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evtui.archive.reader import ArchiveReader
from evtui.archive.writer import ArchiveWriter, Placer
from evtui.model import decode
from evtui.recording import SessionReader
from evtui.recording.merge import SessionFile, distinct, merged, overlapping, survey

__all__ = ["Added", "add_sessions", "session_key"]

FLUSH_ROWS = 2_000_000
"""Changes held before a file is written: bounds the memory of a long session."""


@dataclass
class Added:
    """What adding sessions did, for the command's summary."""

    sessions: int = 0
    skipped: list[str] = field(default_factory=list)
    """Sessions the archive holds whole already."""
    copies: list[tuple[str, str]] = field(default_factory=list)
    """Copies of a session given twice in one run, each with the copy added instead
    (`distinct`)."""
    changes: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    """One line per session that was damaged or unreadable (what was readable is added)."""
    unfinished: list[str] = field(default_factory=list)
    """Sessions added whose recording had not ended: adding them again adds the rest."""


def _close(
    session: SessionFile,
    out: ArchiveWriter,
    again: bool,
    added: Added,
    progress: Callable[[str], None] | None,
) -> None:
    """Write the rest of a session read to its end, and say what it added."""
    path = session.path
    # (A failure to open it again is a SessionError's message: it names the file.)
    failure = session.failure or (
        f"{path}: {session.damage.describe()}" if session.damage else None
    )
    whole = failure is None and not session.info.interrupted
    # The same damaged file again (or a copy no more whole): where none of its readable
    # part is new, new coverage and location files would only repeat the first ones.
    repeated = again and failure is not None and not out.written_changes
    out.close(complete=whole, new_only=repeated)
    if repeated and not out.written_changes:
        added.skipped.append(str(path))
        added.problems.append(f"{failure} (the archive holds all of it that can be read)")
        return
    if failure is not None:
        added.problems.append(f"{failure} (adding an intact copy later adds the rest)")
    elif not whole:
        added.unfinished.append(str(path))
    added.sessions += 1
    added.changes += out.written_changes
    added.files += len(out.files)
    if progress is not None:
        new = " the archive lacked" if again else ""
        progress(f"{path}: {out.written_changes:,} changes{new}")


def session_key(reader: SessionReader) -> str:
    """A session's id in the archive: the same file (or a copy of it) gives the same id."""
    return reader.info.key


def add_sessions(
    paths: Sequence[str | Path],
    directory: Path,
    writer: str,
    place: Placer | None = None,
    progress: Callable[[str], None] | None = None,
) -> Added:
    """Add `paths` to the archive at `directory`; see the module's docstring."""
    added = Added()
    complete: set[str] = set()
    begun: set[str] = set()
    held: dict[str, list[Path]] = {}
    if directory.exists():
        archive = ArchiveReader(directory)
        try:
            held_of = archive.sessions()
            begun = set(held_of)
            complete = {session for session, closed in held_of.items() if closed}
            held = {table: archive.files[table] for table in ("status_changes", "late_updates")}
        finally:
            archive.close()
    found, problems = survey(paths)
    added.problems += problems
    # Read as one stream, in receive order (`merged`): a session that overlaps another holds
    # copies of its updates, repeats rather than late updates. A session's writer is made
    # when its first message comes and closed after its last, so that only the sessions that
    # overlap hold a writer (and their changes) at once.
    state: dict[tuple[str, str], list[Any]] = {}
    taken: list[SessionFile] = []
    for i, (session, read) in enumerate(zip(found, distinct(found), strict=True)):
        if read != i:
            added.copies.append((str(session.path), str(found[read].path)))
        elif session.info.key in complete:
            added.skipped.append(str(session.path))
        else:
            taken.append(session)
    writers: dict[int, ArchiveWriter] = {}
    copies = overlapping(taken)  # (else every writer is one source: `ArchiveWriter.source`)
    for index, run in merged(taken):
        session = taken[index]
        out = writers.get(index)
        if out is None:
            if not writers:
                # A session that overlaps none before it starts afresh, its first updates
                # first sightings (which the report's SQL puts in order with the rest): a
                # session another run adds may fill the time between, and against the state
                # carried over a change after it could pass for a repeat, and be left out.
                state = {}
            again = session.info.key in begun
            out = writers[index] = ArchiveWriter(
                directory, writer, session.info.key, place=place, state=state,
                held=held if again else None, source=session.info.key if copies else "",
            )  # fmt: skip
        if run:
            out.add([(seq, decode(message)) for seq, message in run])
            if out.pending >= FLUSH_ROWS:
                out.flush()
            continue
        del writers[index]
        _close(session, out, session.info.key in begun, added, progress)
    return added
