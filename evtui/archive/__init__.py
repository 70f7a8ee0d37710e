"""An archive of status changes in Parquet (hive layout), and the report's SQL over it.

`ArchiveWriter` folds a session's messages into files; `add_sessions` adds session files;
`ArchiveReader` finds the files a report can read (and names those it cannot);
`archive_result` computes the report's figures with DuckDB. schema.py describes the files.
"""

from evtui.archive.places import placer
from evtui.archive.reader import ArchiveReader
from evtui.archive.report import archive_result
from evtui.archive.schema import SCHEMA_VERSION
from evtui.archive.sessions import Added, add_sessions, session_key
from evtui.archive.writer import ArchiveError, ArchiveWriter

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
