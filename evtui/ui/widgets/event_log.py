"""The live-scrolling log of EVSE status changes."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from evtui.model import StatusChange
from evtui.safetext import safe_text
from evtui.ui.theme import status_style


def change_row(change: StatusChange) -> Text:
    """One log row: time, location, EVSE, old → new. Stream text never becomes markup."""
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append(change.time.strftime("%H:%M:%S"), style="grey62")
    row.append("  ")
    row.append(safe_text(change.location_id.rsplit(":", 1)[-1], 14).ljust(14))
    row.append("  ")
    row.append(safe_text(change.evse_id.rsplit(":", 1)[-1], 10).ljust(10))
    row.append("  ")
    if change.old is not None:
        row.append(safe_text(change.old, 14), style=status_style(change.old))
        row.append(" → ")
    row.append(safe_text(change.new, 14), style=status_style(change.new))
    return row


class EventLog(RichLog):
    """Status changes, newest at the bottom, bounded to `max_lines` rows."""

    DEFAULT_CSS = """
    EventLog { border: round $primary-background; }
    """

    def __init__(self, max_lines: int = 10_000, *, id: str | None = None) -> None:
        super().__init__(max_lines=max_lines, min_width=40, wrap=False, markup=False, id=id)
        self.border_title = "status changes"

    def add_changes(self, changes: Iterable[StatusChange]) -> None:
        for change in changes:
            self.write(change_row(change))
