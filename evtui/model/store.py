"""The state of the charging network as the stream has told it so far.

The store keeps one row per EVSE in flat columns (`array`s of machine integers) rather than an
object per EVSE: a continent's million EVSEs fit in under 300 MB that way (an object with its
own datetimes, counter and history list cost about 770 bytes an EVSE; a row with a history
costs about 260, most of it the id itself; benchmarks/bench_memory.py). Readers see the
familiar shape through `StateStore.evses` and `StateStore.locations`, read-only mappings that
build an `EvseState`/`LocationState` on demand.
Times are kept as whole microseconds since the epoch (UTC): exact, and 8 bytes each.
"""

from __future__ import annotations

import sys
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
    "StoreMark",
    "from_micros",
    "sample_history",
    "to_micros",
]

HISTORY_LIMIT = 64
"""Status periods kept per EVSE for its timeline (the current one included); older ones go."""

_SECOND = 1_000_000
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
            evses.append(self._dump_row(row, code, history))
        return {"locations": self._dump_locations(), "evses": evses}

    def _dump_row(self, row: int, code: list[int], history: object) -> list[Any]:
        """One EVSE as `dump` and `dump_binary` give it; `code` numbers this store's statuses."""
        return [
            _id(self._evse_ids[row]),
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
                location_id,
                list(self._members(lrow)),
                None if self._last_change[lrow] == _NEVER else self._last_change[lrow],
            ]
            for lrow, location_id in enumerate(self._location_ids)
        ]

    def dump_binary(self, status: Callable[[str], int]) -> dict[str, Any]:
        """`dump`, with the EVSEs' earlier periods as bytes rather than lists (see
        `load_binary`): a fifth smaller once compressed, and restored without a Python loop
        over every period (a late checkpoint of a large network holds close to a million)."""
        ids, names = self._evse_ids, self._names
        code = [status(name) for name in names]
        evses = []
        times: list[int] = []
        codes: list[int] = []
        for row in range(len(ids)):
            earlier = self._history(row)[:-1]
            times += (t for t, _ in earlier)
            codes += (status(name) for _, name in earlier)
            evses.append(self._dump_row(row, code, len(earlier)))
        unit = _SECOND if all(t % _SECOND == 0 for t in times) else 1
        # Each start as the time since the one before (rows one after the other), byte plane
        # by byte plane: the high bytes are nearly all alike and compress to nothing.
        deltas = array(
            "q", (b // unit - a // unit for a, b in zip([0, *times], times, strict=False))
        )
        if sys.byteorder == "big":
            deltas.byteswap()
        raw = deltas.tobytes()
        kind = "B" if len(code) <= 256 and all(c < 256 for c in codes) else "I"
        status_bytes = array(kind, codes)
        if sys.byteorder == "big":
            status_bytes.byteswap()
        return {
            "locations": self._dump_locations(),
            "evses": evses,
            "period_unit": unit,
            "period_status_type": kind,
            "period_times": b"".join(raw[i::8] for i in range(8)),
            "period_statuses": status_bytes.tobytes(),
        }

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
            key = _key(evse_id)
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

    # --- delta snapshots: what changed since a mark (see MonitorState.snapshot_delta) ---------

    def mark(self) -> StoreMark:
        """What `dump_changes` compares with: the columns a change can alter, as of now."""
        return StoreMark(
            len(self._evse_ids),
            len(self._location_ids),
            array("q", self._updated),
            array("i", self._next),
            array("i", self._first),
        )

    def dump_changes(
        self,
        mark: StoreMark,
        first_seen: Sequence[StatusChange],
        changes: Sequence[StatusChange],
        status: Callable[[str], int],
    ) -> dict[str, Any]:
        """What turns the store as of `mark` into the store now, as JSON-able lists.

        `first_seen` and `changes` are every EVSE first seen and every status change applied
        since the mark, in order (as `apply` returned them). See `load_changes`.
        """
        evses = len(self._evse_ids)
        new_evses: list[list[Any]] = []
        row = mark.evses
        for seen in first_seen:
            # Rows are added in first-seen order: this is row `row`.
            new_evses.append(
                [
                    seen.evse_id,
                    self._location_row[seen.location_id],
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
        for change in changes:
            r = self._evse_row[_key(change.evse_id)]
            t = to_micros(change.time)
            lrow = self._location_row[change.location_id]
            coded += (t - before, r, status(change.new), -1 if lrow == location_col[r] else lrow)
            before = t
        # Where an update moved no status, only `updated` changed: each such row (and each new
        # one) as the rows since the one before and `updated - since` (mostly 0).
        rows = sorted(
            {*_differing(mark.updated, self._updated, mark.evses), *range(mark.evses, evses)}
        )
        updated: list[int] = []
        previous = 0
        for r in rows:
            updated += (r - previous, self._updated[r] - self._since[r])
            previous = r
        return {
            "new_locations": self._location_ids[mark.locations :],
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
        self, data: dict[str, Any], statuses: Sequence[str], keep: int | None = None
    ) -> list[StatusChange]:
        """Apply what `dump_changes` gave; returns the last `keep` (all: None) of the status
        changes it made, oldest first, for the event log. `counts` is not kept up to date:
        `recount` once done."""
        for location_id in data["new_locations"]:
            self._add_location(location_id)
        code = [self._codes.get(name) for name in statuses]
        for i, name in enumerate(statuses):
            if code[i] is None:
                code[i] = self._add_status(name)
        own: list[int] = code  # type: ignore[assignment]  # every None was replaced above
        names = self._names
        for evse_id, lrow, status, t in data["new_evses"]:
            key = _key(evse_id)
            if key in self._evse_row or not 0 <= lrow < len(self._location_ids):
                raise ValueError(f"EVSE {evse_id!r} cannot be added")
            self._add_evse(key, lrow, own[status], t)
        relinked = data["relinked"]
        location_col, next_col = self._location, self._next
        for lrow, members in relinked:
            self._first[lrow] = self._last[lrow] = -1
            for row in members:
                next_col[row] = -1
        for lrow, members in relinked:
            for row in members:
                self._link(row, lrow)
        status_col, since_col, changes_col, past = (
            self._status,
            self._since,
            self._changes,
            self._past,
        )
        last_change = self._last_change
        add_since, add_status = self._p_since.append, self._p_status.append
        p_prev = self._p_prev
        add_prev, period = p_prev.append, len(p_prev)
        location_ids, evse_ids = self._location_ids, self._evse_ids
        coded = data["changes"]
        if len(coded) % 4:
            raise ValueError("changes cut short")
        count = len(coded) // 4
        logged = count - (count if keep is None else min(keep, count))
        out = []
        t = 0
        # The hot loop of a seek: every status change since the full checkpoint. `counts` is
        # left to `recount`, once the last delta is in.
        for n, (dt, row, new, lrow) in enumerate(
            zip(coded[0::4], coded[1::4], coded[2::4], coded[3::4], strict=True)
        ):
            t += dt
            old_code = status_col[row]
            add_since(since_col[row])
            add_status(old_code)
            add_prev(past[row])
            past[row] = period
            period += 1
            new_code = status_col[row] = own[new]
            since_col[row] = t
            changes_col[row] += 1
            if lrow < 0:
                lrow = location_col[row]
            if t > last_change[lrow]:
                last_change[lrow] = t
            if n >= logged:
                out.append(
                    StatusChange(
                        from_micros(t),
                        location_ids[lrow],
                        _id(evse_ids[row]),
                        names[old_code],
                        names[new_code],
                    )
                )
        updated, row = data["updated"], 0
        for i in range(0, len(updated), 2):
            row += updated[i]
            self._updated[row] = since_col[row] + updated[i + 1]
        if len(self._p_since) >= self._compact_at:
            self._compact_history()
        return out


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
