"""`evtui archive SESSION... DIR`: add recorded sessions to a Parquet archive."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

from evtui.archive import ArchiveError, add_sessions, placer
from evtui.archive.compact import compact
from evtui.archive.schema import TABLES
from evtui.commands.common import EXIT_ERROR, cached_places, fail
from evtui.safetext import safe_text
from evtui.units import size_text

__all__ = ["default_writer", "run"]


def default_writer() -> str:
    """This machine's name, as file names can hold it: parallel recorders on several
    machines write files of their own into one archive."""
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in socket.gethostname())
    return name[:40] or "evtui"


def run(args: argparse.Namespace) -> int:
    """`evtui archive`, from its parsed arguments."""
    if len(args.paths) < 2 and not args.compact:
        fail("give one or more session files, then the archive directory (or --compact DIR)")
    *sessions, target = args.paths
    directory = Path(target).expanduser()
    if directory.exists() and not directory.is_dir():
        fail(f"{target} is a file: the last argument is the archive directory")
    if sessions and not directory.exists() and not directory.parent.is_dir():
        # DIR is made if absent, not a tree of folders a mistyped path would make.
        fail(f"{target}: no folder {directory.parent} to make the archive in", EXIT_ERROR)
    writer = args.writer or default_writer()
    err = sys.stderr

    def progress(line: str) -> None:
        err.write(f"evtui archive: {safe_text(line, 300)}\n")

    if not sessions:
        return _compact(directory, writer)
    try:
        added = add_sessions(
            sessions, directory, writer, placer(cached_places("archive")), progress
        )
    except ArchiveError as exc:
        fail(str(exc), EXIT_ERROR)
    for path in added.skipped:
        err.write(f"evtui archive: {safe_text(path, 300)} is in the archive already: skipped\n")
    for path, instead in added.copies:
        err.write(
            f"evtui archive: {safe_text(path, 300)}: a copy of {safe_text(instead, 300)}, "
            "which is added instead\n"
        )
    for problem in added.problems:
        err.write(f"evtui archive: {safe_text(problem, 300)}\n")
    for path in added.unfinished:
        err.write(
            f"evtui archive: {safe_text(path, 300)}: its recording has not ended (still being "
            "written, or stopped without closing): adding it again later adds what it holds "
            "by then\n"
        )
    err.write(
        f"evtui archive: {added.sessions:,} session{'s' if added.sessions != 1 else ''} added "
        f"({added.changes:,} status changes, {added.files:,} files in all) to "
        f"{safe_text(target, 300)}\n"
    )
    code = EXIT_ERROR if added.problems else 0
    return max(code, _compact(directory, writer)) if args.compact else code


def _compact(directory: Path, writer: str) -> int:
    if not directory.is_dir():
        fail(f"{directory}: no such archive directory", EXIT_ERROR)
    if not any((directory / table).is_dir() for table in TABLES):
        # "compacted 0 files" would read as an archive with nothing to merge.
        fail(f"{directory}: not an evtui archive (none of {', '.join(TABLES)} in it)", EXIT_ERROR)
    try:
        done = compact(directory, writer)
    except ArchiveError as exc:
        fail(str(exc), EXIT_ERROR)
    sys.stderr.write(
        f"evtui archive: compacted {done.merged:,} files into {done.written:,} "
        f"({size_text(done.before)} -> {size_text(done.after)})\n"
    )
    return 0
