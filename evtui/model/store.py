"""The state of the charging network as the stream has told it so far.

The store keeps one row per EVSE in flat columns (`array`s of machine integers) rather than an
object per EVSE: a continent's million EVSEs fit in a few hundred MB that way (an object with
its own datetimes and history list cost about 870 bytes an EVSE; a row costs about 200, most of
it the id itself). Readers see the familiar shape through `StateStore.evses` and
`StateStore.locations`, read-only mappings that build an `EvseState`/`LocationState` on demand.
Times are kept as whole microseconds since the epoch (UTC): exact, and 8 bytes each.
"""

from __future__ import annotations

from array import array
from binascii import unhexlify
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from typing import Any

from evtui.model.message import Accepted, Batch
from evtui.model.payload import LocationUpdate, from_micros, to_micros

__all__ = [
    "HISTORY_LIMIT",
    "ApplyResult",
    "EvseState",
    "LocationState",
    "StateStore",
    "StatusChange",
    "from_micros",
    "sample_history",
    "to_micros",
]

HISTORY_LIMIT = 64
"""Status periods kept per EVSE for its timeline (the current one included); older ones go."""

_NEVER = -(2**63)
"""`last_change` of a location none of whose EVSEs ever changed."""

_HERE_EVSE = "here:evcp:evse:"
_HERE_EVSE_LENGTH = len(_HERE_EVSE) + 64


def _key(evse_id: str) -> str | bytes:
    """How the store holds an EVSE id: HERE's own (`here:evcp:evse:` and 64 lowercase hex
    digits) as the 32 bytes the digits spell, any other as it is.

    A million 79-character ids cost 128 MB as text and 80 MB as bytes; the key round-trips
    exactly (`_id`), and no text id can equal a bytes key.
    """
    if len(evse_id) == _HERE_EVSE_LENGTH and evse_id.startswith(_HERE_EVSE):
        digits = evse_id[len(_HERE_EVSE) :]
        try:
            key = unhexlify(digits)
        except ValueError:
            return evse_id
        if key.hex() == digits:  # lowercase: the id comes back exactly as it was
            return key
    return evse_id


def _id(key: str | bytes) -> str:
    """The EVSE id `_key` made `key` from."""
    return key if isinstance(key, str) else _HERE_EVSE + key.hex()


@dataclass(slots=True)  # not frozen: one is built per change, and frozen costs 3x (see message.py)
class StatusChange:
    """One EVSE moving from `old` to `new` status at `time` (its `last_updated`).

    `old` is `None` the first time the stream mentions the EVSE.
    """

    time: datetime
    location_id: str
    evse_id: str
    old: str | None
    new: str


@dataclass(slots=True)
class EvseState:
    """What the store knows of one EVSE: a copy, taken when it was asked for."""

    location_id: str
    status: str
    since: datetime
    """When it entered `status` (the `last_updated` of the update that put it there)."""
    last_updated: datetime
    changes: int = 0
    """Status changes seen since the store started (the first sighting is not one)."""
    history: list[tuple[datetime, str]] = field(default_factory=list)
    """(since, status) of each period, oldest first, at most `HISTORY_LIMIT` of them."""


@dataclass(slots=True)
class LocationState:
    """One charging location: its EVSEs and how many are in each status (a copy)."""

    evse_ids: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    last_change: datetime | None = None


@dataclass(slots=True)
class ApplyResult:
    """What one `StateStore.apply` call changed."""

    changes: list[StatusChange] = field(default_factory=list)
    """Status changes of known EVSEs, in arrival order."""
    first_seen: list[StatusChange] = field(default_factory=list)
    """EVSEs the stream mentioned for the first time."""
    locations: set[str] = field(default_factory=set)
    """Locations whose EVSEs changed or appeared."""
    updates: int = 0
    """EVSE records applied, including those that repeated the current status."""
    stale: int = 0
    """EVSE records older than what the store already had, and so ignored."""

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.first_seen)


class StateStore:
    """Per-EVSE current status, per-location and global counts, and recent changes.

    Pure and synchronous: the UI and the headless commands share it.
    """

    def __init__(self, max_events: int = 10_000) -> None:
        # EVSE rows, in the order the stream first mentioned them.
        self._evse_row: dict[str | bytes, int] = {}  # by _key(evse id)
        self._evse_ids: list[str | bytes] = []
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
        # Location rows.
        self._location_row: dict[str, int] = {}
        self._location_ids: list[str] = []
        self._first = array("i")
        self._last = array("i")
        self._last_change = array("q")
        # Statuses by index: each name is held once, however many EVSEs are in it.
        self._names: list[str] = []
        self._codes: dict[str, int] = {}
        self._newest: int | None = None

        self.evses: Mapping[str, EvseState] = _Evses(self)
        """Every EVSE by id (read-only; each value is a copy made when asked)."""
        self.locations: Mapping[str, LocationState] = _Locations(self)
        """Every location by id (read-only; each value is a copy made when asked)."""
        self.counts: Counter[str] = Counter()
        """EVSEs currently in each status."""
        self.transitions: Counter[tuple[str, str]] = Counter()
        """(old, new) status pairs seen since the store started."""
        self.events: deque[StatusChange] = deque(maxlen=max_events)
        """The latest status changes, oldest first."""
        self.updates = 0

    # --- reading ---------------------------------------------------------------------------

    @property
    def evse_count(self) -> int:
        return len(self._evse_ids)

    @property
    def newest(self) -> datetime | None:
        """The newest `last_updated` seen, but never later than the last message arrived: a
        publisher whose clock runs ahead must not make a stalled stream look current."""
        return None if self._newest is None else from_micros(self._newest)

    @newest.setter
    def newest(self, when: datetime | None) -> None:
        self._newest = None if when is None else to_micros(when)

    def evse_number(self, evse_id: str) -> int:
        """Where the EVSE is in `evses` (and in `dump`): the order the stream first named them."""
        return self._evse_row[_key(evse_id)]

    def location_number(self, location_id: str) -> int:
        """Where the location is in `locations` (and in `dump`)."""
        return self._location_row[location_id]

    def location_statuses(self, location_id: str) -> list[str]:
        """The status of each EVSE of a location (none if it is unknown), cheaply."""
        row = self._location_row.get(location_id)
        if row is None:
            return []
        names, status = self._names, self._status
        return [names[status[e]] for e in self._members(row)]

    def _members(self, location_row: int) -> Iterator[int]:
        row = self._first[location_row]
        while row >= 0:
            yield row
            row = self._next[row]

    def _evse(self, row: int) -> EvseState:
        names = self._names
        return EvseState(
            self._location_ids[self._location[row]],
            names[self._status[row]],
            from_micros(self._since[row]),
            from_micros(self._updated[row]),
            self._changes[row],
            [(from_micros(t), s) for t, s in self._history(row)],
        )

    def _history(self, row: int) -> list[tuple[int, str]]:
        names = self._names
        periods = [(self._since[row], names[self._status[row]])]
        period = self._past[row]
        while period >= 0 and len(periods) < HISTORY_LIMIT:
            periods.append((self._p_since[period], names[self._p_status[period]]))
            period = self._p_prev[period]
        periods.reverse()
        return periods

    def _location_state(self, row: int) -> LocationState:
        ids, names, status = self._evse_ids, self._names, self._status
        members = list(self._members(row))
        last = self._last_change[row]
        return LocationState(
            [_id(ids[e]) for e in members],
            Counter(names[status[e]] for e in members),
            None if last == _NEVER else from_micros(last),
        )

    # --- applying --------------------------------------------------------------------------

    def apply(self, batch: Batch | Iterable[Accepted | LocationUpdate]) -> ApplyResult:
        """Apply the valid payloads of a batch in order and return what changed."""
        result = ApplyResult()
        items = batch.accepted if isinstance(batch, Batch) else batch
        arrived = 0.0
        payloads: list[LocationUpdate] = []
        for item in items:
            if isinstance(item, Accepted):
                if item.message.received_at > arrived:
                    arrived = item.message.received_at
                payloads.append(item.payload)
            else:
                payloads.append(item)
        self._apply_payloads(payloads, result)
        self.updates += result.updates
        if arrived > 0 and self._newest is not None:
            self._newest = min(self._newest, int(arrived * 1_000_000))
        if len(self._p_since) >= self._compact_at:
            self._compact_history()
        return result

    def _apply_payloads(self, payloads: list[LocationUpdate], result: ApplyResult) -> None:
        # The hot path of the whole program: every EVSE record of every message comes through
        # this loop. Columns, counters and methods are bound to locals once per batch.
        location_row, location_ids = self._location_row, self._location_ids
        evse_row, codes, names = self._evse_row, self._codes, self._names
        status_col, since_col, updated = self._status, self._since, self._updated
        changes_col, location_col, past = self._changes, self._location, self._past
        last_change = self._last_change
        p_since, p_status, p_prev = self._p_since.append, self._p_status.append, self._p_prev
        counts, transitions = self.counts, self.transitions
        log, changes, first_seen = self.events.append, result.changes.append, result.first_seen
        touched = result.locations.add
        newest = self._newest if self._newest is not None else _NEVER
        updates = stale = 0
        for payload in payloads:
            location_id = payload.id
            lrow = location_row.get(location_id)
            if lrow is None:
                lrow = self._add_location(location_id)
            location_id = location_ids[lrow]  # the store's own copy: ids are held once
            updates += len(payload.evses)
            for update in payload.evses:
                when = update.last_updated
                t = to_micros(when)
                if t > newest:
                    newest = t
                code = codes.get(update.status)
                if code is None:
                    code = self._add_status(update.status)
                status = names[code]
                key = _key(update.id)
                row = evse_row.get(key)
                if row is None:
                    self._add_evse(key, lrow, code, t)
                    counts[status] += 1
                    first_seen.append(StatusChange(when, location_id, update.id, None, status))
                    touched(location_id)
                    continue
                if t < updated[row]:
                    stale += 1
                    continue
                updated[row] = t
                if location_col[row] != lrow:
                    self._move(row, lrow)
                old_code = status_col[row]
                if code == old_code:
                    continue
                old = names[old_code]
                counts[old] -= 1
                counts[status] += 1
                # The period that ends goes to the history log.
                p_since(since_col[row])
                p_status(old_code)
                p_prev.append(past[row])
                past[row] = len(p_prev) - 1
                status_col[row] = code
                since_col[row] = t
                changes_col[row] += 1
                transitions[(old, status)] += 1
                change = StatusChange(when, location_id, update.id, old, status)
                log(change)
                changes(change)
                touched(location_id)
                if t > last_change[lrow]:
                    last_change[lrow] = t
        result.updates += updates
        result.stale += stale
        if newest != _NEVER:
            self._newest = newest

    def _add_status(self, name: str) -> int:
        code = self._codes[name] = len(self._names)
        self._names.append(name)
        return code

    def _add_location(self, location_id: str) -> int:
        row = self._location_row[location_id] = len(self._location_ids)
        self._location_ids.append(location_id)
        self._first.append(-1)
        self._last.append(-1)
        self._last_change.append(_NEVER)
        return row

    def _add_evse(self, key: str | bytes, lrow: int, code: int, t: int) -> None:
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

    # --- snapshots (see MonitorState.snapshot) ----------------------------------------------

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
            evses.append(
                [
                    _id(ids[row]),
                    self._location[row],
                    self._changes[row],
                    self._updated[row],
                    self._since[row],
                    code[self._status[row]],
                    history,
                ]
            )
        locations = [
            [
                location_id,
                list(self._members(lrow)),
                None if self._last_change[lrow] == _NEVER else self._last_change[lrow],
            ]
            for lrow, location_id in enumerate(self._location_ids)
        ]
        return {"locations": locations, "evses": evses}

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
        p_since, p_status, p_prev = self._p_since, self._p_status, self._p_prev
        for evse_id, lrow, changes, updated, since, status, coded in evses:
            flat = coded
            if deltas and coded:
                flat = list(coded)
                flat[0::2] = accumulate(coded[0::2])
            key = _key(evse_id)
            self._evse_row[key] = len(self._evse_ids)
            self._evse_ids.append(key)
            self._status.append(own[status])
            self._since.append(since)
            self._updated.append(updated)
            self._changes.append(changes)
            self._location.append(lrow)
            self._next.append(-1)
            # Every period but the last (the current one) goes to the history log, each
            # linked to the one before it.
            earlier = len(flat) // 2 - 1
            if earlier > 0:
                first = len(p_prev)
                p_since.extend(flat[0 : 2 * earlier : 2])
                p_status.extend([own[s] for s in flat[1 : 2 * earlier : 2]])
                p_prev.append(-1)
                p_prev.extend(range(first, first + earlier - 1))
                self._past.append(first + earlier - 1)
            else:
                self._past.append(-1)
            self.counts[statuses[status]] += 1
        for lrow, (_id, members, _last) in enumerate(locations):
            for row in members:
                self._link(row, lrow)
        self._compact_at = max(2 * len(self._p_since), 1_000_000)


class _Evses(Mapping[str, EvseState]):
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def __getitem__(self, evse_id: str) -> EvseState:
        return self._store._evse(self._store._evse_row[_key(evse_id)])

    def __contains__(self, evse_id: object) -> bool:
        return isinstance(evse_id, str) and _key(evse_id) in self._store._evse_row

    def __iter__(self) -> Iterator[str]:
        return map(_id, self._store._evse_ids)

    def __len__(self) -> int:
        return len(self._store._evse_ids)


class _Locations(Mapping[str, LocationState]):
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def __getitem__(self, location_id: str) -> LocationState:
        return self._store._location_state(self._store._location_row[location_id])

    def __contains__(self, location_id: object) -> bool:
        return location_id in self._store._location_row

    def __iter__(self) -> Iterator[str]:
        return iter(self._store._location_ids)

    def __len__(self) -> int:
        return len(self._store._location_ids)


def sample_history(
    history: Sequence[tuple[datetime, str]], start: datetime, end: datetime, cells: int
) -> list[str | None]:
    """The status in the middle of each of `cells` equal slices of [start, end].

    `None` where the slice lies before the first known period.
    """
    if cells <= 0:
        return []
    times = [since for since, _ in history]
    span = (end - start) / cells
    out: list[str | None] = []
    for i in range(cells):
        at = start + span * (i + 0.5)
        index = bisect_right(times, at) - 1
        out.append(history[index][1] if index >= 0 else None)
    return out
