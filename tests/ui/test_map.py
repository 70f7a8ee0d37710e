"""The map screen on the scene network, as a user drives it: what it counts, keys, the
filter, the palette's countries and a replay."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from rich.cells import cell_len
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from evtui.map.states import LEGEND, MapState, location_states
from evtui.map.view import View
from evtui.model import EventFilter
from evtui.ui.app import EvtuiApp
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.map import MapScreen, centre_text
from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.widgets.replay_bar import ReplayBar
from tests.ui.scene import SIZE, make_app, make_replay_app, open_map, replay_half_way
from tests.ui.test_app import until


def the_map(app: EvtuiApp) -> MapScreen:
    screen = app.screen
    assert isinstance(screen, MapScreen)
    return screen


def expected_counts(app: EvtuiApp, screen: MapScreen) -> list[int]:
    """What the legend should count: every located location inside the view, by state, from
    the store's own per-location records (not the map's columns)."""
    assert screen.view is not None
    west, south, east, north = screen.view.box
    states = location_states(app.store, int(app.now().timestamp() * 1_000_000))
    counts: Counter[int] = Counter()
    for location_id in app.store.locations:
        position = app.places.position(location_id)
        if position is None:
            continue
        lat, lng, _ = position
        # The view's box is its outer edge; a location on it may fall either side.
        if west < lng < east and south < lat < north:
            counts[int(states[app.store.location_number(location_id)])] += 1
    return [counts[s] for s in MapState]


def legend_counts(screen: MapScreen) -> list[int]:
    text = str(screen.query_one("#map-legend").render())
    out = []
    for state in MapState:
        before = text.split(f" {LEGEND[state]}")[0].split("⣿ ")[-1]
        out.append(int(before.replace(",", "")))
    return out


async def test_the_map_counts_what_is_in_view_by_state(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        screen = the_map(app)
        frame = screen.frame
        assert frame is not None
        assert list(frame.counts) == expected_counts(app, screen)
        assert legend_counts(screen) == list(frame.counts)
        # The first look fits the data: every location of the scene is in view.
        assert frame.in_view == len(app.store.locations) == 400
        assert "400 in view" in str(screen.query_one("#map-legend").render())
        # Coasts (2), borders (1) and locations (3 + state) are all on the map.
        kinds = {int(k) for k in np.unique(frame.kinds)}
        assert {1, 2} <= kinds and max(kinds) >= 3
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MonitorScreen))


async def test_keys_pan_zoom_fit_and_pick(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        screen = the_map(app)
        fitted = screen.view
        assert fitted is not None
        await pilot.press("plus", "plus")
        await until(pilot, lambda: screen.view is not None and screen.view.scale < fitted.scale)
        assert screen.view is not None
        assert abs(screen.view.scale * 1.5**2 - fitted.scale) < 1e-9
        zoomed = screen.view
        await pilot.press("l", "l")
        await until(pilot, lambda: screen.view is not None and screen.view.lng > zoomed.lng)
        await pilot.press("0")
        await until(pilot, lambda: screen.view is not None and not screen.view.detailed)
        await pilot.press("f")
        await until(pilot, lambda: screen.view == fitted)
        # Counts always match the view they are for.
        await until(pilot, lambda: screen.frame is not None and screen.frame.view == fitted)
        assert screen.frame is not None
        assert list(screen.frame.counts) == expected_counts(app, screen)

        # The picked location: the one nearest the centre; enter opens it, w watches it.
        picked = screen.selected_location
        assert picked is not None
        picked_text = str(screen.query_one("#map-picked").render())
        assert app.display_name(picked) in picked_text or picked[-10:] in picked_text
        watched_before = picked in app.watchlist
        await pilot.press("w")
        await until(pilot, lambda: (picked in app.watchlist) != watched_before)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LocationScreen))
        assert app.screen.location_id == picked  # type: ignore[attr-defined]


async def test_a_click_picks_the_nearest_location(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        screen = the_map(app)
        frame = screen.frame
        assert frame is not None
        # Click the cell of some location away from the centre: that one is picked.
        rows, columns = np.nonzero(frame.kinds >= 3)
        far = int(np.argmax(np.abs(columns - columns.mean())))
        await pilot.click("#world-map", offset=(int(columns[far]), int(rows[far])))
        await until(
            pilot,
            lambda: screen.frame is not None
            and screen.frame.picked_cell == (int(rows[far]), int(columns[far])),
        )


async def test_the_filter_decides_what_is_drawn(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        screen = the_map(app)
        app.set_filter(EventFilter.parse("status:out_of_order"))
        with_fault = [
            location_id
            for location_id in app.store.locations
            if "OUT_OF_ORDER" in app.store.location_statuses(location_id)
        ]
        assert 0 < len(with_fault) < 400
        await until(
            pilot, lambda: screen.frame is not None and screen.frame.in_view == len(with_fault)
        )
        # None of them can be all available or all busy: each has an EVSE out of order.
        assert screen.frame is not None
        assert screen.frame.counts[MapState.AVAILABLE] == screen.frame.counts[MapState.BUSY] == 0
        assert "filter: status:OUT_OF_ORDER" in str(screen.query_one("#map-legend").render())
        # `/` asks for the filter on the map itself: its letters are the query, not keys.
        await pilot.press("slash", "ctrl+u", *"status:charging", "enter")
        await until(pilot, lambda: app.screen is screen)
        assert "filter: status:CHARGING" in str(screen.query_one("#map-legend").render())
        assert app.recording.recorder is None  # the query's `r` started no recording


async def test_the_palette_jumps_to_a_country(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot, "0")
        screen = the_map(app)
        await pilot.press("ctrl+p", *"Map: Netherlands")
        await until(
            pilot,
            lambda: isinstance(app.screen, CommandPalette)
            and app.screen.query_one(CommandList).option_count > 0,
        )
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: screen.view is not None and screen.view.detailed)
        assert screen.view is not None
        west, south, east, north = screen.view.box
        # Amsterdam is in view, Berlin and Paris are not.
        assert west < 4.90 < east and south < 52.37 < north
        assert not (west < 13.4 < east and south < 52.5 < north)
        assert not (south < 48.86 < north and west < 2.35 < east)
        # Every location counted is Dutch or near it: the legend agrees with the store.
        assert screen.frame is not None
        assert list(screen.frame.counts) == expected_counts(app, screen)


async def after_seek(pilot: Pilot[None], app: EvtuiApp, screen: MapScreen) -> list[int]:
    await until(pilot, lambda: screen.frame is not None)
    await pilot.pause(0.3)
    assert screen.frame is not None
    return list(screen.frame.counts)


async def test_in_a_replay_the_map_shows_the_replay_position(tmp_path: Path) -> None:
    app = make_replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await replay_half_way(pilot)
        half = app.store.updates
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MapScreen))
        screen = the_map(app)
        counts = await after_seek(pilot, app, screen)
        assert counts == expected_counts(app, screen)
        # The replay's line is under the map too, where it stands.
        bar = screen.query_one(ReplayBar)
        assert bar.playback.position == app.player.position > 0  # type: ignore[union-attr]
        assert "paused" in str(bar.render())
        # Go to the end: the map follows, and still agrees with the store there.
        app.action_seek(10_000)
        await until(pilot, lambda: app.store.updates > half)
        await until(pilot, lambda: "end" in str(bar.render()))
        await until(
            pilot,
            lambda: screen.frame is not None
            and list(screen.frame.counts) == expected_counts(app, screen),
        )
        at_end = list(screen.frame.counts)  # type: ignore[union-attr]
        # And back to the start of the session: fewer locations known than at the end.
        app.action_seek(-10_000)
        await until(
            pilot,
            lambda: screen.frame is not None
            and sum(screen.frame.counts) < sum(at_end)
            and list(screen.frame.counts) == expected_counts(app, screen),
        )


async def test_a_map_opened_before_any_data_fits_the_data_once_it_comes(tmp_path: Path) -> None:
    app = make_replay_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MapScreen))
        screen = the_map(app)
        await until(pilot, lambda: screen.view is not None)
        world = screen.view
        assert world is not None and world == View.world(world.width, world.height)
        # Nothing received at the replay's start: the world, until the locations come.
        app.action_seek(600)
        await until(pilot, lambda: screen.view != world)
        assert screen.frame is not None and sum(screen.frame.counts) > 0
        # Opened again at the start, and zoomed in by the user before any data: it stays
        # where they put it.
        await pilot.press("escape")
        app.action_seek(-10_000)
        await until(pilot, lambda: app.store.updates == 0)
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MapScreen) and app.screen.view)
        screen = the_map(app)
        await pilot.press("plus")
        moved = screen.view
        assert moved != world
        app.action_seek(600)
        await until(pilot, lambda: app.store.updates > 0)
        for _ in range(5):
            await pilot.pause(0.1)
        assert screen.view == moved


async def test_the_picked_line_stays_whole_in_a_narrower_window(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await open_map(pilot)
        screen = the_map(app)

        def picked_line() -> str:
            return str(screen.query_one("#map-picked").render())

        # A long label: the clock gives way, not the end of the line (nor the view's centre,
        # which the legend's line shows).
        await pilot.press("e", *"Harbour Park and Ride, North Gate, Level 2", "enter")
        await until(pilot, lambda: "Harbour Park" in picked_line())
        assert cell_len(picked_line()) <= screen.size.width - 2, picked_line()
        assert screen.view is not None
        assert centre_text(screen.view) in str(screen.query_one("#map-legend").render())
