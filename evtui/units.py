"""How sizes, durations and times read in evtui's output, on screen and on the command line
alike."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["counted", "duration_text", "iso_utc", "percent_text", "size_text", "span_text"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 payload`, `10,404 payloads` (`plural`: where an `s` does not make it)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def iso_utc(when: float | datetime) -> str:
    """A time (POSIX seconds, or an aware datetime) as ISO 8601 UTC: `2026-11-25T10:00:00Z`."""
    if not isinstance(when, datetime):
        when = datetime.fromtimestamp(when, UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def size_text(n: int) -> str:
    """Bytes as `812 kB`, `3.4 MB`, `1.2 GB`."""
    if n >= 1_000_000_000:
        return f"{n / 1e9:,.1f} GB"
    if n >= 1_000_000:
        return f"{n / 1e6:,.1f} MB"
    return f"{n / 1e3:,.0f} kB"


def duration_text(seconds: float, *, nearest: bool = False) -> str:
    """A duration as `1:02:03`, or `2:03` under an hour: whole seconds passed (a clock), or
    with `nearest` to the nearest second (a length: a recording of 9.7 s is `0:10`)."""
    whole = max(0, int(seconds + 0.5 if nearest else seconds))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02}:{s:02}" if h else f"{m}:{s:02}"


def span_text(seconds: float | None) -> str:
    """A length of time in a few cells: `0`, `<1s`, `45s`, `12m`, `1.5h`, `3.2d`; `-` for none.

    Under a minute in seconds: an outage of 20 s is no `0m`, which reads as none at all."""
    if seconds is None:
        return "-"
    if seconds <= 0:
        return "0"
    if seconds < 0.5:
        return "<1s"
    if seconds < 59.5:
        return f"{int(seconds + 0.5)}s"
    if seconds < 3570:  # 59.5 min and over round to `1.0h`, not `60m`
        return f"{seconds / 60:.0f}m"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def percent_text(value: float | None) -> str:
    """A percentage as `97.25%`; `-` for none."""
    return "-" if value is None else f"{value:.2f}%"
