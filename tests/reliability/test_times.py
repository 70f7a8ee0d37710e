"""The times `--from`, `--to` and an exclusions file take: ISO 8601, UTC without an offset."""

from __future__ import annotations

import pytest

from evtui.model.reliability.exclusions import parse_time

EIGHT = 1_796_716_800.0  # 2026-12-08T08:00:00Z, by hand: 20,795 days and 8 h since 1970


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-08T08:00:00Z",
        "2026-12-08T08:00Z",
        "2026-12-08T08:00",  # no offset: UTC
        "2026-12-08t08:00:00z",  # RFC 3339 allows lower case; once refused
        "2026-12-08 08:00:00+00:00",
        "2026-12-08T09:00:00+01:00",
        " 2026-12-08T08:00Z ",
    ],
)
def test_each_spelling_of_one_instant_is_that_instant(text: str) -> None:
    assert parse_time(text) == EIGHT == 20_795 * 86_400 + 8 * 3600


def test_a_date_alone_is_its_midnight_utc() -> None:
    assert parse_time("2026-12-08") == EIGHT - 8 * 3600


@pytest.mark.parametrize("text", ["last tuesday", "2026-13-01", "", "08:00"])
def test_what_is_no_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)
