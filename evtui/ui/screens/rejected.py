"""The latest rejected messages, with why each was rejected."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from evtui.model import KEEP_REJECTIONS, Rejection
from evtui.safetext import safe_text, shorten
from evtui.ui.frame_clock import TimelyFrames

PREVIEW_CHARS = 300


class RejectedScreen(TimelyFrames, Screen[None]):
    """A table of rejected messages (newest first) and the details of the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="rejected_back"),
    ]
    DEFAULT_CSS = """
    RejectedScreen > #reasons { height: auto; padding: 0 1; background: $panel; }
    RejectedScreen > DataTable { height: 1fr; border: round $primary-background; }
    RejectedScreen > #detail {
        height: auto; max-height: 12; border: round $primary-background; padding: 0 1;
    }
    """

    def __init__(self, rejections: Sequence[Rejection], by_reason: Mapping[str, int]) -> None:
        super().__init__()
        self._rejections = list(reversed(rejections))
        self._by_reason = by_reason

    def compose(self) -> ComposeResult:
        total = sum(self._by_reason.values())
        reasons = Text(no_wrap=True, overflow="ellipsis")
        reasons.append(f"{total:,} rejected since the start", style="bold")
        for reason, count in sorted(self._by_reason.items(), key=lambda rc: -rc[1]):
            reasons.append(" · ")
            reasons.append(f"{reason} ", style="bold red")
            reasons.append(f"{count:,}")
        yield Static(reasons, id="reasons")
        table: DataTable[Text] = DataTable(cursor_type="row")
        kept = len(self._rejections)
        table.border_title = (
            f"the latest {kept:,} (at most {KEEP_REJECTIONS:,})" if kept else "none so far"
        )
        table.add_columns("received", "partition", "offset", "reason", "detail")
        # The detail takes the rest of the line (the pane below shows all of it).
        room = max(20, self.app.size.width - 55)
        for r in self._rejections:
            m = r.message
            received = (
                time.strftime("%H:%M:%S", time.localtime(m.received_at)) if m.received_at else "-"
            )
            table.add_row(
                Text(received),
                Text(str(m.partition)),
                Text(str(m.offset)),
                Text(str(r.reason), style="bold red"),
                Text(shorten(safe_text(r.detail), room, keep_tail=False)),
            )
        yield table
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self._show(0)
        if not self._rejections:
            self.query_one("#detail", Static).update(Text("No message has been rejected."))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def _show(self, index: int) -> None:
        if not 0 <= index < len(self._rejections):
            return
        rejection = self._rejections[index]
        data = rejection.message.data
        if isinstance(data, bytes):
            preview = data[:PREVIEW_CHARS].decode("utf-8", "backslashreplace")
        else:
            preview = (data or "")[:PREVIEW_CHARS]
        detail = Text()
        detail.append(safe_text(rejection.describe()), style="bold")
        detail.append("\n")
        size = _size(data)
        if rejection.size is not None:
            size += f" kept of {rejection.size:,}"
        detail.append(f"data ({size}): ", style="dim")
        detail.append(safe_text(preview) or "(none)")
        self.query_one("#detail", Static).update(detail)


def _size(data: str | bytes | None) -> str:
    return f"{len(data):,} {'bytes' if isinstance(data, bytes) else 'chars'}" if data else "empty"
