"""Recording sessions to a file and replaying them. Knows nothing of the UI.

Each name is imported on first use (`evtui.lazy`): reading a session needs neither the
player's asyncio nor the recorder's background process.
"""

from typing import TYPE_CHECKING

from evtui.lazy import lazy_attributes

if TYPE_CHECKING:
    from evtui.recording.catalog import delete_session, list_sessions
    from evtui.recording.damage import Damage
    from evtui.recording.format import FORMAT_VERSION, Marker, SessionError, is_session_file
    from evtui.recording.goto import parse_goto
    from evtui.recording.player import SPEEDS, Player
    from evtui.recording.reader import SessionInfo, SessionReader
    from evtui.recording.recorder import (
        CHECKPOINT_EVERY,
        Recorder,
        SessionOrigin,
        default_session_path,
    )
    from evtui.recording.source import SessionSource
    from evtui.recording.writer import SessionWriter

__all__ = [
    "CHECKPOINT_EVERY",
    "FORMAT_VERSION",
    "SPEEDS",
    "Damage",
    "Marker",
    "Player",
    "Recorder",
    "SessionError",
    "SessionInfo",
    "SessionOrigin",
    "SessionReader",
    "SessionSource",
    "SessionWriter",
    "default_session_path",
    "delete_session",
    "is_session_file",
    "list_sessions",
    "parse_goto",
]

if not TYPE_CHECKING:  # mypy sees the imports above; a typo stays an error
    __getattr__ = lazy_attributes(
        __name__,
        {
            "evtui.recording.catalog": ("delete_session", "list_sessions"),
            "evtui.recording.damage": ("Damage",),
            "evtui.recording.format": (
                "FORMAT_VERSION",
                "Marker",
                "SessionError",
                "is_session_file",
            ),
            "evtui.recording.goto": ("parse_goto",),
            "evtui.recording.player": ("SPEEDS", "Player"),
            "evtui.recording.reader": ("SessionInfo", "SessionReader"),
            "evtui.recording.recorder": (
                "CHECKPOINT_EVERY",
                "Recorder",
                "SessionOrigin",
                "default_session_path",
            ),
            "evtui.recording.source": ("SessionSource",),
            "evtui.recording.writer": ("SessionWriter",),
        },
    )
