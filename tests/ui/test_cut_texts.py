"""Texts that come from outside, cut to the room there is: where a cut reads as something
else, cut at the end."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from evtui.model import EventFilter
from evtui.ui.screens.map import MapScreen
from tests.ui.scene import SIZE, make_app, open_map


async def test_the_maps_legend_cuts_a_long_filter_at_its_end(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_map(pilot)
        screen = app.screen
        assert isinstance(screen, MapScreen)
        query = "status:out_of_order operator:allego city:utrecht country:nl"
        app.set_filter(EventFilter.parse(query))
        await pilot.pause(1.0)
        legend = str(screen.query_one("#map-legend", Static).render())
        shown = legend.split("filter: ", 1)[1]
        # The query's head, then the ellipsis: not its two ends joined ("…untry:…").
        assert shown.endswith("…") and query.upper().startswith(shown[:-1].upper()[:12])
        assert "country" not in shown


async def test_the_rejected_list_with_nothing_in_it_says_so(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from evtui.sources import PayloadFileSource
    from evtui.ui.app import EvtuiApp
    from evtui.ui.screens.rejected import RejectedScreen
    from evtui.watchlist import Watchlist
    from tests.ui.test_app import STORY, loaded, write_payloads

    path = write_payloads(tmp_path / "payloads.jsonl", STORY, junk=False)
    source = PayloadFileSource(str(path))
    app = EvtuiApp(source, watchlist=Watchlist(tmp_path / "watchlist.json"))
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("x")
        assert isinstance(app.screen, RejectedScreen)
        assert str(app.screen.query_one(DataTable).border_title) == "none so far"
