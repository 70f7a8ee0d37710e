"""Writing an archive: a writer folds the messages it receives into status changes and writes
them, with its coverage, as whole Parquet files.

One `ArchiveWriter` per session (a recording, or a session file being added). It keeps each
EVSE's status and newest `last_updated` as the report's fold does: an update older than the
newest is late (kept apart), one that repeats the status is no change. `flush` writes what it
holds; every file is written under a temporary name and renamed, so an archive only ever has
whole files, and a writer killed mid-flush loses only what it had not flushed.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evtui.archive.engine import ArchiveError, connect, duckdb, sql_text
from evtui.archive.schema import (
    COLUMNS,
    README,
    SCHEMA_KEY,
    SCHEMA_VERSION,
    SILENCE,
)
from evtui.model import Accepted, Rejection
from evtui.model.payload import to_micros

__all__ = ["ArchiveWriter", "LocationRow", "Placer"]

DAY_US = 86_400_000_000
LocationRow = dict[str, Any]
"""A `locations` row but `id` and `written`: country, lat, lng, name, operator, city, max_kw."""
Placer = Callable[[str], LocationRow]


@dataclass
class _Span:
    received_from: float
    received_to: float
    messages: int = 0
    newest_update: int | None = None


class ArchiveWriter:
    """Folds one session's messages into an archive directory (see the module's docstring)."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        writer: str,
        session: str,
        *,
        place: Placer | None = None,
        state: dict[tuple[str, str], list[Any]] | None = None,
        held: dict[str, list[Path]] | None = None,
        source: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.writer = writer
        self.session = session
        self.source = session if source is None else source
        """What tells this session's updates from another's that shares `state`: a status
        another source delivered at an instant already is a copy. Sessions that do not
        overlap share one (they hold no copies), as the report's SQL takes them."""
        self._place = place
        self.state: dict[tuple[str, str], list[Any]] = {} if state is None else state
        """(location, evse) -> [status, newest last_updated (µs), the session that delivered
        that status at that time, and where several came at that time each one's first
        session (else None)]: the writers of sessions added together share it, so that they
        are one history."""
        self._changes: list[tuple[Any, ...]] = []
        """Rows of `status_changes` in column order, as tuples (one append per change)."""
        self._late: list[tuple[Any, ...]] = []
        self._count = 0
        """Rows so far in this session: their `seq`."""
        self._seen: dict[tuple[str, str, int], int] = {}
        """(location, evse, UTC day) -> the newest repeat of the EVSE's status that day: a
        report whose window ends at midnight knows each EVSE's last update exactly."""
        self._spans: list[_Span] = []
        self._span: _Span | None = None
        self._placed: set[str] = set()
        self._new_locations: list[str] = []
        self.written_changes = 0
        self.files: list[Path] = []
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            readme = self.directory / "README.md"
            if not readme.exists():
                _write_text(readme, README)
        except OSError as exc:
            raise ArchiveError(f"archive {directory}: {exc.strerror or exc}") from None
        self._db = connect()
        self._held = self._hold(held or {})

    def _hold(self, held: dict[str, list[Path]]) -> set[str]:
        """Keep apart the rows of this session that `held`'s files (by table) have already:
        the session was added before, not completely, so only the rest is written."""
        tables = set()
        for table, keys in _HELD_KEYS.items():
            files = held.get(table)
            if not files:
                continue
            listed = ", ".join(sql_text(f) for f in files)
            stored = ", ".join(
                f'epoch_us("{k}") AS "{k}"' if k in _INTS else f'"{k}"' for k in keys
            )
            joined = ", ".join(f'"{k}"' for k in keys)
            # The n-th of equal rows stands apart from the first: an EVSE can flip to a
            # status and back and to it again within one `last_updated`.
            self._db.execute(
                f"CREATE TEMP TABLE held_{table} AS SELECT {joined}, row_number() OVER "
                f"(PARTITION BY {joined} ORDER BY seq) AS nth FROM (SELECT {stored}, seq FROM "
                f"read_parquet([{listed}], hive_partitioning = false) "
                f"WHERE session = {sql_text(self.session)})"
            )
            tables.add(table)
        return tables

    @property
    def pending(self) -> int:
        """Rows (changes and late updates) held but not yet written."""
        return len(self._changes) + len(self._late)

    def add(self, items: Iterable[tuple[int, Accepted | Rejection]]) -> None:
        """Fold messages in arrival order (each with its place in the session, unused but for
        the count of messages)."""
        state, seen, session, source = self.state, self._seen, self.session, self.source
        changes, late = self._changes.append, self._late.append
        count = self._count
        for _, item in items:
            received = item.message.received_at
            span = self._span
            if span is None or received - span.received_to > SILENCE:
                span = self._span = _Span(received, received)
                self._spans.append(span)
            elif received > span.received_to:
                span.received_to = received
            span.messages += 1
            if not isinstance(item, Accepted):
                continue
            payload = item.payload
            location = payload.id
            if location not in self._placed:
                self._placed.add(location)
                self._new_locations.append(location)
            r = int(received * 1_000_000)
            newest = span.newest_update
            for update in payload.evses:
                t = to_micros(update.last_updated)
                key = (location, update.id)
                held = state.get(key)
                status = update.status
                if held is None:
                    state[key] = [status, t, source, None]
                    changes((t, location, update.id, status, None, r, session, count))
                    count += 1
                elif t < held[1]:
                    late((t, location, update.id, status, r, session, count))
                    count += 1
                    continue
                else:
                    if t > held[1]:  # a new instant: this source's status alone at it
                        held[2], held[3] = source, None
                    if held[0] == status:
                        held[1] = seen[location, update.id, t // DAY_US] = t
                    elif t == held[1] and _copy(held, status, source):
                        pass  # a copy: nothing to write (the first is written already)
                    else:
                        changes((t, location, update.id, status, held[0], r, session, count))
                        count += 1
                        held[0], held[1] = status, t
                if newest is None or t > newest:
                    newest = t
            span.newest_update = newest
        self._count = count

    # --- writing ---------------------------------------------------------------------------

    def flush(self, *, closed: bool = False, new_only: bool = False) -> list[Path]:
        """Write what is held as new files; `closed` marks the session's end in its coverage.
        `new_only`: nothing at all where no change or late update is new to the archive.
        Returns the files written. Raises ArchiveError when the disk refuses."""
        written: list[Path] = []
        try:
            written += self._write_dated("status_changes", self._changes)
            written += self._write_dated("late_updates", self._late)
            if new_only and not written:
                self._seen.clear()
                self._new_locations.clear()
                self._spans, self._span = [], None
                return []
            if self._seen:
                seen = [(loc, evse, t, self.session) for (loc, evse, _), t in self._seen.items()]
                written += self._write_dated("seen", seen)
            if self._new_locations:
                written.append(self._write_locations())
            # Coverage last: it is what says a session is in the archive.
            spans = self._spans
            if spans or closed:
                written.append(self._write_coverage(spans, closed))
        except (OSError, duckdb.Error) as exc:
            raise ArchiveError(f"archive {self.directory}: cannot write: {exc}") from None
        self._changes, self._late = [], []
        self._seen.clear()
        self._new_locations.clear()
        # The span going on continues in the next flush's coverage, from where it stands.
        current = self._span
        self._spans = []
        if current is not None and not closed:
            self._span = _Span(current.received_to, current.received_to, 0, None)
            self._spans.append(self._span)
        else:
            self._span = None
        self.files += written
        return written

    def close(self, *, complete: bool = True, new_only: bool = False) -> list[Path]:
        """Write the rest and, when `complete`, mark the session's end: adding the session
        again then adds nothing (else it adds what the archive lacks of it). `new_only`: as
        `flush`'s."""
        written = self.flush(closed=complete, new_only=new_only)
        self._db.close()
        return written

    def _name(self) -> str:
        return unique_name(self.writer)

    def _write_dated(self, table: str, rows: list[tuple[Any, ...]]) -> list[Path]:
        """One file per UTC date of `time` (the hive partition `date=`)."""
        if not rows:
            return []
        names = list(COLUMNS[table])
        columns = {
            name: np.asarray(values, dtype=np.int64 if name in _INTS else object)
            for name, values in zip(names, zip(*rows, strict=True), strict=True)
        }
        if table in self._held:
            unheld = self._unheld(table, columns)
            columns = {name: values[unheld] for name, values in columns.items()}
            if not len(unheld):
                return []
        if table == "status_changes":  # (what the archive lacked, when it held some)
            self.written_changes += len(columns["time"])
        days = columns["time"] // DAY_US
        written = []
        for day in np.unique(days):
            mask = days == day
            data = {name: values[mask] for name, values in columns.items()}
            date = np.datetime64(int(day), "D").astype(str)
            folder = self.directory / table / f"date={date}"
            written.append(self._copy(table, data, folder))
        return written

    def _unheld(self, table: str, columns: dict[str, Any]) -> Any:
        """The rows of `columns` (their numbers) that the archive does not hold yet."""
        keys = _HELD_KEYS[table]
        joined = ", ".join(f'"{k}"' for k in keys)
        self._db.register("batch", {"i": np.arange(len(columns["time"])), **{
            k: columns[k] for k in keys}})  # fmt: skip
        try:
            return self._db.execute(
                f"SELECT i FROM (SELECT i, {joined}, row_number() OVER (PARTITION BY {joined} "
                f"ORDER BY i) AS nth FROM batch) ANTI JOIN held_{table} USING ({joined}, nth) "
                "ORDER BY i"
            ).fetchnumpy()["i"]
        finally:
            self._db.unregister("batch")

    def _write_locations(self) -> Path:
        now = int(time.time() * 1_000_000)
        rows: dict[str, list[Any]] = {name: [] for name in COLUMNS["locations"]}
        for location in self._new_locations:
            place = self._place(location) if self._place is not None else {}
            for name in COLUMNS["locations"]:
                rows[name].append(place.get(name))
            rows["id"][-1] = location
            rows["written"][-1] = now
        data = {name: np.asarray(values, dtype=object) for name, values in rows.items()}
        data["written"] = np.asarray(rows["written"], dtype=np.int64)
        for name in ("lat", "lng", "max_kw"):
            data[name] = np.asarray(
                [np.nan if v is None else float(v) for v in rows[name]], dtype=np.float64
            )
        return self._copy("locations", data, self.directory / "locations")

    def _write_coverage(self, spans: list[_Span], closed: bool) -> Path:
        if not spans:
            spans = [_Span(time.time(), time.time())]
        n = len(spans)
        data = {
            "writer": np.asarray([self.writer] * n, dtype=object),
            "session": np.asarray([self.session] * n, dtype=object),
            "received_from": np.asarray([int(s.received_from * 1e6) for s in spans], np.int64),
            "received_to": np.asarray([int(s.received_to * 1e6) for s in spans], np.int64),
            "messages": np.asarray([s.messages for s in spans], np.int64),
            "newest_update": np.asarray(
                [-1 if s.newest_update is None else s.newest_update for s in spans], np.int64
            ),
            "closed": np.asarray([closed and i == n - 1 for i in range(n)], dtype=bool),
        }
        return self._copy("coverage", data, self.directory / "coverage")

    def _copy(self, table: str, data: dict[str, Any], folder: Path) -> Path:
        """Write `data` (a dict of NumPy columns) as one Parquet file of `table`, whole."""
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / self._name()
        select = ", ".join(_cast(name, kind) for name, kind in COLUMNS[table].items())
        order = ORDER.get(table, "")
        self._db.register("batch", data)
        try:
            write_whole(self._db, f"SELECT {select} FROM batch {order}", final)
        finally:
            self._db.unregister("batch")
        return final


def _copy(held: list[Any], status: str, source: str) -> bool:
    """Whether `status`, at the instant `held` has, is a copy: another source delivered it
    there already (two recorders of one stream). As in EvseFold.update: no change, and a
    session's own A, B, A at one instant stays whole."""
    instant = held[3]
    if instant is None:
        instant = held[3] = {held[0]: held[2]}
    first: str = instant.setdefault(status, source)
    return first != source


def write_whole(db: duckdb.DuckDBPyConnection, select: str, final: Path) -> None:
    """Write the rows of `select` as the Parquet file `final` with the schema version in its
    metadata: under a temporary name (never read), synced, then renamed."""
    temporary = final.with_name(f".{final.name}.tmp")
    db.execute(
        f"COPY ({select}) TO {sql_text(temporary)} (FORMAT parquet, COMPRESSION zstd, "
        f"KV_METADATA {{{SCHEMA_KEY}: '{SCHEMA_VERSION}'}})"
    )
    fd = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, final)


_COUNTER = itertools.count()


def unique_name(writer: str) -> str:
    """`<writer>-<n>.parquet`, unique across restarts and writers without listing the
    directory: n is the time in microseconds and a counter of this process."""
    return f"{writer}-{int(time.time() * 1_000_000)}{next(_COUNTER) % 1000:03d}.parquet"


_INTS = frozenset({"time", "received", "seq"})
_HELD_KEYS = {
    "status_changes": ("location", "evse", "time", "status"),
    "late_updates": ("location", "evse", "time", "status", "received"),
}
"""What tells a row apart from the same session's rows written before (its `seq` may differ:
a session added alone is folded from a fresh start)."""
# Rows of one EVSE together, in time order: the columns compress to a few bytes a change.
ORDER = {
    "status_changes": "ORDER BY location, evse, time, seq",
    "late_updates": "ORDER BY location, evse, time, seq",
    "seen": "ORDER BY location, evse, time",
    "locations": "ORDER BY id",
}


def _cast(name: str, kind: str) -> str:
    quoted = f'"{name}"'
    if kind == "TIMESTAMPTZ":
        # -1 stands for null in the integer columns NumPy carries.
        stamp = f"make_timestamp({quoted})::TIMESTAMPTZ"
        return f"CASE WHEN {quoted} < 0 THEN NULL ELSE {stamp} END AS {quoted}"
    if kind == "DOUBLE":
        return f"CASE WHEN isnan({quoted}) THEN NULL ELSE {quoted} END AS {quoted}"
    return f"{quoted}::{kind} AS {quoted}"


def _write_text(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
