"""Recording: bytes per event on disk, what recording costs ingest, and seeking a long session.

    .venv/bin/python benchmarks/bench_recording.py [--quick] [--json FILE]
        [--messages N] [--seeks K] [--session FILE]

- bytes/event: the session file's size per message, against the payloads as received.
- recording cost: ingest (decode + `MonitorState.apply`, in batches of 300) recorded as the
  monitor records (`Recorder` of the live state, its writer process; until the file holds
  everything), against the same ingest without it, alternated in one run; and the same as
  the ingesting thread's CPU time (what the monitor's event loop pays).
- seek: jumps to random positions in a fresh replay of an N-message session (1,000,000; 50,000
  with --quick), against reading and decoding the span the seek replays from its checkpoint.

The messages come from the seeded synthetic network (2,000 locations) as the emulator
publishes them: compact JSON, gzip, base64, the location id as key, a publish timestamp; each
batch of 300 shares its receive time, as a poll's messages do. The
N-message session is built with the real Recorder (minutes for a million) and kept in the
temporary directory, keyed by session format and checkpoint versions, for the next run;
--session names another file. (Delete it after changing what the recorder writes otherwise.)
It runs tuned as every evtui command runs (`evtui.runtime.tune`): at Python's default
collector threshold the collections alone cost a recording 2 us a message more.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import statistics
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from _harness import Figure, arguments, report

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.model import Batch, MonitorState, StreamMessage, decode
from evtui.model.state import BINARY_VERSION, DELTA_VERSION
from evtui.recording import FORMAT_VERSION, Player, Recorder, SessionOrigin, SessionReader
from evtui.runtime import tune

START = 1_700_000_000.0
BATCH = 300
PARTITIONS = 4


def stream(seed: int = 7) -> Iterator[StreamMessage]:
    """The network's messages as received from the emulator, for ever."""
    network = SyntheticNetwork(NetworkConfig(seed=seed))
    offsets = [0] * PARTITIONS
    items = network.snapshot()
    while True:
        for sim, payload in items:
            for evse in payload["evses"]:
                evse["last_updated"] = format_time(START + evse.pop("since", sim))
            key = str(payload["id"])
            raw = gzip.compress(json.dumps(payload, separators=(",", ":")).encode(), mtime=0)
            partition = zlib.crc32(key.encode()) % PARTITIONS
            yield StreamMessage(
                partition=partition,
                offset=offsets[partition],
                data=base64.b64encode(raw).decode("ascii"),
                timestamp=int((START + sim) * 1000),
                key=key,
                received_at=START + sim + 0.05,
            )
            offsets[partition] += 1
        items = network.advance(network.now + 3600.0)


def batches(count: int) -> Iterator[list[StreamMessage]]:
    """Polls of `BATCH` messages, received together as the HERE client receives a poll."""
    chunk: list[StreamMessage] = []
    for n, message in enumerate(stream()):
        if n >= count:
            break
        chunk.append(message)
        if len(chunk) == BATCH:
            yield received(chunk)
            chunk = []
    if chunk:
        yield received(chunk)


def received(chunk: list[StreamMessage]) -> list[StreamMessage]:
    # The client stamps a poll's messages with the time the answer came.
    at = chunk[-1].received_at
    return [replace(m, received_at=at) for m in chunk]


def build(path: Path, count: int) -> None:
    origin = SessionOrigin("synthetic network, seed 7", "demo", EV_CATALOG, EV_LAYER)
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    recorder = Recorder.create(partial, origin)
    started = time.perf_counter()
    for chunk in batches(count):
        recorder.record(Batch(tuple(decode(m) for m in chunk)))
        if recorder.messages % 100_000 < BATCH:
            rate = recorder.messages / (time.perf_counter() - started)
            print(f"  built {recorder.messages:,} messages ({rate:,.0f}/s)", flush=True)
    recorder.close()
    partial.rename(path)  # only a whole session is kept for the next run


def recording_cost(count: int, rounds: int) -> tuple[float, float, float, float]:
    """Ingest rates (messages/s) without and with recording, the best of `rounds` each; and
    the ingesting thread's CPU seconds per message without and with it (the least of each)."""
    chunks = list(batches(count))
    without, with_, cpu_without, cpu_with = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            # The monitor's way: its clock as `now` (a replay's activity counted beside it).
            state = MonitorState()
            started, cpu = time.perf_counter(), time.thread_time()
            for chunk in chunks:
                batch = Batch(tuple(decode(m) for m in chunk))
                state.apply(batch, batch.items[-1].message.received_at)
            cpu_without.append((time.thread_time() - cpu) / count)
            without.append(count / (time.perf_counter() - started))

            # As the monitor records: the live state's checkpoints, a writer process, and the
            # time until the file holds everything (close waits for the writer).
            state = MonitorState()
            origin = SessionOrigin("benchmark", "demo")
            recorder = Recorder.create(Path(tmp) / f"cost-{n}.evtui", origin, live=state)
            # Its writer process starts once a recording, in some 0.3 s: not what a message costs.
            recorder.flush()
            started, cpu = time.perf_counter(), time.thread_time()
            for chunk in chunks:
                batch = recorder.in_time_order(Batch(tuple(decode(m) for m in chunk)))
                recorder.record(batch, state.apply(batch, batch.items[-1].message.received_at))
                recorder.written()
            cpu_with.append((time.thread_time() - cpu) / count)
            recorder.close()
            with_.append(count / (time.perf_counter() - started))
    return max(without), max(with_), min(cpu_without), min(cpu_with)


def seeks(path: Path, count: int) -> tuple[list[float], list[float], int, int]:
    """Seconds per seek to `count` random positions, and per read + decode of the span each
    replays; with the session's messages and size."""
    with SessionReader(path) as reader:
        total, size = reader.count, reader.info.size
        checkpoints = reader.checkpoints()
        rng = random.Random(1)
        targets = [rng.randrange(total + 1) for _ in range(count)]
        took = []
        for target in targets:
            player = Player(reader)
            started = time.perf_counter()
            player.seek(target)
            took.append(time.perf_counter() - started)
            assert player.position == target
        reads = []
        for target in targets:
            base = max((c for c in checkpoints if c <= target), default=0)
            started = time.perf_counter()
            for chunk in reader.read(base, target):
                for _, message in chunk:
                    decode(message)
            reads.append(time.perf_counter() - started)
    return took, reads, total, size


def payload_bytes(count: int) -> float:
    """Bytes per message of the payloads as received (base64 text)."""
    total = sum(len(m.data or "") for chunk in batches(count) for m in chunk)
    return total / count


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--messages", type=int, help="messages in the session to seek in")
    parser.add_argument("--seeks", type=int, help="seeks to time")
    parser.add_argument("--session", type=Path, help="use (or build and keep) this session")
    args = parser.parse_args()
    tune()  # as every evtui command runs: the collector's threshold moves the cost measured
    messages = args.messages or (50_000 if args.quick else 1_000_000)
    count = args.seeks or (8 if args.quick else 20)

    # Keyed by what the recorder writes: the session format, and the checkpoints inside it.
    name = f"evtui-bench-v{FORMAT_VERSION}-c{BINARY_VERSION}.{DELTA_VERSION}-{messages}.evtui"
    path = args.session or Path(tempfile.gettempdir()) / name
    if not path.exists():
        print(f"building a session of {messages:,} messages in {path}", flush=True)
        build(path, messages)
    took, reads, total, size = seeks(path, count)
    received = payload_bytes(min(total, 50_000))
    without, with_, cpu_without, cpu_with = recording_cost(
        20_000 if args.quick else 60_000, 2 if args.quick else 3
    )
    cost = (without / with_ - 1) * 100
    thread_cost = (cpu_with / cpu_without - 1) * 100

    figures = [
        Figure(
            "session bytes per event",
            size / total,
            "bytes/event",
            "<= 100",
            size / total <= 100,
            "payloads as received (base64)",
            received,
            f"{total:,} messages, {size / 1e6:,.1f} MB",
        ),
        Figure(
            "recording cost",
            cost,
            "% of ingest",
            "<= 20%",
            cost <= 20,
            "ingest without recording, messages/s",
            without,
            f"ingest with recording {with_:,.0f} messages/s, until the file holds it all",
        ),
        Figure(
            "recording cost to the ingesting thread",
            thread_cost,
            "% of its CPU",
            "<= 20%",
            thread_cost <= 20,
            "CPU µs per message without recording",
            cpu_without * 1e6,
            f"with recording {cpu_with * 1e6:.1f} µs (the writer process's own not counted)",
        ),
        Figure(
            f"seek median ({total:,} events)",
            statistics.median(took),
            "s",
            "< 1 s",
            statistics.median(took) < 1,
            "read + decode the span",
            statistics.median(reads),
            f"{count} seeks to random positions, cold replay each",
        ),
        Figure(
            f"seek max ({total:,} events)",
            max(took),
            "s",
            "< 1 s",
            max(took) < 1,
            "read + decode the span",
            max(reads),
        ),
    ]
    report("bench_recording", figures, args.json)


if __name__ == "__main__":
    main()
