"""Decode + apply throughput, against the floor no consumer can avoid: base64 + gunzip.

    .venv/bin/python benchmarks/bench_decode.py [--quick] [--json FILE]

The messages are the demo's (the seeded synthetic network: HERE-shaped ids, 1 to 8 EVSEs a
message), gzip + base64 as the stream carries them. Both sides take the same messages in
batches of 500, as a poll delivers them; each is timed three times, alternately, and the best
run of each counts (the least disturbed by the rest of the machine).

- floors: base64 + gunzip of each message, nothing kept, with each inflate there is: the
  standard library's zlib, ISA-L (`isal`) and zlib-ng (`zlib-ng`); the fastest is the floor
  the ratio is taken against (all three are reported).
Both run with the collector tuned as every evtui command runs (`evtui.runtime.tune`).

- decode + apply: `evtui.model.decode` (base64, gunzip with the bomb guard, JSON parsed and
  validated by msgspec where it agrees with the pydantic schema, times checked) and
  `MonitorState.apply` (the store, the activity window, the event log), as the monitor and
  `evtui tail` do.
- the same with the directory filling in the background: a thread doing, at the monitor's rate
  (a batch of 100 locations every second, `evtui.ui.control.directory`), what each batch costs
  this process: the v3 records of the network's locations parsed and written to a directory
  cache file. Timed by the wall clock (the thread's work shows as the decoding thread's loss),
  alternately with the same run without it.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from _harness import Figure, arguments, report

from evtui.directory import DirectoryCache
from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.model import ApplyResult, Batch, MonitorState, StreamMessage, decode
from evtui.model.decoder import MAX_DOCUMENT_BYTES
from evtui.model.directory import parse_location
from evtui.model.inflate import NAME as INFLATE_NAME
from evtui.runtime import tune
from evtui.ui.control.directory import INTERVAL, NETWORK_BATCH

WBITS = 16 + zlib.MAX_WBITS

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


def _inflates() -> dict[str, ModuleType]:
    """Every inflate this machine has: zlib always; isal and zlib-ng where installed (the
    dev dependencies bring both)."""
    found: dict[str, ModuleType] = {"zlib": zlib}
    with contextlib.suppress(ImportError):
        from isal import isal_zlib

        found["isal"] = isal_zlib
    with contextlib.suppress(ImportError):
        from zlib_ng import zlib_ng

        found["zlib-ng"] = zlib_ng
    return found


def floor_with(inflate: ModuleType) -> Callable[[list[StreamMessage]], None]:
    """base64 + gunzip of every message with `inflate`, as the decoder calls it."""

    def floor(batch: list[StreamMessage]) -> None:
        for i in range(0, len(batch), BATCH):
            for message in batch[i : i + BATCH]:
                assert isinstance(message.data, str)
                raw = base64.b64decode(message.data)
                inflate.decompressobj(WBITS).decompress(raw, MAX_DOCUMENT_BYTES + 1)

    return floor


def decode_apply(batch: list[StreamMessage]) -> None:
    state = MonitorState()
    for i in range(0, len(batch), BATCH):
        decoded = Batch(tuple(decode(m) for m in batch[i : i + BATCH]))
        state.apply(decoded, now=float(i // 10_000))
    assert state.rejected_total == 0


class _WithoutFigures(MonitorState):
    """The monitor's state as before the reliability accumulators: the reference for their
    cost (the same apply path, the accumulators left out)."""

    def _fold_part(self, batch: Batch) -> ApplyResult:
        return self.store.apply(batch)


def decode_apply_without_figures(batch: list[StreamMessage]) -> None:
    state = _WithoutFigures()
    for i in range(0, len(batch), BATCH):
        decoded = Batch(tuple(decode(m) for m in batch[i : i + BATCH]))
        state.apply(decoded, now=float(i // 10_000))


def best_rate(run: Callable[[list[StreamMessage]], None], batch: list[StreamMessage]) -> float:
    started = time.process_time()
    run(batch)
    return len(batch) / (time.process_time() - started)


def wall_rate(
    run: Callable[[list[StreamMessage]], None], batch: list[StreamMessage], times: int
) -> float:
    """Messages per wall second of `times` runs back to back (long enough for the directory's
    batches to land during them)."""
    started = time.perf_counter()
    for _ in range(times):
        run(batch)
    return times * len(batch) / (time.perf_counter() - started)


def v3_records() -> list[bytes]:
    """The v3 Location record of every location of the demo's network, as the service sends
    them."""
    network = SyntheticNetwork(NetworkConfig(seed=7))
    network.snapshot()
    records = (network.location_record(i) for i in network.location_ids())
    return [json.dumps(r).encode() for r in records if r is not None]


class DirectoryFiller:
    """A batch of records parsed and cached every `INTERVAL`, in a thread, while it runs."""

    def __init__(self, records: list[bytes], cache: Path) -> None:
        self.records = records
        self.cache = cache
        self.batches = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DirectoryFiller:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with DirectoryCache.open(self.cache) as cache:
            start = 0
            while not self._stop.wait(INTERVAL):
                chunk = self.records[start : start + NETWORK_BATCH] or self.records[:NETWORK_BATCH]
                start = (start + NETWORK_BATCH) % len(self.records)
                now = time.time()
                cache.put((record := json.loads(raw), parse_location(record, now)) for raw in chunk)
                self.batches += 1


def main() -> None:
    args = arguments(__doc__).parse_args()
    tune()
    count = 20_000 if args.quick else 100_000
    batch = messages(count)
    inflates = _inflates()
    floors: dict[str, list[float]] = {name: [] for name in inflates}
    ours: list[float] = []
    for _ in range(3):
        for name, inflate in inflates.items():
            floors[name].append(best_rate(floor_with(inflate), batch))
        ours.append(best_rate(decode_apply, batch))
    best = {name: max(rates) for name, rates in floors.items()}
    fastest = max(best, key=best.__getitem__)
    ratio = max(ours) / best[fastest]
    floor_figures = [
        Figure(
            f"floor: base64 + inflate with {name}",
            rate,
            "messages/s",
            "-",
            None,
            note="the floor" if name == fastest else f"{rate / best[fastest]:.2f}x the fastest",
        )
        for name, rate in best.items()
    ]
    bare: list[float] = []
    with_figures: list[float] = []
    for _ in range(3):  # alternated, so that the machine's load falls on both alike
        bare.append(best_rate(decode_apply_without_figures, batch))
        with_figures.append(best_rate(decode_apply, batch))
    cost = (max(bare) / max(with_figures) - 1) * 100
    records = v3_records()
    times = 8 if args.quick else 3  # some seconds each, so that batches land
    plain: list[float] = []
    filled: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        filler = DirectoryFiller(records, Path(tmp) / "directory.sqlite")
        for _ in range(3):
            plain.append(wall_rate(decode_apply, batch, times))
            with filler:
                filled.append(wall_rate(decode_apply, batch, times))
    share = max(filled) / max(plain)
    report(
        "bench_decode",
        [
            Figure(
                "decode + apply",
                max(ours),
                "messages/s",
                "-",
                None,
                reference=f"floor: base64 + {fastest}",
                reference_value=best[fastest],
                note=f"{count:,} messages; evtui inflates with {INFLATE_NAME}",
            ),
            Figure(
                "decode + apply / fastest floor",
                ratio,
                "x floor",
                ">= 0.5x floor",
                ratio >= 0.5,
            ),
            *floor_figures,
            Figure(
                "reliability accumulators' cost",
                cost,
                "% of decode + apply",
                "<= 15 %",
                cost <= 15,
                reference="decode + apply without them (msg/s)",
                reference_value=max(bare),
            ),
            Figure(
                "decode + apply, directory filling",
                max(filled),
                "messages/s",
                "within noise",
                share >= 0.95,
                reference="same, without (wall clock)",
                reference_value=max(plain),
                note=f"{share:.2f}x; {filler.batches} batches of {NETWORK_BATCH} records cached",
            ),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
