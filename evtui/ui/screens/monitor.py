"""The main screen: status line, counters and activity, the event log, the watchlist."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from evtui.model.places import Places
from evtui.ui.frame_clock import TimelyFrames
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog, Labels
from evtui.ui.widgets.network_summary import NetworkSummary
from evtui.ui.widgets.status_bar import StatusBar
from evtui.ui.widgets.watchlist_panel import WatchlistPanel

WIDE = 160
"""From this many columns, the three panels sit side by side."""
MEDIUM = 112
"""Below this many columns the log takes the whole width, under the counters."""
TALL = 34
"""From this many rows a narrow terminal also shows the watchlist, under the log."""
SMALLEST = (72, 20)
"""Columns and rows below which the panels cannot show a log row whole: a notice instead."""

SPARK_SECONDS = 180


class MonitorScreen(TimelyFrames, Screen[None]):
    """Lays the widgets out for the terminal's width; the app feeds them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pause", "Pause/follow", id="pause"),
        Binding("slash", "app.filter", "Filter", id="filter"),
        Binding("tab", "app.focus_next", "Next pane (log, watchlist)", show=False, id="focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous pane", show=False, id="focus_previous"
        ),
    ]

    def __init__(
        self,
        *,
        max_rows: int,
        labels: Labels,
        places: Places | None = None,
        source_label: str,
        resume_hint: str,
        rejected_key: str = "x",
    ) -> None:
        super().__init__()
        self._rejected_key = rejected_key
        self._max_rows = max_rows
        self._labels = labels
        self._places = places
        self._source_label = source_label
        self._resume_hint = resume_hint

    def compose(self) -> ComposeResult:
        bar = StatusBar(id="status-bar")
        bar.source_label = self._source_label
        bar.rejected_key = self._rejected_key
        yield bar
        with Container(id="panels"):
            with Vertical(id="overview"):
                counters = StatusCounters(id="counters")
                counters.border_title = "EVSEs by status"
                yield counters
                spark = Sparkline([], id="activity")
                spark.border_title = f"messages/s, last {SPARK_SECONDS // 60} min"
                yield spark
                yield NetworkSummary(id="network-summary")
            log = EventLog(self._max_rows, labels=self._labels, id="event-log")
            log.places = self._places
            log.resume_hint = self._resume_hint
            yield log
            yield WatchlistPanel(id="watchlist")
        yield Static(id="too-small")
        yield from self.compose_controls()
        yield Footer()

    def compose_controls(self) -> ComposeResult:
        """Widgets between the panels and the footer (the replay line)."""
        yield from ()

    def on_mount(self) -> None:
        self.query_one(EventLog).focus()

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.set_class(event.size.height >= TALL, "-tall")
        self.set_class(width >= WIDE, "-wide")
        self.set_class(MEDIUM <= width < WIDE, "-medium")
        self.set_class(width < MEDIUM, "-narrow")
        columns, rows = SMALLEST
        small = width < columns or event.size.height < rows
        self.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small", Static).update(
                Text(
                    f"The terminal is {width}x{event.size.height}: the monitor needs "
                    f"{columns}x{rows} or more. Make the window larger (q quits).",
                    justify="center",
                )
            )

    def action_pause(self) -> None:
        self.query_one(EventLog).action_toggle_follow()
