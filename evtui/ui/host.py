"""What the app's parts and the command palette may use of the app, as protocols.

The parts (`evtui.ui.control`, the painter) and the palette provider are typed against
these, not against `EvtuiApp`: the app imports them to compose itself, so they must not
import it back. mypy checks that `EvtuiApp` fits both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from textual.notifications import SeverityLevel
from textual.screen import Screen, ScreenResultCallbackType
from textual.worker import Worker

from evtui.here.events import ConnectionState
from evtui.model import Activity, EventFilter, MonitorState, StateStore
from evtui.model.places import Places
from evtui.recording import Player, Recorder
from evtui.settings import Settings
from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.widgets.replay_bar import Playback
from evtui.watchlist import Watchlist

__all__ = ["Host", "PaletteHost"]

ResultT = TypeVar("ResultT")


class Host(Protocol):
    """The app as its parts see it: the state on screen, and the few Textual calls they make."""

    connection: ConnectionState
    """The source's latest connection state."""
    failure: str | None
    """Why the stream stopped for good, if it did."""
    next_session: Path | None
    """A session to replay once this app has exited."""

    @property
    def settings(self) -> Settings: ...
    @property
    def watchlist(self) -> Watchlist: ...
    @property
    def places(self) -> Places: ...
    @property
    def clock(self) -> Callable[[], float]: ...
    @property
    def state(self) -> MonitorState: ...
    @property
    def store(self) -> StateStore: ...
    @property
    def activity(self) -> Activity: ...
    @property
    def rejected(self) -> int: ...
    @property
    def player(self) -> Player | None: ...
    @property
    def recorder(self) -> Recorder | None: ...
    def playback(self) -> Playback: ...
    def now(self) -> datetime: ...
    def current_location(self) -> str | None: ...
    def display_name(self, location_id: str) -> str: ...
    def get_screen_stack_base(self) -> MonitorScreen | None: ...
    async def action_quit(self) -> None: ...

    # Textual's, as `App` declares them.
    @property
    def screen(self) -> Screen[object]: ...
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...
    def push_screen(
        self,
        screen: Screen[ResultT],
        callback: ScreenResultCallbackType[ResultT] | None = None,
    ) -> Awaitable[Any]: ...
    def call_later(self, callback: Callable[..., Any], *args: Any) -> bool: ...
    def call_after_refresh(self, callback: Callable[..., Any], *args: Any) -> bool: ...
    def run_worker(
        self,
        work: Callable[[], Coroutine[None, None, None]],
        name: str | None = "",
        group: str = "default",
        description: str = "",
        exit_on_error: bool = True,
        *,
        exclusive: bool = False,
    ) -> Worker[None]: ...


@runtime_checkable
class PaletteHost(Protocol):
    """What the command palette offers: the app's actions on locations, filters and screens."""

    @property
    def watchlist(self) -> Watchlist: ...
    @property
    def places(self) -> Places: ...
    @property
    def store(self) -> StateStore: ...
    def current_location(self) -> str | None: ...
    def display_name(self, location_id: str) -> str: ...
    def open_location(self, location_id: str) -> None: ...
    def unwatch(self, location_id: str) -> None: ...
    def set_filter(self, event_filter: EventFilter) -> None: ...
    def action_toggle_watch(self) -> None: ...
    def action_add_watch(self) -> None: ...
    def action_filter(self) -> None: ...
    def action_pause(self) -> None: ...
    def action_show_rejected(self) -> None: ...
    def action_help(self) -> None: ...
