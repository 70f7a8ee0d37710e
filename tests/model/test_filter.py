"""The event log's filter: statuses and text over ids and labels."""

from __future__ import annotations

from datetime import UTC, datetime

from evtui.model import EventFilter, StatusChange

T = datetime(2026, 11, 25, tzinfo=UTC)
CHANGE = StatusChange(
    T, "here:evcp:charginglocation:ABC123", "here:evcp:evse:E9", "AVAILABLE", "CHARGING"
)


def test_query_round_trips_and_names_statuses_in_any_case() -> None:
    f = EventFilter.parse("status:charging,Out_Of_Order  depot  north")
    assert f.statuses == {"CHARGING", "OUT_OF_ORDER"}
    assert f.text == "depot north"
    assert EventFilter.parse(f.query) == f
    assert not EventFilter.parse("  ").active


def test_status_matches_the_new_status_only() -> None:
    assert EventFilter(statuses=frozenset({"CHARGING"})).matches(CHANGE)
    assert not EventFilter(statuses=frozenset({"AVAILABLE"})).matches(CHANGE)


def test_text_matches_location_id_evse_id_or_label_ignoring_case() -> None:
    assert EventFilter("abc1").matches(CHANGE)
    assert EventFilter("e9").matches(CHANGE)
    assert EventFilter("depot").matches(CHANGE, label="Depot North")
    assert not EventFilter("depot").matches(CHANGE)
    assert not EventFilter("abc1", frozenset({"BLOCKED"})).matches(CHANGE)


def test_status_words_and_spaced_status_lists_filter_by_status() -> None:
    assert EventFilter.parse("charging") == EventFilter(statuses=frozenset({"CHARGING"}))
    spaced = EventFilter.parse("status: charging, available  depot")
    assert spaced == EventFilter("depot", frozenset({"CHARGING", "AVAILABLE"}))


def test_the_prefix_every_id_shares_matches_nothing() -> None:
    assert not EventFilter("evcp").matches(CHANGE)
    assert not EventFilter("charginglocation").matches(CHANGE)
