"""The monitor knows its locations: names from the directory (the emulator over loopback, a
real cache file) in the log, the watchlist and the location screen; a directory that refuses
us is said once and changes nothing else; a restart asks the directory for nothing it has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable

from evtui.emulator import EmulatorConfig, EmulatorServer
from evtui.here import parse_credentials
from evtui.sources import HereSource
from evtui.ui.app import EvtuiApp
from evtui.ui.screens.location import LocationScreen
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.status_bar import StatusBar
from evtui.ui.widgets.watchlist_panel import WatchlistPanel
from evtui.watchlist import Watchlist
from tests.ui.test_app import toasts, until
from tests.ui.test_palette import listed


@pytest.fixture
def demo() -> Iterator[EmulatorServer]:
    """A small lively network, as `evtui demo` runs it."""
    with EmulatorServer(EmulatorConfig(locations=60, speed=60, poll_wait=0.2)) as running:
        yield running


def demo_app(server: EmulatorServer, tmp_path: Path, watch: str | None = None) -> EvtuiApp:
    source = HereSource(
        parse_credentials(server.credentials_text()),
        lookup_url=server.lookup_url,
        start="earliest",
        directory_url=server.directory_url,
    )
    watchlist = Watchlist(tmp_path / "watchlist.json")
    if watch:
        watchlist.add(watch)
    return EvtuiApp(source, watchlist=watchlist, directory_cache=tmp_path / "directory.sqlite")


def screen_text(app: EvtuiApp) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


async def test_names_show_in_the_log_the_watchlist_and_the_location_screen(
    demo: EmulatorServer, tmp_path: Path
) -> None:
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: len(app.store.locations) > 10, 15)
        first = next(iter(app.store.locations))
        app.watchlist.add(first)
        await until(pilot, lambda: app.places.info(first) is not None, 10)
        info = app.places.info(first)
        assert info is not None and info.name
        # In the log: a row of a named location shows the name, not the hash.
        log = app.screen.query_one(EventLog)
        def a_name_in_the_log() -> bool:
            text = screen_text(app)
            named = [app.places.name(c.location_id) for c in list(app.store.events)[-5:]]
            return any(n[:8] in text for n in named if n)

        await until(pilot, a_name_in_the_log)
        # In the watchlist panel: the log is relabelled at once, the panel at its next repaint
        # (while changes stream in, the panels other than the log repaint at most every
        # SLOW_PAINT_SECONDS), so it may show the name a frame or more after the log.
        panel = app.screen.query_one(WatchlistPanel)
        await until(pilot, lambda: info.name[:8] in str(panel.table.get_row_at(0)[0]), 3)
        # The location screen: name, operator, address, connectors.
        await pilot.press("tab", "enter")
        await until(pilot, lambda: isinstance(app.screen, LocationScreen))
        await until(pilot, lambda: app.places.complete(first))
        # The screen refreshes twice a second: wait for the one that has the whole record.
        await until(pilot, lambda: str(info.operator)[:20] in screen_text(app))
        text = screen_text(app)
        assert info.name[:30] in text
        assert info.operator and info.operator[:20] in text
        assert info.address and info.address[:20] in text
        # The address ends with the country: the header does not say it twice.
        country = app.places.country_name(first)
        assert country and info.address.endswith(country)
        header = next(line for line in text.splitlines() if info.address[:20] in line)
        assert header.count(country) == 1, header
        table = app.screen.query_one(DataTable)
        keys = [k.value for k in table.columns]
        cells = dict(zip(keys, map(str, table.get_row_at(0)), strict=True))
        assert any(w in cells["connectors"] for w in ("CCS", "Type 2", "CHAdeMO")), cells
        assert log is not None


async def test_a_refused_directory_is_said_once_and_the_monitor_goes_on(
    demo: EmulatorServer, tmp_path: Path
) -> None:
    demo.emulator.faults.directory_forbidden = True
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.directory.unavailable is not None, 15)
        before = len(app.store.events)
        await pilot.pause(2.5)
        assert len(app.store.events) > before  # still streaming
        said = [t for t in toasts(app) if "directory not available" in t]
        assert len(said) == 1 and "HTTP 403" in said[0]
        bar = app.screen.query_one(StatusBar)
        assert bar.directory is not None and "not available" in bar.directory
        assert "directory not available" in screen_text(app)
        # Still: the country and position the ids carry.
        some = next(iter(app.store.locations))
        assert app.places.country(some) is not None
        assert app.places.position(some) is not None
        assert app.places.position(some)[2] is True  # type: ignore[index]
        requests = app.directory.asked
        await pilot.pause(2.5)
        assert app.directory.asked == requests  # never asked again


async def test_a_restart_with_the_cache_asks_the_directory_nothing(
    demo: EmulatorServer, tmp_path: Path
) -> None:
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: len(app.store.locations) >= 60, 20)
        await until(pilot, lambda: all(app.places.complete(i) for i in app.store.locations), 20)
        await pilot.press("q")
    assert demo.emulator.directory_asked
    demo.emulator.directory_asked.clear()
    again = demo_app(demo, tmp_path)
    async with again.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: len(again.store.locations) >= 60, 20)
        await until(pilot, lambda: all(again.places.complete(i) for i in again.store.locations))
        assert all(again.places.name(i) for i in again.store.locations)
        await pilot.press("q")
    assert demo.emulator.directory_asked == []


async def test_the_palette_finds_a_location_by_its_operator_and_its_city(
    demo: EmulatorServer, tmp_path: Path
) -> None:
    app = demo_app(demo, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: len(app.store.locations) > 10, 15)
        first = next(iter(app.store.locations))
        app.watchlist.add(first)  # looked up first
        await until(pilot, lambda: app.places.info(first) is not None, 10)
        info = app.places.info(first)
        assert info is not None and info.operator and info.city and info.name
        # Each word anywhere (city and operator in either order); a label does not hide the
        # directory's name from the search.
        for query in (info.operator, info.city, f"{info.city} {info.operator}", info.name):
            if query == info.name:
                app.watchlist.set_label(first, "Depot")
                app.places.relabel()
            await pilot.press("ctrl+p", *query)
            name = app.display_name(first)
            await until(pilot, lambda name=name: any(name in p for p in listed(app)))
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
