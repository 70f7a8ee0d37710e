"""Every EVSE's live figures at once: the accumulators' columns read as vectors (NumPy), for
what covers the whole network — the reliability screen's locations and the main screen's
summary. A million EVSEs take tens of milliseconds; a loop over them in Python, seconds.
Each EVSE's figures are added up into its group as they are read, a chunk at a time: no
array as long as the network is made.

It computes what `LiveFigures.figures` computes one EVSE at a time (the current status
counted up to `end`, gaps in reception cut out, AFIREV's UNKNOWN split at its grace), and
the tests hold the two to each other.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evtui.model.reliability.columns import CLASSES, Columns
from evtui.model.reliability.fold import STALE_AFTER
from evtui.model.reliability.live import LiveFigures
from evtui.model.reliability.rules import UNKNOWN_GRACE

__all__ = ["CHUNK", "Ints", "NetworkFigures", "Totals", "network", "totals"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

_FREE, _CHARGING, _UNKNOWN = CLASSES.index("free"), CLASSES.index("charging"), 3


@dataclass(frozen=True, slots=True)
class NetworkFigures:
    """The whole network now: what the main screen's summary shows."""

    evses: int
    uptime_pct: float | None
    """Σ up seconds / Σ observed seconds, under the rule set."""
    down_now: int
    flapping: int
    longest_open: float
    """Seconds the longest outage going on has lasted (0: none)."""
    longest_row: int | None
    """The EVSE number of that outage."""


def _observed(start: Floats, end: Floats | float, gaps: list[tuple[float, float]]) -> Floats:
    """The seconds of each `[start, end)` outside every gap."""
    length: Floats = np.maximum(np.subtract(end, start), 0.0)
    if not gaps:
        return length
    ends = np.broadcast_to(np.asarray(end, dtype=np.float64), start.shape)
    near = np.flatnonzero(start < gaps[-1][1])  # most began after the last gap
    a, b = start[near], ends[near]
    for gap_start, gap_end in gaps:
        overlap = np.minimum(b, gap_end) - np.maximum(a, gap_start)
        length[near] -= np.maximum(overlap, 0.0)
    return length



@dataclass
class Totals:
    """EVSEs' figures added up by group (a location, an operator, a country: numbered by
    the caller), `end` their end; a group with no EVSE has `evses` 0."""

    end: float
    evses: Ints
    observed: Floats
    up: Floats
    working: Floats
    charging: Floats
    outages: Ints
    longest: Floats
    down_now: Ints
    flapping: Ints
    stale: Ints
    observed_evses: Ints
    over_97: Ints
    over_99: Ints
    longest_open: float = 0.0
    """The down seconds of the longest outage going on at `end` (observed ones: gaps in
    reception left out, as `EvseFigures.open_outage_s`; 0: none)."""
    longest_open_row: int | None = None
    """The EVSE number of that outage."""

    def __len__(self) -> int:
        return len(self.evses)

    def pick(self, keep: Ints) -> Totals:
        """Only the groups `keep` (their numbers), in that order."""
        picked: dict[str, Any] = {name: getattr(self, name)[keep] for name in _SUMS}
        return Totals(self.end, **picked, longest_open=self.longest_open,
                      longest_open_row=self.longest_open_row)  # fmt: skip


_ADDED = ("evses", "observed", "up", "working", "charging", "outages", "down_now", "flapping",
          "stale", "observed_evses", "over_97", "over_99")  # fmt: skip
_FLOATS = ("observed", "up", "working", "charging")
_SUMS = (*_ADDED, "longest")


class _Sums:
    """What `totals` adds up as it reads: one row of sums per figure, a column per group."""

    def __init__(self, groups: int) -> None:
        self.added = np.zeros((len(_ADDED), groups))  # counts too: exact in a float to 2**53
        self.longest = np.zeros(groups)
        self.longest_open: float = 0.0
        self.longest_open_row: int | None = None

    def add(self, groups: Ints | None, part: dict[str, npt.NDArray[Any]], rows: Ints) -> None:
        """Add a chunk's EVSEs (`part`, EVSE numbers `rows`) to their `groups`."""
        seen = part["observed"] > 0
        uptime = np.divide(100.0 * part["up"], part["observed"], out=np.zeros(len(seen)),
                           where=seen)  # fmt: skip
        values = [np.ones(len(seen)), *(part[name] for name in _ADDED[1:9]), seen,
                  seen & (uptime > 97.0), seen & (uptime > 99.0)]  # fmt: skip
        longest = part["longest"]
        for total, value in zip(self.added, values, strict=True):
            if groups is None:
                total[0] += value.sum()
            else:
                # As a float: NumPy's fast path for `at` wants the accumulator's own type (a
                # bool there takes the generic one, ten times slower).
                np.add.at(total, groups, value.astype(np.float64))
        if groups is None:
            self.longest[0] = max(self.longest[0], longest.max(initial=0.0))
        else:
            np.maximum.at(self.longest, groups, longest)
        down = part["down_now"]
        if down.any():
            lasted = np.where(down, part["open_down"], 0.0)
            at = int(np.argmax(lasted))
            if lasted[at] > self.longest_open:
                self.longest_open, self.longest_open_row = float(lasted[at]), int(rows[at])

    def totals(self, end: float) -> Totals:
        arrays: dict[str, Any] = {
            name: row if name in _FLOATS else row.round().astype(np.int64)
            for name, row in zip(_ADDED, self.added, strict=True)
        }
        return Totals(end, **arrays, longest=self.longest, longest_open=self.longest_open,
                      longest_open_row=self.longest_open_row)  # fmt: skip


def totals(
    live: LiveFigures,
    end: float,
    codes: array[int],
    names: Sequence[str],
    updated: array[int],
    group_of: array[int] | Ints | None = None,
    groups: int = 1,
) -> Totals:
    """Every EVSE's figures at `end`, added up by group: `group_of` gives each EVSE number's
    group (`StateStore.location_of_evses` for locations; None: one group, the network),
    `groups` how many there are (a group number out of range leaves the EVSE out). `codes`
    and `updated` are the store's columns of statuses and last updates (microseconds),
    `names` its status names."""
    c: Columns = live.columns(names)
    count = min(len(c.since), len(codes))
    tables = _Tables(
        classes=np.asarray(c.classes, dtype=np.int8),
        down=np.asarray(c.down, dtype=np.bool_),
        stale_after=np.array([STALE_AFTER.get(n, np.nan) for n in names], dtype=np.float64),
    )
    sums = _Sums(groups)
    for lo in range(0, count, CHUNK):
        hi = min(count, lo + CHUNK)
        part: dict[str, npt.NDArray[Any]] = {}
        keep = _step(c, tables, codes, updated, lo, hi, end, part)
        rows = np.arange(lo, hi, dtype=np.int64)
        group: Ints | None = None
        if group_of is not None:
            group = (
                group_of[lo:hi].astype(np.int64)
                if isinstance(group_of, np.ndarray)
                else _part(group_of, lo, hi).astype(np.int64)
            )
            keep &= (group >= 0) & (group < groups)
        if not keep.all():  # no figures yet (after a snapshot without them), or left out
            part = {name: value[keep] for name, value in part.items()}
            rows = rows[keep]
            group = None if group is None else group[keep]
        sums.add(group, part, rows)
    return sums.totals(end)


def network(figures: Totals) -> NetworkFigures:
    """The whole network's figures from its totals (one group: `totals` with no `group_of`)."""
    observed = float(figures.observed.sum())
    uptime = 100.0 * float(figures.up.sum()) / observed if observed > 0 else None
    longest = figures.longest_open
    return NetworkFigures(
        evses=int(figures.evses.sum()),
        uptime_pct=uptime,
        down_now=int(figures.down_now.sum()),
        flapping=int(figures.flapping.sum()),
        longest_open=longest,
        longest_row=figures.longest_open_row if longest > 0 else None,
    )


CHUNK = 8192
"""EVSEs read at a time. Each step's temporaries (64 KiB) come from the heap and stay in the
cache; whole-column ones (8 MB at a million EVSEs) would each be a fresh memory mapping
(`runtime.tune_malloc`), faulted in page by page: that made a scan three to four times slower."""


def _part(values: array[Any], lo: int, hi: int) -> npt.NDArray[Any]:
    # A copy: a view would keep the array from growing (BufferError) for as long as it lived.
    part = np.frombuffer(values, dtype=values.typecode, count=hi - lo, offset=lo * values.itemsize)
    return part.copy()


@dataclass(frozen=True)
class _Tables:
    classes: npt.NDArray[np.int8]
    """Each status code's class."""
    down: Flags
    """Each class's being down."""
    stale_after: Floats
    """Each status code's staleness threshold (NaN: never stale)."""


def _step(
    c: Columns,
    tables: _Tables,
    codes: array[int],
    updated: array[int],
    lo: int,
    hi: int,
    end: float,
    out: dict[str, npt.NDArray[Any]],
) -> Flags:
    """The figures of EVSEs `lo` to `hi` into `out` (one array each, of `hi - lo`); which
    of them have figures."""
    since = _part(c.since, lo, hi)
    code = _part(codes, lo, hi)
    kind = tables.classes[code]
    seconds = [_part(s, lo, hi) for s in c.seconds]
    down_class = tables.down[kind]
    gaps = c.gaps

    length = _observed(since, end, gaps)
    if c.rules.unknown_grace:
        # UNKNOWN is up for its first UNKNOWN_GRACE, then down: two pieces, up first.
        grace = kind == _UNKNOWN
        turn = since + UNKNOWN_GRACE
        up_piece = np.where(
            grace, _observed(since, np.minimum(end, turn), gaps), np.where(down_class, 0, length)
        )
        down_now = np.where(grace, end >= turn, down_class)
    else:
        up_piece = np.where(down_class, 0.0, length)
        down_now = down_class
    down_piece = length - up_piece

    # The outage going on at `since`: an up piece ends it; a down piece goes on with it, or
    # starts one.
    run_start, run_down = _part(c.run_start, lo, hi), _part(c.run_down, lo, hi)
    was_open = ~np.isnan(run_start)
    closed = was_open & (up_piece > 0)
    still_open = was_open & ~closed
    opens = down_piece > 0
    is_open = still_open | opens
    open_down = np.where(still_open, run_down, 0.0) + down_piece
    # A run open at the end counts whether or not the status is still down there (a change
    # at `end` itself ended it), as `figures` counts it.
    out["outages"] = _part(c.outages, lo, hi) + closed + is_open
    ended = np.where(closed, run_down, 0.0)
    out["longest"] = np.maximum(
        _part(c.longest, lo, hi), np.maximum(ended, np.where(is_open, open_down, 0.0))
    )
    out["open_down"] = np.where(down_now & is_open, open_down, 0.0)
    out["down_now"] = down_now

    free = np.where(kind == _FREE, length, 0.0)
    charging = np.where(kind == _CHARGING, length, 0.0)
    out["observed"] = sum(seconds[1:], seconds[0]) + length
    if c.rules.unknown_grace:
        held_up = _part(c.up, lo, hi)
    else:  # no status's time split: the up classes' seconds are the up seconds
        held_up = sum((s for k, s in enumerate(seconds) if not c.down[k]), np.zeros(hi - lo))
    out["up"] = held_up + up_piece
    out["working"] = seconds[_FREE] + seconds[_CHARGING] + free + charging
    out["charging"] = seconds[_CHARGING] + charging
    out["flapping"] = (_part(c.flap, lo, hi) & c.flag_bit) != 0
    last = _part(updated, lo, hi) * 1e-6
    out["stale"] = end - last > tables.stale_after[code]
    has_figures: Flags = ~np.isnan(since)
    return has_figures


