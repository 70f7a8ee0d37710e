"""Per-status counters: how many EVSEs are in each status right now, and their share."""

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
    """A table of the seven OCPI statuses (and any others seen) with counts and shares."""

    DEFAULT_CSS = """
    StatusCounters { width: auto; min-width: 34; height: auto; padding: 0 1; }
    """

    counts: reactive[Mapping[str, int]] = reactive(dict, always_update=True)

    def render(self) -> Table:
        total = sum(self.counts.values())
        table = Table(box=None, expand=False, padding=(0, 1), show_edge=False)
        table.add_column("status")
        table.add_column("EVSEs", justify="right")
        table.add_column("share", justify="right")
        others = sorted(s for s, n in self.counts.items() if s not in KNOWN_STATUSES and n)
        for status in (*KNOWN_STATUSES, *others):
            count = self.counts.get(status, 0)
            share = f"{100 * count / total:.1f}%" if total else "-"
            table.add_row(
                Text(safe_text(status, 20), style=status_style(status)), f"{count:,}", share
            )
        table.add_row(Text("total", style="bold"), f"{total:,}", "")
        return table
