"""Pictures of the monitor on the deterministic scene (tests/ui/scene.py).

After an intended change of the UI, look at the new pictures and accept them with
`.venv/bin/pytest tests/ui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.scene import (
    SIZE,
    make_app,
    make_replay_app,
    open_first_watched,
    open_help,
    open_map,
    replay_half_way,
    settle,
    show_map,
)

SnapCompare = Callable[..., bool]


def test_main_screen_with_a_populated_watchlist(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=settle)


def test_main_screen_at_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=settle)


def test_location_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=open_first_watched)


def test_help_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=open_help)


def test_paused_and_filtered_log(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def pause_and_filter(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("up", "up", "up", "slash", *"status:charging", "enter")
        await pilot.pause(0.3)

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=pause_and_filter)


def test_replay_paused_half_way(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(make_replay_app(tmp_path), terminal_size=SIZE, run_before=replay_half_way)


def test_map_of_the_world(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def world(pilot: Pilot[None]) -> None:
        await open_map(pilot, "0")

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=world)


def test_map_zoomed_in_at_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def zoomed(pilot: Pilot[None]) -> None:
        await open_map(pilot, "plus", "plus", "l")

    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=zoomed)


def test_map_in_a_replay_half_way(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def replay_map(pilot: Pilot[None]) -> None:
        await replay_half_way(pilot)
        await show_map(pilot)

    assert snap_compare(make_replay_app(tmp_path), terminal_size=SIZE, run_before=replay_map)
