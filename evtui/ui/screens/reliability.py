"""The reliability screen: locations (or operators, countries) worst uptime first, with their
outages, MTTR, utilisation and flapping or stale EVSEs, under the rule set in the title."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from evtui.model.countries import lookup as country_by_code
from evtui.model.places import Places
from evtui.model.reliability.grouping import Grouping, Row
from evtui.model.reliability_board import board
from evtui.model.state import MonitorState
from evtui.safetext import safe_text
from evtui.ui.theme import local_time

__all__ = ["ReliabilityScreen"]

GROUPS: tuple[Grouping, ...] = ("location", "operator", "country")
COLUMNS = ("name", "EVSEs", "uptime", "outages", "down", "longest", "MTTR", "util", "flags")
REFRESH = 2.0
"""Seconds between two refreshes of the figures while the screen is open."""


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}%"


class ReliabilityScreen(Screen[None]):
    """A table of figures; `s` sorts by the next column, `g` groups by the next key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="reliability_back"),
        Binding("enter", "open", "Open", priority=True, id="reliability_open"),
        Binding("s", "sort", "Sort", id="reliability_sort"),
        Binding("S", "reverse", "Reverse", id="reliability_reverse"),
        Binding("g", "group", "Group", id="reliability_group"),
    ]
    DEFAULT_CSS = """
    ReliabilityScreen > DataTable { height: 1fr; border: round $primary-background; }
    ReliabilityScreen > #reliability-note { height: 1; padding: 0 1; color: $text-muted; }
    """

    class LocationChosen(Message):
        """The user chose a location to open."""

        def __init__(self, location_id: str) -> None:
            super().__init__()
            self.location_id = location_id

    def __init__(self, state: Callable[[], MonitorState], places: Places) -> None:
        super().__init__()
        self._state = state
        self._places = places
        self.by: Grouping = "location"
        self.sort_column = 2  # uptime: worst first
        self.descending = False
        self._rows: list[tuple[Any, list[Any], list[Text]]] = []
        """Each row: its key, the raw values it sorts by, and its cells."""
        self._only: tuple[Grouping, Any] | None = None
        """Drilled down into one operator or country: only its locations."""

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="reliability-note")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_figures()
        self.query_one(DataTable).focus()
        self.set_interval(REFRESH, self.refresh_figures)

    # --- figures ------------------------------------------------------------------------

    def refresh_figures(self) -> None:
        """Compute the rows afresh from the state, keeping the cursor on the same row."""
        state = self._state()
        result = board(state, self._places, self.by)
        rows = result.rows
        if self._only is not None:
            field, value = self._only
            rows = [r for r in rows if self._group_of(r, field) == value]
        self._rows = [self._row(row) for row in rows]
        table: DataTable[Text] = self.query_one(DataTable)
        selected = self.selected_key
        self._fill(table)
        if selected is not None:
            keys = [key for key, _, _ in self._rows]
            if selected in keys:
                table.move_cursor(row=keys.index(selected))
        rules = result.rules
        start = local_time(datetime.fromtimestamp(result.start, UTC))
        end = local_time(datetime.fromtimestamp(result.end, UTC))
        scope = f"{self.by}s" if self._only is None else f"locations of {self._only[1]}"
        table.border_title = Text(
            f"{rules.title} uptime · {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} · "
            f"{len(self._rows):,} {scope}"
        )
        network = result.network
        note = (
            f"{network.evses:,} EVSEs · {network.down_now:,} down now · "
            f"{network.flapping_evses:,} flapping"
        )
        if rules.name == "nevi":
            note += " · NEVI-style: a proxy (no exclusions)"
        note += "   flags: ! down now, F flapping, S stale"
        self.query_one("#reliability-note", Static).update(Text(note))

    def _group_of(self, row: Row, field: Grouping) -> Any:
        location = row.keys.get("location")
        if location is None:
            return None
        if field == "operator":
            return self._places.operator(location)
        return self._places.country(location)

    def _row(self, row: Row) -> tuple[Any, list[Any], list[Text]]:
        f = row.figures
        if self.by == "location":
            key = row.keys["location"]
            name = self._places.display_name(key)
        else:
            key = next(iter(row.keys.values()))
            if self.by == "country" and key is not None:
                country = country_by_code(key)
                name = country.name if country is not None else key
            else:
                name = "(not known)" if key is None else str(key)
        flags = (
            ("!" if f.down_now else "") + ("F" if row.flapping else "") + ("S" if row.stale else "")
        )
        raw = [
            name.casefold(),
            f.evses,
            f.uptime_pct if f.uptime_pct is not None else 101.0,
            f.outages,
            f.outage_s,
            f.longest_outage_s,
            f.mttr_s if f.mttr_s is not None else -1.0,
            f.utilisation_pct if f.utilisation_pct is not None else -1.0,
            flags,
        ]
        uptime = f.uptime_pct
        style = "bold red" if uptime is not None and uptime < 97 else ""
        cells = [
            Text(safe_text(name, 48), no_wrap=True, overflow="ellipsis"),
            Text(f"{f.evses:,}", justify="right"),
            Text(_percent(uptime), justify="right", style=style),
            Text(f"{f.outages:,}", justify="right"),
            Text(_duration(f.outage_s), justify="right"),
            Text(_duration(f.longest_outage_s), justify="right"),
            Text(_duration(f.mttr_s), justify="right"),
            Text(_percent(f.utilisation_pct), justify="right"),
            Text(flags, style="bold yellow"),
        ]
        return key, raw, cells

    def _fill(self, table: DataTable[Text]) -> None:
        column = self.sort_column
        ordered = sorted(self._rows, key=lambda r: r[1][column], reverse=self.descending)
        self._rows = ordered
        table.clear(columns=True)
        headers = list(COLUMNS)
        headers[0] = self.by if self._only is None else "location"
        mark = " ▼" if self.descending else " ▲"
        headers[column] += mark
        table.add_columns(*headers)
        for _, _, cells in ordered:
            table.add_row(*cells)

    @property
    def selected_key(self) -> Any:
        table: DataTable[Text] = self.query_one(DataTable)
        if not self._rows or table.cursor_row < 0 or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row][0]

    # --- actions ------------------------------------------------------------------------

    def action_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(COLUMNS)
        self._fill(self.query_one(DataTable))

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self._fill(self.query_one(DataTable))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_index == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = event.column_index, False
        self._fill(self.query_one(DataTable))

    def action_group(self) -> None:
        self._only = None
        self.by = GROUPS[(GROUPS.index(self.by) + 1) % len(GROUPS)]
        self.refresh_figures()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        key = self.selected_key
        if self._rows and self.by == "location":
            if key is not None:
                self.post_message(self.LocationChosen(key))
        elif self._rows:
            # An operator or a country: its locations.
            self._only = (self.by, key)
            self.by = "location"
            self.refresh_figures()
