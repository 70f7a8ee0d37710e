"""Watching and unwatching from the log, as a user does it with one key."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ui.test_app import L1, file_app, loaded, toasts


async def test_unwatching_a_labelled_location_keeps_its_label_for_watching_it_again(
    tmp_path: Path,
) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        app.watchlist.set_label(L1, "Utrecht Stationsweg")
        await pilot.press("w")  # the highlighted row is L1's: unwatched, in one key press
        assert L1 not in app.watchlist
        said = toasts(app)
        assert any("(watched again, it has its label back)" in s for s in said), said
        saved = json.loads((tmp_path / "watchlist.json").read_text())
        assert saved["locations"] == []
        await pilot.press("w")
        assert app.watchlist.label(L1) == "Utrecht Stationsweg"
        saved = json.loads((tmp_path / "watchlist.json").read_text())
        assert saved["locations"] == [{"id": L1, "label": "Utrecht Stationsweg"}]
        await pilot.press("q")
