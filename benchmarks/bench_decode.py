"""Decode + apply throughput, against the floor no consumer can avoid: base64 + gunzip.

    .venv/bin/python benchmarks/bench_decode.py [--quick] [--json FILE]

The messages are the demo's (the seeded synthetic network: HERE-shaped ids, 1 to 8 EVSEs a
message), gzip + base64 as the stream carries them. Both sides take the same messages in
batches of 500, as a poll delivers them; each is timed three times, alternately, and the best
run of each counts (the least disturbed by the rest of the machine).

- floor: `gzip.decompress(base64.b64decode(data))` for each message, nothing kept.
Both run with the collector tuned as every evtui command runs (`evtui.runtime.tune`).

- decode + apply: `evtui.model.decode` (base64, gunzip with the bomb guard, JSON parsed and
  validated by pydantic, times checked) and `MonitorState.apply` (the store, the activity window,
  the event log), as the monitor and `evtui tail` do.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable

from _harness import Figure, arguments, report

from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.model import Batch, MonitorState, StreamMessage, decode
from evtui.runtime import tune

BATCH = 500


def messages(count: int) -> list[StreamMessage]:
    """`count` messages of the demo's network, from its first snapshot on."""
    network = SyntheticNetwork(NetworkConfig(seed=7))
    out: list[StreamMessage] = []
    items = network.snapshot()
    while len(items) < count:
        items += network.advance(network.now + 3600.0)
    for offset, (sim, payload) in enumerate(items[:count]):
        for evse in payload["evses"]:
            evse["last_updated"] = format_time(1_700_000_000 + evse.pop("since", sim))
        data = base64.b64encode(gzip.compress(json.dumps(payload).encode(), mtime=0)).decode()
        out.append(
            StreamMessage(partition=0, offset=offset, data=data, received_at=1_700_000_000 + sim)
        )
    return out


def floor(batch: list[StreamMessage]) -> None:
    for i in range(0, len(batch), BATCH):
        for message in batch[i : i + BATCH]:
            assert isinstance(message.data, str)
            gzip.decompress(base64.b64decode(message.data))


def decode_apply(batch: list[StreamMessage]) -> None:
    state = MonitorState()
    for i in range(0, len(batch), BATCH):
        decoded = Batch(tuple(decode(m) for m in batch[i : i + BATCH]))
        state.apply(decoded, now=float(i // 10_000))
    assert state.rejected_total == 0


def best_rate(run: Callable[[list[StreamMessage]], None], batch: list[StreamMessage]) -> float:
    started = time.process_time()
    run(batch)
    return len(batch) / (time.process_time() - started)


def main() -> None:
    args = arguments(__doc__).parse_args()
    tune()
    count = 20_000 if args.quick else 100_000
    batch = messages(count)
    floors: list[float] = []
    ours: list[float] = []
    for _ in range(3):
        floors.append(best_rate(floor, batch))
        ours.append(best_rate(decode_apply, batch))
    ratio = max(ours) / max(floors)
    report(
        "bench_decode",
        [
            Figure(
                "decode + apply",
                max(ours),
                "messages/s",
                "-",
                None,
                reference="floor: base64 + gunzip",
                reference_value=max(floors),
                note=f"{count:,} messages",
            ),
            Figure(
                "decode + apply / floor",
                ratio,
                "x floor",
                ">= 0.5x floor",
                ratio >= 0.5,
            ),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
