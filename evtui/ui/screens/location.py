"""One location: what it is (name, operator, address, country, position), then every EVSE
with its eMI3 id, status, since when, how often it changed, its uptime, outages and
utilisation, its connectors, and a timeline as wide as the screen leaves it. On a narrow
terminal the columns a user can best spare go first, so that the timeline stays in view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from evtui.model import StateStore, Status, sample_history
from evtui.model.directory import EvseInfo, LocationInfo
from evtui.model.places import Places
from evtui.model.reliability import EvseFigures
from evtui.safetext import cell_width, safe_text
from evtui.ui.frame_clock import TimelyFrames
from evtui.ui.theme import ago, fixed_cell, local_time, short_id, status_style
from evtui.watchlist import Watchlist

TIMELINE_MIN = 12
"""The timeline takes what the other columns leave; columns are dropped to keep this much."""
CONNECTOR_CELLS = 28
_STANDARDS = {
    "IEC_62196_T2": "Type 2",
    "IEC_62196_T2_COMBO": "CCS",
    "IEC_62196_T1": "Type 1",
    "IEC_62196_T1_COMBO": "CCS1",
    "CHADEMO": "CHAdeMO",
    "SAE_J3400": "NACS",
    "DOMESTIC_F": "Schuko",
}
"""HERE's connector standards as drivers name them; any other is shown as HERE wrote it."""
TIMELINE_TITLE = "timeline (this session)"
COLUMNS = {
    "evse": ("EVSE", 24),
    "status": ("status", 13),
    "since": ("since", 16),
    "changes": ("changes", 7),
    "uptime": ("uptime", 6),
    "outages": ("outages", 7),
    "util": ("util", 4),
    "connectors": ("connectors · max kW", CONNECTOR_CELLS),
}
"""Every column but the timeline, with its width in cells (fixed: see `_fit_timeline`)."""
NUMBERS = frozenset({"changes", "uptime", "outages", "util"})
SPARED_FIRST = ("connectors", "changes", "util", "outages", "uptime", "since")
"""The columns left out when the screen is too narrow for them and the timeline, in order:
which EVSE, its status and the timeline stay at any width."""
_FRAME = 2 + 2
"""The table's borders, and room for its vertical scrollbar."""


class LocationScreen(TimelyFrames, Screen[None]):
    """Reads the store twice a second; `w` and `e` act on this location."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="location_back"),
        Binding("w", "app.toggle_watch", "Watch/unwatch", id="location_watch"),
        Binding("e", "app.edit_label", "Label", id="location_label"),
    ]
    DEFAULT_CSS = """
    LocationScreen > #summary {
        height: auto; padding: 0 1; background: $panel;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    LocationScreen > DataTable { height: 1fr; border: round $primary-background; }
    /* (Grey, as the log's: the statuses and timelines keep their colours on the cursor.) */
    /* Underlined, for a grey this dark is one step of a 256-colour terminal's greys. */
    LocationScreen > DataTable > .datatable--cursor,
    LocationScreen > DataTable:focus > .datatable--cursor {
        background: $foreground 6%;
        text-style: bold underline;
    }
    """

    def __init__(
        self,
        location_id: str,
        store: StateStore,
        watchlist: Watchlist,
        now: Callable[[], datetime],
        places: Places | None = None,
        figures: Callable[[str], EvseFigures | None] | None = None,
    ) -> None:
        super().__init__()
        self.location_id = location_id
        self._figures = figures or (lambda _: None)
        self._columns: tuple[str, ...] = tuple(COLUMNS)
        self._timeline_cells = TIMELINE_MIN
        self.store = store
        self._watchlist = watchlist
        self._places = places or Places(watchlist.label)
        self._info: LocationInfo | None = None
        self._evses: dict[str, EvseInfo] = {}
        self._now = now
        self._rows: list[str] = []
        self._view: _View | None = None
        self._painted: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        # The cursor keeps the cells' own colours: a highlighted timeline stays readable.
        table: DataTable[Text] = DataTable(
            cursor_type="row", id="evses", cursor_foreground_priority="renderable"
        )
        self._columns, self._timeline_cells = columns_for(self.app.size.width)
        self._add_columns(table)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_view()
        self.set_interval(0.5, self.refresh_view)
        table = self.query_one(DataTable)
        self.watch(table, "scroll_y", self._paint_rows_in_view, init=False)
        self.watch(table, "cursor_coordinate", self._paint_rows_in_view, init=False)

    def refresh_view(self) -> None:
        """Show the store's current knowledge of the location."""
        now = self._now()
        location = self.store.locations.get(self.location_id)
        # One line each, cut rather than wrapped: an id may be thousands of characters long.
        summary = Text(no_wrap=True, overflow="ellipsis")
        name = self._places.name(self.location_id)
        if name:
            summary.append(safe_text(name, 60), style="bold")
            summary.append("  ")
        summary.append(safe_text(self.location_id, 100), style="" if name else "bold")
        if self.location_id in self._watchlist:
            summary.append("  ★ watched", style="bold yellow")
        else:
            summary.append("  not watched (w to watch)", style="dim")
        summary.append("\n")
        self._describe(summary)
        table = self.query_one(DataTable)
        if location is None:
            summary.append("No update for this location in this session yet.", style="dim")
            self.query_one("#summary", Static).update(summary)
            return
        ids = list(location.evse_ids)
        available = location.counts[Status.AVAILABLE]
        summary.append(f"{available}/{len(ids)} available", style=status_style("AVAILABLE"))
        if location.last_change:
            summary.append(f" · last change {ago(now - location.last_change)} ago")
        self.query_one("#summary", Static).update(summary)

        start = self.store.history_start(self.location_id) or now
        end = max(now, self.store.newest or now)
        if ids != self._rows:
            table.clear()
            for evse_id in ids:
                table.add_row(*([Text()] * len(table.columns)), key=evse_id)
            self._rows = ids
        self._view = _View(start, end, now)
        self._painted = set()
        self._paint_rows_in_view()

    def on_resize(self) -> None:
        table = self.query_one(DataTable)
        before = self._columns, self._timeline_cells
        self._fit_timeline(table)
        if (self._columns, self._timeline_cells) != before:
            self.refresh_view()
        else:
            self._paint_rows_in_view()

    def _add_columns(self, table: DataTable[Text]) -> None:
        for key in self._columns:
            title, width = COLUMNS[key]
            table.add_column(title, key=key, width=width)
        cells = self._timeline_cells
        title = TIMELINE_TITLE if len(TIMELINE_TITLE) <= cells else TIMELINE_TITLE.split()[0]
        table.add_column(title, key="timeline", width=cells)

    def _fit_timeline(self, table: DataTable[Text]) -> None:
        """Give the timeline the width the other columns leave (it is the last one). Every
        column has a fixed width and every cell is padded to it: a cell narrower than its
        column's widest would make the table measure the whole column again, and a location
        can list thousands of EVSEs."""
        if not table.size.width:
            return
        columns, cells = columns_for(table.size.width + 2)  # its borders
        if columns == self._columns and abs(cells - self._timeline_cells) < 2:
            return
        self._columns, self._timeline_cells = columns, cells
        table.clear(columns=True)
        self._add_columns(table)
        self._rows = []  # the next refresh adds them again
        self._painted = set()

    def _paint_rows_in_view(self, _: object = None) -> None:
        """Write the cells of the rows on screen (and the cursor's) that this refresh has not.

        A location can list thousands of EVSEs: building every row's cells twice a second would
        freeze the screen, so rows are painted as they come into view.
        """
        view = self._view
        if view is None:
            return
        table = self.query_one(DataTable)
        info = self._places.info(self.location_id)
        if info is not self._info:  # the directory's record arrived: every row again
            self._info = info
            self._evses = {e.id: e for e in (info.evses or ())} if info is not None else {}
            self._painted = set()
        first = int(table.scroll_y)
        # Before its first layout the table has no height: a screenful of rows is in view.
        height = table.size.height or self.app.size.height
        rows = range(max(0, first - 1), min(len(self._rows), first + height + 1))
        wanted = [*rows, table.cursor_row] if 0 <= table.cursor_row < len(self._rows) else rows
        for index in wanted:
            if index in self._painted:
                continue
            self._painted.add(index)
            evse_id = self._rows[index]
            state = self.store.evses[evse_id]
            since = Text(local_time(state.since).strftime("%H:%M:%S"))
            since.append(f" ({ago(view.now - state.since)})", style="dim")
            timeline = Text(no_wrap=True)
            cells_wide = self._timeline_cells
            for status in sample_history(state.history, view.start, view.end, cells_wide):
                if status is None:
                    timeline.append("·", style="dim")
                else:
                    timeline.append("█", style=status_style(status))
            known = self._evses.get(evse_id)
            eminame = known.evse_id if known is not None else None
            figures = self._figures(evse_id)
            cells = {
                **_figure_cells(figures),
                "evse": Text(safe_text(eminame, 24) if eminame else short_id(evse_id, 24)),
                "connectors": _connectors(known),
                "status": Text(safe_text(state.status, 16), style=status_style(state.status)),
                "since": since,
                "changes": Text(str(state.changes)),
            }
            for column in self._columns:
                cell = fixed_cell(cells[column], COLUMNS[column][1], right=column in NUMBERS)
                table.update_cell(evse_id, column, cell)
            table.update_cell(evse_id, "timeline", fixed_cell(timeline, cells_wide))

    def _describe(self, summary: Text) -> None:
        """What the directory and the id say of the location: operator, address, country,
        position (marked when only the id gave it). Directory text is escaped and cut."""
        places, location_id = self._places, self.location_id
        info = places.info(location_id)
        parts: list[str] = []
        if info is not None and info.operator:
            parts.append(safe_text(info.operator, 40))
        where = (info.address or info.city or "") if info is not None else ""
        if where:
            parts.append(safe_text(where, 80))
        country = places.country_name(location_id)
        # A directory's address often ends with the country already ("Tampere, Finland").
        if country and not where.rstrip(" .").casefold().endswith(country.casefold()):
            parts.append(safe_text(country, 40))
        line = " · ".join(parts)
        summary.append(line or "Not in the directory (yet)", style="" if line else "dim")
        if (position := places.position(location_id)) is not None:
            lat, lng, from_id = position
            summary.append(f"  {lat:.5f}, {lng:.5f}")
            if from_id:
                summary.append(" (from the id)", style="dim")
        summary.append("\n")


def columns_for(width: int) -> tuple[tuple[str, ...], int]:
    """The columns a screen `width` cells wide shows, in order, and the cells it leaves the
    timeline: every column while they leave it `TIMELINE_MIN`, else fewer (`SPARED_FIRST`)."""
    shown = list(COLUMNS)
    room = width - _FRAME - 2  # the timeline's padding
    spare = list(SPARED_FIRST)
    while spare and sum(COLUMNS[c][1] + 2 for c in shown) + TIMELINE_MIN > room:
        shown.remove(spare.pop(0))
    others = sum(COLUMNS[c][1] + 2 for c in shown)
    return tuple(shown), max(TIMELINE_MIN, room - others)


def _figure_cells(figures: EvseFigures | None) -> dict[str, Text]:
    """Uptime (red under 97%), outages (a ! while down) and utilisation of one EVSE."""
    if figures is None:
        return {key: Text("-", style="dim") for key in ("uptime", "outages", "util")}
    uptime = figures.uptime_pct
    util = figures.utilisation_pct
    outages = Text(f"{figures.outages:,}")
    if figures.down_at_end:
        outages.append("!", style="bold red")
    return {
        "uptime": Text(
            "-" if uptime is None else f"{uptime:.1f}%",
            style="bold red" if uptime is not None and uptime < 97 else "",
        ),
        "outages": outages,
        "util": Text("-" if util is None else f"{util:.0f}%"),
    }


def _connectors(evse: EvseInfo | None) -> Text:
    """`CCS 150 · Type 2 22`: each connector's standard and max kW, the fastest first."""
    if evse is None or not evse.connectors:
        return Text("-", style="dim")
    connectors = sorted(evse.connectors, key=lambda c: -(c.max_kw or 0))
    words = []
    for c in connectors:
        standard = _STANDARDS.get(c.standard or "", safe_text(c.standard or "?", 12))
        words.append(f"{standard} {c.max_kw:g}" if c.max_kw is not None else standard)
    # Whole connectors, then how many more: a cut inside one read CHAdeMO 50 as "5".
    shown = words[0]
    for n, word in enumerate(words[1:], start=1):
        left = len(words) - n - 1
        if cell_width(f"{shown} · {word}{f' +{left}' if left else ''}") > CONNECTOR_CELLS:
            shown += f" +{len(words) - n}"
            break
        shown += f" · {word}"
    return Text(safe_text(shown, CONNECTOR_CELLS), no_wrap=True)


@dataclass(frozen=True, slots=True)
class _View:
    """The timeline window and clock of the last refresh: rows scrolled into view are painted
    with them, so that every row of one refresh lines up."""

    start: datetime
    end: datetime
    now: datetime
