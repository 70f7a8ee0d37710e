"""Repaints are paced and coalesced, never per message: once a replay at full speed stops,
the screen shows every change's final state (benchmarks/bench_app.py shows it repaints on
the way)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evtui.recording import Player, SessionReader
from evtui.settings import Settings
from evtui.ui.app import EvtuiApp, ReplayOptions
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.replay_bar import ReplayBar
from evtui.ui.widgets.status_bar import StatusBar
from evtui.ui.widgets.watchlist_panel import WatchlistPanel
from evtui.watchlist import Watchlist
from tests.ui.scene import write_session
from tests.ui.test_app import until


async def test_a_full_speed_replay_repaints_as_it_goes_and_ends_on_the_final_state(
    tmp_path: Path,
) -> None:
    session = tmp_path / "scene.evtui"
    watched = write_session(session)
    watchlist = Watchlist(tmp_path / "watchlist.json")
    for location_id in watched:
        watchlist.add(location_id)
    # A log far shorter than the changes: most rows are dropped before they are ever shown.
    app = EvtuiApp(
        Player(SessionReader(session), max_events=100),
        settings=Settings(event_log_size=100),
        watchlist=watchlist,
        replay=ReplayOptions(speed=None, paused=False),
    )
    async with app.run_test(size=(160, 48)) as pilot:
        player = app.player
        assert player is not None
        bar = app.query_one(ReplayBar)
        # The bar's playback before the first repaint is empty, and so already at its end:
        # wait for it to show this session's end.
        await until(
            pilot,
            lambda: player.at_end and bar.playback.total == player.total and bar.playback.at_end,
        )
        store = player.state.store
        log = app.query_one(EventLog)
        # The bar and counters may show the end a frame before the log does (while changes
        # stream in, the slow panels get a frame of their own): the log follows.
        await until(pilot, lambda: log.rows == list(store.events)[-100:])
        assert log.rows == list(store.events)[-100:]
        assert log.highlighted == store.events[-1]
        assert dict(app.query_one(StatusCounters).counts) == dict(store.counts)
        assert app.query_one(StatusBar).rejected == player.state.rejected_total
        # Each watched location shows its EVSEs as they ended.
        panel = app.query_one(WatchlistPanel)
        now = datetime.fromtimestamp(app.clock(), UTC)
        panel.show(app.watchlist, store, now)  # what a repaint now would write
        table = panel.table
        for row, location_id in enumerate(watched):
            location = store.locations[location_id]
            statuses = [store.evses[e].status for e in location.evse_ids]
            available = sum(1 for s in statuses if s == "AVAILABLE")
            assert str(table.get_cell_at((row, 2))) == f"{available}/{len(statuses)}"
        await pilot.press("q")
