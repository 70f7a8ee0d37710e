"""The watched locations: each EVSE as a coloured cell, available/total, time since a change."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from evtui.model import StateStore, Status
from evtui.safetext import safe_text, shorten
from evtui.ui.theme import ago, short_id, status_style
from evtui.watchlist import Watchlist

__all__ = ["WatchlistPanel", "WatchlistTable", "evse_cells"]

MAX_CELLS = 8
NAME_WIDTHS = (14, 48)
"""The location column's narrowest and widest: it takes what the other columns leave."""
_OTHERS = 2 + MAX_CELLS + 3 + 5 + 4 + 2 * 4 + 1
"""The cells the rest takes: the border, the other columns (EVSEs, avail, ago), every
column's padding, the scrollbar's gutter."""
_COLUMNS = ("location", "cells", "avail", "changed")
CELL = "■"


def evse_cells(statuses: list[str], limit: int = MAX_CELLS) -> Text:
    """One coloured cell per EVSE; beyond `limit`, a count of the rest."""
    text = Text(no_wrap=True)
    for status in statuses[:limit]:
        text.append(CELL, style=status_style(status))
    if len(statuses) > limit:
        text.append(f"+{len(statuses) - limit}", style="dim")
    return text


class WatchlistTable(DataTable[Text]):
    """The table of the panel; `enter` opens the highlighted location."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open location", id="watchlist_open"),
    ]

    def on_mount(self) -> None:
        # The cursor row's colours would hide the status cells of a panel nobody is using.
        self.show_cursor = False

    def on_focus(self) -> None:
        self.show_cursor = True

    def on_blur(self) -> None:
        self.show_cursor = False

    def action_open(self) -> None:
        panel = self.screen.query_one(WatchlistPanel)
        location = panel.selected_location
        if location is not None:
            self.post_message(WatchlistPanel.LocationSelected(location))


class WatchlistPanel(Vertical):
    """The watchlist, refreshed from the store by `show()`; rows flash when they change."""

    DEFAULT_CSS = """
    WatchlistPanel {
        border: round $primary-background;
        border-title-color: $text-muted;
        height: 1fr;
        &:focus-within { border: round $primary; }
        & > DataTable { height: auto; max-height: 1fr; background: $surface; }
        & > .hint { color: $text-muted; padding: 1 1; }
    }
    """

    class LocationSelected(Message):
        """The user asked to open a watched location."""

        def __init__(self, location_id: str) -> None:
            super().__init__()
            self.location_id = location_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "watchlist"
        self._ids: list[str] = []
        self._shown: dict[str, tuple[Text, ...]] = {}
        self._name_width = NAME_WIDTHS[0]
        self._columns_stale = False
        self._last: (
            tuple[Watchlist, StateStore, datetime, Collection[str], Callable[[str], str] | None]
            | None
        ) = None

    def compose(self) -> ComposeResult:
        table: WatchlistTable = WatchlistTable(
            cursor_type="row", zebra_stripes=False, id="watchlist-table"
        )
        self._add_columns(table)
        yield table
        yield Static(
            "Nothing watched yet.\n\nw  watch the highlighted row's location\n"
            "a  add a location by id",
            classes="hint",
        )

    def _add_columns(self, table: DataTable[Text]) -> None:
        table.add_column("location", key="location", width=self._name_width)
        table.add_column("EVSEs", key="cells", width=MAX_CELLS + 3)
        table.add_column("avail", key="avail")
        table.add_column("ago", key="changed")

    def on_resize(self, event: events.Resize) -> None:
        # Names as long as the panel has room for: two locations of one name in a
        # 14-cell column were the same text.
        low, high = NAME_WIDTHS
        width = max(low, min(high, event.size.width - _OTHERS))
        if width == self._name_width:
            return
        self._name_width = width
        self._columns_stale = True
        if self._last is not None:
            self.show(*self._last)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(WatchlistTable)

    @property
    def selected_location(self) -> str | None:
        """The location under the table's cursor."""
        table = self.table
        if not self._ids or not 0 <= table.cursor_row < len(self._ids):
            return None
        return self._ids[table.cursor_row]

    def show(
        self,
        watchlist: Watchlist,
        store: StateStore,
        now: datetime,
        flashing: Collection[str] = (),
        names: Callable[[str], str] | None = None,
    ) -> None:
        """Bring the rows up to date with the watchlist and the store; `names` gives each
        location's name (raw text; the label when None)."""
        self._last = (watchlist, store, now, flashing, names)
        ids = list(watchlist)
        name_of = names or watchlist.label
        width = self._name_width
        rows = {i: _row(i, name_of, store, now, flashing, width) for i in ids}
        table = self.table
        if ids != self._ids or self._columns_stale:
            keep = self.selected_location
            table.clear(columns=self._columns_stale)
            if self._columns_stale:
                self._add_columns(table)
                self._columns_stale = False
            for location_id, cells in rows.items():
                table.add_row(*cells, key=location_id)
            self._ids = ids
            if keep in ids:
                table.move_cursor(row=ids.index(keep))
        else:
            for location_id, cells in rows.items():
                if self._shown.get(location_id) == cells:
                    continue
                for column, cell in zip(_COLUMNS, cells, strict=True):
                    table.update_cell(location_id, column, cell)
        self._shown = rows
        title = f"watchlist ({len(ids)})"
        if title != self.border_title:
            # Setting a title repaints the whole panel, even to the same text.
            self.border_title = title
        hint = self.query_one(".hint")
        if hint.display != (not ids):
            hint.display = not ids
        if table.display != bool(ids):
            table.display = bool(ids)


def _row(
    location_id: str,
    names: Callable[[str], str],
    store: StateStore,
    now: datetime,
    flashing: Collection[str],
    width: int,
) -> tuple[Text, ...]:
    label = names(location_id)
    shown = (
        shorten(safe_text(label), width, keep_tail=False) if label else short_id(location_id, width)
    )
    name = Text(shown, no_wrap=True)
    if location_id in flashing:
        name.stylize("reverse bold")
    location = store.locations.get(location_id)
    if location is None:
        return name, Text("no update", style="dim"), Text("-"), Text("-")
    statuses = [store.evses[e].status for e in location.evse_ids]
    available = sum(1 for s in statuses if s == Status.AVAILABLE)
    avail = Text(
        f"{available}/{len(statuses)}", style=status_style(Status.AVAILABLE) if available else ""
    )
    changed = Text(ago(now - location.last_change) if location.last_change else "-")
    return name, evse_cells(statuses), avail, changed
