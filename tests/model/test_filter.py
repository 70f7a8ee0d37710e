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


# --- place terms, against hand-built places ------------------------------------------------

from evtui.model.directory import Connector, EvseInfo, LocationInfo  # noqa: E402
from evtui.model.places import Places  # noqa: E402

BERLIN = "here:evcp:charginglocation:276u33d811u8y-aGVyZS1ldjplY29tb3ZlbWVudDox"
BRUSSELS = "here:evcp:charginglocation:56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"


def _evse(n: int, *kws: float) -> EvseInfo:
    return EvseInfo(f"here:evcp:evse:{n}", None, tuple(Connector("X", "dc", k) for k in kws))


def places() -> Places:
    p = Places()
    p.update(
        [
            LocationInfo(
                BERLIN,
                "Hub Mitte",
                "IONITY",
                "Str. 1",
                "Berlin",
                "10115",
                "DEU",
                52.5,
                13.4,
                (_evse(1, 22.0), _evse(2, 350.0)),
                0.0,
            ),
            LocationInfo(
                BRUSSELS,
                "Gare",
                "Allego",
                None,
                "Bruxelles",
                None,
                None,
                None,
                None,
                (_evse(3, 11.0),),
                0.0,
            ),
        ]
    )
    return p


def change(location_id: str, new: str = "CHARGING") -> StatusChange:
    return StatusChange(T, location_id, "here:evcp:evse:1", "AVAILABLE", new)


def test_operator_city_and_country_terms() -> None:
    p = places()
    assert EventFilter.parse("operator:ionity").matches(change(BERLIN), None, p)
    assert not EventFilter.parse("operator:ionity").matches(change(BRUSSELS), None, p)
    assert EventFilter.parse("city:BERLIN").matches(change(BERLIN), None, p)
    for query in ("country:de", "country:DEU", "Country:deu"):
        assert EventFilter.parse(query).matches(change(BERLIN), None, p), query
    # Brussels' record has no country: the id's (56 = Belgium) answers.
    assert EventFilter.parse("country:be").matches(change(BRUSSELS), None, p)
    assert not EventFilter.parse("country:de").matches(change(BRUSSELS), None, p)
    # Without places a place term matches nothing.
    assert not EventFilter.parse("operator:ionity").matches(change(BERLIN))


def test_kw_comparisons_on_any_connector() -> None:
    p = places()
    assert EventFilter.parse("kw:>=150").matches(change(BERLIN), None, p)
    assert not EventFilter.parse("kw:>=150").matches(change(BRUSSELS), None, p)
    assert EventFilter.parse("kw:>350").matches(change(BERLIN), None, p) is False
    assert EventFilter.parse("kw:<=22").matches(change(BRUSSELS), None, p)
    assert EventFilter.parse("kw:<=22").matches(change(BERLIN), None, p)  # its 22 kW one
    assert not EventFilter.parse("kw:<11").matches(change(BRUSSELS), None, p)
    assert EventFilter.parse("kw: >= 150").kw == (">=", 150.0)


def test_place_terms_combine_with_status_and_words() -> None:
    p = places()
    f = EventFilter.parse("status:charging operator:ionity kw:>=150 u33d")
    assert f.matches(change(BERLIN), None, p)
    assert not f.matches(change(BERLIN, "AVAILABLE"), None, p)
    assert not EventFilter.parse("status:charging operator:ionity zzz").matches(
        change(BERLIN), None, p
    )
    assert EventFilter.parse("mitte").matches(change(BERLIN), p.name(BERLIN), p)
    assert EventFilter.parse(f.query) == f


def test_places_decodes_once_and_names_by_label_then_directory_then_id() -> None:
    labels = {BERLIN: "Depot"}
    p = Places(lambda i: labels.get(i, ""))
    p.update(places().info(i) for i in (BERLIN, BRUSSELS))  # type: ignore[misc]
    assert p.display_name(BERLIN) == "Depot"
    assert p.display_name(BRUSSELS) == "Gare"
    assert p.display_name("here:evcp:charginglocation:abc") == "abc"
    assert p.facts(BRUSSELS) is p.facts(BRUSSELS)
    assert p.position(BRUSSELS) is not None and p.position(BRUSSELS)[2] is True  # type: ignore[index]
    labels.clear()
    assert p.display_name(BERLIN) == "Depot"  # memoised until relabel
    p.relabel()
    assert p.display_name(BERLIN) == "Hub Mitte"
    p.forget([BERLIN])
    assert p.display_name(BERLIN) == "276u33d811u8y-aGVy"
    assert p.country(BERLIN) == "DEU"


def test_terms_it_cannot_take_as_meant_are_noted_and_matched_as_text() -> None:
    notes = EventFilter.parse("foo:bar kw:abc country:zz depot").notes
    assert notes == (
        "foo: is not a filter term (status, operator, country, city, kw): 'foo:bar' is "
        "matched as text",
        "country:zz: no such country code (de or deu, say)",
        "kw: takes kW, like kw:>=150 or kw:<50: 'kw:abc' is matched as text",
    )
    f = EventFilter.parse("foo:bar kw:abc depot")
    assert f.text == "foo:bar depot kw:abc"
    # Well-formed terms, plain words and an id pasted whole are as meant: nothing to say.
    query = "status:charging operator:ionity country:de city:berlin kw:>=150 depot"
    assert EventFilter.parse(query).notes == ()
    assert EventFilter.parse("here:evcp:charginglocation:ABC123").notes == ()
    # The notes are not part of what the filter is.
    assert EventFilter.parse("foo:bar") == EventFilter.parse(EventFilter.parse("foo:bar").query)


def test_every_word_must_match_somewhere_and_a_whole_id_matches_by_its_tail() -> None:
    p = places()
    # Words in any order, each in the id, the label or the directory's name.
    assert EventFilter.parse("mitte hub").matches(change(BERLIN), None, p)
    assert EventFilter.parse("hub u33d").matches(change(BERLIN), None, p)
    assert not EventFilter.parse("hub gare").matches(change(BERLIN), None, p)
    assert not EventFilter.parse("hub gare").matches(change(BRUSSELS), None, p)
    # The id as the location screen shows it, prefix and all.
    assert EventFilter.parse(BERLIN).matches(change(BERLIN), None, p)
    assert not EventFilter.parse(BERLIN).matches(change(BRUSSELS), None, p)
    assert EventFilter.parse("here:evcp:evse:1").matches(change(BRUSSELS), None, p)
    # A label names the location on screen; its directory name still finds it.
    assert EventFilter.parse("hub").matches(change(BERLIN), "my depot", p)
    assert EventFilter.parse("depot").matches(change(BERLIN), "my depot", p)
    assert EventFilter.parse("hub").matches_location(BERLIN, "my depot", p)


def test_a_term_without_a_value_is_noted_and_left_out() -> None:
    for term in ("city:", "status:", "kw:", "status: ,"):  # (last: `city: x` is city:x)
        f = EventFilter.parse(f"depot {term}")
        assert f.text == "depot" and not f.statuses and not f.places_active, term
        key = term.split(":")[0]
        assert f.notes and f.notes[0].startswith(f"{key}: needs a value, like {key}:"), f.notes
    assert "the United Kingdom is gb" in EventFilter.parse("country:uk").notes[0]


def test_an_id_in_the_screens_short_form_matches_by_both_its_ends() -> None:
    from evtui.safetext import safe_text

    p = places()
    # As the log and the location screen show a long id: its head, an ellipsis, its tail.
    short = safe_text(BERLIN.removeprefix("here:evcp:charginglocation:"), 14)
    assert "…" in short
    assert EventFilter.parse(short).matches(change(BERLIN), None, p)
    assert not EventFilter.parse(short).matches(change(BRUSSELS), None, p)
    assert EventFilter.parse(short).matches_location(BERLIN, "", p)
