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


def test_a_corrupt_file_is_moved_aside_with_a_warning_and_the_list_starts_empty(
    tmp_path: Path,
) -> None:
    path = tmp_path / "watchlist.json"
    path.write_text('{"version": 1, "locations": [{"label": "no id"}]}')
    watchlist, warnings = Watchlist.load(path)
    assert len(watchlist) == 0
    assert len(warnings) == 1
    assert "locations.0.id" in warnings[0] and "moved it to watchlist.json.corrupt-" in warnings[0]
    kept = list(tmp_path.glob("watchlist.json.corrupt-*"))
    assert len(kept) == 1 and "no id" in kept[0].read_text()
    assert not path.exists()

    path.write_text("not json at all")
    _, warnings = Watchlist.load(path)
    assert len(list(tmp_path.glob("watchlist.json.corrupt-*"))) == 2


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
