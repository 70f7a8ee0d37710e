"""An EVSE's status history cut into equal time slices, for the timeline a location shows."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime

__all__ = ["sample_history"]


def sample_history(
    history: Sequence[tuple[datetime, str]], start: datetime, end: datetime, cells: int
) -> list[str | None]:
    """The status in the middle of each of `cells` equal slices of [start, end].

    `None` where the slice lies before the first known period.
    """
    if cells <= 0:
        return []
    times = [since for since, _ in history]
    span = (end - start) / cells
    out: list[str | None] = []
    for i in range(cells):
        at = start + span * (i + 0.5)
        index = bisect_right(times, at) - 1
        out.append(history[index][1] if index >= 0 else None)
    return out
