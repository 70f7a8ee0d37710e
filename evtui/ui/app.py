"""The monitor app: a stream worker feeds the domain model; widgets repaint from it on a timer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import Sparkline
from textual.worker import Worker

from evtui.here.errors import HereError
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import (
    KNOWN_STATUSES,
    Activity,
    Alert,
    AlertKind,
    AlertTracker,
    ApplyResult,
    Batch,
    EventFilter,
    MonitorState,
    Rejection,
    StateStore,
    StatusChange,
)
from evtui.recording import (
    SPEEDS,
    Player,
    Recorder,
    SessionError,
    SessionOrigin,
    SessionReader,
    default_session_path,
    parse_goto,
)
from evtui.safetext import safe_text
from evtui.settings import Settings
from evtui.sources import Source
from evtui.ui.commands import EvtuiCommands
from evtui.ui.screens.help import HelpScreen
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.monitor import SPARK_SECONDS, MonitorScreen
from evtui.ui.screens.prompt import PromptScreen
from evtui.ui.screens.rejected import RejectedScreen
from evtui.ui.screens.replay import ReplayScreen
from evtui.ui.screens.sessions import ConfirmScreen, SessionsScreen
from evtui.ui.theme import local_time, short_id
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.replay_bar import Playback, ReplayBar, speed_text
from evtui.ui.widgets.status_bar import StatusBar
from evtui.ui.widgets.watchlist_panel import WatchlistPanel, WatchlistTable
from evtui.watchlist import Watchlist, WatchlistError, resolve_location_id

__all__ = ["EvtuiApp", "RecordOptions", "ReplayOptions"]

log = logging.getLogger("evtui.ui")

QUIT_GRACE_SECONDS = 1.5
"""How long `q` waits for the source to commit and unsubscribe before leaving anyway."""
FLASH_SECONDS = 1.5
"""How long a watchlist row stays highlighted after its location changed."""
MAX_ALERTS_PER_BATCH = 3
REPLAY_CHUNK = 100
"""Messages a replay applies at a time."""
PAINT_SPACING = 3
"""A repaint of the clock follows the last at least this many times the time that one took
to reach the screen (up to twice the interval the refresh rate sets): when painting is slow
(a busy stream, a slow terminal) it takes about a third of the time, the stream the rest."""
PAINT_PAUSE_SECONDS = 0.001
SLICE_SECONDS = 0.01
SLOW_PAINT_SECONDS = 0.25
"""While changes stream in, the clock repaints the counters, watchlist, status and replay
lines at most this often; the log keeps the full rate. Each of them costs a few ms a frame."""
"""How long a replay at full speed works between two looks at the keyboard and the screen."""


@dataclass(frozen=True)
class RecordOptions:
    """Where recordings go and how the live monitor starts."""

    directory: Path
    """New sessions get a name from their start time in this directory."""
    origin: SessionOrigin
    path: Path | None = None
    """The first recording goes here (`--record FILE`)."""
    at_start: bool = False
    """Record from the first message on (`--record`)."""


@dataclass(frozen=True)
class ReplayOptions:
    """How a replay starts."""

    speed: float | None = 1.0
    idle_limit: float | None = None
    """Quiet gaps longer than this many session seconds are cut short."""
    paused: bool = False


class EvtuiApp(App[None]):
    """Live monitor of EV charge-point status updates from any `Source`.

    `clock` gives Unix time; tests freeze it so that pictures come out the same every run.
    """

    CSS_PATH = "evtui.tcss"
    TITLE = "evtui"
    COMMANDS = App.COMMANDS | {EvtuiCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("w", "toggle_watch", "Watch", id="toggle_watch"),
        # The footer cannot hold every key at 80 columns: these two are in the help (?).
        Binding("a", "add_watch", "Add id", show=False, id="add_watch"),
        Binding("e", "edit_label", "Label", show=False, id="edit_label"),
        Binding("r", "record", "Record", id="record"),
        Binding("m", "mark", "Marker", id="mark"),
        Binding("s", "sessions", "Sessions", id="sessions"),
        Binding("x", "show_rejected", "Rejected", id="show_rejected"),
        Binding("question_mark", "help", "Help", id="help"),
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
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.player: Player | None = source if isinstance(source, Player) else None
        """The session being replayed; None when live."""
        self.source: Source | None = None if isinstance(source, Player) else source
        self.watchlist = watchlist if watchlist is not None else Watchlist()
        self.clock = clock
        if self.player is not None:
            player = self.player
            # A replay's "now" is the session time it has reached.
            self.clock = lambda: player.clock
        self.settings_path = settings_path
        """Where the settings came from, for the help screen."""
        self._state = MonitorState(max_events=self.settings.event_log_size)
        self.alerts = AlertTracker()
        self.connection = ConnectionState(ConnectionStatus.CONNECTING)
        """The source's latest connection state."""
        self.failure: str | None = None
        """Why the stream stopped for good, if it did; the CLI prints it after the app exits."""
        self.record_options = record
        self.sessions_dir = sessions_dir or (record.directory if record is not None else None)
        """Where the session browser looks."""
        self.recorder: Recorder | None = None
        self.recorded: list[Path] = []
        """Sessions recorded during this run, for the CLI to name on exit."""
        self.replay_options = replay or ReplayOptions()
        self.speed: float | None = self.replay_options.speed
        self.replay_paused = self.replay_options.paused
        self.next_session: Path | None = None
        """A session the user chose to replay next; the CLI opens it after this app exits."""
        self._damage_warned = False
        self._warnings = list(warnings)
        self._pending: list[StatusChange] = []
        self._reset_log = False
        self._flash: dict[str, float] = {}
        self._watch_dirty = True
        self._second = -1
        self._painting: float | None = None
        """When the repaint not yet on screen started (monotonic)."""
        self._next_paint = 0.0
        """No repaint of the clock before this time (monotonic)."""
        self._next_slow = 0.0
        """No repaint of the slow panels by the clock before this time (monotonic)."""
        self.keymap: dict[str, str] = self._read_keymap()
        """Key overrides from the settings that name a real binding id."""

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

    # --- set-up --------------------------------------------------------------------------

    def get_default_screen(self) -> MonitorScreen:
        resume = [
            self.get_key_display(Binding(key, ""))
            for binding_id in ("pause", "log_follow")
            for key in self.keys_of(self._binding(binding_id))
        ]
        screen = ReplayScreen if self.player is not None else MonitorScreen
        return screen(
            max_rows=self.settings.event_log_size,
            labels=self.watchlist.label,
            source_label=self.source_label,
            resume_hint=" or ".join(resume),
            rejected_key=self.keys_of(self._binding("show_rejected"))[0],
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Watchlist keys make no sense over the rejected messages, the help or the sessions.
        watch_keys = {"toggle_watch", "add_watch", "edit_label"}
        if action in watch_keys and isinstance(
            self.screen, RejectedScreen | HelpScreen | SessionsScreen
        ):
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
        if self.player is not None:
            if self.player.reader.damage is not None:
                self._warn_damage()
            stream = self.play
        else:
            if self.record_options is not None and self.record_options.at_start:
                self.start_recording()
            stream = self.consume
        # The first frame before the feed: a source may take a while to start (the demo's
        # emulator builds its network), and the monitor must show up at once.
        self.call_after_refresh(stream)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            # The terminal closing (or `kill`) must not leave a recording interrupted.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._stop_on_signal, signum)
        # Repaint on a clock, never per message: the message rate must not drive the UI.
        self.set_interval(1 / self.settings.refresh_rate, self._tick)
        self._repaint()

    def _stop_on_signal(self, signum: int = signal.SIGTERM) -> None:
        # End the feed first, so that nothing more is applied and acknowledged unrecorded;
        # close the recording at once (the terminal may be gone); then leave as `q` does.
        self._cancel_stream()
        self.stop_recording()
        self.call_later(self._hang_up if signum == signal.SIGHUP else self.action_quit)

    async def _hang_up(self) -> None:
        """The terminal is gone: release the subscription, then leave without touching it.

        Restoring a terminal that no longer exists blocks Textual's shutdown for ever (its
        writer thread is dead, the write queue full): the process would linger, holding the
        subscription and the CPU.
        """
        await self._stop_stream()
        logging.shutdown()
        os._exit(128 + signal.SIGHUP)

    def _apply_theme(self) -> None:
        theme = self.settings.theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            known = ", ".join(sorted(self.available_themes))
            self._warnings.append(f"settings: no theme {theme!r}; known themes: {known}")

    def _read_keymap(self) -> dict[str, str]:
        """The settings' key overrides that name a real binding; warnings for the rest."""
        known_ids = {b.id for _, bindings in self.binding_sections() for b in bindings if b.id}
        keymap = {}
        for binding_id, keys in self.settings.keys.items():
            if binding_id in known_ids:
                keymap[binding_id] = keys
            else:
                self._warnings.append(
                    f"settings: keys.{binding_id}: no such binding id (see the help screen, ?)"
                )
        self.keymap = keymap
        # Keys of the main screen: the app's, the screen's, the log's and the replay's share it.
        owners: dict[str, str] = {}
        main = {"Everywhere", "Main screen", "Event log", "Replay"}
        for _, bindings in (s for s in self.binding_sections() if s[0] in main):
            for binding in bindings:
                for key in self.keys_of(binding):
                    other = owners.setdefault(key, binding.id or "")
                    if other != binding.id and (binding.id in keymap or other in keymap):
                        self._warnings.append(
                            f"settings: key {key!r} is bound to both {other} and {binding.id}; "
                            f"only one of them will work"
                        )
        return keymap

    def keys_of(self, binding: Binding) -> list[str]:
        """The keys that trigger `binding` now, after the settings' overrides."""
        keys = self.keymap.get(binding.id or "", binding.key)
        return [key.strip() for key in keys.split(",")]

    def _binding(self, binding_id: str) -> Binding:
        return next(
            b for _, bindings in self.binding_sections() for b in bindings if b.id == binding_id
        )

    def binding_sections(self) -> list[tuple[str, list[Binding]]]:
        """Every key evtui defines, grouped by where it works, for the help screen."""

        def bindings(owner: type[object]) -> list[Binding]:
            declared = getattr(owner, "BINDINGS", [])
            return [b for b in declared if isinstance(b, Binding)]

        return [
            ("Everywhere", bindings(EvtuiApp)),
            ("Main screen", bindings(MonitorScreen)),
            ("Event log", bindings(EventLog)),
            ("Replay", bindings(ReplayScreen)),
            ("Watchlist panel", bindings(WatchlistTable)),
            ("Location screen", bindings(LocationScreen)),
            ("Rejected messages", bindings(RejectedScreen)),
            ("Sessions", bindings(SessionsScreen)),
            ("Palette", [Binding("ctrl+p", "command_palette", "Command palette", id="palette")]),
        ]

    # --- the stream ----------------------------------------------------------------------

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def consume(self) -> None:
        """Apply every batch the source yields, record it, then acknowledge it."""
        source = self.source
        assert source is not None
        try:
            async with source:
                async for event in source:
                    if isinstance(event, ConnectionState):
                        self.connection = event
                        # Rare, and what the header says must be current at once (paced
                        # repaints may skip the side panels while changes stream in).
                        self._repaint()
                        continue
                    self._apply(event)
                    # Acknowledged only once applied and recorded: a restart resumes after it.
                    source.ack(event)
        except (HereError, OSError, SessionError) as exc:
            self.failure = str(exc)
            self.connection = ConnectionState(ConnectionStatus.ERROR, str(exc))
        except Exception as exc:
            # A fault nobody foresaw stops the feed, never the monitor: what it has shown stays
            # on screen, the header says why, and the log (--log) has the traceback.
            log.exception("the stream stopped")
            self.failure = f"the stream stopped: {type(exc).__name__}: {exc}"
            self.connection = ConnectionState(ConnectionStatus.ERROR, self.failure)
        finally:
            # The feed is over: its final state on screen now, every panel of it.
            self._repaint()

    def _apply(self, batch: Batch) -> None:
        now = self.clock()
        result = self._state.apply(batch, now)
        if self.recorder is not None:
            try:
                self.recorder.record(batch)
            except SessionError as exc:
                self._recording_failed(exc)
        self._absorb(result, now)
        self._notify_alerts(self.alerts.check(self.store, result, self.watchlist, now))

    def _absorb(self, result: ApplyResult, now: float) -> None:
        """Queue what `result` changed for the next repaint."""
        self._pending.extend(result.changes)
        # The panel's ages move with the clock: repaint it after every batch, cheaply (its
        # cells are compared before they are written).
        self._watch_dirty = True
        for location_id in result.locations:
            if location_id in self.watchlist:
                self._flash[location_id] = now + FLASH_SECONDS

    def _notify_alerts(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts[:MAX_ALERTS_PER_BATCH]:
            self.notify(
                alert.describe(self.display_name(alert.location_id)),
                title="watchlist",
                severity="error" if alert.kind is AlertKind.ALL_DOWN else "information",
                markup=False,
            )
        if len(alerts) > MAX_ALERTS_PER_BATCH:
            more = len(alerts) - MAX_ALERTS_PER_BATCH
            self.notify(f"and {more} more watchlist alerts", title="watchlist", markup=False)

    # --- recording -----------------------------------------------------------------------

    def start_recording(self) -> None:
        """Record from the next batch on, to `--record FILE` the first time."""
        options = self.record_options
        if options is None or self.recorder is not None:
            return
        path = options.path if options.path is not None and not self.recorded else None
        if path is None:
            path = default_session_path(options.directory, options.origin.kind)
        try:
            self.recorder = Recorder.create(
                path,
                options.origin,
                watched=self.watchlist,
                name=self.watchlist.label,
                max_events=self.settings.event_log_size,
            )
        except SessionError as exc:
            self.notify(str(exc), title="recording", severity="error", markup=False)
            return
        self.recorded.append(path)
        self.notify(f"Recording to {path}", title="recording", markup=False)
        self._repaint()

    def stop_recording(self) -> None:
        """Close the session cleanly."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        try:
            recorder.close()
        except SessionError as exc:
            self.notify(str(exc), title="recording", severity="error", markup=False)
            return
        self.notify(
            f"Saved {recorder.messages:,} messages to {recorder.path}",
            title="recording",
            markup=False,
        )
        self._repaint()

    def _recording_failed(self, exc: SessionError) -> None:
        # A full disk ends the recording, never the monitor.
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            recorder.abandon()
        self.notify(
            f"{exc}. Recording stopped; the monitor goes on. "
            "The session keeps everything written before.",
            title="recording",
            severity="error",
            timeout=30,
            markup=False,
        )

    def action_record(self) -> None:
        """Start or stop recording."""
        if self.record_options is None:
            self.notify("This source cannot be recorded.", severity="warning")
        elif self.recorder is None:
            self.start_recording()
        else:
            self.stop_recording()

    def action_mark(self) -> None:
        """Drop a marker in the recording."""
        when = local_time(self.now())
        if self.recorder is None:
            record = self.keys_of(self._binding("record"))[0]
            self.notify(
                f"Not recording: markers are kept in recordings ({record} starts one).",
                severity="warning",
            )
            return
        try:
            self.recorder.mark(f"marker at {when:%H:%M:%S}")
        except SessionError as exc:
            self._recording_failed(exc)
            return
        self.notify(f"Marker dropped at {when:%H:%M:%S}", title="recording")

    # --- replay --------------------------------------------------------------------------

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def play(self) -> None:
        """Move the replay on with the wall clock, at the chosen speed."""
        player = self.player
        assert player is not None
        tick = 1 / self.settings.refresh_rate
        last = time.monotonic()
        while True:
            flat_out = self.speed is None and not self.replay_paused and not player.at_end
            if not flat_out:
                await asyncio.sleep(tick / 2)
            elif self._painting is not None:
                # A repaint is on its way to the screen: a moment for the event loop to take
                # it through every step at once, rather than one step a slice.
                await asyncio.sleep(PAINT_PAUSE_SECONDS)
            else:
                await asyncio.sleep(0)
            now = time.monotonic()
            elapsed, last = now - last, now
            # One slice of work at most: a key or a repaint waits for no more than that.
            until = now + SLICE_SECONDS
            while not (self.replay_paused or player.at_end):
                try:
                    result = player.play(
                        elapsed,
                        self.speed,
                        idle_limit=self.replay_options.idle_limit,
                        limit=REPLAY_CHUNK,
                    )
                except SessionError as exc:
                    self.failure = str(exc)
                    self.notify(str(exc), severity="error", markup=False)
                    return
                self._absorb(result, self.clock())
                if player.reader.damage is not None and not self._damage_warned:
                    self._warn_damage()
                if self.speed is not None or time.monotonic() >= until:
                    break
                elapsed = 0.0

    def _warn_damage(self) -> None:
        assert self.player is not None
        damage = self.player.reader.damage
        if damage is not None:
            self._damage_warned = True
            self.notify(
                f"{self.player.info.path.name}: {damage.describe()}. "
                "Everything readable is replayed.",
                title="damaged session",
                severity="error",
                timeout=10,
                markup=False,
            )

    def _seeked(self) -> None:
        """After a jump: the log is rebuilt from the state, not added to."""
        self._pending = []
        self._reset_log = True
        self._flash.clear()
        self._watch_dirty = True
        if isinstance(self.screen, LocationScreen):
            self.screen.store = self.store
        self._repaint()

    def action_play_pause(self) -> None:
        """Pause or resume the replay (from the start again at the end)."""
        if self.player is None:
            return
        if self.player.at_end and self.replay_paused is False:
            self.player.seek(0)
            self._seeked()
            return
        self.replay_paused = not self.replay_paused
        self._repaint()

    def action_step(self) -> None:
        """Apply the next message, and pause."""
        if self.player is None:
            return
        self.replay_paused = True
        self._absorb(self.player.step(), self.clock())
        self._repaint()

    def action_speed(self, direction: int) -> None:
        """The next speed up or down: 0.25x ... 100x, max."""
        index = SPEEDS.index(self.speed) if self.speed in SPEEDS else SPEEDS.index(1)
        index = max(0, min(len(SPEEDS) - 1, index + direction))
        self.speed = SPEEDS[index]
        self._repaint()

    def action_seek(self, seconds: float) -> None:
        """Jump `seconds` of session time back or forward."""
        if self.player is not None:
            self.seek_to(self.player.clock + seconds)

    def seek_to(self, at: float) -> None:
        """Jump to a session time; before the start, to before the first message."""
        player = self.player
        if player is None:
            return
        if at < player.start_time:
            player.seek(0)
        else:
            player.seek_time(at)
        self._seeked()

    def action_goto(self) -> None:
        """Ask for a time or a percentage and jump there."""
        player = self.player
        if player is None:
            return
        start = local_time(datetime.fromtimestamp(player.start_time, UTC))
        end = local_time(datetime.fromtimestamp(player.end_time, UTC))

        def go(answer: str | None) -> None:
            if not answer:
                return
            try:
                at = parse_goto(answer, player.start_time, player.end_time, player.clock)
            except ValueError as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return
            self.seek_to(at)

        self.push_screen(
            PromptScreen(
                "Go to",
                placeholder="14:05, 14:05:30, 50%, +5m, -90s",
                help=f"The session runs from {start:%Y-%m-%d %H:%M:%S} to {end:%H:%M:%S}. "
                "A clock time, a percentage of the session, or a step like +5m or -90s.",
            ),
            go,
        )

    def action_marker(self, direction: int) -> None:
        """Jump to the previous or next marker."""
        player = self.player
        if player is None:
            return
        marker = player.marker_after() if direction > 0 else player.marker_before()
        if marker is None:
            where = "after" if direction > 0 else "before"
            self.notify(f"No marker {where} this point.", severity="warning")
            return
        player.seek(marker.seq, clock=marker.at)
        self._seeked()
        label = marker.label or marker.kind
        self.notify(f"Marker: {label}", title="replay", markup=False)

    def playback(self) -> Playback:
        """The replay line's picture of the player."""
        p = self.player
        assert p is not None
        return Playback(
            start=p.start_time,
            end=p.end_time,
            clock=p.clock,
            position=p.position,
            total=p.total,
            speed=self.speed,
            paused=self.replay_paused,
            markers=p.marker_times,
        )

    # --- sessions ------------------------------------------------------------------------

    def action_sessions(self) -> None:
        """Browse the recorded sessions."""
        if isinstance(self.screen, SessionsScreen) or self.sessions_dir is None:
            return
        self.push_screen(SessionsScreen(self.sessions_dir, self._sessions_in_use))

    def _sessions_in_use(self) -> Collection[Path]:
        busy = []
        if self.recorder is not None:
            busy.append(self.recorder.path)
        if self.player is not None:
            busy.append(self.player.info.path)
        return busy

    def on_sessions_screen_open(self, message: SessionsScreen.Open) -> None:
        """Leave this monitor and have the CLI replay the chosen session."""
        path = message.path
        try:
            SessionReader(path).close()
        except SessionError as exc:
            self.notify(str(exc), title="cannot replay", severity="error", markup=False)
            return

        async def leave(yes: bool | None = True) -> None:
            if yes:
                self.next_session = path
                await self.action_quit()

        if self.player is not None:
            self.call_later(leave)
            return
        # Leaving the live feed ends it, and the recording: ask first.
        recording = " and stop recording" if self.recorder is not None else ""
        self.push_screen(
            ConfirmScreen(f"Leave the live monitor{recording} to replay {safe_text(path.name)}?"),
            leave,
        )

    # --- painting ------------------------------------------------------------------------

    def now(self) -> datetime:
        """The app clock as an aware datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def _tick(self) -> None:
        """The repaint clock: repaint, unless the last repaint is not on screen yet or
        painting would take more than its share of the time."""
        now = time.monotonic()
        if self._painting is not None and now - self._painting < 1.0:
            return  # (a repaint that never reports back is given up after a second)
        if now < self._next_paint:
            return
        self._painting = now
        # While changes stream in, the panels other than the log repaint at a lower rate;
        # once the stream is quiet (or a replay paused or ended) every repaint has them all.
        streaming = bool(self._pending or self._reset_log)
        full = now >= self._next_slow or not streaming
        if full:
            self._next_slow = now + SLOW_PAINT_SECONDS
        # While changes stream in, the slow panels get a frame of their own, the log's rows
        # wait for the next: a key waits behind one of two short frames, not their sum.
        self._repaint(full=full, log=not (full and streaming))
        self.call_after_refresh(self._painted, now)

    def _painted(self, started: float) -> None:
        """A repaint of the clock is on screen: space the next by what this one took."""
        if self._painting != started:
            return
        self._painting = None
        # At least half the repaints the settings ask for, however long one took.
        spacing = min(PAINT_SPACING * (time.monotonic() - started), 2 / self.settings.refresh_rate)
        self._next_paint = started + spacing

    def _repaint(self, *, full: bool = True, log: bool = True) -> None:
        """Bring the monitor up to date: the log when `log`, the other panels when `full`."""
        monitor = self.get_screen_stack_base()
        if monitor is None:
            return
        try:
            bar = monitor.query_one(StatusBar)
        except NoMatches:
            return  # not composed yet
        now = self.clock()
        if log and (self._reset_log or self._pending):
            event_log = monitor.query_one(EventLog)
            if self._reset_log:
                self._reset_log = False
                event_log.clear()
                event_log.add_changes(list(self.store.events)[-event_log.max_rows :])
            if self._pending:
                changes, self._pending = self._pending, []
                # A burst larger than the log would only be written to be dropped again.
                event_log.add_changes(changes[-event_log.max_rows :])
        if not full:
            return
        wall = datetime.fromtimestamp(now, UTC)
        bar.connection = self.connection
        if self.connection.wait is not None:
            bar.refresh()  # the wait counts down
        bar.rate = self.activity.rate(now)
        bar.lag = wall - self.store.newest if self.store.newest else None
        bar.rejected = self.rejected
        bar.watched = len(self.watchlist)
        recorder = self.recorder
        bar.recording = None if recorder is None else (recorder.messages, recorder.size)
        if self.player is not None:
            playback = self.playback()
            monitor.query_one(ReplayBar).playback = playback
            state = "end" if playback.at_end else "paused" if playback.paused else "playing"
            bar.mode = f"replay {state} {speed_text(playback.speed)}"
        counters = monitor.query_one(StatusCounters)
        counters.counts = dict(self.store.counts)
        counters.recent = self.activity.transitions_into(now)
        new_second = int(now) != self._second
        if new_second:
            self._second = int(now)
            monitor.query_one(Sparkline).data = self.activity.per_second(now, SPARK_SECONDS)
        expired = [i for i, until in self._flash.items() if until <= now]
        for location_id in expired:
            del self._flash[location_id]
        if self._watch_dirty or new_second or expired:
            self._watch_dirty = False
            monitor.query_one(WatchlistPanel).show(self.watchlist, self.store, wall, self._flash)

    def get_screen_stack_base(self) -> MonitorScreen | None:
        """The main screen, wherever the user is in the screen stack."""
        stack = self.screen_stack
        base = stack[0] if stack else None
        return base if isinstance(base, MonitorScreen) else None

    # --- what the user points at ---------------------------------------------------------

    def current_location(self) -> str | None:
        """The location the user is looking at: the open location screen, the watchlist
        panel's cursor when it has focus, otherwise the event log's highlighted row."""
        screen = self.screen
        if isinstance(screen, LocationScreen):
            return screen.location_id
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
        """A location's label, or its short id, safe to show."""
        label = self.watchlist.label(location_id)
        return safe_text(label, 40) if label else short_id(location_id)

    # --- actions -------------------------------------------------------------------------

    def action_toggle_watch(self) -> None:
        """Watch or unwatch the location the user is looking at."""
        location_id = self.current_location()
        if location_id is None:
            self.notify("No location highlighted yet.", severity="warning")
            return
        watched = self.watchlist.toggle(location_id)
        name = self.display_name(location_id)
        self._watchlist_changed(f"Watching {name}" if watched else f"Stopped watching {name}")

    def unwatch(self, location_id: str) -> None:
        if self.watchlist.remove(location_id):
            self._watchlist_changed(f"Stopped watching {self.display_name(location_id)}")

    def action_add_watch(self) -> None:
        """Ask for a location id and watch it."""

        def add(answer: str | None) -> None:
            location_id = resolve_location_id(answer or "", self.store.locations)
            if not location_id:
                return
            if not self.watchlist.add(location_id):
                self.notify(f"Already watching {self.display_name(location_id)}", markup=False)
                return
            note = "" if location_id in self.store.locations else " (no update for it yet)"
            self._watchlist_changed(f"Watching {self.display_name(location_id)}{note}")

        self.push_screen(
            PromptScreen(
                "Watch a location",
                placeholder="here:evcp:charginglocation:…",
                help="Paste a charging location id (the hex tail alone will do); enter adds "
                "it, escape cancels.",
            ),
            add,
        )

    def action_edit_label(self) -> None:
        """Give the current location a label (watching it if it was not)."""
        location_id = self.current_location()
        if location_id is None:
            self.notify("No location highlighted yet.", severity="warning")
            return

        def relabel(answer: str | None) -> None:
            if answer is None:
                return
            self.watchlist.set_label(location_id, answer)
            self._watchlist_changed(
                f"Label of {short_id(location_id)}: {safe_text(answer.strip(), 40) or '(none)'}"
            )

        self.push_screen(
            PromptScreen(
                f"Label for {short_id(location_id, 40)}",
                value=self.watchlist.label(location_id),
                help="Shown instead of the id in the log and the watchlist. "
                "Labelling a location watches it.",
            ),
            relabel,
        )

    def _watchlist_changed(self, message: str) -> None:
        try:
            self.watchlist.save()
        except WatchlistError as exc:
            self.notify(f"{exc} (kept for this session)", severity="error", markup=False)
        self.notify(message, markup=False)
        self._watch_dirty = True
        if (monitor := self.get_screen_stack_base()) is not None:
            monitor.query_one(EventLog).relabel()
        if isinstance(self.screen, LocationScreen):
            self.screen.refresh_view()
        self._repaint()

    def action_filter(self) -> None:
        """Ask for a filter query for the event log."""
        monitor = self.get_screen_stack_base()
        if monitor is None:
            return
        log = monitor.query_one(EventLog)

        def apply(answer: str | None) -> None:
            if answer is not None:
                self.set_filter(EventFilter.parse(answer))

        self.push_screen(
            PromptScreen(
                "Filter the log",
                value=log.filter.query,
                placeholder="text in ids or labels; status:charging,available",
                help="Words match location or EVSE ids and labels. status:a,b keeps changes "
                "into those statuses. Empty shows everything.",
            ),
            apply,
        )

    def set_filter(self, event_filter: EventFilter) -> None:
        """Show only the log rows that match."""
        unseen = sorted(
            s
            for s in event_filter.statuses
            if s not in KNOWN_STATUSES and s not in self.store.counts
        )
        if unseen:
            self.notify(
                f"No status {', '.join(unseen)} seen so far; the stream may still bring it. "
                f"Known: {', '.join(KNOWN_STATUSES)}",
                severity="warning",
                markup=False,
            )
        monitor = self.get_screen_stack_base()
        if monitor is not None:
            monitor.query_one(EventLog).filter = event_filter

    def action_pause(self) -> None:
        if (monitor := self.get_screen_stack_base()) is not None:
            monitor.action_pause()

    def open_location(self, location_id: str) -> None:
        """Open the location screen."""
        if isinstance(self.screen, LocationScreen):
            self.pop_screen()
        self.push_screen(LocationScreen(location_id, self.store, self.watchlist, self.now))

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

    def action_help(self) -> None:
        """Show the keys, colours and files."""
        if isinstance(self.screen, HelpScreen):
            return
        files = {
            "settings": str(self.settings_path or "(none: defaults)"),
            "watchlist": str(self.watchlist.path or "(not saved)"),
        }
        self.push_screen(HelpScreen(self.binding_sections(), self.keys_of, files))

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
        self.stop_recording()
        self.exit()
