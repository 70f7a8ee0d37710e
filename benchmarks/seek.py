"""Seeking in a long session: how long a jump to any position takes, and the file's size.

    .venv/bin/python benchmarks/seek.py [--messages N] [--seeks K] [--session FILE]

Builds a session of N messages from the seeded synthetic network (2,000 locations) with the
real Recorder, unless --session names one that exists, then times K seeks to random positions
in a fresh replay (cold: nothing played yet) against the reference of reading the same number
of messages the seek replays, straight from the file.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.model import Batch, StreamMessage, decode
from evtui.recording import Player, Recorder, SessionOrigin, SessionReader

START = 1_700_000_000.0
BATCH = 200


def build(path: Path, count: int) -> None:
    network = SyntheticNetwork(NetworkConfig(seed=7))
    origin = SessionOrigin("synthetic network, seed 7", "demo", EV_CATALOG, EV_LAYER)
    recorder = Recorder.create(path, origin)
    items = network.snapshot()
    written = 0
    started = time.perf_counter()
    while written < count:
        if not items:
            items = network.advance(network.now + 3600.0)
            continue
        chunk, items = items[: min(BATCH, count - written)], items[BATCH:]
        decoded = []
        for sim, payload in chunk:
            for evse in payload["evses"]:
                evse["last_updated"] = format_time(START + evse.pop("since", sim))
            raw = gzip.compress(json.dumps(payload).encode(), mtime=0)
            message = StreamMessage(
                partition=written % 4,
                offset=written,
                data=base64.b64encode(raw).decode(),
                received_at=START + sim,
            )
            decoded.append(decode(message))
            written += 1
        recorder.record(Batch(tuple(decoded)))
        if written % 100_000 < BATCH:
            rate = written / (time.perf_counter() - started)
            print(f"  built {written:,} messages ({rate:,.0f}/s)", flush=True)
    recorder.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seeks", type=int, default=20)
    parser.add_argument("--session", type=Path, help="use (or keep) this session file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.session or Path(tmp) / "bench.evtui"
        if not path.exists():
            print(f"building a session of {args.messages:,} messages in {path}")
            build(path, args.messages)
        reader = SessionReader(path)
        total = reader.count
        size = reader.info.size
        checkpoints = reader.checkpoints()
        rng = random.Random(1)
        targets = [rng.randrange(total + 1) for _ in range(args.seeks)]

        seeks = []
        for target in targets:
            player = Player(reader)
            started = time.perf_counter()
            player.seek(target)
            seeks.append(time.perf_counter() - started)
            assert player.position == target

        # Reference: reading back the messages a seek replays (from its checkpoint on).
        reads = []
        for target in targets:
            base = max((c for c in checkpoints if c <= target), default=0)
            started = time.perf_counter()
            for chunk in reader.read(base, target):
                for _, message in chunk:
                    decode(message)
            reads.append(time.perf_counter() - started)
        reader.close()

    print(f"session: {total:,} messages, {size / 1e6:,.1f} MB, {size / total:,.0f} bytes/message")
    print(f"checkpoints: {len(checkpoints)}")
    print(f"{'measure':<40}{'median s':>10}{'max s':>10}")
    print(
        f"{'seek (cold replay), target < 1 s':<40}"
        f"{statistics.median(seeks):>10.3f}{max(seeks):>10.3f}"
    )
    print(
        f"{'reference: read + decode the same span':<40}"
        f"{statistics.median(reads):>10.3f}{max(reads):>10.3f}"
    )


if __name__ == "__main__":
    main()
