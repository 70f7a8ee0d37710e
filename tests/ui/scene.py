"""A deterministic monitor: a seeded synthetic network played through a payload file.

Shared by the snapshot tests and `scripts/screenshots.py`, so the pictures in the README are
the ones the tests check. The app's clock is the data's own clock (the newest `last_updated`
seen), so rates, ages and flashes come out the same on every run and every machine.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot

from evtui import paths
from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.directory import DirectoryCache
from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.here.events import ConnectionStatus
from evtui.model import Batch, StreamMessage, decode
from evtui.model.directory import parse_location
from evtui.recording import Player, Recorder, SessionOrigin, SessionReader
from evtui.sources import PayloadFileSource
from evtui.ui.app import EvtuiApp, ReplayOptions
from evtui.ui.screens.map import MapScreen
from evtui.watchlist import Watchlist

START = 1_795_600_800.0  # 2026-11-26T08:00:00Z
SIZE = (160, 48)
LOCATIONS = 400
MINUTES = 20

# Rows show local time and the help screen shows file paths: pin both, so that pictures do
# not depend on where they are made.
os.environ["TZ"] = "UTC"
time.tzset()
CONFIG_HOME = "/home/you/.config"


def scene_payloads(*, seed: int = 1, minutes: float = MINUTES) -> list[tuple[float, str]]:
    """(Unix time of the simulation, payload JSON) of the scene, in stream order."""
    network = SyntheticNetwork(NetworkConfig(seed=seed, locations=LOCATIONS))
    out = []
    for sim, payload in network.snapshot() + network.advance(minutes * 60):
        for evse in payload["evses"]:
            evse["last_updated"] = format_time(START + evse.pop("since", sim))
        out.append((START + sim, json.dumps(payload)))
    return out


def busiest(payloads: list[tuple[float, str]]) -> list[str]:
    """Location ids, the busiest first."""
    updates: Counter[str] = Counter()
    for _, text in payloads:
        payload = json.loads(text)
        updates[payload["id"]] += len(payload["evses"])
    return [location_id for location_id, _ in updates.most_common()]


def write_directory(path: Path, *, seed: int = 1) -> Path:
    """A directory cache file holding the scene network's records, as if looked up before:
    the pictures show names, and nobody is asked (a file source looks up nothing)."""
    network = SyntheticNetwork(NetworkConfig(seed=seed, locations=LOCATIONS))
    records = []
    for location_id in network.location_ids():
        raw = network.location_record(location_id, started_at=START)
        assert raw is not None
        info = replace(parse_location(raw, START), id=location_id)
        records.append((raw, info))
    with DirectoryCache.open(path, refresh_days=365) as cache:
        cache.put(records)
    return path


def write_payloads(path: Path, *, seed: int = 1, minutes: float = MINUTES) -> list[str]:
    """Write the scene's payloads to `path`; return location ids, the busiest first."""
    payloads = scene_payloads(seed=seed, minutes=minutes)
    path.write_text("\n".join(text for _, text in payloads) + "\n")
    return busiest(payloads)


def write_session(path: Path, *, watched: int = 3, marks: int = 2) -> list[str]:
    """Record the scene to a session file as the HERE client would have received it: gzip
    and base64, spread over 4 partitions, received when the simulation published it, with
    alert markers for the watched locations and `marks` user markers. Returns the watched ids.
    """
    payloads = scene_payloads()
    ids = busiest(payloads)[:watched]
    origin = SessionOrigin("synthetic network, seed 1", "demo", EV_CATALOG, EV_LAYER)
    recorder = Recorder.create(path, origin, watched=ids)
    offsets = [0, 0, 0, 0]
    for n, (at, text) in enumerate(payloads):
        partition = n % 4
        data = base64.b64encode(gzip.compress(text.encode(), mtime=0)).decode("ascii")
        message = StreamMessage(partition, offsets[partition], data, received_at=at)
        offsets[partition] += 1
        recorder.record(Batch((decode(message),)))
        if marks and n % (len(payloads) // (marks + 1)) == 0 and n:
            recorder.mark(f"marker {n}", at)
            marks -= 1
    recorder.close()
    return ids


def make_replay_app(tmp: Path, **options: object) -> EvtuiApp:
    """The app replaying the scene's session, paused at the start."""
    session = tmp / "scene.evtui"
    ids = write_session(session)
    with _config_home():
        watchlist = Watchlist(paths.watchlist_path())
        settings_path = paths.settings_path()
    for n, location_id in enumerate(ids):
        watchlist.add(location_id, ["Depot north", "Harbour P+R", ""][n % 3])
    options.setdefault("paused", True)
    return EvtuiApp(
        Player(SessionReader(session)),
        watchlist=watchlist,
        settings_path=settings_path,
        sessions_dir=tmp,
        replay=ReplayOptions(**options),  # type: ignore[arg-type]
        directory_cache=write_directory(tmp / "directory.sqlite"),
    )


class DataClock:
    """The newest `last_updated` the app has seen, as Unix time."""

    def __init__(self) -> None:
        self.app: EvtuiApp | None = None

    def __call__(self) -> float:
        newest = self.app.store.newest if self.app is not None else None
        return newest.timestamp() if newest is not None else START


def make_app(tmp: Path, *, watched: int = 3) -> EvtuiApp:
    """The app on the scene, with the first `watched` multi-EVSE locations watched."""
    payloads = tmp / "payloads.jsonl"
    ids = write_payloads(payloads)
    # The pictured path is never written: the scene's watchlist changes only in memory.
    with _config_home():
        watchlist = Watchlist(paths.watchlist_path())
        settings_path = paths.settings_path()
    labels = ["Depot north", "Harbour P+R", ""]
    for n, location_id in enumerate(ids[:watched]):
        watchlist.add(location_id, labels[n % len(labels)])
    # One message per batch: the data clock then ticks message by message.
    source = PayloadFileSource(str(payloads), batch_size=1)
    source.label = "synthetic network, seed 1"
    clock = DataClock()
    app = EvtuiApp(
        source,
        watchlist=watchlist,
        settings_path=settings_path,
        clock=clock,
        directory_cache=write_directory(tmp / "directory.sqlite"),
    )
    clock.app = app
    return app


@contextlib.contextmanager
def _config_home() -> Iterator[None]:
    old = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = CONFIG_HOME
    try:
        yield
    finally:
        if old is None:
            del os.environ["XDG_CONFIG_HOME"]
        else:
            os.environ["XDG_CONFIG_HOME"] = old


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the whole file is applied and painted, then drop the toasts it raised."""
    app = pilot.app
    assert isinstance(app, EvtuiApp)
    for _ in range(600):
        await pilot.pause(0.05)
        if app.connection.status is ConnectionStatus.CLOSED:
            break
    # The names are in (the cache loads in the background), and every shown record whole.
    for _ in range(200):
        if all(app.places.complete(i) for i in app.store.locations):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.2)
    app.clear_notifications()
    await pilot.pause(0.1)


async def open_first_watched(pilot: Pilot[None]) -> None:
    """Settle, then open the first watched location from the watchlist panel."""
    await settle(pilot)
    await pilot.press("tab", "enter")
    await pilot.pause(0.3)


async def open_help(pilot: Pilot[None]) -> None:
    """Settle, then open the help screen."""
    await settle(pilot)
    await pilot.press("question_mark")
    await pilot.pause(0.3)


async def replay_half_way(pilot: Pilot[None]) -> None:
    """In a replay: go to 50% of the session (paused), with the toasts cleared."""
    app = pilot.app
    assert isinstance(app, EvtuiApp)
    for _ in range(200):  # the names from the cache are in
        if app.places.version:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.2)
    await pilot.press("g", *"50%", "enter")
    await pilot.pause(0.3)
    pilot.app.clear_notifications()
    await pilot.pause(0.2)


async def open_map(pilot: Pilot[None], *keys: str) -> None:
    """Settle, open the map, press `keys` there, and wait until the map shows the result."""
    await settle(pilot)
    await show_map(pilot, *keys)


async def show_map(pilot: Pilot[None], *keys: str) -> None:
    """Open the map, wait for its first frame, press `keys` there and let them show."""
    await pilot.press("M")
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, MapScreen) and pilot.app.screen.frame is not None:
            break
    assert isinstance(pilot.app.screen, MapScreen), "the map did not open"
    await pilot.press(*keys)
    await pilot.pause(0.3)
