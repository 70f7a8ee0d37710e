"""Writing an archive: a writer folds the messages it receives into status changes and writes
them, with its coverage, as whole Parquet files.

One `ArchiveWriter` per session (a recording, or a session file being added). It keeps each
EVSE's status and newest `last_updated` as the report's fold does: an update older than the
newest is late (kept apart), one that repeats the status is no change. `flush` writes what it
holds; every file is written under a temporary name and renamed, so an archive only ever has
whole files, and a writer killed mid-flush loses only what it had not flushed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from evtui.archive.schema import COLUMNS, README, SCHEMA_KEY, SCHEMA_VERSION, SEQ_SPAN, SILENCE
from evtui.model import Accepted, Rejection
from evtui.model.payload import to_micros

__all__ = ["ArchiveError", "ArchiveWriter", "LocationRow", "Placer"]

DAY_US = 86_400_000_000
LocationRow = dict[str, Any]
"""A `locations` row but `id` and `written`: country, lat, lng, name, operator, city, max_kw."""
Placer = Callable[[str], LocationRow]


class ArchiveError(Exception):
    """The archive cannot be written (or read): the message says which path and why."""


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
    ) -> None:
        self.directory = Path(directory)
        self.writer = writer
        self.session = session
        self._place = place
        self.state: dict[tuple[str, str], list[Any]] = {} if state is None else state
        """(location, evse) -> [status, newest last_updated (µs)]: a writer adding several
        sessions in a row hands it on, so that they are one history."""
        self._changes: dict[str, list[Any]] = {name: [] for name in COLUMNS["status_changes"]}
        self._late: dict[str, list[Any]] = {name: [] for name in COLUMNS["late_updates"]}
        self._seen: dict[tuple[str, str], int] = {}
        self._spans: list[_Span] = []
        self._span: _Span | None = None
        self._placed: set[str] = set()
        self._new_locations: list[str] = []
        self._counter = 0
        self.written_changes = 0
        self.files: list[Path] = []
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            readme = self.directory / "README.md"
            if not readme.exists():
                _write_text(readme, README)
        except OSError as exc:
            raise ArchiveError(f"archive {directory}: {exc.strerror or exc}") from None
        self._db = duckdb.connect()
        self._db.execute("SET TimeZone = 'UTC'")

    @property
    def pending(self) -> int:
        """Rows (changes and late updates) held but not yet written."""
        return len(self._changes["time"]) + len(self._late["time"])

    def add(self, items: Iterable[tuple[int, Accepted | Rejection]]) -> None:
        """Fold messages in arrival order, each with its place (`seq`) in the session."""
        state, seen = self.state, self._seen
        ch, late = self._changes, self._late
        for seq, item in items:
            message = item.message
            received = message.received_at
            self._received(received)
            if isinstance(item, Accepted):
                payload = item.payload
                location = payload.id
                if location not in self._placed:
                    self._placed.add(location)
                    self._new_locations.append(location)
                newest = self._span.newest_update if self._span else None
                for index, update in enumerate(payload.evses):
                    t = to_micros(update.last_updated)
                    key = (location, update.id)
                    held = state.get(key)
                    previous: str | None = None
                    if held is not None:
                        if t < held[1]:
                            _append(late, t, location, update.id, update.status, None,
                                    received, self.session, seq * SEQ_SPAN + index, message)
                            continue
                        held[1] = t
                        if held[0] == update.status:
                            seen[key] = t
                            newest = t if newest is None or t > newest else newest
                            continue
                        previous = held[0]
                        held[0] = update.status
                    else:
                        state[key] = [update.status, t]
                    seen.pop(key, None)
                    newest = t if newest is None or t > newest else newest
                    _append(ch, t, location, update.id, update.status, previous,
                            received, self.session, seq * SEQ_SPAN + index, message)
                if self._span is not None:
                    self._span.newest_update = newest

    def _received(self, at: float) -> None:
        span = self._span
        if span is None or at - span.received_to > SILENCE:
            span = self._span = _Span(at, at)
            self._spans.append(span)
        span.received_to = max(span.received_to, at)
        span.messages += 1

    # --- writing ---------------------------------------------------------------------------

    def flush(self, *, closed: bool = False) -> list[Path]:
        """Write what is held as new files; `closed` marks the session's end in its coverage.
        Returns the files written. Raises ArchiveError when the disk refuses."""
        written: list[Path] = []
        try:
            written += self._write_dated("status_changes", self._changes)
            written += self._write_dated("late_updates", self._late)
            if self._seen:
                seen: dict[str, list[Any]] = {
                    "location": [k[0] for k in self._seen],
                    "evse": [k[1] for k in self._seen],
                    "time": list(self._seen.values()),
                    "session": [self.session] * len(self._seen),
                }
                written += self._write_dated("seen", seen)
            if self._new_locations:
                written.append(self._write_locations())
            # Coverage last: it is what says a session is in the archive.
            spans = self._spans
            if spans or closed:
                written.append(self._write_coverage(spans, closed))
        except (OSError, duckdb.Error) as exc:
            raise ArchiveError(f"archive {self.directory}: cannot write: {exc}") from None
        self.written_changes += len(self._changes["time"])
        for columns in (self._changes, self._late):
            for values in columns.values():
                values.clear()
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

    def close(self) -> list[Path]:
        """Write the rest and mark the session complete."""
        written = self.flush(closed=True)
        self._db.close()
        return written

    def _name(self) -> str:
        # Unique across restarts and writers without listing the directory: the writer's
        # name, the time in microseconds, and a counter within this writer.
        self._counter += 1
        return f"{self.writer}-{int(time.time() * 1_000_000)}{self._counter:03d}.parquet"

    def _write_dated(self, table: str, columns: dict[str, list[Any]]) -> list[Path]:
        if not columns["time"]:
            return []
        times = np.asarray(columns["time"], dtype=np.int64)
        days = times // DAY_US
        written = []
        for day in np.unique(days):
            mask = days == day
            data = {
                name: (np.asarray(values, dtype=object if name not in _INTS else np.int64)[mask])
                for name, values in columns.items()
            }
            date = np.datetime64(int(day), "D").astype(str)
            folder = self.directory / table / f"date={date}"
            written.append(self._copy(table, data, folder))
        return written

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
        temporary = folder / f".{final.name}.tmp"
        select = ", ".join(_cast(name, kind) for name, kind in COLUMNS[table].items())
        order = _ORDER.get(table, "")
        self._db.register("batch", data)
        try:
            self._db.execute(
                f"COPY (SELECT {select} FROM batch {order}) TO '{_quote(temporary)}' "
                f"(FORMAT parquet, COMPRESSION zstd, "
                f"KV_METADATA {{{SCHEMA_KEY}: '{SCHEMA_VERSION}'}})"
            )
        finally:
            self._db.unregister("batch")
        _fsync(temporary)
        os.replace(temporary, final)
        return final


_INTS = frozenset({"time", "received", "seq", "partition", "offset"})
# Rows of one EVSE together, in time order: the columns compress to a few bytes a change.
_ORDER = {
    "status_changes": "ORDER BY location, evse, time, seq",
    "late_updates": "ORDER BY location, evse, time, seq",
    "seen": "ORDER BY location, evse",
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


def _append(
    columns: dict[str, list[Any]],
    t: int,
    location: str,
    evse: str,
    status: str,
    previous: str | None,
    received: float,
    session: str,
    seq: int,
    message: Any,
) -> None:
    columns["time"].append(t)
    columns["location"].append(location)
    columns["evse"].append(evse)
    columns["status"].append(status)
    if "previous" in columns:
        columns["previous"].append(previous)
    columns["received"].append(int(received * 1_000_000))
    columns["session"].append(session)
    columns["seq"].append(seq)
    columns["partition"].append(message.partition)
    columns["offset"].append(message.offset)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_text(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
