"""A synthetic EV charging network: who charges where, when, and what breaks.

A discrete-event simulation over simulated seconds. Everything comes from one seeded
`random.Random`, so the same seed gives the same network and the same sequence of updates.
Locations have real-shaped ids and directory records (`evtui.emulator.sites`).
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from evtui.emulator import sites

__all__ = ["NetworkConfig", "SyntheticNetwork", "format_time"]

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0

# How the network looks when the emulator starts (shares of EVSEs).
_INITIAL = (
    ("AVAILABLE", 0.56),
    ("CHARGING", 0.30),
    ("RESERVED", 0.03),
    ("BLOCKED", 0.04),
    ("OUT_OF_ORDER", 0.04),
    ("INOPERATIVE", 0.03),
)


@dataclass(frozen=True)
class NetworkConfig:
    """The shape of the simulated network."""

    seed: int = 1
    locations: int = 2000
    min_evses: int = 1
    max_evses: int = 12
    start_hour: float = 8.0
    """Simulated time of day at which the simulation starts."""
    offline_share: float = 0.01
    """Share of locations that have lost their link (all EVSEs UNKNOWN) at the start."""


# Supplier ids are a permutation of the 9-digit numbers (the step is prime to their count),
# so no two locations of a network share one.
_SUPPLIER_FIRST = 100_000_000
_SUPPLIER_COUNT = 900_000_000
_SUPPLIER_STEP = 123_456_791


@dataclass
class _Location:
    id: str
    seed: int
    """Where its static details come from (`sites.describe`)."""
    evse_ids: list[str]
    statuses: list[str]
    since: list[float]
    generation: list[int]
    offline: bool = False
    saved: list[str] = field(default_factory=list)


class SyntheticNetwork:
    """The network and its future, one event at a time."""

    def __init__(self, config: NetworkConfig | None = None) -> None:
        self.config = config or NetworkConfig()
        self._rng = random.Random(self.config.seed)
        self._events: list[tuple[float, int, str, int, int, int]] = []
        self._seq = 0
        self.now = 0.0
        """Simulated seconds since the start."""
        self.locations = [self._new_location(li) for li in range(self.config.locations)]
        self._index = {_content_id(loc.id): li for li, loc in enumerate(self.locations)}
        self._sites: dict[int, sites.Site] = {}
        for li, location in enumerate(self.locations):
            self._initialise(li, location)

    # -- building ------------------------------------------------------------------------

    def _hex(self, nbytes: int) -> str:
        return self._rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def _new_location(self, li: int) -> _Location:
        rng = self._rng
        # The same draw the 128-bit hex ids of old took: the statuses and timing of a seed's
        # network stay what they were, only the location ids read differently.
        seed = rng.getrandbits(128)
        city, lat, lng = sites.place(random.Random(seed))
        supplier_id = _SUPPLIER_FIRST + (
            (li + self.config.seed) * _SUPPLIER_STEP % _SUPPLIER_COUNT
        )
        lid = sites.location_id(city, lat, lng, supplier_id)
        n = rng.randint(self.config.min_evses, self.config.max_evses)
        evses = ["here:evcp:evse:" + self._hex(32) for _ in range(n)]
        return _Location(lid, seed, evses, ["AVAILABLE"] * n, [0.0] * n, [0] * n)

    # -- the directory -------------------------------------------------------------------

    def location_ids(self) -> list[str]:
        """Every location's id, in the network's order."""
        return [location.id for location in self.locations]

    def location_record(
        self, location_id: str, *, started_at: float = 0.0, speed: float = 1.0
    ) -> dict[str, Any] | None:
        """The HERE EV Charge Points API v3 `Location` of a location, or None when the network
        has none of that id. `location_id` is the whole id or its content id (the part after
        `here:evcp:charginglocation:`, what the v3 API takes). EVSE statuses are those of now;
        `modified` is when each entered it, at `started_at + simulated seconds / speed` (the
        emulator's clock, as in the stream)."""
        li = self._index.get(_content_id(location_id))
        if li is None:
            return None
        location = self.locations[li]
        site = self._sites.get(li)
        if site is None:
            site = self._sites[li] = sites.describe(location.seed, len(location.evse_ids))
        modified = [format_time(started_at + since / speed) for since in location.since]
        return sites.location_record(
            site, _content_id(location.id), location.evse_ids, location.statuses, modified
        )

    def _initialise(self, li: int, location: _Location) -> None:
        rng = self._rng
        for ei in range(len(location.evse_ids)):
            status = _weighted(rng, _INITIAL)
            location.statuses[ei] = status
            remaining = self._duration(status)
            # It has been in this status for a while already.
            location.since[ei] = -rng.uniform(0, remaining)
            self._schedule(remaining + location.since[ei] + rng.uniform(0, MINUTE), "end", li, ei)
            self._schedule(self._fault_delay(), "fault", li, ei, keep_generation=True)
        if rng.random() < self.config.offline_share:
            location.offline = True
            location.saved = list(location.statuses)
            location.statuses = ["UNKNOWN"] * len(location.evse_ids)
            self._bump_all(location)
            self._schedule(rng.uniform(5 * MINUTE, 40 * MINUTE), "relink", li, -1)
        self._schedule(self._link_loss_delay(), "unlink", li, -1, keep_generation=True)

    # -- time ----------------------------------------------------------------------------

    def _day_factor(self, sim: float) -> float:
        """Arrival intensity by time of day: busy in the afternoon, quiet at night."""
        hour = (self.config.start_hour + sim / HOUR) % 24
        if not 5 <= hour <= 22:
            return 0.2
        return 0.25 + 0.75 * max(0.0, math.sin(math.pi * (hour - 5) / 17))

    def _arrival_delay(self) -> float:
        mean = 100 * MINUTE / self._day_factor(self.now)
        return self._rng.expovariate(1 / mean)

    def _fault_delay(self) -> float:
        return self._rng.expovariate(1 / (25 * DAY))

    def _link_loss_delay(self) -> float:
        return self._rng.expovariate(1 / (12 * DAY))

    def _duration(self, status: str) -> float:
        rng = self._rng
        if status == "CHARGING":
            return rng.uniform(20 * MINUTE, 120 * MINUTE)
        if status == "RESERVED":
            return rng.uniform(5 * MINUTE, 30 * MINUTE)
        if status == "BLOCKED":
            return rng.uniform(5 * MINUTE, 60 * MINUTE)
        if status in ("OUT_OF_ORDER", "INOPERATIVE"):
            return rng.uniform(2 * HOUR, 10 * HOUR)
        return self._arrival_delay()

    # -- events --------------------------------------------------------------------------

    def _schedule(
        self, delay: float, kind: str, li: int, ei: int, *, keep_generation: bool = False
    ) -> None:
        location = self.locations[li]
        # Status events carry the EVSE's generation; a newer status makes them void.
        gen = -1 if keep_generation or ei < 0 else location.generation[ei]
        self._seq += 1
        heapq.heappush(self._events, (self.now + max(delay, 1.0), self._seq, kind, li, ei, gen))

    def _bump_all(self, location: _Location) -> None:
        for ei in range(len(location.generation)):
            location.generation[ei] += 1

    def advance(self, to: float) -> list[tuple[float, dict[str, Any]]]:
        """Run the simulation up to `to` simulated seconds; return (sim time, payload) pairs."""
        out: list[tuple[float, dict[str, Any]]] = []
        while self._events and self._events[0][0] <= to:
            when, _, kind, li, ei, gen = heapq.heappop(self._events)
            self.now = when
            location = self.locations[li]
            if kind == "end":
                if gen != location.generation[ei] or location.offline:
                    continue
                out.append((when, self._end(li, ei)))
            elif kind == "fault":
                self._schedule(self._fault_delay(), "fault", li, ei, keep_generation=True)
                if location.offline or location.statuses[ei] in ("OUT_OF_ORDER", "INOPERATIVE"):
                    continue
                status = "OUT_OF_ORDER" if self._rng.random() < 0.6 else "INOPERATIVE"
                out.append((when, self._set(li, [ei], status)))
            elif kind == "unlink":
                self._schedule(self._link_loss_delay(), "unlink", li, -1, keep_generation=True)
                if location.offline:
                    continue
                location.offline = True
                location.saved = list(location.statuses)
                self._bump_all(location)
                out.append((when, self._set(li, range(len(location.evse_ids)), "UNKNOWN")))
                self._schedule(self._rng.uniform(5 * MINUTE, 90 * MINUTE), "relink", li, -1)
            elif kind == "relink":
                out.append((when, self._relink(li)))
        self.now = max(self.now, to)
        return out

    def _end(self, li: int, ei: int) -> dict[str, Any]:
        """The current status ran its course: what comes next."""
        rng = self._rng
        status = self.locations[li].statuses[ei]
        if status == "AVAILABLE":
            r = rng.random()
            nxt = "RESERVED" if r < 0.08 else "BLOCKED" if r < 0.12 else "CHARGING"
        elif status == "RESERVED":
            nxt = "CHARGING" if rng.random() < 0.8 else "AVAILABLE"
        elif status == "CHARGING":
            nxt = "BLOCKED" if rng.random() < 0.06 else "AVAILABLE"
        else:
            nxt = "AVAILABLE"
        return self._set(li, [ei], nxt)

    def _set(self, li: int, evses: Any, status: str) -> dict[str, Any]:
        location = self.locations[li]
        changed = []
        for ei in evses:
            location.statuses[ei] = status
            location.since[ei] = self.now
            location.generation[ei] += 1
            changed.append(ei)
            if status != "UNKNOWN":
                self._schedule(self._duration(status), "end", li, ei)
        return self._payload(location, changed)

    def _relink(self, li: int) -> dict[str, Any]:
        location = self.locations[li]
        location.offline = False
        everything = range(len(location.evse_ids))
        for ei in everything:
            location.statuses[ei] = location.saved[ei] if location.saved else "AVAILABLE"
            location.since[ei] = self.now
            location.generation[ei] += 1
            self._schedule(self._duration(location.statuses[ei]), "end", li, ei)
        return self._payload(location, list(everything))

    def _payload(self, location: _Location, evses: list[int]) -> dict[str, Any]:
        # Placeholder times; the emulator stamps them with its clock when it publishes.
        return {
            "id": location.id,
            "evses": [
                {"id": location.evse_ids[ei], "status": location.statuses[ei], "last_updated": None}
                for ei in evses
            ],
        }

    def snapshot(self) -> list[tuple[float, dict[str, Any]]]:
        """One payload per location with every EVSE, stamped with when each entered its status."""
        out = []
        for location in self.locations:
            payload = self._payload(location, list(range(len(location.evse_ids))))
            for ei, evse in enumerate(payload["evses"]):
                evse["since"] = location.since[ei]
            out.append((0.0, payload))
        return out


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    r = rng.random() * sum(w for _, w in choices)
    for value, weight in choices:
        r -= weight
        if r <= 0:
            return value
    return choices[-1][0]


def format_time(ts: float) -> str:
    """OCPI DateTime at second precision, as the real feed has them."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _content_id(location_id: str) -> str:
    """The last colon-separated part, as HERE's v3 API reads an id."""
    return location_id.rpartition(":")[2]
