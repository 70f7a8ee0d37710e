"""One EVSE's status history folded into the figures of docs/reliability.md, update by update.

`EvseFold.update` takes the EVSE's updates in arrival order (O(1) each, but for gaps and
exclusions crossed); `EvseFold.finish` closes the status still holding at the window's end and
gives `EvseFigures`. Periods are intervals of the data's clock, clipped to the window and cut
by the gaps (unobserved time); nothing is sampled.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from evtui.model.reliability.figures import EvseFigures, Outage
from evtui.model.reliability.rules import UNKNOWN_GRACE, WORKING, RuleSet, flap_class

__all__ = [
    "FLAP_HIGH",
    "FLAP_LOW",
    "FLAP_STATES",
    "RETURN_WITHIN",
    "STALE_AFTER",
    "Context",
    "EvseFold",
    "flap_share",
]

FLAP_STATES = 21
"""The classes the flapping share is taken over (Nagios: the last 21 checks)."""
FLAP_HIGH, FLAP_LOW = 50.0, 25.0
"""Flapping starts over the first share (%) and stops under the second."""
RETURN_WITHIN = 60.0
"""Two returns to AVAILABLE this close with no CHARGING between: flapping."""
STALE_AFTER: dict[str, float] = {"UNKNOWN": 24 * 3600.0, "CHARGING": 24 * 3600.0}
"""A status whose last update is older than this at the window's end is stale."""

# Weights of the 20 transitions between 21 classes, oldest first: 0.8 up to 1.2 in steps of
# 0.4/19, kept as whole multiples of that step (38 up to 57) so that every computation of the
# share (this fold, the live columns, the archive's SQL) gives the same bits: 2 W / 19 %.
_WEIGHTS = [57 - (FLAP_STATES - 2 - i) for i in range(FLAP_STATES - 1)]


@dataclass
class Context:
    """What every EVSE's fold of one report shares: the rules, the window, the gaps.

    `start`/`end` are the window; -inf/+inf while the data decides (the default window is
    the oldest to the newest `last_updated`: nothing is older than the oldest, so clipping
    there changes nothing). `gaps` are sorted, disjoint `[start, end)` intervals, appended
    as they are found (always after every period held so far).
    """

    rules: RuleSet
    start: float = -math.inf
    end: float = math.inf
    gaps: list[tuple[float, float]] = field(default_factory=list)
    exclusions: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    """EVSE or location id -> excluded intervals (applied under rules with exclusions)."""
    stale_after: dict[str, float] = field(default_factory=lambda: dict(STALE_AFTER))

    def add_gap(self, start: float, end: float) -> None:
        if end <= start:
            return
        if self.gaps and start <= self.gaps[-1][1]:
            last_start, last_end = self.gaps[-1]
            self.gaps[-1] = (last_start, max(last_end, end))
        else:
            self.gaps.append((start, end))

    def observed(self, start: float, end: float) -> Iterator[tuple[float, float]]:
        """The parts of `[start, end)` inside the window and outside every gap."""
        start, end = max(start, self.start), min(end, self.end)
        if end <= start:
            return
        gaps = self.gaps
        if not gaps or gaps[-1][1] <= start:
            yield start, end
            return
        i = bisect.bisect_right(gaps, (start, math.inf)) - 1
        i = max(i, 0)
        at = start
        while i < len(gaps) and gaps[i][0] < end:
            gap_start, gap_end = gaps[i]
            if gap_end > at:
                if gap_start > at:
                    yield at, gap_start
                at = max(at, gap_end)
            i += 1
        if at < end:
            yield at, end


class _Run:
    """The outage being folded: where its down part starts and ends, and its statuses."""

    __slots__ = ("duration", "end", "start", "statuses")

    def __init__(self, start: float, end: float, status: str) -> None:
        self.start, self.end, self.duration = start, end, end - start
        self.statuses = {status}

    def outage(self, ongoing: bool) -> Outage:
        end = None if ongoing else self.end
        return Outage(self.start, end, self.duration, tuple(sorted(self.statuses)))


class EvseFold:
    """The accumulators of one EVSE (see the module's docstring)."""

    __slots__ = (
        "_charged",
        "_classes",
        "_ctx",
        "_excluded",
        "_instant",
        "_last_return",
        "_latest_changes",
        "_run",
        "_source",
        "_steady",
        "_unknown_since",
        "at",
        "changed",
        "changes",
        "down_s",
        "evse",
        "excluded_s",
        "first_at",
        "flapping",
        "late",
        "location",
        "outages",
        "pieces",
        "seconds",
        "since",
        "status",
        "up_s",
    )

    def __init__(self, ctx: Context, location: str, evse: str) -> None:
        self._ctx = ctx
        self.location, self.evse = location, evse
        self.status: str | None = None
        self.at = -math.inf
        """The `last_updated` of the latest update applied (a repeat of the status too)."""
        self.since = -math.inf
        """When the status holding now began: the `last_updated` of its change."""
        self.first_at: float | None = None
        self._source = 0
        """Which source (session) delivered the status held at `at`."""
        self._instant: dict[str, int] | None = None
        """Where several statuses came at `at`: each, and the source that delivered it first
        (None while there is one only: the status, from `_source`)."""
        self.seconds: dict[str, float] = {}
        self.up_s = self.down_s = self.excluded_s = 0.0
        self.changes = self.late = 0
        self.changed = False
        """Whether the last update applied changed the status (or was the first)."""
        self._latest_changes = 0
        """Changes at `at` itself: outside a window that ends there."""
        self.outages: list[Outage] = []
        self._run: _Run | None = None
        self.pieces: list[list[float]] = []
        """Observed time as [start, end, down] pieces, neighbours of one class merged."""
        self._unknown_since = -math.inf
        self._classes: deque[int] = deque(maxlen=FLAP_STATES)
        self._steady = 0
        """Updates in a row whose class is the one before's."""
        self.flapping = False
        self._last_return: float | None = None
        self._charged = False
        excluded: list[tuple[float, float]] = []
        if ctx.rules.other_down and ctx.exclusions:
            excluded = ctx.exclusions.get(evse, []) + ctx.exclusions.get(location, [])
        self._excluded = _merged(excluded)

    def update(self, status: str, at: float, source: int = 0) -> bool:
        """Fold one update; False when it is late (older than the current one) or after the
        window, and so not applied.

        `source` tells sessions read together apart: two recorders of one stream hold copies
        of the same updates. A status that another source delivered at this same instant
        already is such a copy, and no change (a source's own A, B, A at one instant is)."""
        if at > self._ctx.end:
            return False
        if at < self.at:
            self.late += 1
            return False
        previous = self.status
        if at > self.at:
            self._latest_changes = 0
            self._source, self._instant = source, None
        elif status != previous:
            instant = self._instant
            if instant is None:
                instant = self._instant = {} if previous is None else {previous: self._source}
            first = instant.setdefault(status, source)
            if first != source:
                self.changed = False
                return True  # a copy: as a repeat
        changed = status != previous
        self.at = at
        if not changed:
            # A repeat: the status history goes on as it was (only staleness reads `at`).
            self.changed = False
            return True
        if previous is not None:
            self._hold(previous, self.since, at)
            if at >= self._ctx.start:
                self.changes += 1
                self._latest_changes += 1
        else:
            self.first_at = at
        if status == "UNKNOWN":
            self._unknown_since = at
        self._flap(previous, status, at)
        self.status, self.since = status, at
        self.changed = changed
        return True

    def finish(self, end: float) -> EvseFigures:
        """The figures with the window ending at `end` (the status holding until then)."""
        ctx = self._ctx
        assert self.status is not None, "an EVSE with no update has no figures"
        self._hold(self.status, self.since, end)
        outages = list(self.outages)
        run = self._run
        # Ongoing when still down at the end; an update at the end itself may have ended it.
        down_at_end = self._down_at(self.status, end)
        ongoing = run is not None and down_at_end
        if run is not None:
            outages.append(run.outage(ongoing=ongoing))
        changes = self.changes - (self._latest_changes if self.at >= end else 0)
        threshold = ctx.stale_after.get(self.status)
        stale = threshold is not None and end - self.at > threshold
        working = sum(s for status, s in self.seconds.items() if status in WORKING)
        return EvseFigures(
            location=self.location,
            evse=self.evse,
            observed_s=self.up_s + self.down_s,
            seconds=dict(self.seconds),
            up_s=self.up_s,
            down_s=self.down_s,
            working_s=working,
            charging_s=self.seconds.get("CHARGING", 0.0),
            outages=len(outages),
            longest_outage_s=max((o.duration for o in outages), default=0.0),
            ongoing=ongoing,
            flapping=self.flapping,
            stale=stale,
            status=self.status,
            changes=changes,
            late=self.late,
            excluded_s=self.excluded_s,
            down_at_end=down_at_end,
            open_outage_s=outages[-1].duration if ongoing else 0.0,
            outage_list=tuple(outages),
        )

    # --- the time a status held ---------------------------------------------------------

    def _hold(self, status: str, start: float, end: float) -> None:
        ctx = self._ctx
        gaps = ctx.gaps
        if gaps and gaps[-1][1] > start:
            for a, b in ctx.observed(start, end):
                self._observed(status, a, b)
        else:
            # The usual case, without the generator: no gap since `start`.
            start, end = max(start, ctx.start), min(end, ctx.end)
            if start < end:
                self._observed(status, start, end)

    def _observed(self, status: str, start: float, end: float) -> None:
        ctx = self._ctx
        self.seconds[status] = self.seconds.get(status, 0.0) + (end - start)
        if ctx.rules.unknown_grace and status == "UNKNOWN":
            turn = self._unknown_since + UNKNOWN_GRACE
            self._piece(start, min(end, turn), False, status)
            self._piece(max(start, turn), end, True, status)
        elif ctx.rules.down(status):
            self._down(start, end, status)
        else:
            self._piece(start, end, False, status)

    def _down_at(self, status: str, at: float) -> bool:
        """Whether `status`, holding at `at`, is down there."""
        rules = self._ctx.rules
        if rules.unknown_grace and status == "UNKNOWN":
            return at >= self._unknown_since + UNKNOWN_GRACE
        if not rules.down(status):
            return False
        return not any(a <= at < b for a, b in self._excluded)

    def _down(self, start: float, end: float, status: str) -> None:
        """Down time, but for what the exclusions turn into up time."""
        at = start
        for a, b in self._excluded:
            if b <= at:
                continue
            if a >= end:
                break
            if a > at:
                self._piece(at, a, True, status)
            covered = min(b, end) - max(a, at)
            self.excluded_s += covered
            self._piece(max(a, at), min(b, end), False, status)
            at = min(b, end)
        if at < end:
            self._piece(at, end, True, status)

    def _piece(self, start: float, end: float, down: bool, status: str) -> None:
        if end <= start:
            return
        length = end - start
        run = self._run
        if down:
            self.down_s += length
            if run is None:
                self._run = _Run(start, end, status)
            else:
                run.end = end
                run.duration += length
                run.statuses.add(status)
        else:
            self.up_s += length
            if run is not None:
                self.outages.append(run.outage(ongoing=False))
                self._run = None
        pieces = self.pieces
        flag = 1.0 if down else 0.0
        if pieces and pieces[-1][1] == start and pieces[-1][2] == flag:
            pieces[-1][1] = end
        else:
            pieces.append([start, end, flag])

    # --- flapping -----------------------------------------------------------------------

    def _flap(self, previous: str | None, status: str, at: float) -> None:
        classes = self._classes
        kind = flap_class(status)
        if classes and classes[-1] == kind:
            self._steady += 1
        else:
            self._steady = 0
        classes.append(kind)
        # No class change in the whole history (the usual case): a share of 0.
        share = 0.0 if self._steady >= FLAP_STATES - 1 else flap_share(classes)
        if share > FLAP_HIGH:
            self.flapping = True
        elif share < FLAP_LOW:
            self.flapping = False
        if status == "AVAILABLE" and previous is not None:  # a change: from another status
            last = self._last_return
            if last is not None and at - last <= RETURN_WITHIN and not self._charged:
                self.flapping = True
            self._last_return = at
            self._charged = False
        elif status == "CHARGING":
            self._charged = True


def flap_share(classes: Sequence[int]) -> float:
    """Nagios's weighted share (%) of class changes: the newest transition weighs most."""
    n = len(classes)
    if n < 2:
        return 0.0
    weights = _WEIGHTS[FLAP_STATES - n :]
    total = 0
    for i in range(1, n):
        if classes[i] != classes[i - 1]:
            total += weights[i - 1]
    return 2.0 * total / 19


def _merged(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
