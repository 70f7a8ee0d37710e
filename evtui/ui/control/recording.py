"""Recording control: start and stop a session, drop markers, survive a failing disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from evtui.model import ApplyResult, Batch
from evtui.model.reliability import RULES
from evtui.recording import Recorder, SessionError, SessionOrigin, default_session_path
from evtui.safetext import safe_text
from evtui.ui.host import Host
from evtui.ui.keymap import KeyBindings
from evtui.ui.painter import Painter
from evtui.ui.screens.sessions import SessionsScreen
from evtui.ui.theme import local_time

__all__ = ["RecordOptions", "RecordingControl"]


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


class RecordingControl:
    """The recording of the live feed, if any: every batch goes through `record`."""

    def __init__(
        self,
        app: Host,
        options: RecordOptions | None,
        painter: Painter,
        keys: KeyBindings,
    ) -> None:
        self._app = app
        self.options = options
        """None: this monitor records nothing (a replay, or an app made without it)."""
        self._painter = painter
        self._keys = keys
        self.recorder: Recorder | None = None
        self.recorded: list[Path] = []
        """Sessions recorded during this run, for the CLI to name on exit."""

    def in_time_order(self, batch: Batch) -> Batch:
        """The batch as the recording will keep it (see `Recorder.in_time_order`), for the
        live state to apply before `record`: the two then stay the same."""
        return batch if self.recorder is None else self.recorder.in_time_order(batch)

    def record(self, batch: Batch, applied: ApplyResult) -> int | None:
        """Hand `batch`, as applied to the live state, to the session being recorded, if one
        is; returns the messages it will hold once written (None: not recording)."""
        if self.recorder is not None:
            try:
                self.recorder.record(batch, applied)
            except SessionError as exc:
                self._failed(exc)
            else:
                return self.recorder.messages
        return None

    def flush(self) -> int | None:
        """Wait until everything handed over is in the file; `written` then."""
        if self.recorder is not None:
            try:
                return self.recorder.flush()
            except SessionError as exc:
                self._failed(exc)
        return None

    def written(self) -> int | None:
        """Messages in the session file so far (None: not recording, or it stopped)."""
        if self.recorder is not None:
            try:
                return self.recorder.written()
            except SessionError as exc:
                self._failed(exc)
        return None

    def start(self) -> None:
        """Record from the next batch on, to `--record FILE` the first time."""
        app = self._app
        options = self.options
        if options is None or self.recorder is not None:
            return
        path = options.path if options.path is not None and not self.recorded else None
        if path is None:
            path = default_session_path(options.directory, options.origin.kind)
        try:
            self.recorder = Recorder.create(
                path,
                options.origin,
                watched=app.watchlist,
                name=app.display_name,
                max_events=app.settings.event_log_size,
                rules=RULES[app.settings.reliability_rules],
                outage_after=app.settings.outage_alert_minutes * 60,
                flapping_alerts=app.settings.flapping_alerts,
                live=app.state,
            )
        except SessionError as exc:
            app.notify(str(exc), title="recording", severity="error", markup=False)
            return
        self.recorded.append(path)
        app.notify(f"Recording to {file_text(path)}", title="recording", markup=False)
        self._painter.repaint()
        self._list_again()

    def stop(self) -> None:
        """Close the session cleanly."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        app = self._app
        try:
            recorder.close()
        except SessionError as exc:
            app.notify(str(exc), title="recording", severity="error", markup=False)
            return
        app.notify(
            f"Saved {recorder.messages:,} messages to {file_text(recorder.path)}",
            title="recording",
            markup=False,
        )
        self._painter.repaint()
        self._list_again()

    def _list_again(self) -> None:
        """`r` works in the session browser too: it lists the session begun or ended."""
        screen = self._app.screen
        if isinstance(screen, SessionsScreen):
            screen.reload()

    def toggle(self) -> None:
        """Start or stop recording."""
        if self.options is None:
            self._app.notify("This source cannot be recorded.", severity="warning")
        elif self.recorder is None:
            self.start()
        else:
            self.stop()

    def mark(self) -> None:
        """Drop a marker in the recording."""
        app = self._app
        when = local_time(app.now())
        if self.recorder is None:
            record = self._keys.first_key("record")
            app.notify(
                f"Not recording: markers are kept in recordings ({record} starts one).",
                severity="warning",
            )
            return
        try:
            self.recorder.mark(f"marker at {when:%H:%M:%S}")
        except SessionError as exc:
            self._failed(exc)
            return
        app.notify(f"Marker dropped at {when:%H:%M:%S}", title="recording")

    def _failed(self, exc: SessionError) -> None:
        # A full disk ends the recording, never the monitor.
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            recorder.abandon()
        self._app.notify(
            f"{exc}. Recording stopped; the monitor goes on. "
            "The session keeps everything written before.",
            title="recording",
            severity="error",
            timeout=30,
            markup=False,
        )


def file_text(path: Path) -> str:
    """A file for a notification: its name, then `in` its directory on a line of its own (a
    toast breaks a long path anywhere, mid-name at 80 columns), home as `~`."""
    folder = str(path.parent)
    home = str(Path.home())
    if folder == home or folder.startswith(home + os.sep):
        folder = "~" + folder[len(home) :]
    return f"{safe_text(path.name)}\nin {safe_text(folder)}"
