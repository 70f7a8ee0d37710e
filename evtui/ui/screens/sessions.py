"""The session browser: recorded sessions, newest first; open one to replay, delete one.

Under the table, the highlighted session's markers: the watchlist alerts it caught (by the
locations' display names, as they were when it was recorded) and the user's own marks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Static

from evtui.recording import (
    Marker,
    SessionError,
    SessionInfo,
    SessionReader,
    delete_session,
    list_sessions,
)
from evtui.safetext import safe_text
from evtui.ui.frame_clock import TimelyFrames
from evtui.ui.theme import local_time
from evtui.units import duration_text, size_text

_STATE_STYLES = {
    "damaged": "bold red",
    "recording": "bold green",
    "interrupted": "yellow",
    "complete": "dim",
}
"""Each `SessionInfo.state` as the list shows it."""


class ConfirmScreen(TimelyFrames, ModalScreen[bool]):
    """A yes/no question; only `y` says yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: round $error; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._question))
            yield Static(Text("y: yes   n or escape: no", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class SessionTable(DataTable[Text]):
    """The sessions, a row each: enter replays the one under the cursor (`RowSelected`)."""

    # The table's own enter, named in the footer. (A priority binding on the screen ran
    # before the keys typed ahead of it, and opened the row the cursor was leaving.)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Replay", id="sessions_open"),
    ]


class SessionsScreen(TimelyFrames, Screen[None]):
    """A table of the sessions in the sessions directory."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="sessions_back"),
        Binding("d", "delete", "Delete", id="sessions_delete"),
    ]
    DEFAULT_CSS = """
    SessionsScreen > DataTable { height: 1fr; border: round $primary-background; }
    SessionsScreen > #sessions-empty { padding: 1 2; color: $text-muted; }
    SessionsScreen > #sessions-markers {
        height: auto; max-height: 9; padding: 0 1;
        border: round $primary-background; border-title-color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """
    MARKERS_SHOWN = 6
    """Markers listed under the table; the rest are counted."""

    class Open(Message):
        """The user chose a session to replay."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, directory: Path, busy: Callable[[], Collection[Path]]) -> None:
        super().__init__()
        self.directory = directory
        self._busy = busy
        """Sessions in use (being recorded or replayed): they cannot be deleted."""
        self._paths: list[Path] = []

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = SessionTable(cursor_type="row")
        table.border_title = Text(f"sessions in {self.directory}")
        table.add_columns("started", "duration", "messages", "size", "source", "state", "file")
        yield table
        markers = Static(id="sessions-markers")
        markers.border_title = "markers"
        markers.display = False
        yield markers
        yield Static(id="sessions-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        """Read the directory again."""
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        self._paths = []
        busy = {p.resolve() for p in self._busy()}
        found = list_sessions(self.directory)
        readable = [e for e in found if isinstance(e, SessionInfo)]
        unreadable = [e for e in found if not isinstance(e, SessionInfo)]
        entries: list[SessionInfo | tuple[Path, str]] = [*reversed(readable), *unreadable]
        # Newest first; the unreadable ones after them.
        for entry in entries:
            if isinstance(entry, SessionInfo):
                path = entry.path
                started = local_time(datetime.fromtimestamp(entry.started_at, UTC))
                if path.resolve() in busy:
                    state = Text("in use", style="bold green")
                else:
                    state = Text(entry.state, style=_STATE_STYLES[entry.state])
                row = [
                    Text(f"{started:%Y-%m-%d %H:%M:%S}"),
                    Text(duration_text(entry.duration, nearest=True), justify="right"),
                    Text(f"{entry.messages:,}", justify="right"),
                    Text(size_text(entry.size), justify="right"),
                    Text(safe_text(entry.source, 40)),
                    state,
                    Text(safe_text(path.name, 60)),
                ]
            else:
                path, why = entry
                row = [
                    Text("?"),
                    Text(""),
                    Text(""),
                    Text(""),
                    Text(safe_text(why, 40)),
                    Text("unreadable", style="bold red"),
                    Text(safe_text(path.name, 60)),
                ]
            table.add_row(*row)
            self._paths.append(path)
        empty = self.query_one("#sessions-empty", Static)
        empty.display = not self._paths
        if not self._paths:  # else the highlighted row's are read again
            self.query_one("#sessions-markers", Static).display = False
        empty.update(
            Text(
                "No sessions yet. Press r on the monitor to record, or run "
                "`evtui record` (`--source demo` needs no account)."
            )
        )

    @property
    def selected(self) -> Path | None:
        table: DataTable[Text] = self.query_one(DataTable)
        if not self._paths or table.cursor_row < 0:
            return None
        return self._paths[min(table.cursor_row, len(self._paths) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        path = self.selected
        if path is not None:
            self._read_markers(path)

    @work(thread=True, exclusive=True, group="session-markers", exit_on_error=False)
    def _read_markers(self, path: Path) -> None:
        # A thread: a session on a slow disk must not hold the cursor up.
        try:
            with SessionReader(path) as reader:
                shown: Text = markers_text(reader.markers(), self.MARKERS_SHOWN)
        except (SessionError, OSError, sqlite3.Error) as exc:
            shown = Text(f"cannot read its markers: {safe_text(str(exc), 200)}", style="dim")
        self.app.call_from_thread(self._show_markers, path, shown)

    def _show_markers(self, path: Path, shown: Text) -> None:
        if path != self.selected or not self.is_attached:
            return  # the cursor moved on, or the screen closed, while it was read
        panel = self.query_one("#sessions-markers", Static)
        panel.update(shown)
        panel.display = True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        path = self.selected
        if path is not None:
            self.post_message(self.Open(path))

    def action_delete(self) -> None:
        path = self.selected
        if path is None:
            return
        if path.resolve() in {p.resolve() for p in self._busy()}:
            self.app.notify(
                "That session is in use (being recorded or replayed).", severity="warning"
            )
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                delete_session(path)
            except OSError as exc:
                self.app.notify(
                    f"Could not delete {safe_text(path.name)}: {exc}",
                    severity="error",
                    markup=False,
                )
                return
            self.app.notify(f"Deleted {safe_text(path.name)}", markup=False)
            self.reload()

        self.app.push_screen(
            ConfirmScreen(f"Delete the session {safe_text(path.name)}? This cannot be undone."),
            answer,
        )


def markers_text(markers: Sequence[Marker], shown: int) -> Text:
    """One line per marker (the first `shown`), then how many more there are."""
    if not markers:
        return Text("no markers: alerts of watched locations and m drop them", style="dim")
    text = Text()
    for marker in markers[:shown]:
        when = local_time(datetime.fromtimestamp(marker.at, UTC))
        kind = ("alert", "bold yellow") if marker.kind == "alert" else ("mark", "cyan")
        text.append(f"{when:%H:%M:%S} ", style="dim")
        text.append(f"{kind[0]:<6}", style=kind[1])
        text.append(safe_text(marker.label, 200))
        text.append("\n")
    if len(markers) > shown:
        more = len(markers) - shown
        text.append(f"… and {more:,} more (] and [ jump between them in replay)", style="dim")
    else:
        text.rstrip()
    return text
