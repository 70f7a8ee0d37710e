"""Connection-state events the stream consumer yields between batches, for a UI to show."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
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
    """Where the consumer is: connecting, subscribed, waiting `wait` seconds, or failing.

    An ERROR with a `wait` is retried after it; an ERROR without one is final.
    """

    status: ConnectionStatus
    detail: str = ""
    wait: float | None = None
    """Seconds until the next attempt, while `status` is WAITING (or a retried ERROR)."""
    at: float = field(default_factory=time.time, compare=False)
    """When the state began (Unix time): the wait counts down from here."""

    def describe(self, now: float | None = None) -> str:
        """A short line for a status bar, e.g. `waiting 4 s: HTTP 503 from poll`.

        With `now`, the wait is what is left of it then.
        """
        text = str(self.status)
        if self.wait is not None:
            left = self.wait if now is None else max(0.0, self.at + self.wait - now)
            # Rounded up: "0 s" would read as "now" while there is still a wait.
            seconds = math.ceil(round(left, 1))
            if self.status is ConnectionStatus.ERROR:
                text += f", retrying in {seconds} s"
            else:
                text += f" {seconds} s"
        if self.detail:
            text += f": {self.detail}"
        return text
