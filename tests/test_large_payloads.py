"""A location that lists thousands of EVSEs in one message (a payload over 1 MB, which HERE
serves through Blob) goes through every path as any other: tail, record, replay, seek, export
and the monitor. Real processes, the real emulator over loopback HTTP, real session files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

import evtui.recording.player as player_module
import evtui.recording.recorder as recorder_module
from evtui.emulator import EmulatorServer
from evtui.model import Accepted, Batch, MonitorState, StreamMessage, decode
from evtui.recording import Player, SessionReader
from evtui.settings import Settings
from evtui.ui.app import EvtuiApp, ReplayOptions
from evtui.ui.screens.location import LocationScreen
from evtui.ui.widgets.event_log import EventLog
from evtui.watchlist import Watchlist
from tests.conftest import evtui, location_doc
from tests.recording.helpers import gzip64, picture, record_session
from tests.ui.test_app import until

BIG = "here:evcp:charginglocation:" + "b1" * 32


def big_location(evses: list[str], status: str, minute: int) -> dict[str, Any]:
    """The big location with every EVSE in `status`, their times spread over a minute."""
    return {
        "id": BIG,
        "evses": [
            {
                "id": evse_id,
                "status": status,
                "last_updated": f"2026-11-25T11:{minute:02d}:{i % 60:02d}Z",
            }
            for i, evse_id in enumerate(evses)
        ],
    }


def evse_ids(count: int) -> list[str]:
    # HERE's shape, random: they do not compress, as real ones do not.
    return [f"here:evcp:evse:{secrets.token_hex(32)}" for _ in range(count)]


def by_id(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(documents, key=lambda d: (str(d["id"]), json.dumps(d)))


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


@pytest.mark.parametrize(
    ("count", "inline_limit"),
    # 9,000 HERE-shaped EVSEs gzip to about 0.4 MB: the emulator's limit is lowered to serve
    # them through Blob. 30,000 pass HERE's own 1 MB limit.
    [(9_000, 200_000), (30_000, None)],
)
def test_tail_prints_a_payload_of_thousands_of_evses_from_blob_exactly_once(
    server: EmulatorServer,
    credentials_file: Path,
    home: dict[str, str],
    count: int,
    inline_limit: int | None,
) -> None:
    emulator = server.emulator
    if inline_limit is not None:
        server.config.inline_limit = inline_limit
    big = big_location(evse_ids(count), "CHARGING", 0)
    assert len(gzip.compress(json.dumps(big).encode())) > server.config.inline_limit
    published: list[dict[str, Any]] = []
    for n in range(40):
        if n == 20:
            emulator.publish(big)
            published.append(big)
        doc = location_doc(n, evses=1 + n % 3)
        emulator.publish(doc)
        published.append(doc)
    live = ["--credentials", str(credentials_file), "--lookup-url", server.lookup_url]

    result = evtui(
        "tail", *live, "--from", "earliest", "--consumer-id", "json", "--limit", "41",
        "--format", "jsonl", env=home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert by_id(printed) == by_id(published)
    assert emulator.blobs_served == 1
    assert sum(emulator.committed("json").values()) == 41

    result = evtui(
        "tail", *live, "--from", "earliest", "--consumer-id", "text", "--limit", "41",
        "--format", "text", env=home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == sum(len(d["evses"]) for d in published)
    shown = [line.split() for line in lines if f"  {BIG}  " in line]
    assert [(evse, status) for _, _, evse, status in shown] == [
        (e["id"], "CHARGING") for e in big["evses"]
    ]
    assert emulator.blobs_served == 2
    assert emulator.live_subscriptions() == 0
    assert "41 payloads, 0 rejected" in result.stderr


def test_a_recording_keeps_it_and_replay_seek_export_and_tail_show_every_evse(
    server: EmulatorServer,
    credentials_file: Path,
    tmp_path: Path,
    home: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator = server.emulator
    server.config.inline_limit = 200_000
    evses = evse_ids(9_000)
    first, then = big_location(evses, "CHARGING", 0), big_location(evses, "AVAILABLE", 30)
    published: list[dict[str, Any]] = []
    for n in range(25):
        doc = first if n == 8 else then if n == 16 else location_doc(n, evses=1 + n % 3)
        emulator.publish(doc)
        published.append(doc)
    live = ["--credentials", str(credentials_file), "--lookup-url", server.lookup_url]
    path = tmp_path / "big.evtui"

    result = evtui(
        "record", *live, "--from", "earliest", "--consumer-id", "rec", "--limit", "25",
        "-o", str(path), env=home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "25 messages" in result.stderr
    assert emulator.blobs_served == 2
    assert sum(emulator.committed("rec").values()) == 25

    # The session holds both big payloads, exactly, and tail reads them back.
    with SessionReader(path) as reader:
        messages = [m for chunk in reader.read() for _, m in chunk]
    decoded = [decode(m) for m in messages]
    assert all(isinstance(d, Accepted) for d in decoded)
    documents = [json.loads(d.document) for d in decoded if isinstance(d, Accepted)]
    assert by_id(documents) == by_id(published)
    result = evtui("tail", "--source", str(path), "--format", "jsonl", env=home)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == documents

    # export: 9,000 first sightings, then 9,000 changes, each EVSE once in each.
    result = evtui("export", str(path), "--format", "csv", env=home)
    assert result.returncode == 0, result.stderr
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["location"] == BIG]
    assert Counter((r["old"], r["new"]) for r in rows) == {
        ("", "CHARGING"): 9_000,
        ("CHARGING", "AVAILABLE"): 9_000,
    }
    assert sorted(r["evse"] for r in rows) == sorted(evses * 2)

    # The same messages recorded with checkpoints between them: every seek lands on the
    # state playing from the start gives, before, between and after the big payloads.
    monkeypatch.setattr(recorder_module, "CHECKPOINT_EVERY", 6)
    monkeypatch.setattr(recorder_module, "DELTA_EVERY", 2)
    monkeypatch.setattr(player_module, "CHECKPOINT_EVERY", 5)
    checkpointed = tmp_path / "checkpointed.evtui"
    record_session(checkpointed, messages, size=3)
    with SessionReader(checkpointed) as reader:
        assert len(reader.checkpoints()) >= 3
        player = Player(reader)
        for position in (25, 0, 17, 9, 8, 16, 24, 3):
            player.seek(position)
            state = MonitorState()
            state.apply(Batch(tuple(decoded[:position])))
            assert picture(player.state) == picture(state), position
        player.seek(25)
        location = player.state.store.locations[BIG]
        assert list(location.evse_ids) == evses
        assert location.counts["AVAILABLE"] == 9_000


async def test_the_monitor_shows_a_payload_of_9000_evses_and_its_location(
    tmp_path: Path,
) -> None:
    evses = evse_ids(9_000)
    others = [location_doc(n, evses=2) for n in range(30)]
    documents = [*others[:10], big_location(evses, "CHARGING", 0), *others[10:]]
    documents.append(big_location(evses, "OUT_OF_ORDER", 30))
    messages = [StreamMessage(0, n, gzip64(d), received_at=1.8e9) for n, d in enumerate(documents)]
    path = tmp_path / "big.evtui"
    record_session(path, messages)
    player = Player(SessionReader(path))
    app = EvtuiApp(
        player,
        settings=Settings(),
        watchlist=Watchlist(tmp_path / "watchlist.json"),
        replay=ReplayOptions(speed=None, paused=False),
    )
    async with app.run_test(size=(160, 48)) as pilot:
        # The position, not `at_end` alone: a player that has not loaded yet is at its end.
        await until(pilot, lambda: player.position == player.total == len(messages))
        store = player.state.store
        log = app.query_one(EventLog)
        # Repaints are paced: the log follows the model within a few of them.
        await until(pilot, lambda: log.rows == list(store.events)[-log.max_rows :])
        assert log.rows[-1].location_id == BIG and log.rows[-1].new == "OUT_OF_ORDER"
        assert sum(1 for r in log.rows if r.location_id == BIG) == 9_000
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LocationScreen))
        screen = app.screen
        assert isinstance(screen, LocationScreen) and screen.location_id == BIG
        table = screen.query_one(DataTable)
        assert table.row_count == 9_000
        # Rows are painted as they come into view: the last one, once scrolled to, shows.
        await pilot.press("ctrl+end")
        await until(pilot, lambda: table.cursor_row == 8_999)
        await until(pilot, lambda: str(table.get_row_at(8_999)[1]).strip() == "OUT_OF_ORDER")
        await pilot.press("escape")
        await pilot.press("q")
