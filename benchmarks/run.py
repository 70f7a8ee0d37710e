"""Run every benchmark and print one table; `make bench` runs this.

    .venv/bin/python benchmarks/run.py [--quick] [--json FILE] [NAME ...]

Each `bench_*.py` runs in its own process (so one's memory or imports cannot colour
another's), one after the other. The figures are gathered into one JSON file (default
`benchmarks/results.json`) with the machine they were measured on. A missed target is shown,
never an error: a benchmark is not a test, and a slow machine does not fail anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Figure, table

HERE = Path(__file__).resolve().parent


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("names", nargs="*", help="only these, e.g. decode tail")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.names]
    results: list[dict[str, object]] = []
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        for script in scripts:
            print(f"--- {script.name}", flush=True)
            out = Path(tmp) / f"{script.stem}.json"
            command = [sys.executable, str(script), "--json", str(out)]
            if args.quick:
                command.append("--quick")
            started = time.perf_counter()
            done = subprocess.run(command, cwd=HERE.parent)
            if done.returncode != 0 or not out.exists():
                print(f"{script.name} failed (exit {done.returncode})", flush=True)
                continue
            data = json.loads(out.read_text())
            data["seconds"] = round(time.perf_counter() - started, 1)
            results.append(data)
            figures += [Figure(**f) for f in data["figures"]]
    print("\n=== all figures" + (" (quick: smaller sizes)" if args.quick else ""))
    print(table(figures))
    args.json.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "machine": machine(),
                "quick": args.quick,
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
