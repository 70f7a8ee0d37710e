"""The monitor app: a stream worker feeds the domain model; widgets repaint from it on a timer.

The app composes its parts and routes keys to them: the live feed or the replay
(`evtui.ui.control`), recording, watchlist edits, the session browser, and the painter that
repaints on a clock. What stays here is the app's life: start, signals and quitting, the
screens it opens, and the state it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker

from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import Activity, EventFilter, MonitorState, Rejection, StateStore
from evtui.model.places import Places
from evtui.model.reliability import RULES, EvseFigures
from evtui.recording import Player, Recorder
from evtui.runtime import freeze_startup
from evtui.safetext import safe_text
from evtui.settings import Settings
from evtui.sources import Source
from evtui.ui.commands import EvtuiCommands
from evtui.ui.control.directory import DirectoryLookups
from evtui.ui.control.feed import LiveFeed
from evtui.ui.control.log_filter import LogFilter
from evtui.ui.control.map import MapOpener
from evtui.ui.control.recording import RecordingControl, RecordOptions
from evtui.ui.control.replay import ReplayControl, ReplayOptions
from evtui.ui.control.sessions import SessionsBrowser
from evtui.ui.control.terminal import watch_terminal
from evtui.ui.control.watch import WatchActions
from evtui.ui.host import Host, PaletteHost
from evtui.ui.keymap import KeyBindings
from evtui.ui.painter import Painter
from evtui.ui.screens.help import HelpScreen
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.map import MapScreen
from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.screens.rejected import RejectedScreen
from evtui.ui.screens.reliability import ReliabilityScreen
from evtui.ui.screens.replay import ReplayScreen
from evtui.ui.screens.sessions import SessionsScreen
from evtui.ui.theme import short_id
from evtui.ui.theme_choice import apply_settings_theme
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.replay_bar import Playback
from evtui.ui.widgets.watchlist_panel import WatchlistPanel
from evtui.watchlist import Watchlist

# The options types are part of the app's constructor: callers import them from here.
__all__ = ["EvtuiApp", "RecordOptions", "ReplayOptions"]

QUIT_GRACE_SECONDS = 1.5
"""How long `q` waits for the source to commit and unsubscribe before leaving anyway."""
RECORDING_CHECK = 0.25
"""Seconds between looks at what the recording's writer process has said."""


class EvtuiApp(App[None]):
    """Live monitor of EV charge-point status updates from any `Source`.

    `clock` gives Unix time; tests freeze it so that pictures come out the same every run.
    `directory_cache` is the directory cache file (None: no names, only what the ids say).
    """

    CSS_PATH = "evtui.tcss"
    TITLE = "evtui"
    COMMANDS = App.COMMANDS | {EvtuiCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        # Second: at 80 columns the footer shows only its first keys; help lists them all.
        Binding("question_mark", "help", "Help", id="help"),
        Binding("w", "toggle_watch", "Watch", id="toggle_watch"),
        Binding("a", "add_watch", "Add id", show=False, id="add_watch"),
        Binding("e", "edit_label", "Label", show=False, id="edit_label"),
        Binding("r", "record", "Record", id="record"),
        Binding("m", "mark", "Marker", id="mark"),
        Binding("s", "sessions", "Sessions", id="sessions"),
        Binding("x", "show_rejected", "Rejected", id="show_rejected"),
        Binding("u", "reliability", "Uptime", id="reliability"),
        Binding("M", "map", "Map", id="map"),
    ]

    def __init__(
        self,
        source: Source | Player,
        *,
        sessions_dir: Path | None = None,
        settings: Settings | None = None,
        watchlist: Watchlist | None = None,
        warnings: Sequence[str] = (),
        settings_path: Path | None = None,
        clock: Callable[[], float] = time.time,
        record: RecordOptions | None = None,
        replay: ReplayOptions | None = None,
        directory_cache: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.player: Player | None = source if isinstance(source, Player) else None
        """The session being replayed; None when live."""
        self.source: Source | None = None if isinstance(source, Player) else source
        self.watchlist = watchlist if watchlist is not None else Watchlist()
        self.places = Places(self.watchlist.label)
        """What is known of each location: the id's facts, the directory's record, the label."""
        self.clock = clock
        if self.player is not None:
            player = self.player
            # A replay's "now" is the session time it has reached.
            self.clock = lambda: player.clock
        self.settings_path = settings_path
        """Where the settings came from, for the help screen."""
        self._state = MonitorState(
            max_events=self.settings.event_log_size, rules=RULES[self.settings.reliability_rules]
        )
        self.connection = ConnectionState(ConnectionStatus.CONNECTING)
        """The source's latest connection state."""
        self.failure: str | None = None
        """Why the stream stopped for good, if it did; the CLI prints it after the app exits."""
        self.next_session: Path | None = None
        """A session the user chose to replay next; the CLI opens it after this app exits."""
        self.replay_options = replay or ReplayOptions()
        self.key_bindings = KeyBindings(EvtuiApp, self.settings.keys)
        self.keymap: dict[str, str] = self.key_bindings.keymap
        """Key overrides from the settings that name a real binding id."""
        self._warnings = [*warnings, *self.key_bindings.warnings]

        # The parts, each given the app as the `Host` it may use.
        host: Host = self
        self.painter = Painter(host)
        self.recording = RecordingControl(host, record, self.painter, self.key_bindings)
        self.watch_actions = WatchActions(host, self.painter)
        self.log_filter = LogFilter(host)
        self.map_opener = MapOpener(host, self.log_filter)
        self.sessions = SessionsBrowser(
            host, sessions_dir or (record.directory if record is not None else None)
        )
        self.feed: LiveFeed | None = None
        """The live feed; None in a replay."""
        self.replay: ReplayControl | None = None
        """The replay's controls; None when live."""
        if self.player is not None:
            self.replay = ReplayControl(host, self.player, self.replay_options, self.painter)
        else:
            assert self.source is not None
            self.feed = LiveFeed(host, self.source, self._state, self.painter, self.recording)
        self.directory = DirectoryLookups(
            host, self.places, self.painter, directory_cache, self.source
        )

    # --- the state shown -----------------------------------------------------------------

    @property
    def state(self) -> MonitorState:
        """What the screen shows: the live state, or the replay's at its position."""
        return self.player.state if self.player is not None else self._state

    @property
    def store(self) -> StateStore:
        return self.state.store

    @property
    def activity(self) -> Activity:
        return self.state.activity

    @property
    def rejections(self) -> Sequence[Rejection]:
        return self.state.rejections

    @property
    def rejected(self) -> int:
        return self.state.rejected_total

    @property
    def source_label(self) -> str:
        if self.player is not None:
            info = self.player.info
            note = " (interrupted)" if info.interrupted else ""
            return f"{info.path.name} · {info.source}{note}"
        assert self.source is not None
        return self.source.label

    @property
    def recorder(self) -> Recorder | None:
        """The session being recorded, if one is."""
        return self.recording.recorder

    @property
    def recorded(self) -> list[Path]:
        """Sessions recorded during this run, for the CLI to name on exit."""
        return self.recording.recorded

    @property
    def speed(self) -> float | None:
        """The replay's speed; None: as fast as it goes."""
        return self.replay.speed if self.replay is not None else self.replay_options.speed

    @speed.setter
    def speed(self, speed: float | None) -> None:
        assert self.replay is not None, "a live monitor has no replay speed"
        self.replay.speed = speed

    @property
    def replay_paused(self) -> bool:
        return self.replay.paused if self.replay is not None else self.replay_options.paused

    @replay_paused.setter
    def replay_paused(self, paused: bool) -> None:
        assert self.replay is not None, "a live monitor has no replay to pause"
        self.replay.paused = paused

    def playback(self) -> Playback:
        """The replay line's picture of the player."""
        assert self.replay is not None
        return self.replay.playback()

    def now(self) -> datetime:
        """The app clock as an aware datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    # --- set-up, signals and quitting ----------------------------------------------------

    def get_default_screen(self) -> MonitorScreen:
        resume = [
            self.get_key_display(Binding(key, ""))
            for binding_id in ("pause", "log_follow")
            for key in self.key_bindings.keys_of(self.key_bindings.binding(binding_id))
        ]
        screen = ReplayScreen if self.player is not None else MonitorScreen
        return screen(
            max_rows=self.settings.event_log_size,
            labels=self.places.name,
            places=self.places,
            source_label=self.source_label,
            resume_hint=" or ".join(resume),
            rejected_key=self.key_bindings.first_key("show_rejected"),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Watchlist keys make no sense over the rejected messages, the help or the sessions;
        # the map's footer has no room to offer the map (a palette's `map(box)` still goes).
        screen = self.screen
        unwatched = isinstance(screen, RejectedScreen | HelpScreen | SessionsScreen)
        if unwatched and action in {"toggle_watch", "add_watch", "edit_label"}:
            return False
        if action == "map" and not parameters and isinstance(screen, MapScreen):
            return False
        # A replay is not recorded again; markers are dropped while live.
        return not (self.player is not None and action in {"record", "mark"})

    def action_help_quit(self) -> None:
        """ctrl+c quits, as people expect of a terminal program (Textual only explains)."""
        self.call_later(self.action_quit)

    def on_mount(self) -> None:
        self._apply_theme()
        self.set_keymap(self.keymap)
        for warning in self._warnings:
            self.notify(warning, title="evtui", severity="warning", timeout=15, markup=False)
        stream: Callable[[], None]
        if self.replay is not None:
            self.replay.warn_damage()
            stream = self.replay.start
        else:
            assert self.feed is not None
            if self.recording.options is not None and self.recording.options.at_start:
                self.recording.start()
            stream = self.feed.start
        # The first frame before the feed: a source may take a while to start (the demo's
        # emulator builds its network), and the monitor must show up at once.
        self.call_after_refresh(freeze_startup)
        self.call_after_refresh(stream)
        self.call_after_refresh(self.directory.start)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            # The terminal closing (or `kill`) must not leave a recording interrupted.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._stop_on_signal, signum)
        # Repaint on a clock, never per message: the message rate must not drive the UI.
        self.set_interval(1 / self.settings.refresh_rate, self.painter.tick)
        # A write the recording's process could not make is news even when the stream is quiet.
        self.set_interval(RECORDING_CHECK, self.recording.written)
        watch_terminal(self, lambda: self._stop_on_signal(signal.SIGHUP))
        self.painter.repaint()

    def _apply_theme(self) -> None:
        if warning := apply_settings_theme(self, self.settings.theme, self.settings_path):
            self._warnings.append(warning)

    def _stop_on_signal(self, signum: int = signal.SIGTERM) -> None:
        # End the feed first, so that nothing more is applied and acknowledged unrecorded;
        # close the recording at once (the terminal may be gone); then leave as `q` does.
        self._cancel_stream()
        self.recording.stop()
        self.call_later(self._hang_up if signum == signal.SIGHUP else self.action_quit)

    async def _hang_up(self) -> None:
        """The terminal is gone: release the subscription, then leave without touching it.

        Restoring a terminal that no longer exists blocks Textual's shutdown for ever (its
        writer thread is dead, the write queue full): the process would linger, holding the
        subscription and the CPU."""
        await self._stop_stream()
        logging.shutdown()
        os._exit(128 + signal.SIGHUP)

    def _cancel_stream(self) -> list[Worker[None]]:
        workers = [w for w in self.workers if w.group == "stream"]
        for worker in workers:
            worker.cancel()
        return workers

    async def _stop_stream(self) -> None:
        """Cancel the feed and give it `QUIT_GRACE_SECONDS` to commit and unsubscribe."""
        for worker in self._cancel_stream():
            # Leaving regardless of how the worker ends is the point of `q`.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.wait(), QUIT_GRACE_SECONDS)

    async def action_quit(self) -> None:
        """Stop the stream (it commits and unsubscribes), close the recording, then leave."""
        await self._stop_stream()
        self.recording.stop()
        self.exit()

    # --- actions the parts carry out (bindings, the palette and the help name these) ------

    def action_toggle_watch(self) -> None:
        self.watch_actions.toggle()

    def action_add_watch(self) -> None:
        self.watch_actions.add()

    def action_edit_label(self) -> None:
        self.watch_actions.edit_label()

    def unwatch(self, location_id: str) -> None:
        self.watch_actions.unwatch(location_id)

    def action_record(self) -> None:
        self.recording.toggle()

    def action_mark(self) -> None:
        self.recording.mark()

    def action_sessions(self) -> None:
        self.sessions.show()

    def on_sessions_screen_open(self, message: SessionsScreen.Open) -> None:
        self.sessions.open(message.path)

    # A replay's keys do nothing live (the live screen has none of them anyway).

    def action_play_pause(self) -> None:
        if self.replay is not None:
            self.replay.play_pause()

    def action_step(self) -> None:
        if self.replay is not None:
            self.replay.step()

    def action_speed(self, direction: int) -> None:
        if self.replay is not None:
            self.replay.change_speed(direction)

    def action_seek(self, seconds: float) -> None:
        if self.replay is not None:
            self.replay.seek(seconds)

    def action_goto(self) -> None:
        if self.replay is not None:
            self.replay.goto()

    def action_marker(self, direction: int) -> None:
        if self.replay is not None:
            self.replay.marker(direction)

    # --- what the user looks at ----------------------------------------------------------

    def get_screen_stack_base(self) -> MonitorScreen | None:
        """The main screen, wherever the user is in the screen stack."""
        stack = self.screen_stack
        base = stack[0] if stack else None
        return base if isinstance(base, MonitorScreen) else None

    def current_location(self, screen: object = None) -> str | None:
        """The location the user looks at on `screen` (default: the top one): a location, map
        or uptime screen's, the focused watchlist's cursor, else the log's highlighted row."""
        screen = self.screen if screen is None else screen
        if isinstance(screen, LocationScreen):
            return screen.location_id
        if isinstance(screen, MapScreen | ReliabilityScreen):
            return screen.selected_location
        if not isinstance(screen, MonitorScreen):
            return None
        panel = screen.query_one(WatchlistPanel)
        if panel.has_focus_within:
            return panel.selected_location
        log = screen.query_one(EventLog)
        change = log.highlighted
        if change is not None and log.following:
            # Hold the row still: the user acts on what they saw highlighted.
            log.pause()
        return change.location_id if change else None

    def display_name(self, location_id: str) -> str:
        """A location's label, else the directory's name, else its short id, safe to show."""
        name = self.places.name(location_id)
        return safe_text(name, 40) if name else short_id(location_id)

    def action_filter(self) -> None:
        self.log_filter.ask()

    def set_filter(self, event_filter: EventFilter) -> None:
        """Show only the log rows that match."""
        self.log_filter.set(event_filter)

    def action_pause(self) -> None:
        if (monitor := self.get_screen_stack_base()) is not None:
            monitor.action_pause()

    def open_location(self, location_id: str) -> None:
        """Open the location screen."""
        if isinstance(self.screen, LocationScreen):
            self.pop_screen()
        self.push_screen(
            LocationScreen(
                location_id,
                self.store,
                self.watchlist,
                self.now,
                self.places,
                figures=self._evse_figures,
            )
        )

    def _evse_figures(self, evse_id: str) -> EvseFigures | None:
        try:
            return self.state.evse_figures(evse_id)
        except KeyError:
            return None

    def on_event_log_location_selected(self, message: EventLog.LocationSelected) -> None:
        self.open_location(message.location_id)

    def on_watchlist_panel_location_selected(
        self, message: WatchlistPanel.LocationSelected
    ) -> None:
        self.open_location(message.location_id)

    def action_show_rejected(self) -> None:
        """List the latest rejected messages."""
        if not isinstance(self.screen, RejectedScreen):
            self.push_screen(RejectedScreen(list(self.rejections), self.state.rejected))

    def action_reliability(self) -> None:
        """Show the reliability screen: locations worst uptime first."""
        if not isinstance(self.screen, ReliabilityScreen):
            self.push_screen(ReliabilityScreen(lambda: self.state, self.places))

    def on_reliability_screen_location_chosen(
        self, message: ReliabilityScreen.LocationChosen
    ) -> None:
        self.open_location(message.location_id)

    def action_map(self, box: tuple[float, float, float, float] | None = None) -> None:
        """Show the map (looking at `box`, west, south, east, north, when given)."""
        self.map_opener.show(box)

    def on_map_screen_location_chosen(self, message: MapScreen.LocationChosen) -> None:
        self.open_location(message.location_id)

    def action_help(self) -> None:
        """Show the keys, colours and files."""
        if isinstance(self.screen, HelpScreen):
            return
        files = {
            "settings": str(self.settings_path or "(none: defaults)"),
            "watchlist": str(self.watchlist.path or "(not saved)"),
        }
        bindings = self.key_bindings
        self.push_screen(HelpScreen(bindings.sections(), bindings.keys_of, files, self.settings))


if TYPE_CHECKING:
    # The palette reaches the app only through `PaletteHost`: this line has mypy check the fit.
    _palette_host: type[PaletteHost] = EvtuiApp
