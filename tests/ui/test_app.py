"""The monitor driven with Pilot: fed by the real HERE client against the emulator, or by a
payload file, and checked through what a user sees and the files it writes."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.style import Style
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from evtui.emulator import EmulatorServer
from evtui.here import parse_credentials
from evtui.here.events import ConnectionStatus
from evtui.model import StatusChange
from evtui.settings import Settings, load_settings
from evtui.sources import HereSource, PayloadFileSource
from evtui.ui.app import EvtuiApp
from evtui.ui.screens.help import HelpScreen
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.screens.rejected import RejectedScreen
from evtui.ui.theme import short_id, status_style
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.status_bar import StatusBar
from evtui.ui.widgets.watchlist_panel import WatchlistPanel
from evtui.watchlist import Watchlist

L1 = "here:evcp:charginglocation:00000000000000000000000000000001"
L2 = "here:evcp:charginglocation:00000000000000000000000000000002"


def doc(location: str, minute: int, **evses: str) -> dict[str, object]:
    return {
        "id": location,
        "evses": [
            {
                "id": f"here:evcp:evse:{location[-1]}{name}",
                "status": status,
                "last_updated": f"2026-11-25T10:{minute:02d}:00Z",
            }
            for name, status in evses.items()
        ],
    }


def write_payloads(path: Path, docs: list[dict[str, object]], junk: bool = True) -> Path:
    lines = [json.dumps(d) for d in docs]
    if junk:
        lines.append("{broken")
    path.write_text("\n".join(lines) + "\n")
    return path


STORY = [
    doc(L1, 0, a="AVAILABLE", b="AVAILABLE"),
    doc(L2, 0, c="CHARGING"),
    doc(L1, 1, a="CHARGING"),
    doc(L2, 2, c="AVAILABLE"),
    doc(L1, 3, a="AVAILABLE", b="OUT_OF_ORDER"),
]


async def until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            break
        await pilot.pause(0.05)
    assert condition(), "timed out"
    # One more repaint so the widgets show what the model now holds.
    await pilot.pause(0.1)


def file_app(
    tmp_path: Path, docs: list[dict[str, object]] = STORY, batch_size: int = 500, **kwargs: object
) -> EvtuiApp:
    path = write_payloads(tmp_path / "payloads.jsonl", docs)
    source = PayloadFileSource(str(path), batch_size=batch_size)
    kwargs.setdefault("watchlist", Watchlist(tmp_path / "watchlist.json"))
    return EvtuiApp(source, **kwargs)  # type: ignore[arg-type]


async def loaded(pilot: Pilot[None]) -> EvtuiApp:
    app = pilot.app
    assert isinstance(app, EvtuiApp)
    await until(pilot, lambda: app.connection.status is ConnectionStatus.CLOSED)
    return app


def toasts(app: EvtuiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_counts_changes_and_rejections_reach_the_screen(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        counters = app.query_one(StatusCounters)
        assert dict(counters.counts) == {"AVAILABLE": 2, "CHARGING": 0, "OUT_OF_ORDER": 1}
        assert counters.recent == {"CHARGING": 1, "AVAILABLE": 2, "OUT_OF_ORDER": 1}
        log = app.query_one(EventLog)
        assert [(c.old, c.new) for c in log.rows] == [
            ("AVAILABLE", "CHARGING"),
            ("CHARGING", "AVAILABLE"),
            ("CHARGING", "AVAILABLE"),
            ("AVAILABLE", "OUT_OF_ORDER"),
        ]
        # Following: the newest row is the highlighted one, and the log has focus.
        assert log.has_focus and log.highlighted == log.rows[-1]
        bar = app.query_one(StatusBar)
        assert bar.rejected == 1
        assert "rejected 1" in str(bar.render())
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_file_read_to_its_end_falls_no_further_behind(tmp_path: Path) -> None:
    now = [time.time()]
    app = file_app(tmp_path, clock=lambda: now[0])
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        bar = app.query_one(StatusBar)
        await until(pilot, lambda: bar.lag is not None and "closed" in str(bar.render()))
        ended = bar.lag
        # An hour on, the file has not fallen behind: it has ended. (Repaints come 4 a second.)
        now[0] += 3600
        for _ in range(4):
            await pilot.pause(0.3)
        assert bar.lag == ended
        await pilot.press("q")


async def test_w_watches_the_highlighted_location_and_writes_the_file(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("w")
        saved = json.loads((tmp_path / "watchlist.json").read_text())
        assert saved["locations"] == [{"id": L1, "label": ""}]
        panel = app.query_one(WatchlistPanel)
        table = panel.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1)
        row = [str(c) for c in table.get_row_at(0)]
        # The id's tail, cut to the room the panel gives names (the width's own test below).
        assert row[0] == short_id(L1, len(row[0])) and len(row[0]) < len(short_id(L1, 99))
        assert row[2] == "1/2"  # a AVAILABLE, b OUT_OF_ORDER
        # Two rows up is L2's change; `w` there adds L2 too.
        await pilot.press("up", "up", "w")
        assert list(app.watchlist) == [L1, L2]
        await pilot.press("w")
        assert list(Watchlist.load(tmp_path / "watchlist.json")[0]) == [L1]


async def test_pause_counts_new_rows_and_end_resumes_following(
    server: EmulatorServer, tmp_path: Path
) -> None:
    source = HereSource(
        parse_credentials(server.credentials_text()),
        lookup_url=server.lookup_url,
        start="earliest",
    )
    app = EvtuiApp(source, watchlist=Watchlist(tmp_path / "w.json"))
    async with app.run_test(size=(160, 40)) as pilot:
        log = app.query_one(EventLog)
        for minute in range(2):
            server.emulator.publish(doc(L1, minute, a=("AVAILABLE", "CHARGING")[minute % 2]))
        await until(pilot, lambda: log.row_count == 1)
        await pilot.press("p")
        assert not log.following
        held = log.highlighted
        for minute in range(2, 6):
            server.emulator.publish(doc(L1, minute, a=("AVAILABLE", "CHARGING")[minute % 2]))
        await until(pilot, lambda: log.row_count == 5)
        assert log.new_while_paused == 4
        assert "paused, 4 new" in str(log.border_subtitle)
        assert log.highlighted == held
        await pilot.press("end")
        assert log.following and log.highlighted == log.rows[-1]
        assert "following" in str(log.border_subtitle)
        await pilot.press("up")
        assert not log.following and log.highlighted == log.rows[-2]
        await pilot.press("p")
        assert log.following
        await pilot.press("q")
    assert app.return_code == 0
    # `q` committed what was read and unsubscribed before leaving.
    assert server.emulator.unsubscribed == 1
    assert sum(server.emulator.committed(server.emulator.subscribed[0]).values()) == 6


async def test_a_pause_longer_than_the_log_says_that_the_rows_paused_on_are_gone(
    tmp_path: Path,
) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        log = app.query_one(EventLog)
        log.max_rows = 6
        log.pause()
        at = datetime(2026, 11, 25, tzinfo=UTC)
        moves = [StatusChange(at, L1, "a", "AVAILABLE", "CHARGING")] * 5
        log.add_changes(moves)
        assert "paused, 5 new ·" in str(log.border_subtitle)
        log.add_changes(moves)
        # Ten new rows where the log keeps six: the rows paused on have dropped out.
        assert "paused, 10 new, 6 kept ·" in str(log.border_subtitle) and log.row_count == 6
        await pilot.press("q")


async def test_filter_by_status_and_by_text(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        log = app.query_one(EventLog)
        await pilot.press("slash")
        await pilot.press(*"status:available", "enter")
        assert [c.new for c in log.rows] == ["AVAILABLE", "AVAILABLE"]
        assert "filter:" in str(log.border_title) and "status:AVAILABLE" in str(log.border_title)
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"0002", "enter")
        assert [c.location_id for c in log.rows] == [L2]
        await pilot.press("slash", "ctrl+a", "ctrl+k", "enter")
        assert log.row_count == 4
        # A term it cannot take as meant is said so, not left to show an empty log unexplained.
        await pilot.press("slash", *"country:zz", "enter")
        assert log.row_count == 0
        assert "country:zz: no such country code (de or deu, say)" in toasts(app)


async def test_enter_opens_the_location_and_escape_goes_back(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, LocationScreen) and screen.location_id == L1
        table = screen.query_one(DataTable)
        # Cells are padded to fixed widths (no-break spaces for right-aligned numbers).
        rows = [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[1], r[3]) for r in rows] == [("AVAILABLE", "2"), ("OUT_OF_ORDER", "1")]
        # The highlighted row keeps its status's colour, in its timeline too.
        assert table.cursor_row == 0
        await pilot.pause(0.1)
        green = Style.parse(status_style("AVAILABLE")).color
        drawn = [seg for seg in table.render_line(1) if seg.style and seg.text.strip()]
        timeline = [seg for seg in drawn if "█" in seg.text]
        assert timeline and all(seg.style and seg.style.color == green for seg in timeline)
        await pilot.press("w")
        assert L1 in app.watchlist
        await pilot.press("escape")
        assert isinstance(app.screen, MonitorScreen)


async def pasted(pilot: Pilot[None], key: str, text: str) -> None:
    """Press `key`, paste `text` into the prompt it opens (a key press cannot type `…`), and
    submit it."""
    from evtui.ui.widgets.line_input import LineInput

    await pilot.press(key)
    pilot.app.screen.query_one(LineInput).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_add_by_id_and_label_show_in_the_log_and_the_file(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("a", *L2, "enter")
        assert list(app.watchlist) == [L2]
        # A typo is no location: said so, nothing watched.
        await pilot.press("a", *"not-a-real-id", "enter")
        assert list(app.watchlist) == [L2]
        assert any(t.startswith("No location 'not-a-real-id' seen") for t in toasts(app))
        for typed in ("cafe", "foo:bar", "0000…0009"):
            await pasted(pilot, "a", typed)
        assert list(app.watchlist) == [L2]
        assert any("'0000…0009' is the short form of no one location" in t for t in toasts(app))
        # The short form the screens show, of a location seen: that location.
        await pasted(pilot, "a", "0000…0001")
        assert list(app.watchlist) == [L2, L1]
        app.watchlist.remove(L1)
        await pilot.press("e", *"Depot", "enter")
        assert app.watchlist.label(L1) == "Depot"
        saved = json.loads((tmp_path / "watchlist.json").read_text())
        assert saved["locations"] == [{"id": L2, "label": ""}, {"id": L1, "label": "Depot"}]
        await pilot.pause(0.1)
        lines = [app.screen.query_one(EventLog).render_line(y).text for y in range(4)]
        assert sum("Depot" in line for line in lines) == 3


async def test_watched_locations_notify_when_an_evse_is_back_and_when_all_are_down(
    tmp_path: Path,
) -> None:
    docs = [
        doc(L1, 0, a="CHARGING", b="OUT_OF_ORDER"),
        doc(L1, 1, a="AVAILABLE"),
        doc(L1, 2, a="INOPERATIVE"),
    ]
    # Within a minute, the same alert for the same location is not repeated.
    docs += [doc(L1, 3, a="AVAILABLE"), doc(L1, 4, a="CHARGING"), doc(L1, 5, a="AVAILABLE")]
    # One message per batch, as a live stream would deliver them over time.
    app = file_app(tmp_path, docs, batch_size=1, watchlist=Watchlist(None, {L1: "Depot"}))
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        assert toasts(app) == [
            "Depot: an EVSE is AVAILABLE again",
            "Depot: all 2 EVSEs are down",
        ]


async def test_help_is_made_from_the_bindings_and_shows_overrides(tmp_path: Path) -> None:
    keys = {"pause": "space", "nope": "x", "filter": "w"}
    app = file_app(tmp_path, settings=Settings(keys=keys))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert any("keys.nope: no such binding id" in t for t in toasts(app))
        assert any("'w' is bound to both toggle_watch and filter" in t for t in toasts(app))
        log = app.query_one(EventLog)
        await pilot.press("space")
        assert not log.following
        # The badge names the keys that work now.
        assert "space or end to follow" in str(log.border_subtitle).lower()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.export_screenshot()
        assert "toggle_watch" in text and "Watch" in text
        # Every row says what its keys do: the map's left key pans left, though the map's
        # footer says "Pan" for all four.
        console = Console(width=160, record=True, file=io.StringIO())
        console.print(app.screen.query(Static).first().content)
        lines = [line for line in console.export_text().splitlines() if line.strip()]
        rows = {line.split()[-1]: line for line in lines}
        assert "Pan left" in rows["map_left"] and "Pan right" in rows["map_right"]
        await pilot.press("escape")
        assert isinstance(app.screen, MonitorScreen)


async def test_rejected_screen_lists_why(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("x")
        screen = app.screen
        assert isinstance(screen, RejectedScreen)
        row = [str(c) for c in screen.query_one(DataTable).get_row_at(0)]
        assert row[3] == "bad JSON"
        await pilot.press("escape")
        assert isinstance(app.screen, MonitorScreen)


async def test_palette_filters_by_status(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p", *"only OUT_OF_ORDER")
        # The palette searches in the background: enter picks a hit only once one is listed.
        await until(
            pilot,
            lambda: isinstance(app.screen, CommandPalette)
            and app.screen.query_one(CommandList).option_count > 0,
        )
        await pilot.press("enter")
        log = app.query_one(EventLog)
        await until(pilot, lambda: [c.new for c in log.rows] == ["OUT_OF_ORDER"])


async def test_80x24_shows_counters_and_log_and_hides_the_watchlist(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        counters, log = app.query_one(StatusCounters), app.query_one(EventLog)
        assert counters.region.width >= 40 and counters.region.height >= 9
        assert log.region.width == 80 and log.region.height >= 8
        assert not app.query_one(WatchlistPanel).display
        row = log.render_line(log.row_count - 1 - int(log.scroll_y)).text
        assert "OUT_OF_ORDER" in row


async def test_an_unknown_theme_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    app = file_app(tmp_path, settings=Settings(theme="no-such-theme"))
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        assert any("no theme 'no-such-theme'" in t for t in toasts(app))
        assert app.theme == "textual-dark"


async def test_a_theme_picked_in_the_palette_says_how_to_keep_it(tmp_path: Path) -> None:
    app = file_app(tmp_path, settings=Settings(theme="nord"), settings_path=tmp_path / "s.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        assert app.theme == "nord" and not [t for t in toasts(app) if "Theme" in t]
        app.theme = "gruvbox"  # what the palette's "Change theme" does
        await pilot.pause(0.1)
        assert f'Theme gruvbox for this session: theme = "gruvbox" in {tmp_path / "s.toml"} ' \
            "keeps it" in toasts(app)


async def test_a_narrow_tall_terminal_shows_the_watchlist_under_the_log(tmp_path: Path) -> None:
    app = file_app(tmp_path, watchlist=Watchlist(None, {L1: "Depot"}))
    async with app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        log, panel = app.query_one(EventLog), app.query_one(WatchlistPanel)
        assert panel.display and panel.region.y >= log.region.bottom
        assert "★ 1" in str(app.query_one(StatusBar).render())


async def test_w_on_a_following_log_holds_the_row_it_acted_on(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        log = app.query_one(EventLog)
        newest = log.highlighted
        await pilot.press("w")
        assert not log.following and log.highlighted == newest
        assert newest is not None and list(app.watchlist) == [newest.location_id]


async def test_the_readmes_sample_settings_load_without_a_warning(tmp_path: Path) -> None:
    readme = Path(__file__).parents[2] / "README.md"
    (sample,) = re.findall(r"```toml\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    path = tmp_path / "settings.toml"
    path.write_text(sample, encoding="utf-8")
    settings, warnings = load_settings(path)
    assert warnings == []
    assert settings.keys  # the sample's [keys] were read, so the check below covers them
    app = file_app(tmp_path, settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        assert [t for t in toasts(app) if t.startswith("settings")] == []


async def test_a_wider_log_gives_names_the_room(tmp_path: Path) -> None:
    name = "Harbour Park and Ride, North"  # 28 cells: more than the 16 of a narrow log
    app = file_app(tmp_path, watchlist=Watchlist(None, {L1: name}))
    for size, shown in (((80, 24), name), ((160, 48), name[:17] + "…")):
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            log = app.query_one(EventLog)
            lines = [log.render_line(y).text for y in range(log.row_count)]
            assert any(f" {shown} " in line for line in lines), (size, lines)
        app = file_app(tmp_path, watchlist=Watchlist(None, {L1: name}))


async def test_a_terminal_too_small_for_the_panels_says_so_and_they_come_back(
    tmp_path: Path,
) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(60, 16)) as pilot:
        await loaded(pilot)
        notice = app.screen.query_one("#too-small", Static)
        assert notice.display and not app.screen.query_one("#panels").display
        assert "The terminal is 60x16: the monitor needs 72x20" in str(notice.render())
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert not notice.display and app.screen.query_one("#panels").display
        assert app.query_one(StatusCounters).counts == app.store.counts


async def test_the_watchlist_shows_as_much_of_each_name_as_the_panel_has_room_for(
    tmp_path: Path,
) -> None:
    watchlist = Watchlist(tmp_path / "watchlist.json")
    label = "Depot Lindenallee, north yard bay 4"  # 35 cells
    watchlist.add(L1, label)
    app = file_app(tmp_path, watchlist=watchlist)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        panel = app.screen.query_one(WatchlistPanel)

        def shown() -> str:
            return str(panel.table.get_row_at(0)[0]) if panel.table.row_count else ""

        # A third of 160 columns: the name is cut.
        await until(pilot, lambda: shown().startswith("Depot") and shown().endswith("…"))
        # The panel as wide as the terminal (80 columns): the whole name, and a resize back
        # cuts it again.
        await pilot.resize_terminal(80, 40)
        await until(pilot, lambda: shown() == label)
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: shown().endswith("…"))


async def test_a_narrow_status_line_keeps_the_sources_words_whole(tmp_path: Path) -> None:
    from textual.app import App, ComposeResult

    from evtui.here.events import ConnectionState, ConnectionStatus

    class Line(App[None]):
        def compose(self) -> ComposeResult:
            yield StatusBar()

    subscribed = ConnectionState(ConnectionStatus.SUBSCRIBED, detail="evse-update-stream")
    for width, expected in ((160, "subscribed: evse-update-stream"), (80, "subscribed  ")):
        app = Line()
        async with app.run_test(size=(width, 3)) as pilot:
            bar = app.query_one(StatusBar)
            bar.source_label, bar.connection = "demo (emulated HERE, seed 1)", subscribed
            bar.rate = 263
            await pilot.pause()
            line = str(bar.render())
            assert line.startswith("demo (emulated HERE, seed 1)  " + expected), line
            assert "263 msg/s" in line and "…" not in line
    # Where a long source is cut does not move as the rate's digits come and go.
    app = Line()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.source_label = "replay of session-2026-11-01T08-00-00Z-recorded-on-the-depot-server"
        bar.mode = "playing x1"
        cuts = set()
        for rate in (0, 9, 12, 999, 4_321, 45_000):
            bar.rate = rate
            await pilot.pause()
            line = str(bar.render())
            assert f"{rate:,} msg/s" in line
            cuts.add(line.partition("…")[0])
        assert len(cuts) == 1, cuts
    # Trouble takes the room: the state says what is wrong, the source gives way.
    waiting = ConnectionState(ConnectionStatus.WAITING, wait=30.0, detail="HTTP 503 from poll")
    app = Line()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.source_label, bar.connection = "demo (emulated HERE, seed 1)", waiting
        await pilot.pause()
        assert "HTTP 503 from poll" in str(bar.render())
