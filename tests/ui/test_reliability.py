"""The reliability screen, on a history small enough to compute by hand."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from evtui.ui.screens.help import HelpScreen
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.screens.reliability import ReliabilityScreen
from evtui.ui.widgets.figures_table import FiguresTable
from evtui.ui.widgets.network_summary import NetworkSummary
from tests.ui.scene import make_app, settle
from tests.ui.test_app import L1, L2, doc, file_app, loaded, until

# L1: a AVAILABLE, CHARGING from minute 2; b AVAILABLE, OUT_OF_ORDER at minute 4 (the end).
# L2: c CHARGING, INOPERATIVE from minute 1 to 3, then AVAILABLE.
HISTORY = [
    doc(L1, 0, a="AVAILABLE", b="AVAILABLE"),
    doc(L2, 0, c="CHARGING"),
    doc(L2, 1, c="INOPERATIVE"),
    doc(L1, 2, a="CHARGING"),
    doc(L2, 3, c="AVAILABLE"),
    doc(L1, 4, b="OUT_OF_ORDER"),
]


def cells(table: FiguresTable) -> list[list[str]]:
    return [table.row_cells(i) for i in range(table.row_count)]


async def opened(pilot: Pilot[None]) -> tuple[ReliabilityScreen, FiguresTable]:
    """Press `u` on the loaded monitor; the screen and its table, once both rows show."""
    app = pilot.app
    await loaded(pilot)
    await pilot.press("u")
    await until(pilot, lambda: isinstance(app.screen, ReliabilityScreen))
    screen = app.screen
    assert isinstance(screen, ReliabilityScreen)
    table = screen.query_one(FiguresTable)
    await until(pilot, lambda: table.row_count == 2)
    return screen, table


async def test_locations_worst_first_with_hand_computed_figures(tmp_path: Path) -> None:
    app = file_app(tmp_path, HISTORY)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, table = await opened(pilot)
        two, one = cells(table)
        # L2: 120 of 240 s up (inoperative 2 min), one outage; charging 60 of 120 working s.
        assert two[1:8] == ["1", "50.00%", "1", "2m", "2m", "2m", "50.00%"]
        # L1: always up so far; b went down at the very end (flagged, no outage time yet);
        # charging 120 of 480 working s.
        assert one[1:8] == ["2", "100.00%", "0", "0", "0", "-", "25.00%"]
        assert one[8] == "!" and two[8] == ""
        assert "UK PCPR 2023 uptime" in str(table.border_title)
        assert "2 locations" in str(table.border_title)
        # Sorted by utilisation, then reversed: each time the cursor shows the top row.
        assert screen.selected_key == L2 and table.cursor_row == 0
        while screen.sort_column != 7:
            await pilot.press("s")
        assert [row[7] for row in cells(table)] == ["25.00%", "50.00%"]
        assert screen.selected_key == L1 and table.cursor_row == 0
        await pilot.press("down", "S")
        assert [row[7] for row in cells(table)] == ["50.00%", "25.00%"]
        assert screen.selected_key == L2 and table.cursor_row == 0
        # A refresh of the figures that reorders the rows keeps the cursor on its row.
        await pilot.press("down")
        assert screen.selected_key == L1
        screen.descending = False
        screen.refresh_figures()
        assert screen.selected_key == L1 and table.cursor_row == 0
        # Grouped by operator: the directory knows none, so one row of all three EVSEs.
        await pilot.press("g")
        await until(pilot, lambda: table.row_count == 1)
        assert cells(table)[0][:3] == ["(not known)", "3", f"{100 * 600 / 720:.2f}%"]
        assert str(table.border_title).endswith(" · 1 operator")
        # Back to locations; enter opens the worst one.
        await pilot.press("g", "g")
        await until(pilot, lambda: table.row_count == 2)
        screen.sort_column, screen.descending = 2, False
        screen.refresh_figures()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LocationScreen))
        assert app.screen.location_id == L2  # type: ignore[attr-defined]


async def test_the_network_summary_shows_under_the_rate_graph_on_a_wide_screen(
    tmp_path: Path,
) -> None:
    app = file_app(tmp_path, HISTORY)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        summary = app.screen.query_one(NetworkSummary)
        await until(pilot, lambda: summary.figures is not None and summary.figures.evses == 3)
        text = str(summary.render())
        # 600 of 720 observed seconds up (L2's c was inoperative 2 minutes); b down now,
        # since the very end: no outage time yet, so no longest one.
        assert f"uptime      {100 * 600 / 720:.2f}%  of 3 EVSEs" in text
        assert "down now    1" in text
        assert "flapping    0" in text
        assert summary.border_subtitle == "UK PCPR 2023"
    (tmp_path / "narrow").mkdir()
    narrow = file_app(tmp_path / "narrow", HISTORY)
    async with narrow.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        assert not narrow.screen.query_one(NetworkSummary).display


async def test_a_click_on_a_header_sorts_by_it_and_on_a_row_opens_it(tmp_path: Path) -> None:
    app = file_app(tmp_path, HISTORY)
    async with app.run_test(size=(120, 30)) as pilot:
        screen, table = await opened(pilot)
        widths = table._widths
        util = sum(widths[:7]) + 7  # where the utilisation column starts, in the content
        # The table's border is one cell wide: content (0, 0) is the header's first cell.
        await pilot.click(FiguresTable, offset=(1 + util + 2, 1))
        assert screen.sort_column == 7
        assert [row[7] for row in cells(table)] == ["25.00%", "50.00%"]
        await pilot.click(FiguresTable, offset=(1 + util + 2, 1))
        assert screen.descending
        assert [row[7] for row in cells(table)] == ["50.00%", "25.00%"]
        # The second row (L1, 25 % utilisation): a click opens it.
        await pilot.click(FiguresTable, offset=(3, 3))
        await until(pilot, lambda: isinstance(app.screen, LocationScreen))
        assert app.screen.location_id == L1  # type: ignore[attr-defined]


async def scene_opened(pilot: Pilot[None]) -> tuple[ReliabilityScreen, FiguresTable]:
    """The reliability screen over the scene's 400 locations (names, operators, countries)."""
    await settle(pilot)
    await pilot.press("u")
    await until(pilot, lambda: isinstance(pilot.app.screen, ReliabilityScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ReliabilityScreen)
    return screen, screen.query_one(FiguresTable)


async def test_titles_count_each_kind_of_row_and_headers_show_their_sort_marker(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, table = await scene_opened(pilot)
        plurals = {"location": "locations", "operator": "operators", "country": "countries"}
        for by in ("location", "operator", "country"):
            await until(pilot, lambda by=by: screen.by == by and table.row_count > 1)
            assert f"{table.row_count:,} {plurals[by]}" in str(table.border_title)
            await pilot.press("g")
        # At 160 columns every header and its marker show whole, whichever column sorts.
        for _ in range(len(table._widths)):
            await pilot.press("s")
            headers = [h.plain for h in table._headers]
            assert ("▼" if screen.descending else "▲") in headers[screen.sort_column]
            assert all(len(h) <= w for h, w in zip(headers, table._widths, strict=True))
    (tmp_path / "narrow").mkdir()
    narrow = make_app(tmp_path / "narrow")
    async with narrow.run_test(size=(80, 24)) as pilot:
        screen, table = await scene_opened(pilot)
        assert table._widths[0] == 14  # at 80 columns: "Allego Am Mar…", not "Allego Am…"
        # Every header whole there too; the sorted one's marker takes from the name, not more.
        for _ in range(len(table._widths)):
            await pilot.press("s")
            headers = [h.plain for h in table._headers]
            assert all(len(h) <= w for h, w in zip(headers, table._widths, strict=True))
            assert table._widths[0] >= 12


async def test_a_sort_shows_the_top_of_the_new_order(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, table = await scene_opened(pilot)
        await pilot.press(*["down"] * 60)
        assert table.cursor_row == 60 and table.scroll_offset.y > 0
        await pilot.press("s")
        assert screen.sort_column == 3  # outages
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        # Worst first: the most outages at the top, as uptime puts the lowest there.
        outages = [int(row[3].replace(",", "")) for row in cells(table)]
        assert outages == sorted(outages, reverse=True) and outages[0] > outages[-1]
        assert "▼" in table._headers[3].plain


async def test_escape_steps_back_one_level(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        screen, table = await scene_opened(pilot)
        # Into an operator's locations and back: the operators, on the one entered.
        await pilot.press("g")
        await until(pilot, lambda: screen.by == "operator" and table.row_count > 3)
        await pilot.press("down", "down")
        entered = screen.selected_key
        await pilot.press("enter")
        await until(pilot, lambda: screen.by == "location")
        assert f"locations of {entered}" in str(table.border_title)
        await pilot.press("escape")
        assert app.screen is screen and screen.by == "operator"
        assert screen.selected_key == entered and table.cursor_row == 2
        assert "operators" in str(table.border_title)
        await pilot.press("escape")
        assert isinstance(app.screen, MonitorScreen)


async def test_the_help_tells_what_the_app_does(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = " ".join(s.text for s in help_screen._compositor.render_strips())
        assert "tab" in keys and "focus_next" in keys
        legend = " ".join(help_screen._legend().plain.split())
        assert "the directory's name" in legend
        for term in ("status:", "operator:", "city:", "country:", "kw:>=150"):
            assert term in legend
        assert "longer than 30 min (outage_alert_minutes)" in legend
        assert "flapping" in legend


async def test_keys_typed_ahead_open_the_row_the_cursor_moved_to(tmp_path: Path) -> None:
    # A terminal delivers "down, enter" typed fast as one read: the app takes both before the
    # table has moved its cursor. Enter must still open the row the cursor moved to.
    from textual import events

    app = file_app(tmp_path, HISTORY)
    async with app.run_test(size=(120, 30)) as pilot:
        screen, table = await opened(pilot)
        first = screen.selected_key
        for key in ("down", "enter"):
            app.post_message(events.Key(key, None))
        await until(pilot, lambda: isinstance(app.screen, LocationScreen))
        assert table.cursor_row == 1
        assert app.screen.location_id != first  # type: ignore[attr-defined]
        assert app.screen.location_id in (L1, L2)  # type: ignore[attr-defined]


async def test_w_watches_the_highlighted_location_and_the_palette_offers_it(
    tmp_path: Path,
) -> None:
    from textual.command import CommandList, CommandPalette

    app = file_app(tmp_path, HISTORY)
    async with app.run_test(size=(160, 40)) as pilot:
        screen, _ = await opened(pilot)
        await pilot.press("down")
        chosen = screen.selected_location
        assert chosen in (L1, L2)
        await pilot.press("w")
        assert list(app.watchlist) == [chosen]
        # Over operators there is no one location: nothing is watched.
        await pilot.press("g")
        await until(pilot, lambda: screen.by == "operator")
        assert screen.selected_location is None
        await pilot.press("w")
        assert list(app.watchlist) == [chosen]
        await pilot.press("escape")
        # The palette, opened over a location, offers to unwatch that one.
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ReliabilityScreen))
        screen = app.screen
        assert isinstance(screen, ReliabilityScreen)
        await until(pilot, lambda: screen.query_one(FiguresTable).row_count == 2)
        while screen.selected_location != chosen:
            await pilot.press("down")
        await pilot.press("ctrl+p", *"unwatch")
        await until(
            pilot,
            lambda: isinstance(app.screen, CommandPalette)
            and app.screen.query_one(CommandList).option_count > 0,
        )
        palette = app.screen.query_one(CommandList)
        offered = [str(palette.get_option_at_index(i).prompt) for i in range(palette.option_count)]
        # (Each watched location has an entry too: this one is the location looked at.)
        assert f"Unwatch {app.display_name(chosen)}\nremove it from the watchlist" in offered
