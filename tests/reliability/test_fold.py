"""The reliability figures of hand-computed histories (docs/reliability.md), folded by
`History` exactly as `evtui report` folds a session."""

from __future__ import annotations

import pytest

from evtui.model.reliability import RULES, History, Result

H = 3600.0
DAY = 24 * H


def fold(
    *updates: tuple[str, float] | tuple[str, str, float],
    rules: str = "uk",
    start: float | None = None,
    end: float | None = None,
    exclusions: dict[str, list[tuple[float, float]]] | None = None,
    received: list[tuple[float, list[tuple[str, str, float]]]] | None = None,
) -> Result:
    """Updates of EVSE "E" at location "L" (or `(evse, status, at)` for others)."""
    history = History(RULES[rules], start=start, end=end, exclusions=exclusions)
    for update in updates:
        evse, status, at = update if len(update) == 3 else ("E", *update)  # type: ignore[misc]
        history.update("L", evse, status, at)
    for at, batch in received or []:
        history.received(at)
        for evse, status, when in batch:
            history.update("L", evse, status, when)
    return history.finish()


def one(result: Result, evse: str = "E"):  # type: ignore[no-untyped-def]
    [figures] = [f for f in result.evses if f.evse == evse]
    return figures


def test_ninety_minutes_out_of_order_in_a_day_is_93_75_percent_under_uk() -> None:
    # 86,400 s observed, 5,400 down: 81,000 / 86,400 = 93.75 %.
    f = one(fold(("AVAILABLE", 0), ("OUT_OF_ORDER", 10 * H), ("AVAILABLE", 11.5 * H), end=DAY))
    assert f.uptime_pct == pytest.approx(93.75)
    assert [(o.start, o.end, o.duration) for o in f.outage_list] == [(10 * H, 11.5 * H, 5400)]
    assert f.seconds == {"AVAILABLE": 81_000, "OUT_OF_ORDER": 5_400}
    assert f.changes == 2 and f.longest_outage_s == 5400


def test_unknown_is_up_under_uk_an_outage_under_nevi_and_down_after_a_day_under_afirev() -> None:
    history = (("AVAILABLE", 0), ("UNKNOWN", 2 * H), ("AVAILABLE", 32 * H))
    uk = one(fold(*history, end=40 * H))
    nevi = one(fold(*history, rules="nevi", end=40 * H))
    afirev = one(fold(*history, rules="afirev", end=40 * H))
    assert uk.uptime_pct == 100 and not uk.outage_list
    # NEVI: 30 h of 40 down.
    assert nevi.uptime_pct == pytest.approx(25.0)
    assert [(o.start, o.end) for o in nevi.outage_list] == [(2 * H, 32 * H)]
    # AFIREV: UNKNOWN from 2 h is up for 24 h, down from 26 h to 32 h: 6 h of 40.
    assert afirev.uptime_pct == pytest.approx(85.0)
    assert [(o.start, o.end, o.statuses) for o in afirev.outage_list] == [
        (26 * H, 32 * H, ("UNKNOWN",))
    ]


def test_a_late_update_changes_no_figure_and_is_counted() -> None:
    plain = one(fold(("AVAILABLE", 0), ("CHARGING", 2 * H), end=4 * H))
    late = one(fold(("AVAILABLE", 0), ("CHARGING", 2 * H), ("OUT_OF_ORDER", H), end=4 * H))
    assert late.late == 1 and plain.late == 0
    assert (late.seconds, late.outage_list, late.changes) == (plain.seconds, plain.outage_list, 1)


def test_a_window_boundary_splits_a_period_and_an_outage_exactly() -> None:
    history = (("AVAILABLE", 0), ("INOPERATIVE", 5 * H), ("AVAILABLE", 9 * H))
    f = one(fold(*history, start=7 * H, end=12 * H))
    # In [7 h, 12 h): INOPERATIVE 7-9 (2 h), AVAILABLE 9-12 (3 h).
    assert f.seconds == {"INOPERATIVE": 2 * H, "AVAILABLE": 3 * H}
    assert [(o.start, o.end, o.duration) for o in f.outage_list] == [(7 * H, 9 * H, 2 * H)]
    assert f.changes == 1  # the change at 5 h is before the window
    # An outage still going on at the window's end has no end, and counts.
    g = one(fold(*history, start=0, end=8 * H))
    assert [(o.start, o.end, o.duration) for o in g.outage_list] == [(5 * H, None, 3 * H)]
    assert g.ongoing


def test_an_outage_the_last_update_ends_has_ended() -> None:
    # The default window ends at the newest update: the AVAILABLE at 3 h ends the outage.
    f = one(fold(("AVAILABLE", 0), ("OUT_OF_ORDER", H), ("AVAILABLE", 3 * H)))
    assert [(o.start, o.end) for o in f.outage_list] == [(H, 3 * H)] and not f.ongoing


def test_a_gap_is_unobserved_and_does_not_split_an_outage() -> None:
    # Received at 0, 100 and 150 s; then nothing until 5,000 s (more than 300 s): a gap from
    # the newest change before it (X's first status, 150) to the first newer change after it
    # (X's, at 5,000). E's repeated OUT_OF_ORDER at 4,000 is no change: it ends no gap.
    result = fold(
        received=[
            (0, [("E", "AVAILABLE", 0)]),
            (100, [("E", "OUT_OF_ORDER", 100)]),
            (150, [("X", "AVAILABLE", 150)]),
            (5_000, [("E", "OUT_OF_ORDER", 4_000), ("X", "CHARGING", 5_000)]),
            (5_100, [("E", "AVAILABLE", 5_100)]),
        ],
        end=5_300,  # within the gap of the last message: no silence after the reception
    )
    f = one(result)
    assert result.gaps == [(150, 5_000)]
    assert f.observed_s == 5_300 - 4_850
    # Down 100-150 and 5,000-5,100: one outage of 150 observed seconds.
    assert [(o.start, o.end, o.duration) for o in f.outage_list] == [(100, 5_100, 150)]


def test_exclusions_turn_down_time_up_under_nevi_only() -> None:
    history = (("AVAILABLE", 0), ("OUT_OF_ORDER", H), ("AVAILABLE", 5 * H))
    excluded = {"L": [(2 * H, 3 * H)]}
    nevi = one(fold(*history, rules="nevi", end=10 * H, exclusions=excluded))
    assert nevi.excluded_s == H and nevi.down_s == 3 * H
    # The excluded hour splits the outage in two.
    assert [(o.start, o.end) for o in nevi.outage_list] == [(H, 2 * H), (3 * H, 5 * H)]
    uk = one(fold(*history, end=10 * H, exclusions=excluded))
    assert uk.excluded_s == 0 and uk.down_s == 4 * H and uk.outages == 1


def test_utilisation_is_charging_over_working_time_and_null_without_working_time() -> None:
    f = one(fold(("AVAILABLE", 0), ("CHARGING", 6 * H), ("AVAILABLE", 12 * H), end=DAY))
    assert f.utilisation_pct == pytest.approx(25.0)
    down = one(fold(("OUT_OF_ORDER", 0), end=DAY))
    assert down.utilisation_pct is None and down.uptime_pct == 0


def test_flapping_starts_over_half_and_stops_under_a_quarter() -> None:
    flappy = [("AVAILABLE" if n % 2 else "OUT_OF_ORDER", n * 600.0) for n in range(12)]
    assert one(fold(*flappy)).flapping
    # Then 21 changes within the working class: the share falls under a quarter.
    use = ["CHARGING", "AVAILABLE"]
    calm = flappy + [(use[n % 2], 8_000 + n * 600.0) for n in range(21)]
    assert not one(fold(*calm)).flapping
    steady = [("AVAILABLE" if n % 2 else "CHARGING", n * 600.0) for n in range(30)]
    assert not one(fold(*steady)).flapping  # AVAILABLE <-> CHARGING is use, not flapping


def test_two_returns_to_available_within_a_minute_without_charging_flap() -> None:
    pattern = [("AVAILABLE", 0), ("RESERVED", 10), ("AVAILABLE", 20), ("RESERVED", 40)]
    assert one(fold(*pattern, ("AVAILABLE", 70))).flapping
    assert not one(fold(*pattern, ("AVAILABLE", 90))).flapping  # 70 s apart
    charged = [("AVAILABLE", 0), ("CHARGING", 10), ("AVAILABLE", 20), ("CHARGING", 30)]
    assert not one(fold(*charged, ("AVAILABLE", 40))).flapping


def test_stale_is_judged_by_status_at_the_window_end() -> None:
    assert one(fold(("UNKNOWN", 0), end=25 * H)).stale
    assert not one(fold(("UNKNOWN", 0), end=23 * H)).stale
    assert one(fold(("CHARGING", 0), end=25 * H)).stale
    assert not one(fold(("AVAILABLE", 0), end=7 * DAY)).stale


def test_all_down_time_is_when_every_observed_evse_of_the_location_is_down() -> None:
    result = fold(
        ("A", "AVAILABLE", 0),
        ("B", "AVAILABLE", 0),
        ("A", "OUT_OF_ORDER", 2 * H),
        ("B", "INOPERATIVE", 3 * H),
        ("A", "AVAILABLE", 4 * H),
        ("B", "AVAILABLE", 5 * H),
        end=6 * H,
    )
    assert result.all_down_s == {"L": H}
