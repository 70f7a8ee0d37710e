"""The figures of one EVSE, and of any group of EVSEs as ratios of sums (docs/reliability.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["BUCKETS", "EvseFigures", "GroupFigures", "Outage"]

BUCKETS: tuple[tuple[str, float], ...] = (
    ("<2h", 2 * 3600.0),
    ("<24h", 24 * 3600.0),
    ("<7d", 7 * 86400.0),
    (">=7d", float("inf")),
)
"""Outage duration buckets, as France's national platform reports them."""


@dataclass(frozen=True, slots=True)
class Outage:
    """A run of down time inside the window: `end` is None while it goes on at the end."""

    start: float
    end: float | None
    duration: float
    """Down seconds: the part inside the window, unobserved time left out."""
    statuses: tuple[str, ...]


def _ratio(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole > 0 else None


class _Ratios:
    """The figures an EVSE and a group both derive from their sums, in one place."""

    __slots__ = ()
    up_s: float
    down_s: float
    observed_s: float
    working_s: float
    charging_s: float
    outages: int

    @property
    def outage_s(self) -> float:
        return self.down_s

    @property
    def uptime_pct(self) -> float | None:
        return _ratio(self.up_s, self.observed_s)

    @property
    def utilisation_pct(self) -> float | None:
        return _ratio(self.charging_s, self.working_s)

    @property
    def mttr_s(self) -> float | None:
        return self.down_s / self.outages if self.outages else None

    @property
    def mtbf_s(self) -> float | None:
        return self.up_s / self.outages if self.outages else None


@dataclass(frozen=True, slots=True)
class EvseFigures(_Ratios):
    """What one EVSE's history gives over a window."""

    location: str
    evse: str
    observed_s: float
    seconds: dict[str, float]
    """Observed seconds by status (a report), or by status class (the live figures)."""
    up_s: float
    down_s: float
    """Down seconds under the rule set: the outages' total."""
    working_s: float
    """Seconds in AVAILABLE, CHARGING, RESERVED or BLOCKED."""
    charging_s: float
    outages: int
    """Outages that intersect the window, an ongoing one included."""
    longest_outage_s: float
    ongoing: bool
    """Down at the window's end."""
    flapping: bool
    stale: bool
    status: str
    """The status holding at the window's end."""
    changes: int = 0
    late: int = 0
    excluded_s: float = 0.0
    down_at_end: bool = False
    """The status holding at the window's end is down (even if it began right there)."""
    open_outage_s: float = 0.0
    """How long the outage going on at the end has lasted (0: none)."""
    outage_list: tuple[Outage, ...] = ()
    """Each outage (a report; the live figures keep only the count and the longest)."""
    outage_buckets: tuple[int, ...] | None = None
    """Outages per duration bucket (BUCKETS' order), where `outage_list` is not kept."""


@dataclass
class GroupFigures(_Ratios):
    """EVSEs' figures added up: seconds and counts summed, ratios taken of the sums."""

    evses: int = 0
    observed_s: float = 0.0
    unobserved_s: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)
    working_s: float = 0.0
    charging_s: float = 0.0
    up_s: float = 0.0
    down_s: float = 0.0
    excluded_s: float = 0.0
    outages: int = 0
    longest_outage_s: float = 0.0
    buckets: dict[str, int] = field(default_factory=lambda: {name: 0 for name, _ in BUCKETS})
    changes: int = 0
    late: int = 0
    flapping_evses: int = 0
    stale_evses: int = 0
    down_now: int = 0
    """EVSEs down at the window's end."""
    all_down_s: float = 0.0
    observed_evses: int = 0
    over_97: int = 0
    over_99: int = 0

    def add(self, figures: EvseFigures, window_s: float) -> None:
        """Add one EVSE observed over a window of `window_s` seconds."""
        self.evses += 1
        self.observed_s += figures.observed_s
        self.unobserved_s += max(0.0, window_s - figures.observed_s)
        for status, seconds in figures.seconds.items():
            self.seconds[status] = self.seconds.get(status, 0.0) + seconds
        self.working_s += figures.working_s
        self.charging_s += figures.charging_s
        self.up_s += figures.up_s
        self.down_s += figures.down_s
        self.excluded_s += figures.excluded_s
        self.outages += figures.outages
        self.longest_outage_s = max(self.longest_outage_s, figures.longest_outage_s)
        if figures.outage_buckets is not None:
            for (name, _), count in zip(BUCKETS, figures.outage_buckets, strict=True):
                self.buckets[name] += count
        else:
            for outage in figures.outage_list:
                self.buckets[bucket(outage.duration)] += 1
        self.changes += figures.changes
        self.late += figures.late
        self.flapping_evses += figures.flapping
        self.stale_evses += figures.stale
        self.down_now += figures.down_at_end
        uptime = figures.uptime_pct
        if uptime is not None:
            self.observed_evses += 1
            self.over_97 += uptime > 97.0
            self.over_99 += uptime > 99.0

    def merge(self, other: GroupFigures) -> None:
        """Add another group's sums to these (a location's into its operator's, say)."""
        for name in (
            "evses", "observed_s", "unobserved_s", "working_s", "charging_s", "up_s", "down_s",
            "excluded_s", "outages", "changes", "late", "flapping_evses", "stale_evses",
            "down_now", "all_down_s", "observed_evses", "over_97", "over_99",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, seconds in other.seconds.items():
            self.seconds[status] = self.seconds.get(status, 0.0) + seconds
        for bucket_name, count in other.buckets.items():
            self.buckets[bucket_name] += count
        self.longest_outage_s = max(self.longest_outage_s, other.longest_outage_s)

    def extend(self, figures: Iterable[EvseFigures], window_s: float) -> GroupFigures:
        for one in figures:
            self.add(one, window_s)
        return self

    @property
    def over_97_pct(self) -> float | None:
        return _ratio(self.over_97, self.observed_evses)

    @property
    def over_99_pct(self) -> float | None:
        return _ratio(self.over_99, self.observed_evses)


def bucket(duration: float) -> str:
    """The bucket an outage of `duration` seconds falls in."""
    for name, limit in BUCKETS:
        if duration < limit:
            return name
    return BUCKETS[-1][0]
