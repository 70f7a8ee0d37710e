"""Replay control: a worker moves the session on with the wall clock; keys pause, seek, step."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from evtui.recording import SPEEDS, Player, SessionError, parse_goto
from evtui.safetext import safe_text
from evtui.ui.host import Host
from evtui.ui.painter import Painter
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.prompt import PromptScreen
from evtui.ui.theme import local_time
from evtui.ui.widgets.replay_bar import Playback

__all__ = ["ReplayControl", "ReplayOptions"]

REPLAY_CHUNK = 100
"""Messages a replay applies at a time."""
PAINT_PAUSE_SECONDS = 0.001
SLICE_SECONDS = 0.01
"""How long a replay at full speed works between two looks at the keyboard and the screen."""


@dataclass(frozen=True)
class ReplayOptions:
    """How a replay starts."""

    speed: float | None = 1.0
    idle_limit: float | None = None
    """Quiet gaps longer than this many session seconds are cut short."""
    paused: bool = False


class ReplayControl:
    """Plays `player` into the painter at the chosen speed; the replay keys land here."""

    def __init__(self, app: Host, player: Player, options: ReplayOptions, painter: Painter) -> None:
        self._app = app
        self.player = player
        self.options = options
        self._painter = painter
        self.speed: float | None = options.speed
        """None: as fast as it goes."""
        self.paused = options.paused
        self._damage_warned: int | None = None
        """The first unreadable message the last damage notice named (None: none given)."""
        self._target: float | None = None
        """Where the seeks typed ahead lead, until the jump there is made (None: no jump due)."""

    def start(self) -> None:
        """Run `play` as the app's one stream worker."""
        # A session recorded mid-session starts from the monitor's state then (its log too),
        # as a seek back to the start shows it.
        self._painter.reset()
        self._app.run_worker(
            self.play,
            name="play",
            group="stream",
            description="play()",
            exclusive=True,
            exit_on_error=False,
        )

    async def play(self) -> None:
        """Move the replay on with the wall clock, at the chosen speed."""
        app = self._app
        player = self.player
        painter = self._painter
        tick = 1 / app.settings.refresh_rate
        last = time.monotonic()
        while True:
            flat_out = self.speed is None and not self.paused and not player.at_end
            if not flat_out:
                await asyncio.sleep(tick / 2)
            elif painter.painting:
                # A repaint is on its way to the screen: a moment for the event loop to take
                # it through every step at once, rather than one step a slice.
                await asyncio.sleep(PAINT_PAUSE_SECONDS)
            else:
                await asyncio.sleep(0)
            now = time.monotonic()
            elapsed, last = now - last, now
            # One slice of work at most: a key or a repaint waits for no more than that.
            until = now + SLICE_SECONDS
            while not (self.paused or player.at_end):
                try:
                    result = player.play(
                        elapsed,
                        self.speed,
                        idle_limit=self.options.idle_limit,
                        limit=REPLAY_CHUNK,
                    )
                except SessionError as exc:
                    app.failure = str(exc)
                    app.notify(str(exc), severity="error", markup=False)
                    return
                painter.absorb(result, app.clock())
                damage = player.reader.damage
                if damage is not None and damage.first_seq != self._damage_warned:
                    self.warn_damage()
                if self.speed is not None or time.monotonic() >= until:
                    break
                elapsed = 0.0

    def warn_damage(self) -> None:
        """Say what is wrong with a damaged session (the rest of it still plays): once, and
        again where playing finds it breaks earlier than it said (a file cut short can have
        lost messages before its cut)."""
        damage = self.player.reader.damage
        if damage is not None:
            self._damage_warned = damage.first_seq
            self._app.notify(
                f"{self.player.info.path.name}: {damage.describe()}. "
                "Everything readable is replayed.",
                title="damaged session",
                severity="error",
                timeout=10,
                markup=False,
            )

    def playback(self) -> Playback:
        """The replay line's picture of the player."""
        p = self.player
        return Playback(
            start=p.start_time,
            end=p.end_time,
            clock=p.clock,
            position=p.position,
            total=p.total,
            speed=self.speed,
            paused=self.paused,
            markers=p.marker_times,
        )

    def _seeked(self, *, ended: bool = False) -> None:
        """After a jump: every panel shows the state at the new position. `ended`: the jump
        was made from the finished end, and stands paused where it lands (a user looking
        back over a session looks before it moves on; space plays)."""
        if ended and not self.player.at_end:
            self.paused = True
        self._painter.reset()
        screen = self._app.screen
        if isinstance(screen, LocationScreen):
            screen.store = self._app.store
        self._painter.repaint()

    def play_pause(self) -> None:
        """Pause or resume the replay (from the start again at the end)."""
        self._settle()
        if self.player.at_end and self.paused is False:
            self.player.seek(0)
            self._seeked()
            return
        self.paused = not self.paused
        self._painter.repaint()

    def step(self) -> None:
        """Apply the next message, and pause."""
        self._settle()
        self.paused = True
        self._painter.absorb(self.player.step(), self._app.clock())
        self._painter.repaint()

    def change_speed(self, direction: int) -> None:
        """The next speed up or down: 0.25x ... 100x, max."""
        index = SPEEDS.index(self.speed) if self.speed in SPEEDS else SPEEDS.index(1)
        index = max(0, min(len(SPEEDS) - 1, index + direction))
        self.speed = SPEEDS[index]
        self._painter.repaint()

    def seek(self, seconds: float) -> None:
        """Jump `seconds` of session time back or forward (from where the seeks typed ahead
        of this one lead)."""
        player = self.player
        # A pending jump before the start stands where one made would: at the start.
        base = player.clock if self._target is None else max(self._target, player.start_time)
        self.seek_to(base + seconds)

    def seek_to(self, at: float) -> None:
        """Jump to a session time; before the start, to before the first message.

        The jump is made once the keys already typed are handled: a burst of seek keys costs
        one replay from a checkpoint, not one each (each can take a second in a long session).
        """
        player = self.player
        # Just before the start stands for "before the first message".
        at = max(player.start_time - 1e-6, min(at, player.end_time))
        due = self._target is not None
        self._target = at
        if not due:
            self._app.call_later(self._settle)

    def _settle(self) -> None:
        """Make the jump the seeks typed ahead lead to, if one is due."""
        at, self._target = self._target, None
        if at is None:
            return
        player = self.player
        ended = player.at_end
        if at < player.start_time:
            player.seek(0)
        else:
            player.seek_time(at)
        self._seeked(ended=ended)

    def goto(self) -> None:
        """Ask for a time or a percentage and jump there."""
        app = self._app
        player = self.player
        start = local_time(datetime.fromtimestamp(player.start_time, UTC))
        end = local_time(datetime.fromtimestamp(player.end_time, UTC))

        def go(answer: str | None) -> None:
            if not answer:
                return
            try:
                at = parse_goto(answer, player.start_time, player.end_time, player.clock)
            except ValueError as exc:
                app.notify(str(exc), severity="warning", markup=False)
                return
            # The start itself (0%) is before the first message, as seeking back to it is,
            # though many messages may share the first receive time.
            self.seek_to(at if at > player.start_time else -math.inf)

        app.push_screen(
            PromptScreen(
                "Go to",
                placeholder="14:05, 14:05:30, 50%, +5m, -90s",
                help=f"The session runs from {start:%Y-%m-%d %H:%M:%S} to {end:%H:%M:%S}. "
                "A clock time, a percentage of the session, or a step like +5m or -90s.",
            ),
            go,
        )

    def marker(self, direction: int) -> None:
        """Jump to the previous or next marker."""
        app = self._app
        player = self.player
        self._settle()
        marker = player.marker_after() if direction > 0 else player.marker_before()
        if marker is None:
            where = "after" if direction > 0 else "before"
            app.notify(f"No marker {where} this point.", severity="warning")
            return
        ended = player.at_end
        player.seek(marker.seq, clock=marker.at)
        self._seeked(ended=ended)
        label = safe_text(marker.label or marker.kind, 200)
        # (The monitor's own markers are labelled "marker at 14:32:01": not "Marker: marker".)
        said = label[:1].upper() + label[1:] if label.startswith("marker ") else f"Marker: {label}"
        app.notify(said, title="replay", markup=False)
