"""What a `StateStore` holds, and the edits that keep its rows and links whole.

The store keeps one row per EVSE in flat columns (`array`s of machine integers) rather than an
object per EVSE: a continent's million EVSEs fit in under 300 MB that way (an object with its
own datetimes, counter and history list cost about 770 bytes an EVSE; a row with a history
costs about 260, most of it the id itself; benchmarks/bench_memory.py).
Times are kept as whole microseconds since the epoch (UTC): exact, and 8 bytes each.

`StoreColumns` is the base the store's parts share: the apply path (store.py) and the
snapshot formats (store_snapshot.py, store_delta.py) read and fill these same columns, and a
new column is declared here once.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator

from evtui.model.evse_key import EvseKey
from evtui.model.location_key import LocationKey, to_location_key

__all__ = ["HISTORY_LIMIT", "NEVER", "StoreColumns"]

HISTORY_LIMIT = 64
"""Status periods kept per EVSE for its timeline (the current one included); older ones go."""

NEVER = -(2**63)
"""`last_change` of a location none of whose EVSEs ever changed."""


class StoreColumns:
    """EVSE rows, location rows, the history log and the status names, as columns.

    A per-EVSE column is appended to in `_add_evse`, kept by `apply` (store.py), and saved and
    restored by both snapshot formats: each of those places must learn of a new one.
    """

    def __init__(self) -> None:
        # EVSE rows, in the order the stream first mentioned them.
        self._evse_row: dict[EvseKey, int] = {}  # by to_key(evse id)
        self._evse_ids: list[EvseKey] = []
        self._status = array("I")  # index into _names
        self._since = array("q")
        self._updated = array("q")
        self._changes = array("I")
        self._location = array("I")  # location row
        self._next = array("i")  # next EVSE row of the same location, -1: the last
        self._past = array("i")  # its newest earlier period in the history log, -1: none
        # The history log: earlier periods of every EVSE, each linked to the one before it.
        self._p_since = array("q")
        self._p_status = array("I")
        self._p_prev = array("i")
        self._compact_at = 1_000_000
        self.moves = 0
        """EVSEs reported under another location than before, since the store was made."""
        # Location rows.
        # Locations by key (location_key.py): HERE's ids held as the bytes after the prefix.
        self._location_row: dict[LocationKey, int] = {}
        self._location_ids: list[LocationKey] = []
        self._first = array("i")
        self._last = array("i")
        self._last_change = array("q")
        # Statuses by index: each name is held once, however many EVSEs are in it.
        self._names: list[str] = []
        self._codes: dict[str, int] = {}

        self.counts: Counter[str] = Counter()
        """EVSEs currently in each status."""

    def _members(self, location_row: int) -> Iterator[int]:
        row = self._first[location_row]
        while row >= 0:
            yield row
            row = self._next[row]

    def _history(self, row: int) -> list[tuple[int, str]]:
        names = self._names
        periods = [(self._since[row], names[self._status[row]])]
        period = self._past[row]
        while period >= 0 and len(periods) < HISTORY_LIMIT:
            periods.append((self._p_since[period], names[self._p_status[period]]))
            period = self._p_prev[period]
        periods.reverse()
        return periods

    def _add_status(self, name: str) -> int:
        code = self._codes[name] = len(self._names)
        self._names.append(name)
        return code

    def _add_location(self, location_id: str) -> int:
        key = to_location_key(location_id)
        row = self._location_row[key] = len(self._location_ids)
        self._location_ids.append(key)
        self._first.append(-1)
        self._last.append(-1)
        self._last_change.append(NEVER)
        return row

    def _add_evse(self, key: EvseKey, lrow: int, code: int, t: int) -> None:
        row = self._evse_row[key] = len(self._evse_ids)
        self._evse_ids.append(key)
        self._status.append(code)
        self._since.append(t)
        self._updated.append(t)
        self._changes.append(0)
        self._location.append(lrow)
        self._next.append(-1)
        self._past.append(-1)
        self._link(row, lrow)
        if t > self._last_change[lrow]:
            self._last_change[lrow] = t

    def _link(self, row: int, lrow: int) -> None:
        last = self._last[lrow]
        if last < 0:
            self._first[lrow] = row
        else:
            self._next[last] = row
        self._last[lrow] = row
        self._location[row] = lrow

    def _move(self, row: int, to: int) -> None:
        # An EVSE reported under another location than before: the newest report wins.
        self.moves += 1
        lrow = self._location[row]
        previous = -1
        current = self._first[lrow]
        while current != row:
            previous, current = current, self._next[current]
        following = self._next[row]
        if previous < 0:
            self._first[lrow] = following
        else:
            self._next[previous] = following
        if self._last[lrow] == row:
            self._last[lrow] = previous
        self._next[row] = -1
        self._link(row, to)

    def _compact_history(self) -> None:
        """Drop the periods no EVSE's history reaches any more; keeps the log bounded."""
        since, status, prev = array("q"), array("I"), array("i")
        for row in range(len(self._evse_ids)):
            chain: list[int] = []
            period = self._past[row]
            while period >= 0 and len(chain) < HISTORY_LIMIT - 1:
                chain.append(period)
                period = self._p_prev[period]
            last = -1
            for period in reversed(chain):
                since.append(self._p_since[period])
                status.append(self._p_status[period])
                prev.append(last)
                last = len(prev) - 1
            self._past[row] = last
        self._p_since, self._p_status, self._p_prev = since, status, prev
        self._compact_at = max(2 * len(since), 1_000_000)
