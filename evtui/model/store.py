"""The state of the charging network as the stream has told it so far, and the stream's way
in: `StateStore.apply`, the hot path every EVSE record of every message goes through.

Readers see the familiar shape through `StateStore.evses` and `StateStore.locations`,
read-only mappings that build an `EvseState`/`LocationState` on demand from the columns
(store_columns.py). The store saves and restores itself through its two bases:
store_snapshot.py (whole) and store_delta.py (what changed since a mark).
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from evtui.model.evse_key import from_key, to_key
from evtui.model.location_key import (
    LOCATION_PREFIX,
    from_location_key,
    to_location_key,
)
from evtui.model.message import Accepted, Batch
from evtui.model.payload import LocationUpdate, from_micros, to_micros
from evtui.model.store_columns import HISTORY_LIMIT, NEVER
from evtui.model.store_delta import DeltaSnapshot
from evtui.model.store_snapshot import FullSnapshot
from evtui.model.store_types import ApplyResult, EvseState, LocationState, StatusChange

__all__ = ["StateStore"]

_PREFIX_LENGTH = len(LOCATION_PREFIX)


class StateStore(FullSnapshot, DeltaSnapshot):
    """Per-EVSE current status, per-location and global counts, and recent changes.

    Pure and synchronous: the UI and the headless commands share it.
    """

    def __init__(self, max_events: int = 10_000) -> None:
        super().__init__()  # the columns and `counts` (store_columns.py)
        self._newest: int | None = None

        self.evses: Mapping[str, EvseState] = _Evses(self)
        """Every EVSE by id (read-only; each value is a copy made when asked)."""
        self.locations: Mapping[str, LocationState] = _Locations(self)
        """Every location by id (read-only; each value is a copy made when asked)."""
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

    @property
    def status_names(self) -> list[str]:
        """Status names by the codes `ApplyResult.history` gives (read-only: do not edit)."""
        return self._names

    @property
    def location_count(self) -> int:
        """How many locations the store knows (location numbers run from 0 to this)."""
        return len(self._location_ids)

    def status_codes(self) -> array[int]:
        """Each EVSE's status now, as a code into `status_names`, by EVSE number (the store's
        own column: read it, never edit it)."""
        return self._status

    def update_times(self) -> array[int]:
        """Each EVSE's last update, microseconds, by EVSE number (read-only, as above)."""
        return self._updated

    def location_of_evses(self) -> array[int]:
        """Each EVSE's location number (see `location_number`), by EVSE number (read-only)."""
        return self._location

    def location_id_at(self, number: int) -> str:
        """The id of location number `number`."""
        return from_location_key(self._location_ids[number])

    def evse_id_at(self, number: int) -> str:
        """The id of EVSE number `number` (see `evse_number`)."""
        return from_key(self._evse_ids[number])

    def evse_number(self, evse_id: str) -> int:
        """Where the EVSE is in `evses` (and in `dump`): the order the stream first named them."""
        return self._evse_row[to_key(evse_id)]

    def location_number(self, location_id: str) -> int:
        """Where the location is in `locations` (and in `dump`)."""
        return self._location_row[to_location_key(location_id)]

    def location_statuses(self, location_id: str) -> list[str]:
        """The status of each EVSE of a location (none if it is unknown), cheaply."""
        row = self._location_row.get(to_location_key(location_id))
        if row is None:
            return []
        names, status = self._names, self._status
        return [names[status[e]] for e in self._members(row)]

    def history_start(self, location_id: str) -> datetime | None:
        """When the earliest period the store remembers of any EVSE of the location began (the
        left edge of its timelines), without copying any EVSE: a location may list thousands."""
        row = self._location_row.get(to_location_key(location_id))
        if row is None:
            return None
        since, past, p_since, p_prev = self._since, self._past, self._p_since, self._p_prev
        earliest: int | None = None
        for e in self._members(row):
            t, period, kept = since[e], past[e], 1
            while period >= 0 and kept < HISTORY_LIMIT:
                t, period, kept = p_since[period], p_prev[period], kept + 1
            if earliest is None or t < earliest:
                earliest = t
        return None if earliest is None else from_micros(earliest)

    def _evse(self, row: int) -> EvseState:
        names = self._names
        return EvseState(
            from_location_key(self._location_ids[self._location[row]]),
            names[self._status[row]],
            from_micros(self._since[row]),
            from_micros(self._updated[row]),
            self._changes[row],
            [(from_micros(t), s) for t, s in self._history(row)],
        )

    def _location_state(self, row: int) -> LocationState:
        ids, names, status = self._evse_ids, self._names, self._status
        members = list(self._members(row))
        last = self._last_change[row]
        return LocationState(
            [from_key(ids[e]) for e in members],
            Counter(names[status[e]] for e in members),
            None if last == NEVER else from_micros(last),
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
        location_row = self._location_row
        evse_row, codes, names = self._evse_row, self._codes, self._names
        status_col, since_col, updated = self._status, self._since, self._updated
        changes_col, location_col, past = self._changes, self._location, self._past
        last_change = self._last_change
        p_since, p_status, p_prev = self._p_since.append, self._p_status.append, self._p_prev
        counts, transitions = self.counts, self.transitions
        log, changes, first_seen = self.events.append, result.changes.append, result.first_seen
        touched = result.locations.add
        history = result.history.append
        newest = self._newest if self._newest is not None else NEVER
        latest = NEVER
        updates = stale = 0
        for payload in payloads:
            location_id = payload.id
            # to_location_key, inline: once per message.
            if location_id.startswith(LOCATION_PREFIX) and location_id.isascii():
                lrow = location_row.get(location_id[_PREFIX_LENGTH:].encode())
            else:
                lrow = location_row.get(location_id)
            if lrow is None:
                lrow = self._add_location(location_id)
            updates += len(payload.evses)
            for update in payload.evses:
                when = update.last_updated
                t = to_micros(when)
                if t > newest:
                    newest = t
                if t > latest:
                    latest = t
                code = codes.get(update.status)
                if code is None:
                    code = self._add_status(update.status)
                status = names[code]
                key = to_key(update.id)
                row = evse_row.get(key)
                if row is None:
                    history((len(self._evse_ids), t, -1, code))
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
                history((row, t, old_code, code))
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
        if latest != NEVER:
            result.latest = latest if result.latest is None else max(result.latest, latest)
        if newest != NEVER:
            self._newest = newest


class _Evses(Mapping[str, EvseState]):
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def __getitem__(self, evse_id: str) -> EvseState:
        return self._store._evse(self._store._evse_row[to_key(evse_id)])

    def __contains__(self, evse_id: object) -> bool:
        return isinstance(evse_id, str) and to_key(evse_id) in self._store._evse_row

    def __iter__(self) -> Iterator[str]:
        return map(from_key, self._store._evse_ids)

    def __len__(self) -> int:
        return len(self._store._evse_ids)


class _Locations(Mapping[str, LocationState]):
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def __getitem__(self, location_id: str) -> LocationState:
        return self._store._location_state(
            self._store._location_row[to_location_key(location_id)]
        )

    def __contains__(self, location_id: object) -> bool:
        return (
            isinstance(location_id, str)
            and to_location_key(location_id) in self._store._location_row
        )

    def __iter__(self) -> Iterator[str]:
        return map(from_location_key, self._store._location_ids)

    def __len__(self) -> int:
        return len(self._store._location_ids)
