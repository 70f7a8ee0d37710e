"""Rates and per-minute transitions, on a clock the test controls."""

from __future__ import annotations

from evtui.model import Activity


def test_per_second_counts_whole_seconds_before_now_oldest_first() -> None:
    activity = Activity()
    activity.record(100.2, 3)
    activity.record(100.9, 2)
    activity.record(102.5, 7)
    activity.record(103.1, 100)  # the current second: not complete, not shown
    assert activity.per_second(103.5, 4) == [0, 5, 0, 7]
    assert activity.rate(103.5, window=4) == 3.0


def test_transitions_in_the_last_minute_forget_older_ones() -> None:
    activity = Activity()
    activity.record(0.0, 1, ["CHARGING"])
    activity.record(30.0, 2, ["CHARGING", "AVAILABLE"])
    assert activity.transitions_into(59.0) == {"CHARGING": 2, "AVAILABLE": 1}
    assert activity.transitions_into(75.0) == {"CHARGING": 1, "AVAILABLE": 1}
    assert activity.transitions_into(200.0) == {}


def test_memory_is_bounded_by_the_window_kept() -> None:
    activity = Activity(keep_seconds=10)
    for second in range(1000):
        activity.record(float(second), 1)
    assert activity.per_second(1000.0, 1000).count(1) == 10
