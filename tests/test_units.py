"""How lengths of time read in the report's and the reliability screen's columns."""

from __future__ import annotations

import pytest

from evtui.units import span_text


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
