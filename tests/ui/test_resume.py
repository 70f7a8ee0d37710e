"""A monitor stopped by `q` or by a signal, and started again with the same consumer id,
goes on right after the last message it applied and recorded: nothing skipped, nothing twice.

A recording that fails (a full disk) ends the recording, never the monitor.
"""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.emulator import EmulatorServer
from evtui.here import ConnectionStatus, parse_credentials
from evtui.model import Accepted, decode
from evtui.recording import SessionOrigin, SessionReader
from evtui.recording.background import BackgroundWriter
from evtui.sources import HereSource
from evtui.ui.app import EvtuiApp, RecordOptions
from evtui.watchlist import Watchlist
from tests.conftest import location_doc
from tests.ui.test_app import toasts, until

GROUP = "evtui-resume-test"


def monitor(server: EmulatorServer, tmp_path: Path, session: Path) -> EvtuiApp:
    source = HereSource(
        parse_credentials(server.credentials_text()),
        lookup_url=server.lookup_url,
        consumer_id=GROUP,
        start="committed",
    )
    origin = SessionOrigin(source.label, "here", EV_CATALOG, EV_LAYER)
    record = RecordOptions(tmp_path, origin, path=session, at_start=True)
    return EvtuiApp(source, watchlist=Watchlist(None), record=record)


def recorded_ids(session: Path) -> list[str]:
    with SessionReader(session) as reader:
        return [
            item.payload.id
            for chunk in reader.read()
            for _, message in chunk
            if isinstance(item := decode(message), Accepted)
        ]


def applied_ids(app: EvtuiApp) -> set[str]:
    return set(app.store.locations)


@pytest.mark.parametrize("stop", ["q", "signal"])
async def test_a_restarted_monitor_resumes_right_after_what_it_applied_and_recorded(
    server: EmulatorServer, tmp_path: Path, stop: str
) -> None:
    emulator = server.emulator
    first = [str(location_doc(n)["id"]) for n in range(120)]
    app = monitor(server, tmp_path, tmp_path / "first.evtui")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.connection.status is ConnectionStatus.SUBSCRIBED)
        for n in range(120):  # a group with no commits yet starts at the latest message
            emulator.publish(location_doc(n))
        await until(pilot, lambda: app.state.messages == 120)
        if stop == "q":
            await pilot.press("q")
        else:
            app._stop_on_signal()  # what SIGTERM and SIGHUP run
        await pilot.pause(0.5)
    assert applied_ids(app) == set(first)
    assert sorted(recorded_ids(tmp_path / "first.evtui")) == sorted(first)
    assert sum(emulator.committed(GROUP).values()) == 120
    assert emulator.live_subscriptions() == 0

    # While it was away the stream went on.
    later = [str(location_doc(n)["id"]) for n in range(120, 300)]
    for n in range(120, 300):
        emulator.publish(location_doc(n))
    again = monitor(server, tmp_path, tmp_path / "again.evtui")
    async with again.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: again.state.messages >= 180)
        await pilot.pause(0.5)
        await pilot.press("q")
    assert applied_ids(again) == set(later)
    assert sorted(recorded_ids(tmp_path / "again.evtui")) == sorted(later)
    assert again.state.messages == 180


async def test_a_full_disk_stops_the_recording_and_the_monitor_goes_on(
    server: EmulatorServer, tmp_path: Path
) -> None:
    emulator = server.emulator
    session = tmp_path / "full.evtui"
    app = monitor(server, tmp_path, session)
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.connection.status is ConnectionStatus.SUBSCRIBED)
        recorder = app.recorder
        assert recorder is not None and isinstance(recorder.writer, BackgroundWriter)
        # From now on the recording's writer process may not grow a file past 400 kB: its
        # writes fail as on a full disk.
        resource.prlimit(recorder.writer.pid, resource.RLIMIT_FSIZE, (400_000, hard))
        for n in range(3000):
            emulator.publish(location_doc(n, evses=3))
        await until(pilot, lambda: app.state.messages == 3000, seconds=60)
        # The writer says so a moment later; the monitor hears it with or without new messages.
        await until(pilot, lambda: app.recorder is None)
        assert any(
            "(is the disk full?)" in t and "Recording stopped; the monitor goes on" in t
            for t in toasts(app)
        )
        assert app.connection.status is ConnectionStatus.SUBSCRIBED
        await pilot.press("q")
    # What was written before the disk filled up is a session that replays.
    kept = recorded_ids(session)
    assert 0 < len(kept) < 3000
    assert len(set(kept)) == len(kept)
    assert set(kept) <= {str(location_doc(n)["id"]) for n in range(3000)}
