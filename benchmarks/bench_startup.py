"""Start-up: `evtui --version` against the interpreter's own start-up.

    .venv/bin/python benchmarks/bench_startup.py [--quick] [--json FILE]

Each command runs as a fresh process, alternately, 20 times (5 with --quick); the median
counts. Bytecode caching is on, as for an installed program (some sandboxes turn it off).
The first frame of `evtui demo` is measured by bench_app.py, through the real app.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from _harness import Figure, arguments, report

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
EVTUI = os.path.join(os.path.dirname(sys.executable), "evtui")


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=ENV)
    return time.perf_counter() - started


def main() -> None:
    args = arguments(__doc__).parse_args()
    runs = 5 if args.quick else 20
    seconds([EVTUI, "--version"])  # writes the bytecode caches, if missing
    ours: list[float] = []
    python: list[float] = []
    for _ in range(runs):
        ours.append(seconds([EVTUI, "--version"]))
        python.append(seconds([sys.executable, "-c", "pass"]))
    median = statistics.median(ours) * 1000
    report(
        "bench_startup",
        [
            Figure(
                "evtui --version",
                median,
                "ms",
                "<= 150 ms",
                median <= 150,
                reference="python -c pass, ms",
                reference_value=statistics.median(python) * 1000,
                note=f"median of {runs}; the console script, as a user runs it",
            )
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
