"""The directory cache: display data of 200,000 locations at start-up, time and memory.

    .venv/bin/python benchmarks/bench_directory.py [--quick] [--json FILE]

A synthetic cache of 200,000 v3-shaped records (real-shaped ids, names, operators, addresses,
two EVSEs each) is written once to a temporary directory; then a fresh process opens it and
loads every location's display data (`DirectoryCache.summaries()`), as the monitor does at
start-up. Time is the open plus the load; memory is the RSS that process gained by it, read
from /proc, against the same process before the cache was opened (evtui's modules imported).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Figure, arguments, report

from evtui.directory import DirectoryCache
from evtui.model.directory import parse_location

OPERATORS = ("IONITY", "EnBW", "Allego", "Fastned", "Tesla", "Shell Recharge", "Vattenfall")
CITIES = (
    ("Berlin", "DEU", 52.52, 13.40),
    ("Paris", "FRA", 48.86, 2.35),
    ("Amsterdam", "NLD", 52.37, 4.90),
    ("Milano", "ITA", 45.46, 9.19),
    ("Madrid", "ESP", 40.42, -3.70),
)


def record(n: int) -> dict[str, object]:
    city, country, lat, lng = CITIES[n % len(CITIES)]
    source = base64.b64encode(f"here-ev:ecomovement:{100_000_000 + n}".encode()).decode()
    return {
        "id": f"here:evcp:charginglocation:276u33d{n:06x}-{source.rstrip('=')}",
        "location": {"lat": lat + (n % 1000) * 1e-4, "lng": lng + (n % 997) * 1e-4},
        "name": f"{city} Ladepark {n}",
        "operator": {"name": OPERATORS[n % len(OPERATORS)]},
        "address": {
            "label": f"Hauptstrasse {n % 300}, {10_000 + n % 90_000} {city}",
            "postalCode": str(10_000 + n % 90_000),
            "city": city,
            "countryCode": country,
        },
        "evses": [
            {
                "id": f"here:evcp:evse:{n:032x}{e:032x}",
                "evseId": f"DE*ABC*E{n:07d}*{e}",
                "connectors": [
                    {"standard": "IEC_62196_T2_COMBO", "powerType": "dc", "maxPower": 150_000}
                ],
            }
            for e in range(2)
        ],
    }


def build(path: Path, count: int) -> None:
    with DirectoryCache.open(path) as cache:
        now = time.time()
        for start in range(0, count, 10_000):
            raws = [record(n) for n in range(start, min(count, start + 10_000))]
            cache.put((raw, parse_location(raw, now)) for raw in raws)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def load(path: Path) -> None:
    """In a fresh process: print seconds, MB gained and the count, as JSON."""
    before = rss_mb()
    started = time.perf_counter()
    cache = DirectoryCache.open(path)
    summaries = cache.summaries()
    elapsed = time.perf_counter() - started
    print(json.dumps({"s": elapsed, "mb": rss_mb() - before, "n": len(summaries)}))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--load":
        load(Path(sys.argv[2]))
        return
    args = arguments(__doc__).parse_args()
    count = 20_000 if args.quick else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "directory.sqlite"
        started = time.perf_counter()
        build(path, count)
        built = time.perf_counter() - started
        size = path.stat().st_size / 1e6
        runs = [
            json.loads(
                subprocess.run(
                    [sys.executable, __file__, "--load", str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for _ in range(3)
        ]
    best = min(r["s"] for r in runs)
    memory = max(r["mb"] for r in runs)
    scale = 200_000 / count
    figures = [
        Figure(
            f"load display data of {count:,} locations",
            best,
            "s",
            "< 1 s" if not args.quick else "< 0.1 s",
            best < 1.0 / scale,
            note="open + summaries(), best of 3 fresh processes",
        ),
        Figure(
            f"RSS added by {count:,} locations",
            memory,
            "MB",
            "<= 150 MB" if not args.quick else "<= 15 MB",
            memory <= 150 / scale,
        ),
        Figure(f"cache file, {count:,} records", size, "MB", "-", None),
        Figure(f"write {count:,} records", count / built, "records/s", "-", None),
    ]
    report("bench_directory", figures, args.json)


if __name__ == "__main__":
    main()
