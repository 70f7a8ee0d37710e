"""How busy the stream is: messages and transitions per second over a rolling window.

Times are plain seconds from whatever clock the caller uses, so tests can freeze it.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Activity"]


@dataclass(slots=True)
class _Second:
    second: int
    messages: int = 0
    into: Counter[str] = field(default_factory=Counter)


class Activity:
    """Per-second counts of messages and of transitions into each status."""

    def __init__(self, keep_seconds: int = 600) -> None:
        self.keep_seconds = keep_seconds
        self._seconds: deque[_Second] = deque()

    def record(self, now: float, messages: int, into: Iterable[str] = ()) -> None:
        """Count `messages` received at `now`, and one transition into each status of `into`."""
        second = int(now)
        if not self._seconds or self._seconds[-1].second < second:
            self._seconds.append(_Second(second))
        bucket = self._seconds[-1]
        bucket.messages += messages
        bucket.into.update(into)
        self._trim(second)

    def buckets(self) -> list[tuple[int, int, dict[str, int]]]:
        """(second, messages, transitions into each status) of every kept second."""
        return [(b.second, b.messages, dict(b.into)) for b in self._seconds]

    def load(self, buckets: Iterable[tuple[int, int, dict[str, int]]]) -> None:
        """Replace the window with `buckets`, as `buckets()` gave them."""
        self._seconds = deque(
            _Second(second, messages, Counter(into)) for second, messages, into in buckets
        )

    def _trim(self, second: int) -> None:
        while self._seconds and self._seconds[0].second <= second - self.keep_seconds:
            self._seconds.popleft()

    def per_second(self, now: float, seconds: int) -> list[int]:
        """Messages in each of the last `seconds` whole seconds before `now`, oldest first."""
        current = int(now)
        counts = [0] * seconds
        for bucket in self._seconds:
            age = current - 1 - bucket.second
            if 0 <= age < seconds:
                counts[seconds - 1 - age] += bucket.messages
        return counts

    def rate(self, now: float, window: int = 5) -> float:
        """Mean messages per second over the last `window` whole seconds."""
        return sum(self.per_second(now, window)) / window

    def transitions_into(self, now: float, window: float = 60.0) -> Counter[str]:
        """Transitions into each status during the last `window` seconds."""
        total: Counter[str] = Counter()
        # Newest first, so the repaint clock pays for one window, not for all kept history.
        for bucket in reversed(self._seconds):
            if bucket.second <= now - window:
                break
            total.update(bucket.into)
        return total
