"""What deserves a notification about a watched location."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from evtui.model.payload import Status
from evtui.model.store import StateStore
from evtui.model.store_types import ApplyResult

__all__ = ["ALERT_COOLDOWN", "DOWN_STATUSES", "Alert", "AlertKind", "AlertTracker"]

DOWN_STATUSES = frozenset({Status.OUT_OF_ORDER.value, Status.INOPERATIVE.value})
"""Statuses of an EVSE that cannot charge because of a fault (OCPI §8.4.22)."""


class AlertKind(StrEnum):
    AVAILABLE_AGAIN = "available again"
    ALL_DOWN = "all down"


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification: `evses` are the EVSEs concerned."""

    kind: AlertKind
    location_id: str
    evses: tuple[str, ...]

    def describe(self, name: str) -> str:
        """One line about the location called `name`."""
        if self.kind is AlertKind.AVAILABLE_AGAIN:
            count = len(self.evses)
            what = "an EVSE is" if count == 1 else f"{count} EVSEs are"
            return f"{name}: {what} AVAILABLE again"
        if len(self.evses) == 1:
            return f"{name}: its only EVSE is down"
        return f"{name}: all {len(self.evses)} EVSEs are down"


ALERT_COOLDOWN = 60.0
"""Seconds before the same alert for the same location is raised again: a busy location
must not bury the screen (or a recording's markers) in alerts."""


class AlertTracker:
    """Turns applied batches into alerts for watched locations.

    "All down" fires when a location enters that state, not on every update while it stays.
    The same kind of alert for the same location is raised at most once per `cooldown`.
    """

    def __init__(self, cooldown: float = ALERT_COOLDOWN) -> None:
        self.cooldown = cooldown
        self._down: set[str] = set()
        self._raised: dict[tuple[str, AlertKind], float] = {}

    def check(
        self,
        store: StateStore,
        result: ApplyResult,
        watched: Collection[str],
        now: float | None = None,
    ) -> list[Alert]:
        """The alerts that `result`, just applied to `store`, raises for `watched` locations.

        With `now`, alerts raised within the cooldown before it are left out.
        """
        alerts = self._check(store, result, watched)
        if now is None:
            return alerts
        fresh = []
        for alert in alerts:
            key = (alert.location_id, alert.kind)
            if self._raised.get(key, -self.cooldown) + self.cooldown <= now:
                self._raised[key] = now
                fresh.append(alert)
        return fresh

    def _check(
        self, store: StateStore, result: ApplyResult, watched: Collection[str]
    ) -> list[Alert]:
        alerts: list[Alert] = []
        back: dict[str, dict[str, None]] = {}
        for change in result.changes:
            if change.location_id in watched and change.new == Status.AVAILABLE:
                back.setdefault(change.location_id, {})[change.evse_id] = None
        alerts.extend(
            Alert(AlertKind.AVAILABLE_AGAIN, loc, tuple(evses)) for loc, evses in back.items()
        )
        # Only watched locations: this runs for every batch, and most locations are not.
        for location_id in sorted(result.locations.intersection(watched)):
            statuses = store.location_statuses(location_id)
            down = bool(statuses) and all(s in DOWN_STATUSES for s in statuses)
            if not down:
                self._down.discard(location_id)
            elif location_id not in self._down:
                self._down.add(location_id)
                evse_ids = tuple(store.locations[location_id].evse_ids)
                alerts.append(Alert(AlertKind.ALL_DOWN, location_id, evse_ids))
        return alerts
