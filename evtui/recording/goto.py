"""Reading where a user wants to go in a replay: `14:05`, `14:05:30`, `50%`, `+5m`, `-90s`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["parse_goto"]

_STEP = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)\s*([smh]?)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


def parse_goto(text: str, start: float, end: float, now: float) -> float:
    """The session time `text` names; raises ValueError with a message for the user.

    A clock time is read in the local time zone, on whichever day of the session has it.
    """
    text = text.strip().lower()
    if text.endswith("%"):
        try:
            percent = float(text[:-1])
        except ValueError:
            raise ValueError(f"{text!r}: a percentage is a number and %, like 50%") from None
        if not 0 <= percent <= 100:
            raise ValueError("a percentage lies between 0% and 100%")
        return start + (end - start) * percent / 100
    if step := _STEP.match(text):
        sign, amount, unit = step.groups()
        seconds = float(amount) * _UNITS[unit]
        return now + seconds if sign == "+" else now - seconds
    if clock := _CLOCK.match(text):
        hours, minutes, seconds = (int(g) if g else 0 for g in clock.groups())
        if hours > 23 or minutes > 59 or seconds > 59:
            raise ValueError(f"{text!r} is not a time of day")
        first = datetime.fromtimestamp(start, UTC).astimezone()
        last = datetime.fromtimestamp(end, UTC).astimezone()
        day = first.date()
        candidates = []
        while day <= last.date():
            local = datetime(day.year, day.month, day.day, hours, minutes, seconds)
            candidates.append(local.astimezone().timestamp())
            day += timedelta(days=1)
        inside = [t for t in candidates if start <= t <= end]
        if inside:
            return inside[0]
        raise ValueError(f"{text} is not within the session ({first:%H:%M:%S} to {last:%H:%M:%S})")
    raise ValueError(f"{text!r}: give a time (14:05), a percentage (50%) or a step (+5m, -90s)")
