"""What the directory said of each location, kept on disk so a restart asks for nothing it has.

One SQLite file (`paths.directory_cache_path()`): each location's v3 record as received
(zlib-compressed JSON, in a table of its own) with the time it was fetched and its display
fields in columns, so that the display data of every location loads without reading a record;
and the ids the directory said it does not know, with when it said so. A record is asked for
again after `refresh_days`, an unknown id after a day. A file that cannot be read is moved aside as
`<name>.corrupt-<time>` with a warning, and a new one is started: it is only a cache.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from evtui.model.directory import BadRecord, LocationInfo, parse_location

__all__ = ["FORMAT_VERSION", "UNKNOWN_REFRESH", "DirectoryCache", "Summaries"]

FORMAT_VERSION = 1
DAY = 86_400.0
UNKNOWN_REFRESH = DAY
"""Seconds an id the directory does not know stays unasked."""
_CHUNK = 500
"""Ids per `IN (...)` query: well under SQLite's limit on parameters."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locations (
    id TEXT PRIMARY KEY,
    fetched_at REAL NOT NULL,
    name TEXT, operator TEXT, address TEXT, city TEXT, postal_code TEXT, country TEXT,
    lat REAL, lng REAL
);
-- The records apart: loading the display columns then reads a tenth of the file.
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS unknown (id TEXT PRIMARY KEY, asked_at REAL NOT NULL);
"""
_DISPLAY = (
    "SELECT id, name, operator, address, city, postal_code, country, lat, lng, fetched_at "
    "FROM locations"
)


class _Unusable(Exception):
    """The file is a database, but not a cache this evtui can use."""


class DirectoryCache:
    """The directory cache in one file. Use `open`; a context manager."""

    def __init__(self, db: sqlite3.Connection, path: Path, refresh_days: float) -> None:
        self._db = db
        self.path = path
        self.refresh = refresh_days * DAY
        """Seconds a record is used before it is asked for again."""
        self.warnings: list[str] = []
        """What went wrong with the file (moved aside), for the caller to show once."""

    @classmethod
    def open(cls, path: Path, *, refresh_days: float = 7) -> DirectoryCache:
        """The cache at `path`, created if missing; an unreadable one is moved aside."""
        path.parent.mkdir(parents=True, exist_ok=True)
        warnings: list[str] = []
        try:
            db = _connect(path)
        except (sqlite3.DatabaseError, _Unusable) as exc:
            warnings.append(_set_aside(path, exc))
            db = _connect(path)
        cache = cls(db, path, refresh_days)
        cache.warnings = warnings
        return cache

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------

    def put(self, records: Iterable[tuple[dict[str, Any], LocationInfo]]) -> int:
        """Keep each (v3 record as received, what was read from it); returns how many.

        A record replaces the one kept for its id, and the id is no longer unknown.
        """
        pairs = list(records)
        rows = [
            (
                info.id,
                info.fetched_at,
                info.name,
                info.operator,
                info.address,
                info.city,
                info.postal_code,
                info.country,
                info.lat,
                info.lng,
            )
            for _, info in pairs
        ]
        blobs = [
            (info.id, zlib.compress(json.dumps(raw, separators=(",", ":")).encode(), 6))
            for raw, info in pairs
        ]
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO locations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?)", blobs)
            self._db.executemany("DELETE FROM unknown WHERE id = ?", ((r[0],) for r in rows))
        return len(rows)

    def put_unknown(self, ids: Iterable[str], asked_at: float) -> None:
        """Remember that the directory does not know these ids (as of `asked_at`).

        Their records, if any were kept, go: the directory no longer vouches for them.
        """
        rows = [(i, asked_at) for i in ids]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO unknown VALUES (?, ?)", rows)
            self._db.executemany("DELETE FROM locations WHERE id = ?", ((r[0],) for r in rows))
            self._db.executemany("DELETE FROM records WHERE id = ?", ((r[0],) for r in rows))

    # -- reading ------------------------------------------------------------------------

    def stale(self, ids: Iterable[str], now: float) -> list[str]:
        """The ids worth asking the directory about at `now`, in the order given, once each:
        never asked, a record older than `refresh`, or unknown for longer than a day."""
        wanted = list(dict.fromkeys(ids))
        fetched = dict(self._select("SELECT id, fetched_at FROM locations", wanted))
        asked = dict(self._select("SELECT id, asked_at FROM unknown", wanted))
        out = []
        for i in wanted:
            if i in fetched:
                if fetched[i] < now - self.refresh:
                    out.append(i)
            elif i in asked:
                if asked[i] < now - UNKNOWN_REFRESH:
                    out.append(i)
            else:
                out.append(i)
        return out

    def get(self, ids: Iterable[str]) -> dict[str, LocationInfo]:
        """The whole record (EVSEs and connectors included) of each id kept."""
        out: dict[str, LocationInfo] = {}
        sql = "SELECT id, fetched_at, record FROM locations JOIN records USING (id)"
        for location_id, fetched_at, blob in self._select(sql, list(dict.fromkeys(ids))):
            try:
                raw = json.loads(zlib.decompress(blob))
                out[location_id] = replace(
                    parse_location(raw, fetched_at, need_position=False), id=location_id
                )
            except (zlib.error, ValueError, BadRecord):
                continue  # a record this evtui cannot read is as good as none: ask again
        return out

    def raw(self, location_id: str) -> dict[str, Any] | None:
        """The v3 record kept for `location_id`, as received."""
        row = self._db.execute(
            "SELECT record FROM records WHERE id = ?", (location_id,)
        ).fetchone()
        result: dict[str, Any] | None = json.loads(zlib.decompress(row[0])) if row else None
        return result

    def unknown(self, ids: Iterable[str]) -> dict[str, float]:
        """When the directory said it does not know each of these ids (those it did)."""
        return dict(self._select("SELECT id, asked_at FROM unknown", list(dict.fromkeys(ids))))

    def summaries(self, ids: Iterable[str] | None = None) -> Summaries:
        """The display data of every location kept (or of `ids`): all but the EVSEs
        (`evses` is None), read from columns, no record parsed."""
        if ids is None:
            rows: Iterable[tuple[Any, ...]] = self._db.execute(_DISPLAY)
        else:
            rows = self._select(_DISPLAY, list(dict.fromkeys(ids)))
        strings: dict[str, str] = {}
        share = strings.setdefault  # operators, cities, postcodes repeat: keep one copy each
        table: dict[str, tuple[Any, ...]] = {}
        for row in rows:
            i, name, op, address, city, postal, country, lat, lng, at = row
            table[i] = (
                name,
                op and share(op, op),
                address,
                city and share(city, city),
                postal and share(postal, postal),
                country and share(country, country),
                lat,
                lng,
                at,
            )
        return Summaries(table)

    def __len__(self) -> int:
        count: int = self._db.execute("SELECT count(*) FROM locations").fetchone()[0]
        return count

    def _select(self, sql: str, ids: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(f"{sql} WHERE id IN ({marks})", chunk)


class Summaries(Mapping[str, LocationInfo]):
    """Display data by location id, as a read-only mapping that builds each `LocationInfo`
    when asked: 200,000 of them would cost a third of a second to build up front."""

    def __init__(self, rows: dict[str, tuple[Any, ...]]) -> None:
        self._rows = rows

    def __getitem__(self, location_id: str) -> LocationInfo:
        name, op, address, city, postal, country, lat, lng, at = self._rows[location_id]
        return LocationInfo(
            location_id, name, op, address, city, postal, country, lat, lng, None, at
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, location_id: object) -> bool:
        return location_id in self._rows


def _connect(path: Path) -> sqlite3.Connection:
    """Open (creating) the cache file and check it is one this evtui reads."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last write is fine
        db.executescript(_SCHEMA)
        row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is None:
            with db:
                db.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT_VERSION),))
        elif row[0] != str(FORMAT_VERSION):
            raise _Unusable(f"format {row[0]}, this evtui reads {FORMAT_VERSION}")
        columns = [r[1] for r in db.execute("PRAGMA table_info(locations)")]
        if len(columns) != 10:
            raise _Unusable("its locations table is not evtui's")
    except BaseException:
        db.close()
        raise
    return db


def _set_aside(path: Path, exc: BaseException) -> str:
    """Move an unreadable cache file (and its WAL) aside; the warning to show."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        path.rename(aside)
        moved = f"moved it aside as {aside.name}"
    except OSError as err:
        path.unlink(missing_ok=True)
        moved = f"could not move it aside ({err.strerror}), removed it"
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return f"directory cache {path} could not be read ({exc}); {moved} and started a new one"
