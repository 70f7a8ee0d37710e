"""How the archive's code opens DuckDB and writes values into SQL, and its one error: what
reading needs, without the writer's numpy."""

from __future__ import annotations

from typing import TYPE_CHECKING

# The archive's code imports DuckDB from here. Since DuckDB 1.4 its engine is the extension
# module `_duckdb`, and the `duckdb` package around it adds a relational API evtui never calls
# (60-70 ms to import, a twentieth of a report over a day's archive); connections,
# `execute`, the fetches and the errors are the extension's own.
if TYPE_CHECKING:
    import _duckdb as duckdb
else:
    try:
        import _duckdb as duckdb
    except ImportError:  # DuckDB before 1.4: the engine lives inside the package
        import duckdb

__all__ = ["ArchiveError", "connect", "duckdb", "sql_text"]


class ArchiveError(Exception):
    """The archive cannot be written (or read): the message says which path and why."""


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection as the archive's code uses it: UTC for TIMESTAMPTZ, and no
    progress bar on the terminal a command writes to."""
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    db.execute("SET enable_progress_bar = false")
    return db


def sql_text(value: object) -> str:
    """`value` (a path, an id) as an SQL string literal: DuckDB takes no parameters in a
    COPY, a view or a SET."""
    return "'" + str(value).replace("'", "''") + "'"
