"""The map screen: every location with a position, coloured by its state, on Natural Earth's
coastlines and borders; pan, zoom, fit, pick a location and open or watch it.

The screen redraws at most at the app's refresh rate, and only when something it shows
changed (the store, the directory, the filter, the watchlist, the view, or enough time for
EVSEs to go stale); the widget then repaints only the rows that differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from evtui.map.frame import CellMode, Frame, data_box, draw
from evtui.map.positions import Positions
from evtui.map.shown import Shown
from evtui.map.states import LEGEND, MapState, location_states
from evtui.map.view import View
from evtui.model import EventFilter, StateStore
from evtui.model.places import Places
from evtui.safetext import safe_text, shorten
from evtui.ui.frame_clock import TimelyFrames
from evtui.ui.theme import local_time, status_style
from evtui.ui.widgets.replay_bar import ReplayBar
from evtui.ui.widgets.world_map import WorldMap, state_style
from evtui.watchlist import Watchlist

__all__ = ["MapScreen", "centre_text"]

ZOOM_STEP = 1.5
PAN_SHARE = 8
"""An arrow key moves the view by this share of its width or height (1/8)."""
STALE_CHECK = 5.0
"""Seconds after which the map is drawn again even if nothing else changed: EVSEs go stale
as time passes."""
SHORT_LEGEND = {
    MapState.AVAILABLE: "avail",
    MapState.BUSY: "busy",
    MapState.UNKNOWN: "unknown",
    MapState.SOME_DOWN: "part down",
    MapState.ALL_DOWN: "down",
}
"""The legend's words under 110 columns."""
Box = tuple[float, float, float, float]


def centre_text(view: View) -> str:
    """Where the view is centred and which lines it draws, e.g. `50.41°N 9.52°E · 1:50m`."""
    lng, lat = view.unproject(view.width / 2, view.height / 2)
    ns, ew = "N" if lat >= 0 else "S", "E" if lng >= 0 else "W"
    scale = "50m" if view.detailed else "110m"
    return f"{abs(lat):.2f}°{ns} {abs(lng):.2f}°{ew} · 1:{scale}"


class MapScreen(TimelyFrames, Screen[None]):
    """The map, a legend with what is in view, and the picked location's line. `positions`
    may be kept from an earlier map screen: the first look at a large network is the costly
    part of opening it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="map_back"),
        # The footer's one word for all four; the help screen (and a hover) says this one's.
        Binding(
            "left,h",
            "pan(-1, 0)",
            "Pan",
            key_display="←↑↓→/hjkl",
            tooltip="Pan left",
            id="map_left",
        ),
        Binding("right,l", "pan(1, 0)", "Pan right", show=False, id="map_right"),
        Binding("up,k", "pan(0, -1)", "Pan up", show=False, id="map_up"),
        Binding("down,j", "pan(0, 1)", "Pan down", show=False, id="map_down"),
        Binding(
            "plus,equals_sign",
            "zoom(1)",
            "Zoom",
            key_display="+/-",
            tooltip="Zoom in",
            id="map_zoom_in",
        ),
        Binding("minus", "zoom(-1)", "Zoom out", show=False, id="map_zoom_out"),
        Binding("f", "fit", "Fit", id="map_fit"),
        Binding("0", "world", "World", id="map_world"),
        Binding("enter", "open", "Open", id="map_open"),
        Binding("c", "cells", "Cells", id="map_cells"),
        # The log's filter, which the map draws: asked here too (else the query's letters
        # would run the map's and the app's keys).
        Binding("slash", "app.filter", "Filter", id="map_filter"),
        Binding("space", "app.play_pause", "Play/pause", show=False, id="map_play_pause"),
    ]
    DEFAULT_CSS = """
    MapScreen > WorldMap { height: 1fr; }
    MapScreen > .map-line {
        height: 1; padding: 0 1; background: $panel;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    class LocationChosen(Message):
        """The user chose a location to open."""

        def __init__(self, location_id: str) -> None:
            super().__init__()
            self.location_id = location_id

    def __init__(
        self,
        store: Callable[[], StateStore],
        places: Places,
        watchlist: Watchlist,
        now: Callable[[], datetime],
        event_filter: Callable[[], EventFilter],
        *,
        cells: CellMode = "urgent",
        refresh_rate: float = 20.0,
        box: Box | None = None,
        positions: Positions | None = None,
        replaying: bool = False,
    ) -> None:
        super().__init__()
        self._replaying = replaying
        """A replay's map: its replay line under the map, as on the main screen."""
        self._store, self._places, self._watchlist = store, places, watchlist
        self._now, self._filter = now, event_filter
        self.cells: CellMode = cells
        self._interval = 1 / refresh_rate
        self._box = box
        """Where to look once the map's size is known (None: fit the data)."""
        self._first_look = True
        self.view: View | None = None
        self.cursor: tuple[float, float] | None = None
        """Where the user clicked (dots); None: the centre of the view."""
        self._positions = positions or Positions()
        self._shown = Shown()
        self._key: object = None
        self._drawn_at = 0.0
        self.frame: Frame | None = None
        self.selected_location: str | None = None
        """The location nearest the cursor, in view: what enter opens and `w` watches."""

    def compose(self) -> ComposeResult:
        yield WorldMap(id="world-map")
        yield Static(id="map-legend", classes="map-line")
        yield Static(id="map-picked", classes="map-line")
        if self._replaying:
            yield ReplayBar(id="map-replay-bar")
        # Compact: the map's keys and the app's take some 190 cells in the usual spacing,
        # and `? Help` came last, cut off even at 160 columns.
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_interval(self._interval, self.redraw)

    def on_resize(self) -> None:
        size = self.query_one(WorldMap).size
        if size.width <= 0 or size.height <= 0:
            return
        width, height = size.width * 2, size.height * 4
        if self.view is None:
            self.view = View.world(width, height)
        else:
            self.view = self.view.resized(width, height)
        self.redraw()

    # --- what the keys do ------------------------------------------------------------------

    def go_to(self, box: Box) -> None:
        """Show `box` (west, south, east, north): a country from the palette."""
        self._box = box
        if self.view is not None:
            self._look_at(box)

    def action_pan(self, dx: int, dy: int) -> None:
        if self.view is not None:
            view = self.view
            self._set_view(view.panned(dx * view.width / PAN_SHARE, dy * view.height / PAN_SHARE))

    def action_zoom(self, steps: int) -> None:
        if self.view is not None:
            self._set_view(self.view.zoomed(ZOOM_STEP**steps))

    def action_fit(self) -> None:
        """Fit the view to the locations the filter keeps."""
        store = self._store()
        self._positions.update(store, self._places)
        box = data_box(self._positions, self._shown.mask(self._filter(), store, self._places))
        if box is None:
            self.notify("No location with a position to fit to (yet).", markup=False)
            return
        self._look_at(box)

    def action_world(self) -> None:
        if self.view is not None:
            self._set_view(View.world(self.view.width, self.view.height))

    def action_open(self) -> None:
        if self.selected_location is not None:
            self.post_message(self.LocationChosen(self.selected_location))

    def action_cells(self) -> None:
        """Switch what a cell of several locations shows: the most urgent, or the majority."""
        self.cells = "majority" if self.cells == "urgent" else "urgent"
        self.notify(f"Each cell shows its {self._cells_words()}.", markup=False)
        self.redraw()

    def on_world_map_clicked(self, message: WorldMap.Clicked) -> None:
        self.cursor = (message.x, message.y)
        self.redraw()

    def on_world_map_wheel(self, message: WorldMap.Wheel) -> None:
        if self.view is not None:
            self._set_view(self.view.zoomed(ZOOM_STEP**message.steps, message.x, message.y))

    def _look_at(self, box: Box) -> None:
        assert self.view is not None
        self._set_view(View.fit(box, self.view.width, self.view.height))

    def _set_view(self, view: View) -> None:
        self._first_look = False
        self.view = view
        self.cursor = None
        self.redraw()

    def _cells_words(self) -> str:
        return "most urgent state" if self.cells == "urgent" else "most common state"

    # --- drawing ---------------------------------------------------------------------------

    def redraw(self) -> None:
        """Draw the map again if anything it shows changed since the last time."""
        view = self.view
        if view is None:
            return
        store, places = self._store(), self._places
        moved = self._positions.update(store, places)
        if self._first_look:
            # The first look: where the palette asked, else all the data; with no data yet
            # (a replay at its start, a feed still connecting) the world, until some comes
            # or the user moves the view.
            box = self._box or data_box(self._positions)
            if box is not None:
                self._look_at(box)
                return
        now = self._now()
        event_filter = self._filter()
        key = (
            store.updates,
            store.newest,
            store.location_count,
            moved,
            places.version,
            event_filter,
            tuple(self._watchlist),
            view,
            self.cursor,
            self.cells,
            int(now.timestamp() // STALE_CHECK),
        )
        if key == self._key:
            return
        self._key = key
        now_us = int(now.timestamp() * 1_000_000)
        states = location_states(store, now_us)
        shown = self._shown.mask(event_filter, store, places)
        cursor = self.cursor or (view.width / 2, view.height / 2)
        frame = draw(
            view,
            self._positions,
            states,
            shown=shown,
            watched=self._watched(store),
            cursor=cursor,
            mode=self.cells,
        )
        self.frame = frame
        self.query_one(WorldMap).frame = frame
        self.selected_location = (
            store.location_id_at(frame.picked) if frame.picked is not None else None
        )
        self._show_legend(frame, event_filter)
        self._show_picked(store, states, now)

    def _watched(self, store: StateStore) -> npt.NDArray[np.bool_]:
        marks = np.zeros(store.location_count, dtype=bool)
        for location_id in self._watchlist:
            try:
                marks[store.location_number(location_id)] = True
            except KeyError:
                continue  # watched, not in the stream yet
        return marks

    def _show_legend(self, frame: Frame, event_filter: EventFilter) -> None:
        short = self.size.width < 110
        line = Text()
        for state in MapState:
            line.append("⣿ ", style=state_style(state))
            words = SHORT_LEGEND[state] if short else LEGEND[state]
            line.append(f"{frame.counts[state]:,} {words}  ")
        line.append(f"{frame.in_view:,} in view", style="bold")
        if self.view is not None:
            # Where the view is, after what is in it (a narrow window cuts it first).
            line.append(f"  ·  {centre_text(self.view)}", style="dim")
        if event_filter.active:
            # Its head: a query cut in its middle read as other terms ("…untry:…").
            query = shorten(safe_text(event_filter.query), 30, keep_tail=False)
            line.append(f"  filter: {query}", style="dim")
        self.query_one("#map-legend", Static).update(line)

    def _show_picked(self, store: StateStore, states: npt.NDArray[np.int8], now: datetime) -> None:
        line = Text()
        location_id = self.selected_location
        if location_id is None or self.frame is None or self.frame.picked is None:
            line.append("no location in view", style="dim")
        else:
            places = self._places
            state = MapState(int(states[self.frame.picked]))
            line.append("▸ ", style=state_style(state))
            name = places.name(location_id)
            line.append(safe_text(name, 40) if name else safe_text(location_id, 40), style="bold")
            if location_id in self._watchlist:
                line.append(" ★", style="yellow")
            where = [places.city(location_id), places.country_name(location_id)]
            for part in (p for p in where if p):
                line.append(f" · {safe_text(part, 24)}", style="dim")
            line.append(f"  {LEGEND[state]}: ", style=state_style(state))
            counts = Counter(store.location_statuses(location_id))
            for i, (status, n) in enumerate(sorted(counts.items())):
                line.append(", " if i else "")
                line.append(f"{n} ")
                line.append(safe_text(status, 16), style=status_style(status))
            position = places.position(location_id)
            if position is not None and position[2]:
                line.append("  (position from the id)", style="dim")
        # The clock last, where there is room for it (the line keeps a cell of padding a side).
        clock = f"  ·  {local_time(now):%H:%M:%S}"
        if line.cell_len + len(clock) <= self.size.width - 2:
            line.append(clock, style="dim")
        self.query_one("#map-picked", Static).update(line)
