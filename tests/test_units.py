"""How lengths of time read in the report's and the reliability screen's columns."""

from __future__ import annotations

import pytest

from evtui.units import duration_text, span_text


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "-"),
        (0.0, "0"),
        (0.2, "<1s"),
        (20.0, "20s"),  # an outage of 20 s: once `0m`, which read as no outage at all
        (59.4, "59s"),
        (59.6, "1m"),
        (90.0, "2m"),
        (59 * 60.0, "59m"),
        (3569.0, "59m"),
        (3580.0, "1.0h"),  # not `60m`
        (5400.0, "1.5h"),
        (2 * 86400.0, "2.0d"),
    ],
)
def test_span_text(seconds: float | None, shown: str) -> None:
    assert span_text(seconds) == shown


def test_a_short_outage_is_never_shown_as_none() -> None:
    # Every length above zero reads as more than nothing.
    for tenths in range(1, 6000):
        assert span_text(tenths / 10) not in ("0", "0m", "0s", "-")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.0, "0:00"), (9.4, "0:09"), (9.7, "0:10"), (59.6, "1:00"), (3599.5, "1:00:00"),
     (3725.0, "1:02:05"), (-3.0, "0:00")],
)  # fmt: skip
def test_a_length_is_to_the_nearest_second(seconds: float, shown: str) -> None:
    assert duration_text(seconds, nearest=True) == shown


def test_a_clock_shows_the_whole_seconds_passed() -> None:
    # A replay's position reads 0:09 until ten seconds have passed, as a player's does.
    assert [duration_text(s) for s in (9.4, 9.99, 10.0, 3599.9)] == [
        "0:09", "0:09", "0:10", "59:59"
    ]  # fmt: skip
