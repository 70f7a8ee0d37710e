"""Per-status counters: EVSEs in each status now, their share, transitions in the last minute."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from evtui.model import KNOWN_STATUSES
from evtui.safetext import safe_text
from evtui.ui.theme import status_style

STATUS_CELLS = 12
"""Room for a status name (OCPI's longest is 12); longer ones are shortened."""
MAX_OTHER_ROWS = 4
"""Rows for statuses outside OCPI's list; more of them share one row, so the panel's
height stays bounded whatever the stream invents."""


class StatusCounters(Static):
    """One row per OCPI status (and any other status seen), in the status's colour."""

    DEFAULT_CSS = """
    StatusCounters { width: auto; min-width: 40; height: auto; padding: 0 1; }
    """

    counts: reactive[Mapping[str, int]] = reactive(dict)
    """EVSEs currently in each status."""
    recent: reactive[Mapping[str, int]] = reactive(dict)
    """Transitions into each status in the last minute."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._height = 0

    def _others(self) -> list[str]:
        """Statuses outside OCPI's list that have EVSEs or recent moves, the largest first."""
        seen = {s for s, n in (*self.counts.items(), *self.recent.items()) if n}
        return sorted(seen.difference(KNOWN_STATUSES), key=lambda s: (-self.counts.get(s, 0), s))

    def watch_counts(self) -> None:
        self._check_height()

    def watch_recent(self) -> None:
        self._check_height()

    def _check_height(self) -> None:
        # A status seen for the first time adds a row: the panel must grow, not only repaint.
        height = len(KNOWN_STATUSES) + min(len(self._others()), MAX_OTHER_ROWS)
        if height != self._height:
            self._height = height
            self.refresh(layout=True)

    def render(self) -> Table:
        total = sum(self.counts.values())
        table = Table(box=None, expand=False, padding=(0, 1), show_edge=False, pad_edge=False)
        # Fixed widths (41 cells in all), room for 9,999,999 EVSEs: the panel's width never
        # follows the figures, so it needs no new layout as they grow and none is ever cut.
        table.add_column("status", no_wrap=True, width=STATUS_CELLS)
        table.add_column("EVSEs", justify="right", no_wrap=True, width=9)
        table.add_column("share", justify="right", no_wrap=True, width=6)
        table.add_column("last min", justify="right", no_wrap=True, width=8)
        others = self._others()
        shown = others if len(others) <= MAX_OTHER_ROWS else others[: MAX_OTHER_ROWS - 1]
        for status in (*KNOWN_STATUSES, *shown):
            name = Text(safe_text(status, STATUS_CELLS), style=status_style(status))
            _add(table, name, self.counts.get(status, 0), self.recent.get(status, 0), total)
        rest = others[len(shown) :]
        if rest:
            count = sum(self.counts.get(s, 0) for s in rest)
            recent = sum(self.recent.get(s, 0) for s in rest)
            _add(table, Text(f"{len(rest)} others", style="italic"), count, recent, total)
        table.add_row(Text("total", style="bold"), Text(f"{total:,}", style="bold"), "", "")
        return table


def _add(table: Table, name: Text, count: int, recent: int, total: int) -> None:
    share = f"{100 * count / total:.1f}%" if total else "-"
    table.add_row(
        name,
        Text(f"{count:,}", style=name.style if count else "dim"),
        Text(share, style="" if count else "dim"),
        Text(f"{recent:,}", style="" if recent else "dim"),
    )
