"""What deserves a notification about a watched location."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from evtui.model.state import MonitorState
from evtui.model.store import StateStore
from evtui.model.store_types import ApplyResult
from evtui.model.vocabulary import Status

__all__ = ["ALERT_COOLDOWN", "DOWN_STATUSES", "Alert", "AlertKind", "AlertTracker"]

DOWN_STATUSES = frozenset({Status.OUT_OF_ORDER.value, Status.INOPERATIVE.value})
"""Statuses of an EVSE that cannot charge because of a fault (OCPI §8.4.22)."""


class AlertKind(StrEnum):
    AVAILABLE_AGAIN = "available again"
    ALL_DOWN = "all down"
    LONG_OUTAGE = "long outage"
    FLAPPING = "flapping"


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification: `evses` are the EVSEs concerned."""

    kind: AlertKind
    location_id: str
    evses: tuple[str, ...]
    seconds: float = 0.0
    """For a long outage: how long the longest of them has lasted."""

    def describe(self, name: str) -> str:
        """One line about the location called `name`."""
        count = len(self.evses)
        if self.kind is AlertKind.LONG_OUTAGE:
            what = "an EVSE has" if count == 1 else f"{count} EVSEs have"
            return f"{name}: {what} been down for {_minutes(self.seconds)}"
        if self.kind is AlertKind.FLAPPING:
            what = "an EVSE" if count == 1 else f"{count} EVSEs"
            return f"{name}: {what} started flapping (changing between up and down)"
        if self.kind is AlertKind.AVAILABLE_AGAIN:
            what = "an EVSE is" if count == 1 else f"{count} EVSEs are"
            return f"{name}: {what} AVAILABLE again"
        if count == 1:
            return f"{name}: its only EVSE is down"
        return f"{name}: all {count} EVSEs are down"


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{seconds / 3600:.1f} h"


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
        self._long: set[str] = set()
        """EVSEs whose outage going on was alerted on already."""
        self._flapping: set[str] = set()
        self._next_figures = float("-inf")

    def check_figures(
        self,
        state: MonitorState,
        watched: Collection[str],
        *,
        outage_after: float,
        flapping: bool = True,
    ) -> list[Alert]:
        """Alerts from the reliability figures of `watched` locations' EVSEs: an outage going
        on for longer than `outage_after` seconds (once per outage), and an EVSE that starts
        flapping. Looked at once a second of the data's clock, however many batches come."""
        now = state.reliability.latest
        if now < self._next_figures or not watched:
            return []
        self._next_figures = now + 1.0
        store = state.store
        alerts: list[Alert] = []
        for location_id in watched:
            location = store.locations.get(location_id)
            if location is None:
                continue
            long: list[str] = []
            longest = 0.0
            flappy: list[str] = []
            for evse_id in location.evse_ids:
                figures = state.evse_figures(evse_id)
                if figures.open_outage_s >= outage_after:
                    if evse_id not in self._long:
                        self._long.add(evse_id)
                        long.append(evse_id)
                        longest = max(longest, figures.open_outage_s)
                elif not figures.down_at_end:
                    self._long.discard(evse_id)
                if figures.flapping:
                    if evse_id not in self._flapping:
                        self._flapping.add(evse_id)
                        flappy.append(evse_id)
                else:
                    self._flapping.discard(evse_id)
            if long:
                alerts.append(Alert(AlertKind.LONG_OUTAGE, location_id, tuple(long), longest))
            if flappy and flapping:
                alerts.append(Alert(AlertKind.FLAPPING, location_id, tuple(flappy)))
        return alerts

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
