"""A store's full snapshot: every row, as JSON-able lists (`dump`) or with the EVSEs'
timelines as bytes (`dump_binary`), and the restore of each into an empty store.

Session files hold these bytes: what `dump` and `dump_binary` give must not change.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt

from evtui.model.evse_key import from_key, to_key
from evtui.model.location_key import from_location_key
from evtui.model.store_columns import HISTORY_LIMIT, NEVER, StoreColumns

__all__ = ["FullSnapshot"]

_SECOND = 1_000_000


class FullSnapshot(StoreColumns):
    """The part of `StateStore` that saves and restores it whole (see MonitorState.snapshot)."""

    def dump(self, status: Callable[[str], int]) -> dict[str, Any]:
        """The store as JSON-able lists; `status(name)` numbers each status name.

        Histories are delta-coded (see `load`)."""
        ids, names = self._evse_ids, self._names
        code = [status(name) for name in names]
        evses = []
        for row in range(len(ids)):
            # Each period's start as the time since the one before (the first: since the
            # epoch): short numbers, so checkpoints are a third of the size and seeks shorter.
            history: list[int] = []
            before = 0
            for t, name in self._history(row):
                history += (t - before, status(name))
                before = t
            evses.append(self._dump_row(row, code, history))
        return {"locations": self._dump_locations(), "evses": evses}

    def _dump_row(self, row: int, code: list[int], history: object) -> list[Any]:
        """One EVSE as `dump` and `dump_binary` give it; `code` numbers this store's statuses."""
        return [
            from_key(self._evse_ids[row]),
            self._location[row],
            self._changes[row],
            self._updated[row],
            self._since[row],
            code[self._status[row]],
            history,
        ]

    def _dump_locations(self) -> list[list[Any]]:
        return [
            [
                from_location_key(key),
                list(self._members(lrow)),
                None if self._last_change[lrow] == NEVER else self._last_change[lrow],
            ]
            for lrow, key in enumerate(self._location_ids)
        ]

    def dump_binary(self, status: Callable[[str], int]) -> dict[str, Any]:
        """`dump`, with the EVSEs' earlier periods as bytes rather than lists (see
        `load_binary`): a fifth smaller once compressed, and restored without a Python loop
        over every period (a late checkpoint of a large network holds close to a million)."""
        code = [status(name) for name in self._names]
        counts, periods = self._earlier_periods()
        evses = [self._dump_row(row, code, n) for row, n in enumerate(counts.tolist())]
        times = np.frombuffer(self._p_since, dtype=self._p_since.typecode)[periods]
        statuses = np.frombuffer(self._p_status, dtype=self._p_status.typecode)[periods]
        codes = np.array(code, dtype=np.int64)[statuses]
        unit = _SECOND if bool(np.all(times % _SECOND == 0)) else 1
        # Each start as the time since the one before (rows one after the other), byte plane
        # by byte plane: the high bytes are nearly all alike and compress to nothing.
        deltas = np.diff(times // unit, prepend=0).astype("<i8")
        kind = "B" if len(code) <= 256 and not (codes >= 256).any() else "I"
        return {
            "locations": self._dump_locations(),
            "evses": evses,
            "period_unit": unit,
            "period_status_type": kind,
            "period_times": deltas.view(np.uint8).reshape(-1, 8).T.tobytes(),
            "period_statuses": codes.astype("u1" if kind == "B" else "<u4").tobytes(),
        }

    def _earlier_periods(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """How many earlier periods each EVSE's timeline has (as `_history` gives them), and
        where they are in the history log: row by row, the oldest first. A walk of the log
        down every EVSE's links at once, one step a period back."""
        prev = np.frombuffer(self._p_prev, dtype=self._p_prev.typecode)
        at = np.frombuffer(self._past, dtype=self._past.typecode).astype(np.int64)
        rows = np.flatnonzero(at >= 0)
        found_rows, found = [], []
        for _ in range(HISTORY_LIMIT - 1):  # (the current period is the limit's last)
            if not rows.size:
                break
            found_rows.append(rows)
            found.append(at[rows])
            at[rows] = prev[at[rows]]
            rows = rows[at[rows] >= 0]
        if not found:
            return np.zeros(len(self._evse_ids), dtype=np.int64), np.zeros(0, dtype=np.int64)
        # Each step found a period older than the last: by row, then the steps backwards.
        owner = np.concatenate(found_rows)
        step = np.concatenate([np.full(len(r), n) for n, r in enumerate(found_rows)])
        order = np.lexsort((-step, owner))
        counts = np.bincount(owner, minlength=len(self._evse_ids)).astype(np.int64)
        return counts, np.concatenate(found)[order]

    def load_binary(
        self, locations: list[Any], evses: list[Any], statuses: Sequence[str], data: dict[str, Any]
    ) -> None:
        """Fill an empty store with what `dump_binary` gave."""
        planes: bytes = data["period_times"]
        unit: int = data["period_unit"]
        count = sum(row[6] for row in evses)
        if len(planes) != 8 * count or not isinstance(unit, int) or unit <= 0:
            raise ValueError("periods cut short")
        raw = bytearray(8 * count)
        for i in range(8):
            raw[i::8] = planes[i * count : (i + 1) * count]
        deltas = array("q")
        deltas.frombytes(raw)
        kind = data["period_status_type"]
        if kind not in ("B", "I"):
            raise ValueError(f"period statuses of type {kind!r}")
        codes = array(kind)
        codes.frombytes(data["period_statuses"])
        if sys.byteorder == "big":
            deltas.byteswap()
            codes.byteswap()
        if len(codes) != count:
            raise ValueError("period statuses cut short")
        times = accumulate(deltas)
        # Rows with no earlier periods: as `load` with no history.
        self.load(locations, [[*row[:6], []] for row in evses], statuses)
        own = [self._codes[name] for name in statuses]
        first = len(self._p_prev)
        # Built as arrays of their own and appended whole (no list of a million ints).
        self._p_since.extend(array("q", times if unit == 1 else map(unit.__mul__, times)))
        if own == list(range(len(own))):
            self._p_status.extend(array("I", codes))
        else:
            self._p_status.extend(array("I", map(own.__getitem__, codes)))
        prev = self._p_prev
        prev.extend(array("i", range(first - 1, first + count - 1)))
        past = self._past
        period = first
        for row, evse in enumerate(evses):
            k = evse[6]
            if k > 0:
                prev[period] = -1
                period += k
                past[row] = period - 1
        self._compact_at = max(2 * len(self._p_since), 1_000_000)

    def load(
        self,
        locations: list[Any],
        evses: list[Any],
        statuses: Sequence[str],
        *,
        deltas: bool = True,
    ) -> None:
        """Fill an empty store with what `dump` gave (`statuses` names each status number);
        `deltas=False` reads histories of absolute times (snapshots before version 2).

        Seeking in a recording waits for this: columns are filled with whole slices, not
        value by value (a late checkpoint holds close to a million history periods).
        """
        for location_id, _members, last_change in locations:
            lrow = self._add_location(location_id)
            if last_change is not None:
                self._last_change[lrow] = last_change
        # The snapshot's status numbers, as this store's codes.
        code = [self._codes.get(name) for name in statuses]
        for i, name in enumerate(statuses):
            if code[i] is None:
                code[i] = self._add_status(name)
        own: list[int] = code  # type: ignore[assignment]  # every None was replaced above
        # Gathered in lists, then put in the columns at once.
        p_since: list[int] = []
        p_status: list[int] = []
        p_prev: list[int] = []
        period = len(self._p_prev)
        identity = own == list(range(len(own)))
        evse_row, evse_ids = self._evse_row, self._evse_ids
        status_col: list[int] = []
        since_col: list[int] = []
        updated_col: list[int] = []
        changes_col: list[int] = []
        location_col: list[int] = []
        past_col: list[int] = []
        for evse_id, lrow, changes, updated, since, status, coded in evses:
            flat = coded
            if deltas and coded:
                flat = list(coded)
                flat[0::2] = accumulate(coded[0::2])
            key = to_key(evse_id)
            evse_row[key] = len(evse_ids)
            evse_ids.append(key)
            status_col.append(own[status])
            since_col.append(since)
            updated_col.append(updated)
            changes_col.append(changes)
            location_col.append(lrow)
            # Every period but the last (the current one) goes to the history log, each
            # linked to the one before it.
            earlier = len(flat) // 2 - 1
            if earlier > 0:
                p_since += flat[0 : 2 * earlier : 2]
                p_status += (
                    flat[1 : 2 * earlier : 2]
                    if identity
                    else [own[s] for s in flat[1 : 2 * earlier : 2]]
                )
                p_prev.append(-1)
                p_prev += range(period, period + earlier - 1)
                period += earlier
                past_col.append(period - 1)
            else:
                past_col.append(-1)
        self._status.extend(status_col)
        self._since.extend(since_col)
        self._updated.extend(updated_col)
        self._changes.extend(changes_col)
        self._location.extend(location_col)
        self._past.extend(past_col)
        self._next.extend([-1] * len(status_col))
        self._p_since.extend(p_since)
        self._p_status.extend(p_status)
        self._p_prev.extend(p_prev)
        names = self._names
        for code_, n in Counter(status_col).items():
            self.counts[names[code_]] += n
        for lrow, (_id, members, _last) in enumerate(locations):
            for row in members:
                self._link(row, lrow)
        self._compact_at = max(2 * len(self._p_since), 1_000_000)
