"""One location: every EVSE with its status, since when, how often it changed, and a timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from evtui.model import StateStore, Status, sample_history
from evtui.safetext import safe_text
from evtui.ui.theme import ago, local_time, short_id, status_style
from evtui.watchlist import Watchlist

TIMELINE_CELLS = 40


class LocationScreen(Screen[None]):
    """Reads the store twice a second; `w` and `e` act on this location."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="location_back"),
        Binding("w", "app.toggle_watch", "Watch/unwatch", id="location_watch"),
        Binding("e", "app.edit_label", "Label", id="location_label"),
    ]
    DEFAULT_CSS = """
    LocationScreen > #summary { height: auto; padding: 0 1; background: $panel; }
    LocationScreen > DataTable { height: 1fr; border: round $primary-background; }
    """

    def __init__(
        self,
        location_id: str,
        store: StateStore,
        watchlist: Watchlist,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.location_id = location_id
        self.store = store
        self._watchlist = watchlist
        self._now = now
        self._rows: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        table: DataTable[Text] = DataTable(cursor_type="row", id="evses")
        table.add_column("EVSE", key="evse")
        table.add_column("status", key="status")
        table.add_column("since", key="since")
        table.add_column("changes", key="changes")
        table.add_column("timeline (this session)", key="timeline", width=TIMELINE_CELLS)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()
        self.set_interval(0.5, self.refresh_view)

    def refresh_view(self) -> None:
        """Show the store's current knowledge of the location."""
        now = self._now()
        location = self.store.locations.get(self.location_id)
        # One line each, cut rather than wrapped: an id may be thousands of characters long.
        summary = Text(no_wrap=True, overflow="ellipsis")
        label = self._watchlist.label(self.location_id)
        if label:
            summary.append(safe_text(label, 60), style="bold")
            summary.append("  ")
        summary.append(safe_text(self.location_id, 100), style="" if label else "bold")
        if self.location_id in self._watchlist:
            summary.append("  ★ watched", style="bold yellow")
        else:
            summary.append("  not watched (w to watch)", style="dim")
        summary.append("\n")
        table = self.query_one(DataTable)
        if location is None:
            summary.append("No update for this location in this session yet.", style="dim")
            self.query_one("#summary", Static).update(summary)
            return
        evses = [(e, self.store.evses[e]) for e in location.evse_ids]
        available = sum(1 for _, s in evses if s.status == Status.AVAILABLE)
        summary.append(f"{available}/{len(evses)} available", style=status_style("AVAILABLE"))
        if location.last_change:
            summary.append(f" · last change {ago(now - location.last_change)} ago")
        self.query_one("#summary", Static).update(summary)

        start = min((s.history[0][0] for _, s in evses if s.history), default=now)
        end = max(now, self.store.newest or now)
        ids = [e for e, _ in evses]
        if ids != self._rows:
            table.clear()
            for evse_id, _ in evses:
                table.add_row(*([Text()] * 5), key=evse_id)
            self._rows = ids
        for evse_id, state in evses:
            since = Text(local_time(state.since).strftime("%H:%M:%S"))
            since.append(f" ({ago(now - state.since)})", style="dim")
            timeline = Text(no_wrap=True)
            for status in sample_history(state.history, start, end, TIMELINE_CELLS):
                if status is None:
                    timeline.append("·", style="dim")
                else:
                    timeline.append("█", style=status_style(status))
            cells = {
                "evse": Text(short_id(evse_id, 34)),
                "status": Text(safe_text(state.status, 16), style=status_style(state.status)),
                "since": since,
                "changes": Text(str(state.changes), justify="right"),
                "timeline": timeline,
            }
            for column, value in cells.items():
                table.update_cell(evse_id, column, value)
