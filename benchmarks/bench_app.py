"""The monitor under load: replay throughput, keypress latency while ingesting, first frame.

    .venv/bin/python benchmarks/bench_app.py [--quick] [--json FILE]

Everything runs through the real Textual app (`EvtuiApp`), headless, with its real stream
worker, in a process tuned as every evtui command is (`evtui.runtime.tune`).
Headless Textual composes every frame but writes nothing to a terminal; the app here
also turns each frame into the escape sequences a terminal would get (and throws them away),
so a frame costs what it costs on a terminal, and frames are counted.

1. Replay at max speed: a session built with the real Recorder from the seeded synthetic
   network, replayed by the app (`Player`, speed max, the watchlist holding the busiest
   locations), messages applied per wall second from the first message to the last. Reference,
   same run: the same session through a `Player` with no app (read + decode + apply). The
   screen must repaint during the run: frames are counted and the replay line's position must
   show at least a few different values on screen.
2. Keypress latency while ingesting 5,000 messages/s: a live source (the session's messages,
   decoded as the HERE client decodes them, handed out at 5,000/s in 20 ms batches) feeds the
   app's live worker; `p` (pause/follow the log) is pressed about 100 times through the
   driver, as a terminal's key would arrive, and timed until a frame that shows the change
   (the log's subtitle says "paused" or "following") is drawn. Then the same with the map
   screen open: `l` and `h` (pan) alternately, timed until the line under the map names the
   view's new centre.
3. First frame of `evtui demo`: `evtui demo` is started under a pseudo-terminal (160x48) and
   timed from just before the process starts until the terminal has received the whole first
   frame of the monitor (the status counters' title, down to the last row and the final
   cursor move). Reference: `python -c pass`, process start to exit, the same way.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import gzip
import json
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from _harness import Figure, arguments, report
from rich.console import RenderableType
from textual import events
from textual._compositor import CompositorUpdate
from textual.screen import Screen

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import Batch, StreamMessage, decode
from evtui.recording import Player, Recorder, SessionOrigin, SessionReader
from evtui.runtime import tune
from evtui.ui import app as app_module
from evtui.ui.app import EvtuiApp, RecordOptions, ReplayOptions
from evtui.ui.screens.map import PAN_SHARE, MapScreen, centre_text
from evtui.ui.widgets.event_log import EventLog
from evtui.watchlist import Watchlist

START = 1_700_000_000.0
SIZE = (160, 48)
WATCHED = 5
INGEST_RATE = 5_000
INGEST_TICK = 0.02


# --- the session ---------------------------------------------------------------------------


def build_session(path: Path, count: int) -> list[str]:
    """Record `count` messages of the seeded synthetic network (2,000 locations) as the HERE
    client receives them (gzip + base64, 4 partitions); return the busiest location ids."""
    network = SyntheticNetwork(NetworkConfig(seed=7))
    origin = SessionOrigin("synthetic network, seed 7", "demo", EV_CATALOG, EV_LAYER)
    recorder = Recorder.create(path, origin)
    updates: dict[str, int] = {}
    written = 0
    items = network.snapshot()
    while written < count:
        if not items:
            items = network.advance(network.now + 3600.0)
            continue
        chunk, items = items[: min(200, count - written)], items[200:]
        batch = []
        for sim, payload in chunk:
            for evse in payload["evses"]:
                evse["last_updated"] = format_time(START + evse.pop("since", sim))
            updates[payload["id"]] = updates.get(payload["id"], 0) + 1
            raw = gzip.compress(json.dumps(payload).encode(), mtime=0)
            message = StreamMessage(
                partition=written % 4,
                offset=written // 4,
                data=base64.b64encode(raw).decode(),
                received_at=START + sim,
            )
            batch.append(decode(message))
            written += 1
        recorder.record(Batch(tuple(batch)))
    recorder.close()
    return sorted(updates, key=lambda i: -updates[i])


# --- an app that draws its frames as a terminal would get them -----------------------------


class MeteredApp(EvtuiApp):
    """The monitor; each frame is rendered to escape sequences, counted and offered to a probe."""

    CSS_PATH = Path(app_module.__file__).parent / EvtuiApp.CSS_PATH  # relative to evtui.ui

    frames = 0
    probe: Callable[[str], bool] | None = None
    """Called with each frame's text; returning True clears it, stamps `probe_hit` and sets
    `probed`."""
    probe_hit = 0.0
    probed: asyncio.Event | None = None

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if not isinstance(renderable, CompositorUpdate):
            return
        text = renderable.render_segments(self.console)
        self.frames += 1
        probe = self.probe
        if probe is not None and probe(text):
            self.probe = None
            self.probe_hit = time.perf_counter()
            if self.probed is not None:
                self.probed.set()


def watchlist_of(ids: Sequence[str]) -> Watchlist:
    watchlist = Watchlist()  # in memory: no path, never saved
    for location_id in ids:
        watchlist.add(location_id)
    return watchlist


# --- 1. replay at max speed ----------------------------------------------------------------


async def replay_in_app(path: Path, watched: Sequence[str]) -> tuple[float, int, int, float]:
    """(messages/s, messages, frames, distinct positions seen on screen)."""
    reader = SessionReader(path)
    app = MeteredApp(
        Player(reader),
        watchlist=watchlist_of(watched),
        replay=ReplayOptions(speed=None, paused=True),
    )
    positions: set[str] = set()

    def seen(text: str) -> bool:
        # The replay line says "msg N/TOTAL"; the frame holds it when the line was repainted.
        at = text.find("msg ")
        if at >= 0:
            positions.add(text[at : at + 24].split("/")[0])
        return False

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        player = app.player
        assert player is not None
        frames_before = app.frames
        app.probe = seen
        started = time.perf_counter()
        app.replay_paused = False
        while not player.at_end:
            await asyncio.sleep(0.01)
            if app.probe is None:
                app.probe = seen
        elapsed = time.perf_counter() - started
        frames = app.frames - frames_before
        await pilot.pause()
        total = player.total
        shown = app.screen.query_one(EventLog).row_count
        assert shown == min(app.settings.event_log_size, len(player.state.store.events)), shown
    reader.close()
    return total / elapsed, total, frames, len(positions)


def replay_without_app(path: Path) -> float:
    """messages/s of the same replay with no app: read + decode + apply."""
    reader = SessionReader(path)
    player = Player(reader)
    started = time.perf_counter()
    while not player.at_end:
        player.advance(limit=2000)
    elapsed = time.perf_counter() - started
    reader.close()
    return player.total / elapsed


# --- 2. keypress latency while ingesting ---------------------------------------------------


class PacedSource:
    """A live source: recorded messages decoded on arrival, handed out at `rate` per second."""

    label = "paced session"

    def __init__(self, messages: list[StreamMessage], rate: float, tick: float) -> None:
        self.messages = messages
        self.rate = rate
        self.tick = tick
        self.sent = 0
        self.behind = 0.0
        """The most the source fell behind its schedule, in seconds."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def ack(self, batch: Batch) -> None:
        return None

    async def __aiter__(self) -> AsyncIterator[Batch | ConnectionState]:
        yield ConnectionState(ConnectionStatus.SUBSCRIBED, self.label)
        per_tick = round(self.rate * self.tick)
        started = time.perf_counter()
        n = 0
        while True:
            due = started + n * self.tick
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                self.behind = max(self.behind, -wait)
                await asyncio.sleep(0)
            start = (n * per_tick) % len(self.messages)
            chunk = self.messages[start : start + per_tick]
            yield Batch(tuple(decode(m) for m in chunk))
            self.sent += len(chunk)
            n += 1


@contextlib.contextmanager
def burners(count: int) -> Iterator[None]:
    """`count` processes that keep a CPU busy each, for as long as the block runs."""
    procs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


async def keypress_latency(
    path: Path,
    watched: Sequence[str],
    presses: int,
    on_map: bool = False,
    record: Path | None = None,
) -> tuple[list[float], float, float]:
    """(latencies in ms, ingest rate reached, frames per second) while ingesting; `on_map`:
    with the map screen open, panning with `l` and `h` instead of pressing `p`; `record`:
    recording to this file from the first message, as `--record` does."""
    reader = SessionReader(path)
    messages = [m for chunk in reader.read() for _, m in chunk]
    reader.close()
    source = PacedSource(messages, INGEST_RATE, INGEST_TICK)
    options = None
    if record is not None:
        origin = SessionOrigin("benchmark", "demo")
        options = RecordOptions(record.parent, origin, path=record, at_start=True)
    app = MeteredApp(source, watchlist=watchlist_of(watched), record=options)
    latencies: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await asyncio.sleep(1.0)  # let the ingest settle
        driver = app._driver
        assert driver is not None
        log = app.screen.query_one(EventLog)
        if on_map:
            driver.send_message(events.Key("M", "M"))
            for _ in range(200):
                await asyncio.sleep(0.05)
                if isinstance(app.screen, MapScreen) and app.screen.frame is not None:
                    break
            assert isinstance(app.screen, MapScreen), "the map did not open"
            await asyncio.sleep(0.5)
        sent_before, frames_before = source.sent, app.frames
        started = time.perf_counter()
        for n in range(presses):
            key = "p"
            if on_map:
                # The line under the map names where the view is centred.
                screen = app.screen
                assert isinstance(screen, MapScreen) and screen.view is not None
                key, step = ("l", 1) if n % 2 == 0 else ("h", -1)
                view = screen.view
                want = centre_text(view.panned(step * view.width / PAN_SHARE, 0))
            else:
                # The subtitle shows "paused, N new" after pausing, "N rows · following" after.
                want = "following" if not log.following else "paused,"
            app.probe = lambda text, want=want: want in text
            app.probed = probed = asyncio.Event()
            pressed = time.perf_counter()
            driver.send_message(events.Key(key, key))
            try:
                await asyncio.wait_for(probed.wait(), 5)
            except TimeoutError:
                raise RuntimeError(f"press {n}: the change never reached the screen") from None
            latencies.append((app.probe_hit - pressed) * 1000)
            await asyncio.sleep(0.05 + (n % 7) * 0.01)  # presses at uneven moments
        elapsed = time.perf_counter() - started
        rate = (source.sent - sent_before) / elapsed
        fps = (app.frames - frames_before) / elapsed
        await pilot.press("q")
    return latencies, rate, fps


def percentile95(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


# --- 3. first frame of evtui demo ----------------------------------------------------------


def _frame_end(output: bytes, marker: bytes) -> bool:
    """Whether `output` holds a whole frame showing `marker`.

    Textual draws its first frame as a full-screen update: each row from a cursor move, the
    last row's, then a cursor move to where the cursor rests.
    """
    found = output.find(marker)
    if found < 0:
        return False
    last_row = output.find(f"\x1b[{SIZE[1]};1H".encode(), found)
    return last_row >= 0 and re.search(rb"\x1b\[\d+;\d+H", output[last_row + 4 :]) is not None


def first_frame(argv: list[str], env: dict[str, str], marker: bytes) -> float:
    """Seconds from process start to the end of the first frame showing `marker` (or to its
    exit, when `marker` is empty), under a 160x48 pseudo-terminal."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True
    )
    os.close(follower)
    output = b""
    at: float | None = None
    try:
        while time.perf_counter() - started < 30:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(leader, 1 << 16)
            except OSError:
                break  # the child closed the terminal
            if not data:
                break
            output += data
            if marker and _frame_end(output, marker):
                at = time.perf_counter()
                break
        if not marker:
            process.wait(10)
            at = time.perf_counter()
    finally:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                os.write(leader, b"q")
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        os.close(leader)
    if at is None:
        tail = output[-400:].decode(errors="replace")
        raise RuntimeError(f"{argv}: no first frame; output ended with {tail!r}")
    return at - started


def startup(runs: int) -> tuple[float, float]:
    """(median first frame of `evtui demo`, median `python -c pass`), in seconds."""
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "TERM": "xterm-256color",
            "COLUMNS": str(SIZE[0]),
            "LINES": str(SIZE[1]),
        }
        env.pop("TEXTUAL", None)
        demo, python = [], []
        for _ in range(runs):
            python.append(first_frame([sys.executable, "-c", "pass"], env, b""))
            demo.append(first_frame([str(bin_dir / "evtui"), "demo"], env, b"EVSEs by status"))
    return statistics.median(demo), statistics.median(python)


# --- the report ----------------------------------------------------------------------------


def main() -> None:
    args = arguments(__doc__.splitlines()[0] if __doc__ else None).parse_args()
    tune()  # as every evtui command runs
    count = 30_000 if args.quick else 200_000
    presses = 40 if args.quick else 100
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.evtui"
        print(f"building a session of {count:,} messages", flush=True)
        busiest = build_session(path, count)
        watched = busiest[:WATCHED]

        print("replay at max speed, without the app, then through the app", flush=True)
        bare = replay_without_app(path)
        rate, total, frames, positions = asyncio.run(replay_in_app(path, watched))
        seconds = total / rate
        figures.append(
            Figure(
                "replay at max speed through the app",
                rate,
                "messages/s",
                ">= 20,000",
                rate >= 20_000,
                reference="same replay, no app",
                reference_value=bare,
                note=f"{total:,} messages in {seconds:.1f} s; {frames} frames "
                f"({frames / seconds:.0f}/s), {positions} positions shown; "
                f"{rate / bare:.2f}x the replay without the app",
            )
        )

        print(f"keypress latency while ingesting {INGEST_RATE:,} messages/s", flush=True)
        latencies, ingest, fps = asyncio.run(keypress_latency(path, watched, presses))
        print("the same with the map open, panning", flush=True)
        on_map, map_ingest, map_fps = asyncio.run(
            keypress_latency(path, watched, presses, on_map=True)
        )
        print("the same with two CPU burners running", flush=True)
        with burners(2):
            burnt, burnt_ingest, burnt_fps = asyncio.run(
                keypress_latency(path, watched, presses, on_map=True)
            )
        print("p again while recording", flush=True)
        recorded, rec_ingest, rec_fps = asyncio.run(
            keypress_latency(path, watched, presses, record=Path(tmp) / "recorded.evtui")
        )
    p95 = percentile95(latencies)
    note = f"{len(latencies)} presses of p; ingest {ingest:,.0f} messages/s, {fps:.0f} frames/s"
    figures.append(
        Figure("keypress to screen p95, ingesting 5k/s", p95, "ms", "< 40", p95 < 40, note=note)
    )
    p50 = statistics.median(latencies)
    figures.append(Figure("keypress to screen p50, ingesting 5k/s", p50, "ms", "-", None))
    map_p95 = percentile95(on_map)
    figures.append(
        Figure(
            "keypress to screen p95, ingesting 5k/s, map open",
            map_p95,
            "ms",
            "< 40",
            map_p95 < 40,
            reference="map closed (p95 above)",
            reference_value=p95,
            note=f"{len(on_map)} presses of l and h (pan); ingest {map_ingest:,.0f} messages/s, "
            f"{map_fps:.0f} frames/s",
        )
    )
    burnt_p95 = percentile95(burnt)
    figures.append(
        Figure(
            "keypress p95, 5k/s, map open, two CPU burners",
            burnt_p95,
            "ms",
            "< 50",
            burnt_p95 < 50,
            reference="no burners (p95 above)",
            reference_value=map_p95,
            note=f"two `while True: pass` processes on this machine's 2 cores; ingest "
            f"{burnt_ingest:,.0f} messages/s, {burnt_fps:.0f} frames/s",
        )
    )
    rec_p95 = percentile95(recorded)
    figures.append(
        Figure(
            "keypress to screen p95, ingesting 5k/s, recording",
            rec_p95,
            "ms",
            "< 40",
            rec_p95 < 40,
            reference="not recording (p95 above)",
            reference_value=p95,
            note=f"{len(recorded)} presses of p, recording from the first message; ingest "
            f"{rec_ingest:,.0f} messages/s, {rec_fps:.0f} frames/s",
        )
    )

    print("first frame of evtui demo", flush=True)
    demo, python = startup(3 if args.quick else 5)
    figures.append(
        Figure(
            "first frame of evtui demo",
            demo,
            "s",
            "<= 1",
            demo <= 1.0,
            reference="python -c pass",
            reference_value=python,
            note="process start to the end of the first frame with the monitor, under a pty",
        )
    )
    print()
    report("bench_app", figures, args.json)
    for figure in figures:
        if figure.note:
            print(f"{figure.name}: {figure.note}")


if __name__ == "__main__":
    main()
