"""One picture of the map: the world's lines and the locations in view, cell by cell.

`draw` makes a `Frame` from a `View`, the locations' positions and states, and which of them
the filter keeps; the UI turns each row of it into text. The world's lines depend on the view
only, so they are drawn once per view (`world_cells`); the locations are placed afresh each
time, which for 200,000 locations takes a few milliseconds (benchmarks/bench_map.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from evtui.map.positions import Positions
from evtui.map.raster import Canvas
from evtui.map.states import MapState
from evtui.map.view import View
from evtui.map.world import BORDER, COAST, lines

__all__ = ["EMPTY", "LOCATION", "CellMode", "Frame", "data_box", "draw", "world_cells"]

CellMode = Literal["urgent", "majority"]
"""Which state a cell with several locations shows: the most urgent, or the most common
(ties to the more urgent)."""

EMPTY, BORDER_CELL, COAST_CELL, LOCATION = 0, 1, 2, 3
"""What a cell shows (`Frame.kinds`): nothing, a border, a coast, or a location, whose
state is added to LOCATION (LOCATION + MapState)."""

Cells = npt.NDArray[np.uint8]
Kinds = npt.NDArray[np.int8]
Flags = npt.NDArray[np.bool_]
_STATES = len(MapState)
_TOP, _BOTTOM = 0x1B, 0xE4
"""A location lights the top or bottom half of its cell (2 x 2 dots): visible on its own,
and still placed to half a cell."""


@dataclass(frozen=True, slots=True)
class Frame:
    """The map's cells (`glyphs`: braille patterns; `kinds`: what each shows; `watched`:
    cells holding a watched location), what is in view, and the picked location."""

    view: View
    glyphs: Cells
    kinds: Kinds
    watched: Flags
    counts: tuple[int, ...]
    """Locations in view in each `MapState`."""
    picked: int | None
    """The location number nearest the cursor, among those in view."""
    picked_cell: tuple[int, int] | None
    """Its cell (row, column)."""

    @property
    def in_view(self) -> int:
        return sum(self.counts)


@lru_cache(maxsize=16)
def world_cells(view: View) -> tuple[Cells, Kinds]:
    """The coastlines and borders in `view`: each cell's pattern and kind (a coast wins
    over a border in a cell that has both)."""
    world = lines("50m" if view.detailed else "110m")
    x0, y0 = view.project(world.lng0, world.lat0)
    x1, y1 = view.project(world.lng1, world.lat1)
    columns, rows = view.width // 2, view.height // 4
    patterns = []
    for kind in (COAST, BORDER):
        canvas = Canvas(columns, rows)
        mine = world.kind == kind
        canvas.segments(x0[mine], y0[mine], x1[mine], y1[mine])
        patterns.append(canvas.cells())
    coast, border = patterns
    kinds = np.where(coast > 0, COAST_CELL, np.where(border > 0, BORDER_CELL, EMPTY))
    return coast | border, kinds.astype(np.int8)


def draw(
    view: View,
    positions: Positions,
    states: npt.NDArray[np.int8],
    shown: Flags | None = None,
    watched: Flags | None = None,
    cursor: tuple[float, float] | None = None,
    mode: CellMode = "urgent",
) -> Frame:
    """The frame of `view`: the locations `shown` keeps (all when None), by location number,
    coloured by `states`; `cursor` (dot coordinates) picks the nearest in view."""
    glyphs, kinds = world_cells(view)
    glyphs, kinds = glyphs.copy(), kinds.copy()
    rows, columns = glyphs.shape
    count = min(len(states), positions.count)
    x, y = view.project(positions.lng[:count], positions.lat[:count])
    keep = (x >= 0) & (x < columns * 2) & (y >= 0) & (y < rows * 4)  # NaN fails all four
    if shown is not None:
        keep &= shown[:count]
    # At the world's zoom every location is in view: slices then, not copies of them all.
    numbers: slice | npt.NDArray[np.intp] = slice(None) if keep.all() else np.flatnonzero(keep)
    # (int64 states: `maximum.at` is many times slower on a mix of types)
    x, y, state = x[numbers], y[numbers], states[:count][numbers].astype(np.int64)
    # Whole dots by truncation (every x, y here is >= 0), then shifts: float floor division
    # costs ten times as much.
    dot_x, dot_y = x.astype(np.int64), y.astype(np.int64)
    column, row = dot_x >> 1, dot_y >> 2
    cell = row * columns + column
    # Which half of its cell each dot is in (its rows 0-1: the top), both halves in one
    # scatter: two, each of a mask's picks, took twice as long.
    halves = np.zeros(rows * columns * 2, dtype=bool)
    halves[cell * 2 + ((dot_y >> 1) & 1)] = True
    top, bottom = halves[0::2], halves[1::2]
    occupied = top | bottom
    cell_state = _cell_states(cell, state, rows * columns, mode)
    flat_glyphs, flat_kinds = glyphs.reshape(-1), kinds.reshape(-1)
    flat_glyphs[occupied] = (top * _TOP | bottom * _BOTTOM)[occupied]
    flat_kinds[occupied] = LOCATION + cell_state[occupied]
    marked = np.zeros(rows * columns, dtype=bool)
    if watched is not None:
        marked[cell[watched[:count][numbers]]] = True
    picked = picked_cell = None
    if cursor is not None and len(x):
        nearest = int(np.argmin(_squared_distance(x, y, cursor)))
        picked = nearest if isinstance(numbers, slice) else int(numbers[nearest])
        picked_cell = (int(row[nearest]), int(column[nearest]))
    counts = np.bincount(state, minlength=_STATES)
    return Frame(
        view=view,
        glyphs=glyphs,
        kinds=kinds,
        watched=marked.reshape(rows, columns),
        counts=tuple(int(c) for c in counts),
        picked=picked,
        picked_cell=picked_cell,
    )


def _squared_distance(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], to: tuple[float, float]
) -> npt.NDArray[np.float64]:
    """Each point's squared distance to `to`, in two arrays made (not five)."""
    dx, dy = x - to[0], y - to[1]
    dx *= dx
    dy *= dy
    dx += dy
    return dx


def _cell_states(
    cell: npt.NDArray[np.int64], state: npt.NDArray[np.int64], cells: int, mode: CellMode
) -> npt.NDArray[np.int64]:
    """Each cell's state (-1: no location): the most urgent of its locations', or the most
    common with ties to the more urgent."""
    if mode == "majority":
        tally = np.bincount(cell * _STATES + state, minlength=cells * _STATES)
        tally = tally.reshape(cells, _STATES)
        # argmax takes the first of equal counts: reversed, that is the most urgent.
        out = (_STATES - 1) - np.argmax(tally[:, ::-1], axis=1)
        return np.where(tally.sum(axis=1) > 0, out, -1)
    out = np.full(cells, -1, dtype=np.int64)
    np.maximum.at(out, cell, state)
    return out


def data_box(
    positions: Positions, shown: Flags | None = None
) -> tuple[float, float, float, float] | None:
    """The box (west, south, east, north) of the located locations `shown` keeps."""
    lng, lat = positions.lng[: positions.count], positions.lat[: positions.count]
    keep = ~np.isnan(lng)
    if shown is not None:
        keep &= shown[: positions.count]
    if not keep.any():
        return None
    return (
        float(lng[keep].min()),
        float(lat[keep].min()),
        float(lng[keep].max()),
        float(lat[keep].max()),
    )
