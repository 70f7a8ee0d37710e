"""Recording sessions to a file and replaying them. Knows nothing of the UI."""

from evtui.recording.catalog import delete_session, list_sessions
from evtui.recording.damage import Damage
from evtui.recording.format import FORMAT_VERSION, Marker, SessionError, is_session_file
from evtui.recording.goto import parse_goto
from evtui.recording.player import SPEEDS, Player
from evtui.recording.reader import SessionInfo, SessionReader
from evtui.recording.recorder import CHECKPOINT_EVERY, Recorder, SessionOrigin, default_session_path
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
