"""The monitor's reliability figures as rows: every EVSE's live figures added up per
location, operator or country (what the reliability screen shows), in any order.

Read at once from the accumulators' columns (`reliability.scan`), and kept as columns: a row
becomes figures only when it is shown, so a continent's 200,000 locations open at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from evtui.model.places import Places
from evtui.model.reliability import GroupFigures, RuleSet
from evtui.model.reliability.grouping import Grouping
from evtui.model.reliability.scan import Totals
from evtui.model.state import MonitorState

__all__ = ["SORTS", "Board", "SortBy", "board"]

SortBy = Literal["evses", "uptime", "outages", "down", "longest", "mttr", "util", "flags"]
SORTS: tuple[SortBy, ...] = ("evses", "uptime", "outages", "down", "longest", "mttr", "util",
                             "flags")  # fmt: skip

# The flags as the screen writes them ("!" down now, "F" flapping, "S" stale), ranked in the
# order of their text, so that sorting by the number sorts as by the text.
_FLAG_TEXTS = sorted(
    ("!" if d else "") + ("F" if f else "") + ("S" if s else "")
    for d in (0, 1) for f in (0, 1) for s in (0, 1)
)  # fmt: skip


@dataclass(frozen=True)
class Board:
    """The rows (one per group with figures), and what the screen's title says of them."""

    rules: RuleSet
    start: float
    end: float
    by: Grouping
    totals: Totals
    network: GroupFigures
    _key_of: Callable[[int], Any]
    _row_of: Callable[[Any], int | None]
    only: tuple[Grouping, Any] | None = None
    """The operator or country whose locations these are (None: all)."""

    def __len__(self) -> int:
        return len(self.totals)

    def key(self, row: int) -> Any:
        """Row `row`'s key: a location id, an operator or a country code (None: not known)."""
        return self._key_of(row)

    def row_of(self, key: Any) -> int | None:
        """The row of `key` (None: no such row)."""
        return self._row_of(key)

    def keys(self, row: int) -> dict[str, Any]:
        """Row `row`'s key by what the rows are grouped by (as a report's row keys)."""
        return {self.by: self.key(row)}

    def figures(self, row: int) -> GroupFigures:
        """Row `row`'s figures."""
        t = self.totals
        return GroupFigures(
            evses=int(t.evses[row]),
            observed_s=float(t.observed[row]),
            up_s=float(t.up[row]),
            down_s=float(t.observed[row] - t.up[row]),
            working_s=float(t.working[row]),
            charging_s=float(t.charging[row]),
            outages=int(t.outages[row]),
            longest_outage_s=float(t.longest[row]),
            down_now=int(t.down_now[row]),
            flapping_evses=int(t.flapping[row]),
            stale_evses=int(t.stale[row]),
            observed_evses=int(t.observed_evses[row]),
            over_97=int(t.over_97[row]),
            over_99=int(t.over_99[row]),
        )

    def flags(self, row: int) -> str:
        """"!" some EVSE down now, "F" some flapping, "S" some stale."""
        t = self.totals
        return (
            ("!" if t.down_now[row] else "")
            + ("F" if t.flapping[row] else "")
            + ("S" if t.stale[row] else "")
        )

    def sort_key(self, by: SortBy) -> npt.NDArray[np.float64]:
        """Each row's value for sorting `by`, ascending (a missing ratio sorts as the screen
        shows it: an unknown uptime after every known one, an unknown MTTR or utilisation
        before)."""
        t = self.totals
        value: npt.NDArray[np.float64]
        if by == "evses":
            value = t.evses.astype(np.float64)
        elif by == "uptime":
            value = _ratio(t.up, t.observed, missing=101.0)
        elif by == "outages":
            value = t.outages.astype(np.float64)
        elif by == "down":
            value = t.observed - t.up
        elif by == "longest":
            value = t.longest
        elif by == "mttr":
            value = _ratio(t.observed - t.up, t.outages, missing=-1.0, scale=1.0)
        elif by == "util":
            value = _ratio(t.charging, t.working, missing=-1.0)
        else:
            rank = (t.down_now > 0) * 4 + (t.flapping > 0) * 2 + (t.stale > 0)
            order = [_FLAG_TEXTS.index(_text(code)) for code in range(8)]
            value = np.asarray(order, dtype=np.float64)[rank]
        return value

    def order(self, by: SortBy, descending: bool = False) -> npt.NDArray[np.int64]:
        """The rows sorted `by` (ties worst uptime first, then in the order first seen)."""
        primary = self.sort_key(by)
        if descending:
            primary = -primary
        if by == "uptime":  # the usual order, and its own tie-break: one stable sort
            return np.argsort(primary, kind="stable").astype(np.int64)
        return np.lexsort((self.sort_key("uptime"), primary)).astype(np.int64)


def _text(code: int) -> str:
    return ("!" if code & 4 else "") + ("F" if code & 2 else "") + ("S" if code & 1 else "")


def _ratio(
    part: npt.NDArray[Any], whole: npt.NDArray[Any], *, missing: float, scale: float = 100.0
) -> npt.NDArray[np.float64]:
    out = np.full(len(part), missing, dtype=np.float64)
    np.divide(scale * part, whole, out=out, where=whole > 0)
    return out


def board(
    state: MonitorState,
    places: Places,
    by: Grouping = "location",
    only: tuple[Grouping, Any] | None = None,
) -> Board:
    """The rows of the reliability screen, grouped `by`; `only` (operator or country, value)
    keeps the locations of one group."""
    store, reliability = state.store, state.reliability
    start = reliability.oldest if math.isfinite(reliability.oldest) else 0.0
    end = reliability.latest if math.isfinite(reliability.latest) else start
    end = max(start, end)
    location_of: Any = store.location_of_evses()
    places_count = store.location_count
    if only is not None:
        # The locations of one operator or country; the others numbered out of range.
        field, value = only
        value_of = places.operator if field == "operator" else places.country
        wanted = np.asarray(
            [value_of(store.location_id_at(n)) == value for n in range(places_count)], np.bool_
        )
        renumber = np.where(wanted, np.arange(places_count), places_count)
        location_of = renumber[np.array(memoryview(location_of)).astype(np.int64)]
    by_location = state.reliability_totals(location_of, places_count)
    present = np.flatnonzero(by_location.evses)
    network = _sum(by_location)
    if by == "location":

        def row_of(location_id: Any) -> int | None:
            if not isinstance(location_id, str):
                return None
            try:
                number = store.location_number(location_id)
            except (KeyError, ValueError):
                return None
            row = int(np.searchsorted(present, number))
            return row if row < len(present) and present[row] == number else None

        # As usual every location has EVSEs with figures: then the rows are the totals.
        rows = by_location if len(present) == len(by_location) else by_location.pick(present)
        return Board(reliability.rules, start, end, by, rows, network,
                     lambda row: store.location_id_at(int(present[row])), row_of, only)  # fmt: skip
    group_key: Callable[[str], Hashable] = {
        "operator": places.operator,
        "country": places.country,
    }.get(by, lambda _: "all")
    numbers: dict[Hashable, int] = {}
    group_of_location = np.full(places_count + 1, -1, dtype=np.int64)
    for number in present.tolist():
        key = group_key(store.location_id_at(number))
        group_of_location[number] = numbers.setdefault(key, len(numbers))
    evse_groups = group_of_location[np.array(memoryview(location_of)).astype(np.int64)]
    grouped = state.reliability_totals(evse_groups, len(numbers))
    names = list(numbers)
    return Board(reliability.rules, start, end, by, grouped, network, names.__getitem__,
                 numbers.get, only)  # fmt: skip


def _sum(totals: Totals) -> GroupFigures:
    observed, up = float(totals.observed.sum()), float(totals.up.sum())
    return GroupFigures(
        evses=int(totals.evses.sum()),
        observed_s=observed,
        up_s=up,
        down_s=observed - up,
        working_s=float(totals.working.sum()),
        charging_s=float(totals.charging.sum()),
        outages=int(totals.outages.sum()),
        longest_outage_s=float(totals.longest.max(initial=0.0)),
        down_now=int(totals.down_now.sum()),
        flapping_evses=int(totals.flapping.sum()),
        stale_evses=int(totals.stale.sum()),
        observed_evses=int(totals.observed_evses.sum()),
        over_97=int(totals.over_97.sum()),
        over_99=int(totals.over_99.sum()),
    )
