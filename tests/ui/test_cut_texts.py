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
