"""The repaint clock: what changed since the last frame, and when the monitor shows it.

The feed and the replay only queue changes here; the clock repaints at the refresh rate the
settings ask for, paced by how long painting takes, so the message rate never drives the UI.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from textual.css.query import NoMatches
from textual.widgets import Sparkline

from evtui.here.events import ConnectionStatus
from evtui.model import ApplyResult, StatusChange
from evtui.ui.host import Host
from evtui.ui.screens.monitor import SPARK_SECONDS
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.network_summary import NetworkSummary
from evtui.ui.widgets.replay_bar import ReplayBar, speed_text
from evtui.ui.widgets.status_bar import StatusBar
from evtui.ui.widgets.watchlist_panel import WatchlistPanel

__all__ = ["FLASH_SECONDS", "Painter"]

FLASH_SECONDS = 1.5
"""How long a watchlist row stays highlighted after its location changed."""
PAINT_SPACING = 3
"""A repaint of the clock follows the last at least this many times the time that one took
to reach the screen (up to twice the interval the refresh rate sets): when painting is slow
(a busy stream, a slow terminal) it takes about a third of the time, the stream the rest."""
SLOW_PAINT_SECONDS = 0.25
"""While changes stream in, the clock repaints the counters, watchlist, status and replay
lines at most this often; the log keeps the full rate. Each of them costs a few ms a frame."""
SUMMARY_SECONDS = 2
"""The network summary is computed afresh this often (it reads every EVSE)."""


class Painter:
    """Queues the changes of the feed or the replay and repaints the main screen from them."""

    def __init__(self, app: Host) -> None:
        self._app = app
        self._pending: list[StatusChange] = []
        self._reset_log = False
        self._flash: dict[str, float] = {}
        self._watch_dirty = True
        self._second = -1
        self._ended_at: float | None = None
        """When the repaints first saw the source ended (the app's clock): its lag's now."""
        self._painting: float | None = None
        """When the repaint not yet on screen started (monotonic)."""
        self._next_paint = 0.0
        """No repaint of the clock before this time (monotonic)."""
        self._next_slow = 0.0
        """No repaint of the slow panels by the clock before this time (monotonic)."""
        self._summary_dirty = True
        self._summary_at = float("-inf")
        self._summary_spacing = float(SUMMARY_SECONDS)
        self._longest_at: str | None = None
        """The location of the longest outage going on, as of the last summary."""

    @property
    def painting(self) -> bool:
        """Whether a repaint of the clock is on its way to the screen."""
        return self._painting is not None

    # --- what changed --------------------------------------------------------------------

    def absorb(self, result: ApplyResult, now: float) -> None:
        """Queue what `result` changed for the next repaint."""
        self._pending.extend(result.changes)
        self._summary_dirty = True
        # The panel's ages move with the clock: repaint it after every batch, cheaply (its
        # cells are compared before they are written).
        self._watch_dirty = True
        for location_id in result.locations:
            if location_id in self._app.watchlist:
                self._flash[location_id] = now + FLASH_SECONDS

    def reset(self) -> None:
        """After a jump: the log is rebuilt from the state, not added to."""
        self._pending = []
        self._reset_log = True
        self._summary_dirty = True
        self._flash.clear()
        self._watch_dirty = True

    def watchlist_changed(self) -> None:
        """The watchlist panel shows other locations or labels from the next repaint on."""
        self._watch_dirty = True

    # --- the clock -----------------------------------------------------------------------

    def tick(self) -> None:
        """The repaint clock: repaint, unless the last repaint is not on screen yet or
        painting would take more than its share of the time."""
        now = time.monotonic()
        if self._painting is not None and now - self._painting < 1.0:
            return  # (a repaint that never reports back is given up after a second)
        if now < self._next_paint:
            return
        self._painting = now
        # While changes stream in, the panels other than the log repaint at a lower rate;
        # once the stream is quiet (or a replay paused or ended) every repaint has them all.
        streaming = bool(self._pending or self._reset_log)
        full = now >= self._next_slow or not streaming
        if full:
            self._next_slow = now + SLOW_PAINT_SECONDS
        # While changes stream in, the slow panels get a frame of their own, the log's rows
        # wait for the next: a key waits behind one of two short frames, not their sum.
        self.repaint(full=full, log=not (full and streaming))
        self._app.call_after_refresh(self._painted, now)

    def _painted(self, started: float) -> None:
        """A repaint of the clock is on screen: space the next by what this one took."""
        if self._painting != started:
            return
        self._painting = None
        # At least half the repaints the settings ask for, however long one took.
        spacing = min(
            PAINT_SPACING * (time.monotonic() - started), 2 / self._app.settings.refresh_rate
        )
        self._next_paint = started + spacing

    def _summarise(self, summary: NetworkSummary) -> None:
        """The network summary, only while it is on screen. It reads every EVSE once, so it is
        computed at most every SUMMARY_SECONDS (or ten times as long as it took), but at once
        when changes stop coming, so that a quiet screen shows the final figures."""
        if not summary.display:
            return
        app = self._app
        wall = time.monotonic()
        final = self._summary_dirty and not self._pending
        if final or wall >= self._summary_at + self._summary_spacing:
            self._summary_dirty = False
            self._summary_at = wall
            state = app.state
            figures = state.network_figures()
            summary.rules = state.reliability.rules.title
            self._longest_at = None
            if figures.longest_row is not None:
                evse_id = state.store.evse_id_at(figures.longest_row)
                self._longest_at = state.store.evses[evse_id].location_id
            summary.figures = figures
            self._summary_spacing = max(SUMMARY_SECONDS, 10 * (time.monotonic() - wall))
        # The name on every repaint: the directory's may arrive after the figures.
        location = self._longest_at
        summary.longest_name = app.display_name(location) if location is not None else ""

    def repaint(self, *, full: bool = True, log: bool = True) -> None:
        """Bring the monitor up to date: the log when `log`, the other panels when `full`."""
        app = self._app
        monitor = app.get_screen_stack_base()
        if monitor is None:
            return
        try:
            bar = monitor.query_one(StatusBar)
        except NoMatches:
            return  # not composed yet
        now = app.clock()
        if log and (self._reset_log or self._pending):
            event_log = monitor.query_one(EventLog)
            if self._reset_log:
                # The state's log holds the changes absorbed since the jump, too.
                self._reset_log, self._pending = False, []
                event_log.clear()
                event_log.add_changes(list(app.store.events)[-event_log.max_rows :])
            if self._pending:
                changes, self._pending = self._pending, []
                # A burst larger than the log would only be written to be dropped again.
                event_log.add_changes(changes[-event_log.max_rows :])
        if not full:
            return
        wall = datetime.fromtimestamp(now, UTC)
        bar.connection = app.connection
        if app.connection.wait is not None:
            bar.refresh()  # the wait counts down
        bar.rate = app.activity.rate(now)
        connection = app.connection
        ended = app.player is None and (
            connection.status is ConnectionStatus.CLOSED
            or (connection.status is ConnectionStatus.ERROR and connection.wait is None)
        )
        if not ended:
            self._ended_at = None
        elif self._ended_at is None:
            self._ended_at = now
        if self._ended_at is not None:
            # A source that has ended (a file read to its end) falls no further behind: its
            # lag is the one it ended with, not one that grows with the clock.
            wall = datetime.fromtimestamp(self._ended_at, UTC)
        bar.lag = wall - app.store.newest if app.store.newest else None
        bar.rejected = app.rejected
        bar.watched = len(app.watchlist)
        recorder = app.recorder
        bar.recording = None if recorder is None else (recorder.messages, recorder.size)
        if app.player is not None:
            playback = app.playback()
            monitor.query_one(ReplayBar).playback = playback
            if app.screen is not monitor:  # (the map's replay line)
                for other in app.screen.query(ReplayBar):
                    other.playback = playback
            state = "end" if playback.at_end else "paused" if playback.paused else "playing"
            bar.mode = f"replay {state} {speed_text(playback.speed)}"
        counters = monitor.query_one(StatusCounters)
        counters.counts = dict(app.store.counts)
        counters.recent = app.activity.transitions_into(now)
        new_second = int(now) != self._second
        if new_second:
            self._second = int(now)
            monitor.query_one(Sparkline).data = app.activity.per_second(now, SPARK_SECONDS)
        self._summarise(monitor.query_one(NetworkSummary))
        expired = [i for i, until in self._flash.items() if until <= now]
        for location_id in expired:
            del self._flash[location_id]
        if self._watch_dirty or new_second or expired:
            self._watch_dirty = False
            panel = monitor.query_one(WatchlistPanel)
            panel.show(app.watchlist, app.store, wall, self._flash, app.places.name)
