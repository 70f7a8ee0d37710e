"""The map: a full redraw with 200,000 locations.

    .venv/bin/python benchmarks/bench_map.py [--quick] [--json FILE]

A store of 200,000 locations (5 EVSEs each, a million EVSEs) with real-shaped ids spread
over every continent, built through `StateStore.apply` as the stream builds it; positions
decoded from the ids once (`Positions.update`, timed as a figure of its own: the first look
at the network). Then each redraw, timed as the map screen does it at 160x48 (a map of
160 x 45 cells): every location's state from the store's columns, the frame (`draw`), and
every row of the widget turned into text (`WorldMap._strip`). Two cases: the state changed
(the world's lines are the view's, drawn before), and the view moved (they are drawn
again too: a pan, a zoom). Median and worst of 30 redraws each.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime

from _harness import Figure, arguments, report

from evtui.map.frame import draw, world_cells
from evtui.map.positions import Positions
from evtui.map.states import location_states
from evtui.map.view import View
from evtui.model import EvseUpdate, LocationUpdate, StateStore
from evtui.model.geohash import encode
from evtui.model.places import Places
from evtui.runtime import tune
from evtui.ui.widgets.world_map import WorldMap

STATUSES = ("AVAILABLE", "CHARGING", "AVAILABLE", "OUT_OF_ORDER", "RESERVED", "UNKNOWN")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
COLUMNS, ROWS = 160, 45
REDRAWS = 30


def build(locations: int) -> StateStore:
    rng = random.Random(1)
    store = StateStore()
    batch: list[LocationUpdate] = []
    for n in range(locations):
        lat, lng = rng.uniform(-45, 65), rng.uniform(-125, 150)
        location_id = (
            f"here:evcp:charginglocation:276{encode(lat, lng)}-aGVyZS1ldjplY29tb3ZlbWVudDox"
        )
        evses = [
            EvseUpdate(id=f"{n}/{k}", status=STATUSES[(n * 7 + k) % 6], last_updated=NOW)
            for k in range(5)
        ]
        batch.append(LocationUpdate(id=location_id, evses=evses))
        if len(batch) == 2_000:
            store.apply(batch)
            batch = []
    store.apply(batch)
    return store


def redraw(store: StateStore, positions: Positions, view: View, widget: WorldMap) -> float:
    started = time.perf_counter()
    states = location_states(store, int(NOW.timestamp() * 1_000_000))
    frame = draw(view, positions, states, cursor=(view.width / 2, view.height / 2))
    for y in range(len(frame.glyphs)):
        widget._strip(frame, y)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    args = arguments(__doc__.splitlines()[0] if __doc__ else None).parse_args()
    tune()
    locations = 20_000 if args.quick else 200_000
    print(f"building a store of {locations:,} locations", flush=True)
    store = build(locations)
    positions = Positions()
    started = time.perf_counter()
    positions.update(store, Places())
    first_look = (time.perf_counter() - started) * 1000
    widget = WorldMap()
    views = [View.world(COLUMNS * 2, ROWS * 4).zoomed(1.0 + i / 1000) for i in range(REDRAWS)]
    world_cells.cache_clear()
    moved = [redraw(store, positions, view, widget) for view in views]
    same = [redraw(store, positions, views[-1], widget) for _ in range(REDRAWS)]
    figures = [
        Figure(
            f"full redraw of the map, {locations:,} locations, the view moved",
            statistics.median(moved),
            "ms",
            "< 30",
            statistics.median(moved) < 30,
            note=f"worst of {REDRAWS}: {max(moved):.1f} ms (states, frame, world lines, "
            f"{ROWS} rows of text)",
        ),
        Figure(
            f"redraw of the map, {locations:,} locations, the states changed",
            statistics.median(same),
            "ms",
            "< 30",
            statistics.median(same) < 30,
            note=f"worst of {REDRAWS}: {max(same):.1f} ms (the view's lines drawn before)",
        ),
        Figure(
            "first look: every location's position from its id",
            first_look,
            "ms",
            "-",
            None,
            note="once, when the map first opens on a network this size",
        ),
    ]
    print()
    report("bench_map", figures, args.json)
    for figure in figures:
        if figure.note:
            print(f"{figure.name}: {figure.note}")


if __name__ == "__main__":
    main()
