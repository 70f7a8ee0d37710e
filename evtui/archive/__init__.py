"""An archive of status changes in Parquet (hive layout), and the report's SQL over it.

`ArchiveWriter` folds a session's messages into files; `add_sessions` adds session files;
`ArchiveReader` finds the files a report can read (and names those it cannot);
`archive_result` computes the report's figures with DuckDB. schema.py describes the files.

Each name is imported on first use (`evtui.lazy`): a report reads, and needs none of the
writer's numpy.
"""

from typing import TYPE_CHECKING

from evtui.lazy import lazy_attributes

if TYPE_CHECKING:
    from evtui.archive.engine import ArchiveError
    from evtui.archive.places import placer
    from evtui.archive.reader import ArchiveReader
    from evtui.archive.report import archive_result
    from evtui.archive.schema import SCHEMA_VERSION
    from evtui.archive.sessions import Added, add_sessions, session_key
    from evtui.archive.writer import ArchiveWriter

__all__ = [
    "SCHEMA_VERSION",
    "Added",
    "ArchiveError",
    "ArchiveReader",
    "ArchiveWriter",
    "add_sessions",
    "archive_result",
    "placer",
    "session_key",
]

if not TYPE_CHECKING:  # mypy sees the imports above; a typo stays an error
    __getattr__ = lazy_attributes(
        __name__,
        {
            "evtui.archive.engine": ("ArchiveError",),
            "evtui.archive.places": ("placer",),
            "evtui.archive.reader": ("ArchiveReader",),
            "evtui.archive.report": ("archive_result",),
            "evtui.archive.schema": ("SCHEMA_VERSION",),
            "evtui.archive.sessions": ("Added", "add_sessions", "session_key"),
            "evtui.archive.writer": ("ArchiveWriter",),
        },
    )
