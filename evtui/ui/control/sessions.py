"""The session browser: list the recorded sessions, and leave this monitor to replay one."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from evtui.recording import SessionError, SessionReader
from evtui.safetext import safe_text
from evtui.ui.host import Host
from evtui.ui.screens.sessions import ConfirmScreen, SessionsScreen

__all__ = ["SessionsBrowser"]


class SessionsBrowser:
    """Opens the browser on `directory`; a chosen session becomes the app's `next_session`."""

    def __init__(self, app: Host, directory: Path | None) -> None:
        self._app = app
        self.directory = directory
        """Where the browser looks; None: there is nothing to browse."""

    def show(self) -> None:
        """Browse the recorded sessions."""
        app = self._app
        if isinstance(app.screen, SessionsScreen) or self.directory is None:
            return
        app.push_screen(SessionsScreen(self.directory, self._in_use))

    def _in_use(self) -> Collection[Path]:
        app = self._app
        busy: list[Path] = []
        if app.recorder is not None:
            busy.append(app.recorder.path)
        if app.player is not None:
            busy.append(app.player.info.path)
        return busy

    def open(self, path: Path) -> None:
        """Leave this monitor and have the CLI replay `path`."""
        app = self._app
        try:
            SessionReader(path).close()
        except SessionError as exc:
            app.notify(str(exc), title="cannot replay", severity="error", markup=False)
            return

        async def leave(yes: bool | None = True) -> None:
            if yes:
                app.next_session = path
                await app.action_quit()

        if app.player is not None:
            app.call_later(leave)
            return
        # Leaving the live feed ends it, and the recording: ask first.
        recording = " and stop recording" if app.recorder is not None else ""
        app.push_screen(
            ConfirmScreen(f"Leave the live monitor{recording} to replay {safe_text(path.name)}?"),
            leave,
        )
