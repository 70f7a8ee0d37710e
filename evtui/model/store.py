"""The state of the charging network as the stream has told it so far."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from evtui.model.message import Accepted, Batch
from evtui.model.payload import LocationUpdate

__all__ = [
    "HISTORY_LIMIT",
    "ApplyResult",
    "EvseState",
    "LocationState",
    "StateStore",
    "StatusChange",
    "sample_history",
]

HISTORY_LIMIT = 64
"""Status periods kept per EVSE for its timeline; older ones are dropped."""


@dataclass(frozen=True, slots=True)
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
    """What the store knows of one EVSE."""

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
    """One charging location: its EVSEs and how many are in each status."""

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
        self.evses: dict[str, EvseState] = {}
        self.locations: dict[str, LocationState] = {}
        self.counts: Counter[str] = Counter()
        """EVSEs currently in each status."""
        self.transitions: Counter[tuple[str, str]] = Counter()
        """(old, new) status pairs seen since the store started."""
        self.events: deque[StatusChange] = deque(maxlen=max_events)
        """The latest status changes, oldest first."""
        self.updates = 0
        self.newest: datetime | None = None
        """The newest `last_updated` seen, but never later than the last message arrived: a
        publisher whose clock runs ahead must not make a stalled stream look current."""

    def apply(self, batch: Batch | Iterable[Accepted | LocationUpdate]) -> ApplyResult:
        """Apply the valid payloads of a batch in order and return what changed."""
        result = ApplyResult()
        items = batch.accepted if isinstance(batch, Batch) else batch
        arrived = 0.0
        for item in items:
            if isinstance(item, Accepted):
                arrived = max(arrived, item.message.received_at)
                self._apply_payload(item.payload, result)
            else:
                self._apply_payload(item, result)
        self.updates += result.updates
        if arrived > 0 and self.newest is not None and self.newest.timestamp() > arrived:
            self.newest = datetime.fromtimestamp(arrived, UTC)
        return result

    def _apply_payload(self, payload: LocationUpdate, result: ApplyResult) -> None:
        location_id = payload.id
        location = self.locations.get(location_id)
        if location is None:
            location = self.locations[location_id] = LocationState()
        for update in payload.evses:
            result.updates += 1
            when = update.last_updated  # aware: the schema reads a zone-less time as UTC
            if self.newest is None or when > self.newest:
                self.newest = when
            state = self.evses.get(update.id)
            if state is None:
                self.evses[update.id] = EvseState(
                    location_id, update.status, when, when, history=[(when, update.status)]
                )
                location.evse_ids.append(update.id)
                location.counts[update.status] += 1
                self.counts[update.status] += 1
                location.last_change = _later(location.last_change, when)
                result.first_seen.append(
                    StatusChange(when, location_id, update.id, None, update.status)
                )
                result.locations.add(location_id)
                continue
            if when < state.last_updated:
                result.stale += 1
                continue
            state.last_updated = when
            if state.location_id != location_id:
                self._move(update.id, state, location_id, location)
            if update.status == state.status:
                continue
            old = state.status
            self.counts[old] -= 1
            self.counts[update.status] += 1
            location.counts[old] -= 1
            location.counts[update.status] += 1
            state.status = update.status
            state.since = when
            state.changes += 1
            state.history.append((when, update.status))
            if len(state.history) > HISTORY_LIMIT:
                del state.history[0]
            location.last_change = _later(location.last_change, when)
            self.transitions[(old, update.status)] += 1
            change = StatusChange(when, location_id, update.id, old, update.status)
            self.events.append(change)
            result.changes.append(change)
            result.locations.add(location_id)

    def _move(self, evse_id: str, state: EvseState, to_id: str, to: LocationState) -> None:
        # An EVSE reported under another location than before: the newest report wins.
        old = self.locations[state.location_id]
        old.evse_ids.remove(evse_id)
        old.counts[state.status] -= 1
        to.evse_ids.append(evse_id)
        to.counts[state.status] += 1
        state.location_id = to_id

    @property
    def evse_count(self) -> int:
        return len(self.evses)


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


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
