"""Decode + apply throughput, against the unavoidable floor (base64 decode + gzip inflate).

    .venv/bin/python benchmarks/decode_apply.py [--messages N]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import time

from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.model import Batch, StateStore, StreamMessage, decode


def messages(count: int) -> list[StreamMessage]:
    network = SyntheticNetwork(NetworkConfig(seed=7))
    out: list[StreamMessage] = []
    items = network.snapshot()
    horizon = 3600.0
    while len(items) < count:
        items += network.advance(network.now + horizon)
    for offset, (sim, payload) in enumerate(items[:count]):
        for evse in payload["evses"]:
            evse["last_updated"] = format_time(1_700_000_000 + evse.pop("since", sim))
        data = base64.b64encode(gzip.compress(json.dumps(payload).encode(), mtime=0)).decode()
        out.append(StreamMessage(partition=0, offset=offset, data=data))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=50_000)
    count = parser.parse_args().messages
    batch = messages(count)

    start = time.perf_counter()
    for message in batch:
        assert isinstance(message.data, str)
        gzip.decompress(base64.b64decode(message.data))
    floor = count / (time.perf_counter() - start)

    store = StateStore()
    start = time.perf_counter()
    store.apply(Batch([decode(message) for message in batch]))
    ours = count / (time.perf_counter() - start)

    print(f"{'measure':<28}{'messages/s':>14}")
    print(f"{'floor (base64 + gunzip)':<28}{floor:>14,.0f}")
    print(f"{'decode + apply':<28}{ours:>14,.0f}")
    print(f"{'ratio (target >= 0.5)':<28}{ours / floor:>14.2f}")


if __name__ == "__main__":
    main()
