"""`evtui report --nevi-export DIR`: the two CSVs of the US reporting tool (23 CFR 680.112),
per port, in minutes, from a report's NEVI-style figures.

The figures are a proxy computed from status data (docs/reliability.md): the period is the
observed time, not a calendar year, and T_excluded is only what the exclusions file gives.
Each file says so in a comment line before its header. Files are written under a temporary
name and renamed, so an interrupted run leaves whole files only.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from evtui.model.reliability import Result
from evtui.units import iso_utc

__all__ = ["OUTAGES_FILE", "UPTIME_FILE", "write_nevi_export"]

UPTIME_FILE = "nevi_uptime.csv"
OUTAGES_FILE = "nevi_outages.csv"
UPTIME_COLUMNS = ("station_id", "port_id", "uptime_reporting_start", "uptime_reporting_end",
                  "uptime", "total_outage", "total_outage_excl")  # fmt: skip
OUTAGE_COLUMNS = ("station_id", "port_id", "outage_id", "outage_duration")

_NOTE = (
    "# A NEVI-style proxy computed by evtui from OCPI status data (EV charge-point status "
    "updates), not from charger logs: uptime is over the minutes each port was observed "
    "between uptime_reporting_start and uptime_reporting_end (from its first update on, gaps "
    "in reception left out), not over all of them, nor over a calendar year; "
    "outages are runs of OUT_OF_ORDER, INOPERATIVE, UNKNOWN and other non-working statuses; "
    "total_outage_excl holds only the exclusions supplied with --exclusions, and the outage "
    "rows are what is left after them (they add up to total_outage - total_outage_excl); "
    "ports never observed are left out. Minutes."
)


def write_nevi_export(result: Result, directory: Path) -> tuple[Path, Path]:
    """Write the uptime and outage CSVs of `result` (figured under `nevi`) into `directory`
    (made if missing); OSError when it cannot be written."""
    directory.mkdir(parents=True, exist_ok=True)
    start, end = iso_utc(result.start), iso_utc(result.end)
    uptime_rows = []
    outage_rows = []
    for f in sorted(result.evses, key=lambda f: (f.location, f.evse)):
        uptime = f.uptime_pct
        if uptime is None:  # never observed in the window: no figure to report
            continue
        uptime_rows.append([
            f.location, f.evse, start, end, f"{uptime:.4f}",
            _minutes(f.down_s + f.excluded_s), _minutes(f.excluded_s),
        ])  # fmt: skip
        for number, outage in enumerate(f.outage_list, start=1):
            outage_rows.append([f.location, f.evse, f"{f.evse}#{number}",
                                _minutes(outage.duration)])  # fmt: skip
    # Both written before either replaces what was there: the two files are of one run.
    files = [(directory / UPTIME_FILE, UPTIME_COLUMNS, uptime_rows),
             (directory / OUTAGES_FILE, OUTAGE_COLUMNS, outage_rows)]  # fmt: skip
    partials = [path.with_name(f".{path.name}.partial") for path, _, _ in files]
    try:
        for partial, (_, header, rows) in zip(partials, files, strict=True):
            _write(partial, header, rows)
    except OSError:
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise
    for partial, (path, _, _) in zip(partials, files, strict=True):
        partial.replace(path)
    return files[0][0], files[1][0]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.2f}"


def _write(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(_NOTE + "\n")
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        out.flush()
        os.fsync(out.fileno())
