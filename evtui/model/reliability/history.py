"""A whole history of EVSE updates folded into figures: what `evtui report` computes.

Feed `History` messages in the order they arrived (`received` with their receive time, when
the source has one, then `update` for each EVSE they carry); `finish` gives every EVSE's
figures over the window, and each location's all-down time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from evtui.model.reliability.figures import EvseFigures
from evtui.model.reliability.fold import Context, EvseFold
from evtui.model.reliability.rules import RuleSet

__all__ = ["DEFAULT_GAP", "History", "Result"]

DEFAULT_GAP = 300.0
"""Seconds with no message received after which the time until the next one is unobserved."""


@dataclass(frozen=True)
class Result:
    """The figures of a history over its window `[start, end)`."""

    rules: RuleSet
    start: float
    end: float
    evses: list[EvseFigures]
    all_down_s: dict[str, float]
    """Per location: seconds every observed EVSE of it was down."""
    gaps: list[tuple[float, float]]

    @property
    def window_s(self) -> float:
        return max(0.0, self.end - self.start)


class History:
    """Folds updates EVSE by EVSE, finding the gaps in reception on the way."""

    def __init__(
        self,
        rules: RuleSet,
        *,
        start: float | None = None,
        end: float | None = None,
        gap: float = DEFAULT_GAP,
        exclusions: dict[str, list[tuple[float, float]]] | None = None,
        gaps: list[tuple[float, float]] | None = None,
    ) -> None:
        """`gaps`: gaps in reception known up front (sorted, disjoint), as an archive knows
        them; `received` finds them as it goes otherwise."""
        self._ctx = Context(
            rules,
            -math.inf if start is None else start,
            math.inf if end is None else end,
            exclusions=exclusions or {},
        )
        for a, b in gaps or ():
            self._ctx.add_gap(a, b)
        self._start, self._end = start, end
        self._gap = gap
        self._folds: dict[tuple[str, str], EvseFold] = {}
        self._oldest = math.inf
        self._newest = -math.inf
        """The newest `last_updated` of a status change so far (within the window's end)."""
        self._latest = -math.inf
        """The newest `last_updated` of any update applied: the default window's end."""
        self._last_received: float | None = None
        self._gap_from: float | None = None
        """Where a gap in reception began on the data's clock, until an update ends it."""

    def received(self, at: float) -> None:
        """A message (valid or not) was received at `at` (the receive clock)."""
        last = self._last_received
        quiet = last is not None and at - last > self._gap
        if quiet and self._gap_from is None and self._newest > -math.inf:
            self._gap_from = self._newest
        self._last_received = at if last is None else max(last, at)

    def update(self, location: str, evse: str, status: str, at: float, source: int = 0) -> bool:
        """One EVSE update, in arrival order; `source` tells sessions read together apart
        (`EvseFold.update`: a copy of another's update is no change). True when the update is
        late: older than the EVSE's current one, so not applied."""
        if self._end is not None and at > self._end:
            return False
        key = (location, evse)
        fold = self._folds.get(key)
        if fold is None:
            fold = self._folds[key] = EvseFold(self._ctx, location, evse)
        gap_from = self._gap_from
        if gap_from is not None and at > gap_from and at >= fold.at and status != fold.status:
            # The first change after a gap newer than its start ends it, before it is folded.
            self._ctx.add_gap(gap_from, at)
            self._gap_from = None
        if not fold.update(status, at, source):
            return True  # (after the window's end it returned above)
        self._oldest = min(self._oldest, at)
        if fold.changed:
            # Gaps are placed on the status history's clock: repeats leave it as it is.
            self._newest = max(self._newest, at)
        self._latest = max(self._latest, at)
        return False

    def finish(self) -> Result:
        """Every EVSE's figures over the window (by default the oldest to the newest update)."""
        start = self._start if self._start is not None else self._oldest
        end = self._end if self._end is not None else self._latest
        if not math.isfinite(start) or not math.isfinite(end):
            start = end = 0.0  # no update at all
        last = self._last_received
        if self._end is not None and last is not None and end - last > self._gap:
            # A window that runs on past the reception: the silence after the last message
            # is a gap like any other, from the newest change before it to the window's end
            # (not the statuses then held on, unobserved, for as long as the window asks).
            began = self._gap_from if self._gap_from is not None else self._newest
            if math.isfinite(began) and end > began:
                self._ctx.add_gap(began, end)
        figures = [f.finish(end) for f in self._folds.values() if f.status is not None]
        by_location: dict[str, list[list[float]]] = {}
        for fold in self._folds.values():
            by_location.setdefault(fold.location, []).extend(fold.pieces)
        all_down = {location: _all_down(pieces) for location, pieces in by_location.items()}
        return Result(self._ctx.rules, start, end, figures, all_down, list(self._ctx.gaps))


def _all_down(pieces: list[list[float]]) -> float:
    """Seconds in which every EVSE observed at the time was down (and one at least was)."""
    events: list[tuple[float, int, int]] = []
    for start, end, down in pieces:
        flag = int(down)
        events.append((start, 1, flag))
        events.append((end, -1, -flag))
    events.sort()
    total, observed, downs = 0.0, 0, 0
    previous = 0.0
    for at, d_observed, d_down in events:
        if observed and downs == observed:
            total += at - previous
        observed += d_observed
        downs += d_down
        previous = at
    return total
