"""A store's delta snapshot: what changed since a mark, and its restore on top of the
snapshot the mark was taken with (see MonitorState.snapshot_delta).

Session files hold these: what `dump_changes` gives must not change.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evtui.model.evse_key import from_key, to_key
from evtui.model.location_key import from_location_key, to_location_key
from evtui.model.payload import from_micros, to_micros
from evtui.model.store_columns import StoreColumns
from evtui.model.store_types import StatusChange

__all__ = ["DeltaSnapshot", "StoreMark"]


@dataclass(frozen=True, slots=True)
class StoreMark:
    """The columns of a store a change can alter, copied when a checkpoint was taken."""

    evses: int
    locations: int
    updated: array[int]
    next: array[int]
    """Each row's next of the same location: a location whose rows change (in number or order)
    has a row whose next changed, or its first."""
    first: array[int]
    moves: int
    """The store's `moves` then: with none since, every change's location is its EVSE's now."""


def _differing(before: array[int], now: array[int], count: int) -> Iterator[int]:
    """The rows below `count` where `now` differs from `before`, compared in slices (a
    continent has a million rows, most of them unchanged)."""
    step = 512
    for start in range(0, count, step):
        end = min(start + step, count)
        if before[start:end] != now[start:end]:
            for row in range(start, end):
                if before[row] != now[row]:
                    yield row


class DeltaSnapshot(StoreColumns):
    """The part of `StateStore` that saves and restores what changed since a mark."""

    def mark(self) -> StoreMark:
        """What `dump_changes` compares with: the columns a change can alter, as of now."""
        return StoreMark(
            len(self._evse_ids),
            len(self._location_ids),
            array("q", self._updated),
            array("i", self._next),
            array("i", self._first),
            self.moves,
        )

    def dump_changes(
        self,
        mark: StoreMark,
        first_seen: Sequence[StatusChange],
        changes: Sequence[StatusChange],
        status: Callable[[str], int],
        history: Sequence[tuple[int, int, int, int]] | array[int] | None = None,
    ) -> dict[str, Any]:
        """What turns the store as of `mark` into the store now, as JSON-able lists.

        `first_seen` and `changes` are every EVSE first seen and every status change applied
        since the mark, in order (as `apply` returned them); `history`, if given, the
        `ApplyResult.history` of the same applies (or those 4-tuples one after another in an
        `array("q")`), which gives the same lists several times faster (it has the rows and
        times `changes` would be looked up for). See `load_changes`.
        """
        evses = len(self._evse_ids)
        new_evses: list[list[Any]] = []
        row = mark.evses
        recent = None
        if history is not None and self.moves == mark.moves:
            # No EVSE changed location since the mark: each change's location is its row's,
            # and each new row's location the one it was first seen at.
            recent = _history_rows(history)
            new_evses = _first_sightings(recent, first_seen, self._location, status, self._names)
            row += len(new_evses)
            first_seen = ()
        for seen in first_seen:
            # Rows are added in first-seen order: this is row `row`.
            new_evses.append(
                [
                    seen.evse_id,
                    self._location_row[to_location_key(seen.location_id)],
                    status(seen.new),
                    to_micros(seen.time),
                ]
            )
            row += 1
        if row != evses:
            raise ValueError("first sightings do not match the rows added since the mark")
        # Locations whose rows changed (new rows, rows reported under another location) are
        # given whole, in order.
        relinked = {self._location[r] for r in _differing(mark.next, self._next, mark.evses)}
        relinked.update(self._location[r] for r in range(mark.evses, evses))
        relinked.update(_differing(mark.first, self._first, mark.locations))
        location_col = self._location
        coded: list[int] = []
        before = 0
        if recent is not None:
            coded = _coded_history(recent, self._names, status)
            changes = ()
        for change in changes:
            r = self._evse_row[to_key(change.evse_id)]
            t = to_micros(change.time)
            lrow = self._location_row[to_location_key(change.location_id)]
            coded += (t - before, r, status(change.new), -1 if lrow == location_col[r] else lrow)
            before = t
        # Where an update moved no status, only `updated` changed: each such row (and each new
        # one) as the rows since the one before and `updated - since` (mostly 0). In NumPy:
        # most rows of a busy network differ from one delta to the next.
        now = np.frombuffer(self._updated, dtype=np.int64)
        rows = np.concatenate(
            (
                np.flatnonzero(np.frombuffer(mark.updated, dtype=np.int64) != now[: mark.evses]),
                np.arange(mark.evses, evses),
            )
        )
        since = np.frombuffer(self._since, dtype=np.int64)
        pairs = np.empty((len(rows), 2), dtype=np.int64)
        pairs[:, 0] = np.diff(rows, prepend=0)
        pairs[:, 1] = now[rows] - since[rows]
        updated: list[int] = pairs.ravel().tolist()
        # No view may outlive the call: the columns grow, and a viewed array cannot.
        del now, since
        return {
            "new_locations": [from_location_key(k) for k in self._location_ids[mark.locations :]],
            "new_evses": new_evses,
            "relinked": [[lrow, list(self._members(lrow))] for lrow in sorted(relinked)],
            "changes": coded,
            "updated": updated,
        }

    def recount(self, known: Iterable[str] = ()) -> None:
        """Count the EVSEs in each status afresh; `known` statuses are kept at 0."""
        names, counts = self._names, self.counts
        counts.clear()
        for code, n in Counter(self._status).items():
            counts[names[code]] = n
        for name in known:
            counts[name] += 0

    def load_changes(
        self,
        data: dict[str, Any],
        statuses: Sequence[str],
        keep: int | None = None,
        history: list[tuple[int, int, int, int]] | None = None,
    ) -> list[StatusChange]:
        """Apply what `dump_changes` gave; returns the last `keep` (all: None) of the status
        changes it made, oldest first, for the event log. `counts` is not kept up to date:
        `recount` once done. `history` gets the first sightings, then the changes, as
        `ApplyResult.history` gives them (each EVSE's in order)."""
        for location_id in data["new_locations"]:
            self._add_location(location_id)
        code = [self._codes.get(name) for name in statuses]
        for i, name in enumerate(statuses):
            if code[i] is None:
                code[i] = self._add_status(name)
        own: list[int] = code  # type: ignore[assignment]  # every None was replaced above
        names = self._names
        for evse_id, lrow, status, t in data["new_evses"]:
            key = to_key(evse_id)
            if key in self._evse_row or not 0 <= lrow < len(self._location_ids):
                raise ValueError(f"EVSE {evse_id!r} cannot be added")
            if history is not None:
                history.append((len(self._evse_ids), t, -1, own[status]))
            self._add_evse(key, lrow, own[status], t)
        relinked = data["relinked"]
        next_col = self._next
        for lrow, members in relinked:
            self._first[lrow] = self._last[lrow] = -1
            for row in members:
                next_col[row] = -1
        for lrow, members in relinked:
            for row in members:
                self._link(row, lrow)
        coded = data["changes"]
        if len(coded) % 4:
            raise ValueError("changes cut short")
        times, rows, olds, news, lrows = self._apply_changes(coded, own)
        count = len(times)
        logged = count - (count if keep is None else min(keep, count))
        if history is not None:
            history += zip(
                rows.tolist(), times.tolist(), olds.tolist(), news.tolist(), strict=True
            )
        location_ids, evse_ids = self._location_ids, self._evse_ids
        out = [
            StatusChange(
                from_micros(t),
                from_location_key(location_ids[lrow]),
                from_key(evse_ids[row]),
                names[old],
                names[new],
            )
            for t, row, old, new, lrow in zip(
                times[logged:].tolist(), rows[logged:].tolist(), olds[logged:].tolist(),
                news[logged:].tolist(), lrows[logged:].tolist(), strict=True,
            )
        ]  # fmt: skip
        updated, row = data["updated"], 0
        updated_col, since_col = self._updated, self._since  # (a loop over every row moved)
        for i in range(0, len(updated), 2):
            row += updated[i]
            updated_col[row] = since_col[row] + updated[i + 1]
        if len(self._p_since) >= self._compact_at:
            self._compact_history()
        return out

    def _apply_changes(self, coded: Sequence[int], own: Sequence[int]) -> tuple[Any, ...]:
        """The hot loop of a seek, over whole columns: every status change since the full
        checkpoint (`coded`: time step, EVSE row, status, location row or -1, one change after
        another) into the EVSE columns and the period log, as one change at a time would.
        Returns each change's time, row, old and new status codes and location row. `counts`
        is left to `recount`, once the last delta is in."""
        c = np.asarray(coded)
        if c.size and c.dtype.kind not in "iu":  # (floats, text, ints beyond 64 bits)
            raise ValueError("changes that are not whole numbers")
        c = c.astype(np.int64).reshape(-1, 4)
        count = len(c)
        times = np.cumsum(c[:, 0])
        rows = c[:, 1]
        if count and (rows.min() < 0 or rows.max() >= len(self._status)):
            raise IndexError("a change of an EVSE the state does not have")
        news = np.asarray(own, dtype=np.int64)[c[:, 2]]
        # Each change's predecessor among the changes of its EVSE here (-1: none), from
        # which its old status, the start of the period it ends and that period's place.
        order = np.argsort(rows, kind="stable")
        same = rows[order[1:]] == rows[order[:-1]]
        earlier, later = order[:-1][same], order[1:][same]
        prev = np.full(count, -1, dtype=np.int64)
        prev[later] = earlier
        has = prev >= 0
        safe = np.where(has, prev, 0)
        status = np.frombuffer(self._status, dtype=self._status.typecode)
        since = np.frombuffer(self._since, dtype=self._since.typecode)
        past = np.frombuffer(self._past, dtype=self._past.typecode)
        period = len(self._p_prev)
        olds = np.where(has, news[safe], status[rows])
        self._p_since.frombytes(np.where(has, times[safe], since[rows]).tobytes())
        self._p_status.frombytes(olds.astype(self._p_status.typecode).tobytes())
        self._p_prev.frombytes(
            np.where(has, period + prev, past[rows]).astype(self._p_prev.typecode).tobytes()
        )
        # Each EVSE ends as its last change here left it.
        last = np.ones(count, dtype=bool)
        last[earlier] = False
        ends = np.flatnonzero(last)
        status[rows[ends]] = news[ends]
        since[rows[ends]] = times[ends]
        past[rows[ends]] = period + ends
        np.add.at(np.frombuffer(self._changes, dtype=self._changes.typecode), rows, 1)
        location = np.frombuffer(self._location, dtype=self._location.typecode)
        lrows = np.where(c[:, 3] < 0, location[rows], c[:, 3])
        last_change = np.frombuffer(self._last_change, dtype=self._last_change.typecode)
        np.maximum.at(last_change, lrows, times)
        return times, rows, olds, news, lrows


def _history_rows(history: Sequence[tuple[int, int, int, int]] | array[int]) -> Any:
    """`ApplyResult.history` (or those 4-tuples one after another in an array) as an n x 4
    NumPy array (of an array, a view: the recorder leaves it alone while a delta is taken)."""
    if isinstance(history, array):
        return np.frombuffer(history, dtype=np.int64).reshape(-1, 4)
    return np.array(history, dtype=np.int64).reshape(-1, 4)


def _numbered(news: Any, names: Sequence[str], status: Callable[[str], int]) -> Any:
    """The codes `status` gives the status names `news` index, called in the order they are
    first met (as a loop over them would: the numbering is in the file)."""
    codes = np.full(len(names), -1, dtype=np.int64)
    used, first = np.unique(news, return_index=True)
    for new in used[np.argsort(first)].tolist():
        codes[new] = status(names[new])
    return codes[news]


def _first_sightings(
    rows: Any,
    first_seen: Sequence[StatusChange],
    location: array[int],
    status: Callable[[str], int],
    names: Sequence[str],
) -> list[list[Any]]:
    """`dump_changes`'s new EVSEs from the history's first sightings (`rows` whose old
    status is -1, in the order of `first_seen`), where no EVSE moved: [id, location row,
    status code, microseconds] each. A Python look-up a row took 15 ms at 13,000 EVSEs."""
    seen = rows[rows[:, 2] < 0]
    if len(seen) != len(first_seen):
        raise ValueError("first sightings do not match the history")
    if not len(seen):
        return []
    lrows = [location[r] for r in seen[:, 0].tolist()]
    codes = _numbered(seen[:, 3], names, status).tolist()
    return [
        [change.evse_id, lrow, code, t]
        for change, lrow, code, t in zip(
            first_seen, lrows, codes, seen[:, 1].tolist(), strict=True
        )
    ]


def _coded_history(rows: Any, names: Sequence[str], status: Callable[[str], int]) -> list[int]:
    """The status changes of the history `rows` (those with an old status) as `dump_changes`
    gives them: (microseconds since the change before, EVSE row, status code, -1) one after
    another. In NumPy: a Python loop over the tuples took most of a delta."""
    changed = rows[rows[:, 2] >= 0]
    if not len(changed):
        return []
    coded = np.empty((len(changed), 4), dtype=np.int64)
    coded[:, 0] = np.diff(changed[:, 1], prepend=0)
    coded[:, 1] = changed[:, 0]
    coded[:, 2] = _numbered(changed[:, 3], names, status)
    coded[:, 3] = -1
    result: list[int] = coded.ravel().tolist()
    return result
