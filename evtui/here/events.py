"""Connection-state events the stream consumer yields between batches, for a UI to show."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ConnectionState", "ConnectionStatus"]


class ConnectionStatus(StrEnum):
    CONNECTING = "connecting"
    SUBSCRIBED = "subscribed"
    WAITING = "waiting"
    ERROR = "error"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """Where the consumer is: connecting, subscribed, waiting `wait` seconds, or failing."""

    status: ConnectionStatus
    detail: str = ""
    wait: float | None = None
    """Seconds until the next attempt, while `status` is WAITING."""

    def describe(self) -> str:
        """A short line for a status bar, e.g. `waiting 4 s: HTTP 503 from poll`."""
        text = str(self.status)
        if self.wait is not None:
            text += f" {self.wait:.0f} s"
        if self.detail:
            text += f": {self.detail}"
        return text
