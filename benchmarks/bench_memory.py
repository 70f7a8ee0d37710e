"""Memory: the model holding 1,000,000 EVSEs at 200,000 locations, and the bounded lists.

    .venv/bin/python benchmarks/bench_memory.py [--quick] [--json FILE]

Each location is one real stream message (gzip + base64, HERE-shaped ids: locations as real ones,
`here:evcp:charginglocation:<country><geohash>-<base64 source>`, about 80 characters; 64-hex
EVSEs), decoded and applied batch by batch as the monitor does; then every EVSE changes status
once, so each has a history. RSS is the whole process's resident size (what `top` shows),
read from /proc; the reference is the same process before any message was made, with evtui's
modules imported. The event log and the rejected list are then fed far more than they keep, to
show they stay bounded.
"""

from __future__ import annotations

import base64
import gc
import gzip
import hashlib
import json
import random
import resource
import sys
from collections.abc import Iterator

from _harness import Figure, arguments, report

from evtui.model import Batch, MonitorState, StreamMessage, decode
from evtui.model.geohash import encode
from evtui.model.state import KEEP_REJECTIONS
from evtui.runtime import tune

STATUSES = ("AVAILABLE", "CHARGING", "AVAILABLE", "OUT_OF_ORDER", "RESERVED")
BATCH = 500


def rss_mb() -> float:
    """The resident set size now, in MB (10^6 bytes)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def evse_id(number: int) -> str:
    """A HERE-shaped EVSE id, the same for the same number (nothing kept between rounds)."""
    return "here:evcp:evse:" + hashlib.blake2b(number.to_bytes(8), digest_size=32).hexdigest()


# (ISO numeric, lat, lng) of a few city centres. Not the emulator's places: importing the
# emulator would bring its web server into the reference figure.
CITIES = ((276, 52.52, 13.405), (250, 48.857, 2.352), (528, 52.368, 4.904), (56, 50.85, 4.352))


def location_id(number: int) -> str:
    """A real-shaped location id, the same for the same number: within 10 km of a city centre,
    with a 9-digit supplier id as in HERE's ids."""
    rng = random.Random(number)
    country, lat, lng = CITIES[number % len(CITIES)]
    geohash = encode(lat + rng.uniform(-0.1, 0.1), lng + rng.uniform(-0.1, 0.1))
    source = base64.b64encode(f"here-ev:ecomovement:{100_000_000 + number}".encode())
    return f"here:evcp:charginglocation:{country}{geohash}-{source.decode().rstrip('=')}"


def messages(locations: int, per_location: int, round_: int) -> Iterator[StreamMessage]:
    """One message per location, naming all of its EVSEs, in round `round_`."""
    for li in range(locations):
        evses = [
            {
                "id": evse_id(li * per_location + ei),
                "status": STATUSES[(li + ei + round_) % len(STATUSES)],
                "last_updated": f"2026-11-30T{10 + round_:02d}:{li % 60:02d}:{ei:02d}Z",
            }
            for ei in range(per_location)
        ]
        payload = {"id": location_id(li), "evses": evses}
        data = base64.b64encode(gzip.compress(json.dumps(payload).encode(), mtime=0)).decode()
        yield StreamMessage(0, round_ * locations + li, data, received_at=1.8e9 + round_)


def feed(state: MonitorState, source: Iterator[StreamMessage]) -> None:
    chunk: list[StreamMessage] = []
    for message in source:
        chunk.append(message)
        if len(chunk) == BATCH:
            state.apply(Batch(tuple(decode(m) for m in chunk)), now=0.0)
            chunk.clear()
    if chunk:
        state.apply(Batch(tuple(decode(m) for m in chunk)), now=0.0)


def main() -> None:
    args = arguments(__doc__).parse_args()
    tune()  # as every evtui command runs
    locations = 20_000 if args.quick else 200_000
    per_location = 5
    evses = locations * per_location

    gc.collect()
    before = rss_mb()
    state = MonitorState()
    feed(state, messages(locations, per_location, 0))
    feed(state, messages(locations, per_location, 1))
    gc.collect()
    after = rss_mb()
    assert state.store.evse_count == evses, state.store.evse_count
    assert len(state.store.locations) == locations

    # Bounded lists: many more changes and rejections than they keep.
    events_cap = state.store.events.maxlen
    bad = [StreamMessage(0, i, "not base64!", received_at=1.8e9) for i in range(KEEP_REJECTIONS)]
    for _ in range(5):
        state.apply(Batch(tuple(decode(m) for m in bad)), now=0.0)
    bounded = (
        len(state.store.events) <= (events_cap or sys.maxsize)
        and len(state.rejections) <= KEEP_REJECTIONS
        and state.rejected_total == 5 * KEEP_REJECTIONS
    )
    scale = 1_000_000 / evses
    figures = [
        Figure(
            f"RSS holding {evses:,} EVSEs at {locations:,} locations",
            after,
            "MB",
            # 300 MB for the store; 400 with the reliability accumulators (about 100 bytes an EVSE).
            "<= 400 MB" if not args.quick else "(quick: 1/10 of the size)",
            after <= 400 if not args.quick else None,
            reference="process before any message",
            reference_value=before,
        ),
        Figure(
            "model alone, per EVSE",
            (after - before) * 1e6 / evses,
            "bytes",
            "-",
            None,
            note=f"{(after - before) * scale:,.0f} MB for 1,000,000",
        ),
        Figure(
            "event log and rejected list bounded",
            float(len(state.store.events) + len(state.rejections)),
            "items kept",
            f"<= {(events_cap or 0) + KEEP_REJECTIONS:,} whatever the run",
            bounded,
            reference="changes + rejections fed",
            reference_value=float(state.store.updates + state.rejected_total),
        ),
    ]
    report("bench_memory", figures, args.json)


if __name__ == "__main__":
    main()
