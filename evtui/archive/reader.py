"""Reading an archive: which of its files are evtui's, of a schema this evtui reads, and whole.

`ArchiveReader` lists every table's files and checks each one's key-value metadata: a file
that is not evtui's, is truncated, or has a newer schema version is left out and named in
`skipped` (one line each), so a report says what its figures exclude and never mixes
versions. `connect` gives a DuckDB connection with one view per table over the good files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from evtui.archive.engine import ArchiveError, connect, duckdb, sql_text
from evtui.archive.schema import COLUMNS, SCHEMA_KEY, SCHEMA_VERSION, TABLES

__all__ = ["ArchiveReader"]


class ArchiveReader:
    """The readable files of the archive at `directory` (see the module's docstring)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ArchiveError(f"archive {directory}: no such directory")
        self.skipped: list[str] = []
        self.files: dict[str, list[Path]] = {}
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._db = connect()
        for table in TABLES:
            self.files[table] = self._checked(table, _listed(self.directory / table))

    def connect(self) -> duckdb.DuckDBPyConnection:
        """The connection, with a view per table (`status_changes`, `coverage`, ...)."""
        for table in TABLES:
            files = self.files[table]
            if files:
                listed = ", ".join(sql_text(f) for f in files)
                select = ", ".join(f'"{c}"' for c in COLUMNS[table])
                sql = f"SELECT {select} FROM read_parquet([{listed}], hive_partitioning = false)"
            else:
                columns = ", ".join(f'NULL::{t} AS "{c}"' for c, t in COLUMNS[table].items())
                sql = f"SELECT {columns} WHERE false"
            self._db.execute(f"CREATE OR REPLACE VIEW {table} AS {sql}")
        return self._db

    def places(self) -> dict[str, dict[str, str | None]]:
        """Name, operator and country (alpha-3) of each location the archive knows, from
        its newest `locations` row that says: a report on another machine names them too."""
        db = self.connect()
        rows = db.execute(
            "SELECT id, arg_max(name, written) FILTER (WHERE name IS NOT NULL), "
            "arg_max(operator, written) FILTER (WHERE operator IS NOT NULL), "
            "arg_max(country, written) FILTER (WHERE country IS NOT NULL) "
            "FROM locations GROUP BY id"
        ).fetchall()
        return {
            str(i): {"name": name, "operator": operator, "country": country}
            for i, name, operator, country in rows
        }

    def sessions(self) -> dict[str, bool]:
        """Every session the archive holds some of, and whether it holds its end (all of it)."""
        db = self.connect()
        rows = db.execute("SELECT session, bool_or(closed) FROM coverage GROUP BY 1").fetchall()
        return {str(session): bool(closed) for session, closed in rows}

    def complete_sessions(self) -> set[str]:
        """The sessions whose end the archive holds (added completely)."""
        return {session for session, closed in self.sessions().items() if closed}

    @property
    def scratch(self) -> Path:
        """A private directory for what a query spills to disk, removed by `close`."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="evtui-duckdb-")
        return Path(self._scratch.name)

    def close(self) -> None:
        self._db.close()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def _checked(self, table: str, files: list[Path]) -> list[Path]:
        if not files:
            return []
        try:
            versions = self._versions(files)
        except duckdb.Error:
            # One of them is unreadable: find which, one at a time.
            versions = {}
            for path in files:
                try:
                    versions.update(self._versions([path]))
                except duckdb.Error as exc:
                    self.skipped.append(f"{path}: not a readable Parquet file ({_first_line(exc)})")
                    versions[str(path)] = None
        good = []
        for path in files:
            version = versions.get(str(path), "absent")
            if version is None:
                continue
            if version == "absent":
                self.skipped.append(f"{path}: not an evtui archive file (no {SCHEMA_KEY})")
            elif not version.isdigit():
                self.skipped.append(f"{path}: schema version {version!r} is not a number")
            elif int(version) > SCHEMA_VERSION:
                self.skipped.append(
                    f"{path}: written with a newer schema version {version} (this evtui reads "
                    f"{SCHEMA_VERSION}): upgrade evtui to read it"
                )
            else:
                problem = self._schema_problem(table, path)
                if problem:
                    self.skipped.append(f"{path}: {problem}")
                else:
                    good.append(path)
        return good

    def _schema_problem(self, table: str, path: Path) -> str | None:
        """What keeps the columns of `path` from reading as `table`'s (None: nothing)."""
        try:
            described = self._db.execute(
                "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("
                f"{sql_text(path)}, hive_partitioning = false))"
            ).fetchall()
        except duckdb.Error as exc:
            return f"not a readable Parquet file ({_first_line(exc)})"
        types = {str(name): str(kind) for name, kind in described}
        wanted = COLUMNS[table]
        missing = sorted(set(wanted) - set(types))
        if missing:
            return f"lacks the columns {', '.join(missing)}"
        # One column of another type would stop the whole table's read (DuckDB casts the
        # files to one schema), so such a file is left out like the others.
        wrong = [
            f"{name} is {types[name]}, not {_TYPE_NAMES.get(kind, kind)}"
            for name, kind in wanted.items()
            if types[name] != _TYPE_NAMES.get(kind, kind)
        ]
        return f"columns of other types: {'; '.join(wrong)}" if wrong else None

    def _versions(self, files: list[Path]) -> dict[str, str | None]:
        listed = ", ".join(sql_text(f) for f in files)
        rows = self._db.execute(
            f"SELECT file_name, decode(value) FROM parquet_kv_metadata([{listed}]) "
            f"WHERE decode(key) = '{SCHEMA_KEY}'"
        ).fetchall()
        return {str(name): str(value) for name, value in rows}



_TYPE_NAMES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}
"""The names DuckDB describes the schema's types by, where they differ."""


def _listed(folder: Path) -> list[Path]:
    """Every finished Parquet file under `folder` (names starting with `.` are unfinished)."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*.parquet") if not p.name.startswith(".") and p.is_file()
    )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
