"""What every benchmark script shares: its figures, the table it prints and the JSON it writes.

A script measures each figure in the same run as its reference (when it has one), so the ratio
holds on a noisy machine, and reports them with `report`. `benchmarks/run.py` (`make bench`)
runs every script and gathers their JSON into one file.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Figure", "arguments", "report"]


@dataclass(frozen=True)
class Figure:
    """One measured figure, its target and whether this run met it."""

    name: str
    """What was measured, e.g. `decode + apply`."""
    value: float
    unit: str
    """e.g. `messages/s`, `ms`, `MB`, `bytes/event`, `x floor`."""
    target: str
    """The goal as a reader would say it, e.g. `>= 0.5x floor`, `< 1 s`."""
    met: bool | None
    """None: a figure reported for context, with no target of its own."""
    reference: str | None = None
    """What `value` was compared with, measured in the same run, e.g. `base64 + gunzip`."""
    reference_value: float | None = None
    note: str = ""


def arguments(description: str | None) -> argparse.ArgumentParser:
    """The options every script takes: `--quick` (smaller sizes) and `--json FILE`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return parser


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def table(figures: Sequence[Figure]) -> str:
    """The figures as a plain-text table."""
    rows = [("figure", "value", "unit", "reference", "target", "met")]
    for f in figures:
        ref = "" if f.reference is None else f.reference
        if f.reference_value is not None:
            ref += f" ({_number(f.reference_value)})"
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        rows.append((f.name, _number(f.value), f.unit, ref, f.target, met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i == 1 else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def report(script: str, figures: Sequence[Figure], json_path: Path | None) -> None:
    """Print the figures as a table and, with `json_path`, write them as JSON too."""
    print(table(figures), flush=True)
    if json_path is not None:
        data = {
            "script": script,
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "python": platform.python_version(),
            "figures": [asdict(f) for f in figures],
        }
        json_path.write_text(json.dumps(data, indent=2) + "\n")
