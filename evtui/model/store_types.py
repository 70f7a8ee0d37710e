"""The values a `StateStore` hands out: status changes, what one `apply` changed, and copies
of an EVSE's and a location's state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["ApplyResult", "EvseState", "LocationState", "StatusChange"]


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
    history: list[tuple[int, int, int, int]] = field(default_factory=list)
    """First sightings and changes together, in arrival order, as the reliability figures
    fold them: (EVSE number, `last_updated` in microseconds, old status code or -1, new
    status code); codes index `StateStore.status_names`."""
    latest: int | None = None
    """The newest `last_updated` applied (microseconds), repeats included; None: none."""

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.first_seen)
