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


class StatusCounters(Static):
    """One row per OCPI status (and any other status seen), in the status's colour."""

    DEFAULT_CSS = """
    StatusCounters { width: auto; min-width: 40; height: auto; padding: 0 1; }
    """

    counts: reactive[Mapping[str, int]] = reactive(dict)
    """EVSEs currently in each status."""
    recent: reactive[Mapping[str, int]] = reactive(dict)
    """Transitions into each status in the last minute."""

    def render(self) -> Table:
        total = sum(self.counts.values())
        table = Table(box=None, expand=False, padding=(0, 1), show_edge=False)
        table.add_column("status", no_wrap=True)
        table.add_column("EVSEs", justify="right", no_wrap=True)
        table.add_column("share", justify="right", no_wrap=True)
        table.add_column("last min", justify="right", no_wrap=True)
        seen = {s for s, n in (*self.counts.items(), *self.recent.items()) if n}
        others = sorted(seen.difference(KNOWN_STATUSES))
        for status in (*KNOWN_STATUSES, *others):
            style = status_style(status)
            count = self.counts.get(status, 0)
            share = f"{100 * count / total:.1f}%" if total else "-"
            recent = self.recent.get(status, 0)
            table.add_row(
                Text(safe_text(status, 20), style=style),
                Text(f"{count:,}", style=style if count else "dim"),
                Text(share, style="" if count else "dim"),
                Text(f"{recent:,}", style="" if recent else "dim"),
            )
        table.add_row(Text("total", style="bold"), Text(f"{total:,}", style="bold"), "", "")
        return table
