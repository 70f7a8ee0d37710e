"""The reliability screen: locations (or operators, countries) worst uptime first, with their
outages, MTTR, utilisation and flapping or stale EVSEs, under the rule set in the title."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from evtui.model.countries import lookup as country_by_code
from evtui.model.places import Places
from evtui.model.reliability.grouping import Grouping
from evtui.model.reliability_board import SORTS, Board, board
from evtui.model.state import MonitorState
from evtui.safetext import safe_text
from evtui.ui.frame_clock import TimelyFrames
from evtui.ui.theme import local_time
from evtui.ui.widgets.figures_table import FiguresTable
from evtui.units import percent_text, span_text

__all__ = ["ReliabilityScreen"]

GROUPS: tuple[Grouping, ...] = ("location", "operator", "country")
PLURALS: dict[Grouping, str] = {
    "location": "locations",
    "operator": "operators",
    "country": "countries",
}
"""How the title counts each kind of row."""
COLUMNS = ("name", "EVSEs", "uptime", "outages", "down", "longest", "MTTR", "util", "flags")
"""The columns; after the name, in the order of `SORTS`."""
FIRST_DESCENDING = (False, True, False, True, True, True, True, False, True)
"""Each column's first direction: the worst rows first (lowest uptime, most outages, down time,
longest outage, MTTR; flagged first), the largest by EVSEs, names A to Z, the least used first."""
WIDTHS = (0, 6, 8, 7, 7, 7, 7, 6, 5)
"""Each column's width in cells; the name's (0) takes what the others leave, up to NAME."""
NAME = 48
NAME_AT_80 = 10
"""The name's width at 80 columns, which wider figures' columns never take from it."""
MARKER = 2
"""The sort marker after a header: " ▲" or " ▼"."""
_NOTHING = object()
"""No row under the cursor (None is a key: the operator or country not known)."""
REFRESH = 2.0
"""Seconds between two refreshes of the figures while the screen is open."""


class ReliabilityScreen(TimelyFrames, Screen[None]):
    """A table of figures; `s` sorts by the next column, `g` groups by the next key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="reliability_back"),
        Binding("enter", "open", "Open", id="reliability_open"),
        Binding("s", "sort", "Sort", id="reliability_sort"),
        Binding("S", "reverse", "Reverse", id="reliability_reverse"),
        Binding("g", "group", "Group", id="reliability_group"),
    ]
    DEFAULT_CSS = """
    ReliabilityScreen > FiguresTable { height: 1fr; border: round $primary-background; }
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
        self._board: Board | None = None
        self._order: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        """The board's rows in the order shown."""
        self._only: tuple[Grouping, Any] | None = None
        """Drilled down into one operator or country: only its locations."""
        self._widths: list[int] = []

    def compose(self) -> ComposeResult:
        yield FiguresTable()
        yield Static(id="reliability-note")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_figures()
        self.query_one(FiguresTable).focus()
        self.set_interval(REFRESH, self.refresh_figures)

    def on_resize(self) -> None:
        if self._board is not None and self._widths != self._fitted_widths():
            self._fill()

    # --- figures ------------------------------------------------------------------------

    def refresh_figures(self) -> None:
        """Compute the rows afresh from the state, keeping the cursor on the same row."""
        selected = self.selected_key
        if self._board is not None and (self._board.by, self._board.only) != (self.by, self._only):
            selected = _NOTHING  # another kind of row: the cursor starts at the top
            self.query_one(FiguresTable).move_cursor(0)
        result = self._board = board(self._state(), self._places, self.by, self._only)
        self._fill()
        if selected is not _NOTHING:
            self._move_to(selected)
        table = self.query_one(FiguresTable)
        rules = result.rules
        start = local_time(datetime.fromtimestamp(result.start, UTC))
        end = local_time(datetime.fromtimestamp(result.end, UTC))
        rows = self.by if len(result) == 1 else PLURALS[self.by]
        scope = rows if self._only is None else f"{rows} of {self._name_of_only()}"
        table.border_title = Text(
            f"{rules.title} uptime · {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} · "
            f"{len(result):,} {scope}"
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

    def _name_of_only(self) -> str:
        assert self._only is not None
        field, value = self._only
        return f"no known {field}" if value is None else self._name_of(value, field)

    def _name_of(self, key: Any, by: Grouping | None = None) -> str:
        """How a row's key reads: a location's display name, a country's name, an operator."""
        by = by or self.by
        if by == "location":
            return self._places.display_name(key)
        if by == "country" and key is not None:
            country = country_by_code(key)
            return country.name if country is not None else str(key)
        return "(not known)" if key is None else str(key)

    def _cells(self, position: int) -> list[Text]:
        assert self._board is not None
        result, row = self._board, int(self._order[position])
        f = result.figures(row)
        uptime = f.uptime_pct
        style = "bold red" if uptime is not None and uptime < 97 else ""
        return [
            Text(safe_text(self._name_of(result.key(row)), NAME), overflow="ellipsis"),
            Text(f"{f.evses:,}", justify="right"),
            Text(percent_text(uptime), justify="right", style=style),
            Text(f"{f.outages:,}", justify="right"),
            Text(span_text(f.outage_s), justify="right"),
            Text(span_text(f.longest_outage_s), justify="right"),
            Text(span_text(f.mttr_s), justify="right"),
            Text(_util_text(f.utilisation_pct), justify="right"),
            Text(result.flags(row), style="bold yellow"),
        ]

    def _sorted(self) -> npt.NDArray[np.int64]:
        assert self._board is not None
        result = self._board
        if self.sort_column == 0:
            # By name: the names of every row (the only sort that reads them all).
            names = [self._name_of(result.key(i)).casefold() for i in range(len(result))]
            ties = result.order("uptime").tolist()
            ordered = sorted(ties, key=names.__getitem__, reverse=self.descending)
            return np.asarray(ordered, dtype=np.int64)
        return result.order(SORTS[self.sort_column - 1], self.descending)

    def _fill(self) -> None:
        table = self.query_one(FiguresTable)
        self._order = self._sorted()
        headers = list(COLUMNS)
        headers[0] = self.by if self._only is None else "location"
        headers[self.sort_column] += " ▼" if self.descending else " ▲"
        widths = self._widths = self._fitted_widths()
        labels = [
            Text(h, justify="right" if 0 < i < len(COLUMNS) - 1 else "left")
            for i, h in enumerate(headers)
        ]
        table.show(labels, widths, len(self._order), self._cells)

    def _fitted_widths(self) -> list[int]:
        """The name takes what the other columns leave (14 cells at 80 columns, up to NAME);
        a column whose header (and sort marker, on the sorted one) is wider than its figures
        widens to show it whole, left to right, while the name keeps NAME_AT_80 at least."""
        room = self.size.width - 4 - len(WIDTHS)  # the border, the scroll bar, the gaps
        widths = list(WIDTHS)
        for column, header in enumerate(COLUMNS[1:], start=1):
            marker = MARKER if column == self.sort_column else 0
            wanted = max(widths[column], len(header) + marker)
            if room - sum(widths) - (wanted - widths[column]) >= NAME_AT_80:
                widths[column] = wanted
        widths[0] = max(8, min(NAME, room - sum(widths)))
        return widths

    def _move_to(self, key: Any) -> None:
        assert self._board is not None
        row = self._board.row_of(key)
        if row is not None:
            found = np.flatnonzero(self._order == row)
            if len(found):
                self.query_one(FiguresTable).move_cursor(int(found[0]))

    @property
    def selected_key(self) -> Any:
        """The key (location id, operator, country; None: not known) of the row under the
        cursor, or `_NOTHING` when there is no row."""
        table = self.query_one(FiguresTable)
        if self._board is None or table.cursor_row >= len(self._order):
            return _NOTHING
        return self._board.key(int(self._order[table.cursor_row]))

    @property
    def selected_location(self) -> str | None:
        """The location under the cursor; None on a row of operators or countries."""
        key = self.selected_key
        return key if self.by == "location" and isinstance(key, str) else None

    # --- actions ------------------------------------------------------------------------

    def action_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(COLUMNS)
        self.descending = FIRST_DESCENDING[self.sort_column]
        self._refill()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self._refill()

    def _refill(self) -> None:
        """Sort again at the user's word, and show the top of the new order (a refresh of the
        figures keeps the cursor on its row instead)."""
        self._fill()
        self.query_one(FiguresTable).move_cursor(0)

    def on_figures_table_header_selected(self, event: FiguresTable.HeaderSelected) -> None:
        event.stop()
        if event.column == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column = event.column
            self.descending = FIRST_DESCENDING[event.column]
        self._refill()

    def action_group(self) -> None:
        self._only = None
        self.by = GROUPS[(GROUPS.index(self.by) + 1) % len(GROUPS)]
        self.refresh_figures()

    def action_back(self) -> None:
        """Out of an operator's or a country's locations, back to the operators or the
        countries, on the one entered; from there, out of the screen."""
        if self._only is None:
            self.app.pop_screen()
            return
        self.by, entered = self._only
        self._only = None
        self.refresh_figures()
        self._move_to(entered)

    def on_figures_table_row_selected(self, event: FiguresTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        key = self.selected_key
        if key is _NOTHING:
            return
        if self.by == "location":
            self.post_message(self.LocationChosen(key))
        else:
            # An operator or a country: its locations.
            self._only = (self.by, key)
            self.by = "location"
            self.refresh_figures()


def _util_text(value: float | None) -> str:
    """Utilisation in the column's 6 cells: all the time is `100%` (`100.00%` was cut to
    `100.0…`, which reads as some other figure)."""
    return "100%" if value is not None and value >= 99.995 else percent_text(value)
