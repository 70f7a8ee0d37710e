"""The monitor taking one message that lists 9,000 EVSEs of one location.

    .venv/bin/python benchmarks/bench_big_message.py [--quick] [--json FILE]

Such a message (over 1 MB, served through Blob) must reach the screen without freezing it:
the figure with a target is the frame time, the longest the event loop is blocked while the
message is decoded, applied and its rows are added to the log (< 100 ms).
The real Textual app (`EvtuiApp`, headless, every frame rendered to escape sequences as in
`bench_app.py`) runs its live worker on a source that first hands over an ordinary network
(the seeded synthetic one, 2,000 locations), then, one at a time, messages of one location
with 9,000 EVSEs: the first one sees them all for the first time, each later one changes every
one of them. Two figures per message:

- message to frame: from the moment the source hands the decoded message to the app until a
  frame showing its last change (the newest row of the log) has been drawn;
- longest stall: the longest the event loop was kept from running anything else (a key, a
  frame) meanwhile, measured by a 1 ms ticker on the same loop.

The message is handed over as it arrives (gzip, base64) and decoded by the source on the app's
event loop, as the HERE client does. Reference, same run: decoding and applying the same
message to a `MonitorState` with no app.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import statistics
import time
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Self

from _harness import Figure, arguments, report
from bench_app import SIZE, START, MeteredApp

from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import Batch, MonitorState, StreamMessage, decode
from evtui.model.vocabulary import id_tail
from evtui.runtime import tune
from evtui.ui.widgets.event_log import EventLog

EVSES = 9_000
STATUSES = ("CHARGING", "AVAILABLE")


def message(document: dict[str, object], offset: int) -> StreamMessage:
    raw = gzip.compress(json.dumps(document).encode(), mtime=0)
    return StreamMessage(
        partition=0, offset=offset, data=base64.b64encode(raw).decode(), received_at=START
    )


def network_messages(count: int) -> list[StreamMessage]:
    network = SyntheticNetwork(NetworkConfig(seed=7))
    out: list[StreamMessage] = []
    for sim, payload in network.snapshot()[:count]:
        for evse in payload["evses"]:
            evse["last_updated"] = format_time(START + evse.pop("since", sim))
        out.append(message(payload, len(out)))
    return out


def big_id(i: int) -> str:
    # Shaped like HERE's ids (a SHA-256 in hex): they do not compress, as real ones do not.
    return "here:evcp:evse:" + hashlib.sha256(b"big %d" % i).hexdigest()


def big_message(n: int, offset: int) -> StreamMessage:
    """The big location's n-th message: all its EVSEs in one status, a minute after the last."""
    status = STATUSES[n % 2]
    evses = [
        {"id": big_id(i), "status": status, "last_updated": format_time(START + 60 * n + i % 60)}
        for i in range(EVSES)
    ]
    return message({"id": "here:evcp:charginglocation:big", "evses": evses}, offset)


class HandOver:
    """A live source that decodes what it is handed, as the HERE client does, and yields it."""

    label = "benchmark"

    def __init__(self) -> None:
        self.queue: asyncio.Queue[list[StreamMessage]] = asyncio.Queue()
        self.handed = 0.0

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
        while True:
            messages = await self.queue.get()
            self.handed = time.perf_counter()
            yield Batch(tuple(decode(m) for m in messages))


async def stall_ticker(stalls: list[float], stop: asyncio.Event) -> None:
    """Record how late each 1 ms tick of the event loop ran."""
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        stalls.append(now - last)
        last = now


async def in_app(base: list[StreamMessage], rounds: int) -> list[tuple[float, float]]:
    """(message to frame, longest stall), in ms, for each round."""
    source = HandOver()
    app = MeteredApp(source)
    results: list[tuple[float, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for start in range(0, len(base), 200):
            source.queue.put_nowait(base[start : start + 200])
        await asyncio.sleep(1.5)  # the network on screen, the repaint clock settled
        log = app.screen.query_one(EventLog)
        last = id_tail(big_id(EVSES - 1))[:6]  # the log shows the head and the tail of an id
        for n in range(rounds):
            item = big_message(n, len(base) + n)
            if n == 0:
                # First sightings are not status changes: the counters' total shows them.
                total = f"{len(app.store.evses) + EVSES:,}"
                app.probe = lambda text, total=total: total in text
            else:
                # The newest row of the log is the message's last change, and it is on screen.
                def shown(text: str, n: int = n) -> bool:
                    newest = log.rows[-1] if log.rows else None
                    return (
                        newest is not None
                        and newest.evse_id == big_id(EVSES - 1)
                        and newest.new == STATUSES[n % 2]
                        and last in text
                    )

                app.probe = shown
            app.probed = probed = asyncio.Event()
            stalls: list[float] = []
            stop = asyncio.Event()
            ticker = asyncio.create_task(stall_ticker(stalls, stop))
            await asyncio.sleep(0.05)
            source.queue.put_nowait([item])
            await asyncio.wait_for(probed.wait(), 30)
            await asyncio.sleep(0.1)  # the frames after it too
            stop.set()
            await ticker
            results.append(((app.probe_hit - source.handed) * 1000, max(stalls) * 1000))
            await asyncio.sleep(0.3)
        await pilot.press("q")
    return results


def without_app(base: list[StreamMessage], rounds: int) -> list[float]:
    """ms to decode and apply each big message to a MonitorState with no app."""
    state = MonitorState()
    state.apply(Batch(tuple(decode(m) for m in base)), START)
    out = []
    for n in range(rounds):
        big = big_message(n, len(base) + n)
        started = time.perf_counter()
        state.apply(Batch((decode(big),)), START + n)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    args = arguments(__doc__.splitlines()[0] if __doc__ else None).parse_args()
    tune()  # as every evtui command runs
    rounds = 4 if args.quick else 10
    base = network_messages(2_000)
    size = len(base64.b64decode(str(big_message(0, 0).data)))
    print(f"{rounds} messages of {EVSES:,} EVSEs ({size / 1e6:.2f} MB gzip) after {len(base):,}")
    bare = without_app(base, rounds)
    results = asyncio.run(in_app(base, rounds))
    frame = [r[0] for r in results]
    stall = [r[1] for r in results]
    # The first round is first sightings, the rest changes: the worst of all is the figure.
    note = (
        f"{rounds} messages: first sighting {frame[0]:.0f} ms, changes median "
        f"{statistics.median(frame[1:]):.0f} ms; stalls median {statistics.median(stall):.0f} ms"
    )
    figures = [
        # The screen is frozen while the loop is: the longest stall is the frame time.
        Figure(
            f"frame time applying a {EVSES:,}-EVSE message, worst",
            max(stall),
            "ms",
            "< 100",
            max(stall) < 100,
            reference="decode + apply, no app (worst)",
            reference_value=max(bare),
            note=note,
        ),
        # Paced repaints may hold its rows for a frame or two more: reported, no target.
        Figure(
            f"{EVSES:,}-EVSE message to the frame showing it, worst", max(frame), "ms", "-", None
        ),
    ]
    report("bench_big_message", figures, args.json)
    print(figures[0].note)


if __name__ == "__main__":
    main()
