"""The watchlist file: survives restarts, is written atomically, and a corrupt one is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evtui.watchlist import Watchlist, WatchlistError


def test_a_saved_watchlist_loads_back_in_order_with_labels(tmp_path: Path) -> None:
    path = tmp_path / "config" / "watchlist.json"
    watchlist, warnings = Watchlist.load(path)
    assert (len(watchlist), warnings) == (0, [])
    watchlist.add("L2")
    watchlist.add("L1", "Depot")
    assert watchlist.toggle("L3") is True
    assert watchlist.toggle("L2") is False
    watchlist.save()

    again, warnings = Watchlist.load(path)
    assert warnings == []
    assert list(again) == ["L1", "L3"]
    assert again.label("L1") == "Depot"
    assert again.labels == {"L1": "Depot"}
    # No temporary files are left beside it.
    assert [p.name for p in path.parent.iterdir()] == ["watchlist.json"]


def test_a_file_that_is_no_watchlist_is_moved_aside_and_the_list_starts_empty(
    tmp_path: Path,
) -> None:
    path = tmp_path / "watchlist.json"
    for n, text in enumerate(("not json at all", '["L1"]', '{"locations": "L1"}'), 1):
        path.write_text(text)
        watchlist, warnings = Watchlist.load(path)
        assert len(watchlist) == 0 and len(warnings) == 1, warnings
        assert "moved it to watchlist.json.corrupt-" in warnings[0]
        kept = sorted(tmp_path.glob("watchlist.json.corrupt-*"))
        assert len(kept) == n and text in [k.read_text() for k in kept]
        assert not path.exists()


def test_a_bad_entry_is_named_and_left_out_and_the_others_kept(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.json"
    text = json.dumps({"version": 1, "locations": [
        {"id": "L1", "label": "Depot"}, {"id": "L2", "label": 5}, {"label": "no id"},
        {"id": "L3", "lable": "typo"},
    ]})  # fmt: skip
    path.write_text(text)
    watchlist, warnings = Watchlist.load(path)
    assert list(watchlist) == ["L1", "L3"] and watchlist.label("L1") == "Depot"
    said = [w.removeprefix(f"the watchlist {path}: ") for w in warnings]
    assert said[:3] == [
        "locations.1.label: Input should be a valid string; left out",
        "locations.2.id: Field required; left out",
        "locations.3: 'lable' is not read (an entry has id and label)",
    ]
    # The file as it was is kept beside it, for the next save writes the list as it is now.
    copies = list(tmp_path.glob("watchlist.json.before-*"))
    assert len(copies) == 1 and copies[0].read_text() == text
    assert said[3] == f"the watchlist {path} as it was is in {copies[0].name}".removeprefix(
        f"the watchlist {path}: "
    )
    assert path.read_text() == text  # not moved


def test_a_recorder_reads_the_watchlist_and_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.json"
    for text in ('{"locations": [{"id": "L1"}, {"id": 7}]}', "not json"):
        path.write_text(text)
        watchlist, warnings = Watchlist.load(path, read_only=True)
        assert list(watchlist) == (["L1"] if "L1" in text else []) and warnings
        watchlist.add("L9")
        watchlist.save()
        assert [p.name for p in tmp_path.iterdir()] == ["watchlist.json"]
        assert path.read_text() == text


def test_saving_over_an_existing_file_replaces_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.json"
    big = Watchlist(path, {f"L{n}": "x" * 50 for n in range(100)})
    big.save()
    small = Watchlist(path, {"only": ""})
    small.save()
    assert json.loads(path.read_text())["locations"] == [{"id": "only", "label": ""}]


def test_an_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(WatchlistError, match="could not save the watchlist"):
        Watchlist(blocker / "watchlist.json", {"L": ""}).save()


def test_a_file_from_a_newer_evtui_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.json"
    text = '{"version": 2, "locations": [], "groups": {"a": ["L1"]}}'
    path.write_text(text)
    watchlist, warnings = Watchlist.load(path)
    assert len(warnings) == 1 and "newer" in warnings[0]
    watchlist.add("L2")
    watchlist.save()
    assert path.read_text() == text


def test_a_pasted_tail_or_quoted_id_resolves_to_the_full_id() -> None:
    from evtui.watchlist import resolve_location_id

    full = "here:evcp:charginglocation:388387f97cd7d5d36201ee6a01e19d43"
    assert resolve_location_id(" '388387F97CD7D5D36201EE6A01E19D43' ", [full]) == full
    assert resolve_location_id("388387f97cd7d5d36201ee6a01e19d43") == full
    assert resolve_location_id(f'"{full}"') == full
    assert resolve_location_id("my-own-id") == "my-own-id"
    # HERE's real ids: country, geohash and a base64 source, whose case matters.
    real = "here:evcp:charginglocation:56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"
    tail = real.removeprefix("here:evcp:charginglocation:")
    assert resolve_location_id(f" {tail} ") == real
    twin = "here:evcp:charginglocation:" + tail.swapcase()
    assert resolve_location_id(tail, [twin, real]) == real
    assert resolve_location_id(tail.swapcase(), [real]) == real


def test_a_short_form_resolves_to_the_one_location_it_fits_and_words_are_no_ids() -> None:
    from evtui.safetext import safe_text
    from evtui.watchlist import could_be_location_id, resolve_location_id

    real = "here:evcp:charginglocation:56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"
    other = "here:evcp:charginglocation:276u33d811u8y-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"
    short = safe_text(real.removeprefix("here:evcp:charginglocation:"), 24)
    assert "…" in short
    assert resolve_location_id(short, [other, real]) == real
    # Fitting none, or two (the same ends), it stays as typed: the caller refuses it.
    assert resolve_location_id(short, [other]) == short
    assert resolve_location_id("aGVy…gxMDM", [other, real]) == "aGVy…gxMDM"
    assert could_be_location_id(real) and could_be_location_id(other)
    assert could_be_location_id("here:evcp:charginglocation:388387f97cd7d5d36201ee6a01e19d43")
    for typed in ("cafe", "foo:bar", short):
        assert not could_be_location_id(resolve_location_id(typed)), typed


def test_enough_of_an_ids_start_or_end_resolves_to_the_one_location_it_fits() -> None:
    from evtui.watchlist import resolve_location_id

    real = "here:evcp:charginglocation:528u178e84594-aGVyZS1ldjplY29tb3ZlbWVudDo4MzA4NjQ1MzU"
    other = "here:evcp:charginglocation:276u33d811u8y-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"
    # As the add-by-id prompt says: the start or the end of one, as the screens show it.
    assert resolve_location_id("528u178e84594", [other, real]) == real
    assert resolve_location_id("MzA4NjQ1MzU", [other, real]) == real
    # What fits both, or is too short to tell, stays as typed (the caller refuses it).
    assert resolve_location_id("aGVyZS1ldjpl", [other, real]) == "aGVyZS1ldjpl"
    assert resolve_location_id("1MzU", [other, real]) == "1MzU"


def test_a_location_unwatched_and_watched_again_has_its_label_back(tmp_path: Path) -> None:
    from evtui.watchlist import Watchlist

    watchlist = Watchlist(tmp_path / "watchlist.json")
    watchlist.add("here:evcp:charginglocation:a", "Utrecht 🚗 Stationsweg")
    assert not watchlist.toggle("here:evcp:charginglocation:a")  # one key press: unwatched
    assert "here:evcp:charginglocation:a" not in watchlist
    watchlist.save()  # (not watched, so not in the file)
    assert "Utrecht" not in (tmp_path / "watchlist.json").read_text()
    assert watchlist.toggle("here:evcp:charginglocation:a")
    assert watchlist.label("here:evcp:charginglocation:a") == "Utrecht 🚗 Stationsweg"
    # A label given when it is watched again wins; a location never labelled gets none.
    watchlist.remove("here:evcp:charginglocation:a")
    watchlist.add("here:evcp:charginglocation:a", "Utrecht CS")
    assert watchlist.label("here:evcp:charginglocation:a") == "Utrecht CS"
    watchlist.add("here:evcp:charginglocation:b")
    watchlist.remove("here:evcp:charginglocation:b")
    watchlist.add("here:evcp:charginglocation:b")
    assert watchlist.label("here:evcp:charginglocation:b") == ""
