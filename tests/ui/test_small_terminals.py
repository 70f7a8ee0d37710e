"""The screens on small terminals: what stays in view, and that nothing half shows."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll
from textual.widgets import DataTable

from evtui.ui.screens.help import HelpScreen
from evtui.ui.screens.location import LocationScreen
from tests.ui.test_app import L1, file_app, loaded


def column_titles(table: DataTable[object]) -> list[str]:
    return [str(c.label).strip() for c in table.columns.values()]


def drawn_lines(table: DataTable[object]) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_a_narrow_terminal_keeps_the_status_since_and_timeline_in_view(
    tmp_path: Path,
) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, LocationScreen) and screen.location_id == L1
        table = screen.query_one(DataTable)
        titles = column_titles(table)
        assert titles == ["EVSE", "status", "since", "timeline"]
        # Every column fits the table: nothing is left to scroll sideways to.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        header, first, second = drawn_lines(table)[:3]
        assert "timeline" in header
        assert "AVAILABLE" in first and "OUT_OF_ORDER" in second
        # The timeline's cells are whole on the screen: it ends in a status, not cut off.
        assert first.rstrip().endswith("█") and second.rstrip().endswith("█")

        # Wider, the columns come back, the connectors last, and the timeline's full title.
        await pilot.resize_terminal(100, 24)
        await pilot.pause(0.3)
        titles = column_titles(table)
        assert titles == ["EVSE", "status", "since", "uptime", "outages", "util", "timeline"]
        await pilot.resize_terminal(160, 24)
        await pilot.pause(0.3)
        titles = column_titles(table)
        assert "connectors · max kW" in titles and "timeline (this session)" in titles
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert drawn_lines(table)[1].rstrip().endswith("█")


async def test_help_on_a_short_terminal_covers_all_but_the_status_line_and_footer(
    tmp_path: Path,
) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one(VerticalScroll).region
        # Row 0 is the status line, row 23 the footer; the help's box is every row between:
        # no edge of the log's border shows below it.
        assert (box.y, box.bottom) == (1, 23)
