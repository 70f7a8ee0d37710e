"""Compacting an archive: `evtui archive --compact DIR`.

A recorder writes a file every few minutes; each repeats the ids it holds in its own
dictionary, so a day of them takes twice the bytes a change that one file would. Compacting
merges each date's files of a table into one, sorted by EVSE (a few bytes a change), and the
coverage and locations files into one each. Each new file is written whole and renamed
before the files it replaces are removed: a compaction stopped half-way leaves both, and a
report counts their rows once (a row and its copy sort side by side: the copy repeats the
status before it, and is no change).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evtui.archive.engine import ArchiveError, connect, duckdb, sql_text
from evtui.archive.reader import ArchiveReader
from evtui.archive.schema import COLUMNS, PARTITIONED, TABLES
from evtui.archive.writer import ORDER, unique_name, write_whole

__all__ = ["Compacted", "compact"]


@dataclass
class Compacted:
    """What a compaction did."""

    merged: int = 0
    """Files replaced."""
    written: int = 0
    before: int = 0
    """Bytes of the files replaced, and of those written in their place."""
    after: int = 0


def compact(directory: Path, writer: str) -> Compacted:
    """Merge the archive's files (see the module's docstring); files it cannot read are left
    where they are (the reader names them)."""
    reader = ArchiveReader(directory)
    db = connect()
    done = Compacted()
    try:
        for table in TABLES:
            groups: dict[Path, list[Path]] = {}
            for path in reader.files[table]:
                folder = path.parent if table in PARTITIONED else directory / table
                groups.setdefault(folder, []).append(path)
            for folder, files in sorted(groups.items()):
                if len(files) < 2:
                    continue
                _merge(db, table, folder, files, writer, done)
    except (OSError, duckdb.Error) as exc:
        raise ArchiveError(f"archive {directory}: cannot compact: {exc}") from None
    finally:
        db.close()
        reader.close()
    return done


def _merge(
    db: duckdb.DuckDBPyConnection,
    table: str,
    folder: Path,
    files: list[Path],
    writer: str,
    done: Compacted,
) -> None:
    final = folder / unique_name(writer)
    listed = ", ".join(sql_text(f) for f in files)
    columns = ", ".join(f'"{c}"' for c in COLUMNS[table])
    write_whole(
        db,
        f"SELECT {columns} FROM read_parquet([{listed}], hive_partitioning = false) "
        f"{ORDER.get(table, '')}",
        final,
    )
    done.before += sum(f.stat().st_size for f in files)
    done.after += final.stat().st_size
    for path in files:
        path.unlink()
    done.merged += len(files)
    done.written += 1
