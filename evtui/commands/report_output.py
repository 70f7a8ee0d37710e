"""How `evtui report` writes its rows: JSON lines, CSV, or an aligned table for people."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from typing import Any, Literal, TextIO

from evtui.model import KNOWN_STATUSES, id_tail
from evtui.model.reliability import BUCKETS, Result
from evtui.model.reliability.grouping import Grouping, Row
from evtui.safetext import cell_width, pad, safe_text, shorten
from evtui.units import counted, iso_utc, percent_text, span_text

__all__ = ["Format", "Place", "row_object", "write_outages", "write_rows"]

Format = Literal["table", "csv", "jsonl"]
Place = Callable[[str], dict[str, str | None]]
"""A location id's name, operator and country (alpha-3), each None when not known."""
NAME_MIN = 12
"""The table's first column is never narrower: other columns are dropped first."""


def iso(at: float | None) -> str | None:
    """POSIX seconds as ISO 8601 UTC, None as null."""
    return None if at is None else iso_utc(at)


def _s(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def row_object(
    result: Result, row: Row, by: Grouping, place: Place, frame: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One row as the JSON object `--format jsonl` writes; `frame` is `frame(result)`, made
    once for many rows."""
    f = row.figures
    placed = place(row.keys["location"]) if by in ("evse", "location") else {}
    # One dict display, figures never None rounded in place: a report by EVSE writes a row
    # for each of a continent's chargers.
    out: dict[str, Any] = {
        **row.keys,
        **placed,
        **(frame or window_frame(result)),
        "evses": f.evses,
        "observed_s": round(f.observed_s, 3),
        "unobserved_s": round(f.unobserved_s, 3),
        "seconds": {status: round(s, 3) for status, s in sorted(f.seconds.items())},
        "uptime_pct": _pct(f.uptime_pct),
        "outages": f.outages,
        "outage_s": round(f.outage_s, 3),
        "longest_outage_s": round(f.longest_outage_s, 3),
        "mttr_s": _s(f.mttr_s),
        "mtbf_s": _s(f.mtbf_s),
        "outage_buckets": dict(f.buckets),
        "utilisation_pct": _pct(f.utilisation_pct),
        "changes": f.changes,
        "late": f.late,
        "excluded_s": round(f.excluded_s, 3),
        "flapping": row.flapping,
        "stale": row.stale,
    }
    if by != "evse":
        out.update(
            flapping_evses=f.flapping_evses,
            stale_evses=f.stale_evses,
            over_97_pct=_pct(f.over_97_pct),
            over_99_pct=_pct(f.over_99_pct),
            all_down_s=round(f.all_down_s, 3),
        )
    return out


def window_frame(result: Result) -> dict[str, Any]:
    """The fields every row of `result` shares: rule set and window."""
    return {"rules": result.rules.name, "from": iso(result.start), "to": iso(result.end)}


def write_rows(
    result: Result, rows: list[Row], by: Grouping, out: TextIO, fmt: Format, place: Place
) -> None:
    """The report's rows in `fmt`."""
    frame = window_frame(result)
    objects = [row_object(result, row, by, place, frame) for row in rows]
    if fmt == "jsonl":
        for obj in objects:
            out.write(json.dumps(obj) + "\n")
    elif fmt == "csv":
        _csv(objects, out)
    else:
        _table(result, rows, by, out, place)


def _csv(objects: list[dict[str, Any]], out: TextIO) -> None:
    """Flat columns: `seconds` as `seconds_<STATUS>`, the buckets as `outages_<bucket>`.
    Every known status has its column, seen or not, so that the CSVs of two periods line up;
    a status the stream has sent that OCPI 2.2.1 does not list gets one after them."""
    others = sorted({s for obj in objects for s in obj["seconds"]} - set(KNOWN_STATUSES))
    order = [*KNOWN_STATUSES, *others]
    writer = csv.writer(out, lineterminator="\n")
    header: list[str] = []
    for obj in objects[:1]:
        for key in obj:
            if key == "seconds":
                header += [f"seconds_{s}" for s in order]
            elif key == "outage_buckets":
                header += [f"outages_{name}" for name, _ in BUCKETS]
            else:
                header.append(key)
    writer.writerow(header)
    for obj in objects:
        cells: list[Any] = []
        for key, value in obj.items():
            if key == "seconds":
                cells += [value.get(s, 0.0) for s in order]
            elif key == "outage_buckets":
                cells += [value[name] for name, _ in BUCKETS]
            elif isinstance(value, bool):
                cells.append("true" if value else "false")  # as the JSON lines spell them
            else:
                cells.append("" if value is None else value)
        writer.writerow(cells)


def _label(row: Row, by: Grouping, place: Place) -> tuple[str, str]:
    """A row's name, and what of it stays whole when it is shortened: an EVSE's id tail,
    which tells apart the EVSEs of one location."""
    keys = row.keys
    if by in ("evse", "location"):
        location = keys["location"]
        name = place(location)["name"] or id_tail(location)[:18]
        return (name, id_tail(keys["evse"])[-6:]) if by == "evse" else (name, "")
    value = next(iter(keys.values()))
    return ("(not known)" if value is None else str(value)), ""


def _fit(name: str, kept: str, width: int) -> str:
    """`name` then `kept` in `width` cells, `name` shortened first."""
    if not kept:
        return shorten(name, width, keep_tail=False)
    return shorten(name, max(1, width - cell_width(kept) - 1), keep_tail=False) + " " + kept


OBSERVED_SAID = 0.995
"""Below this share of the window's EVSE time observed, the table's title says how much."""


def _table(result: Result, rows: list[Row], by: Grouping, out: TextIO, place: Place) -> None:
    """Aligned columns that fit the terminal, worst uptime first, under a title line."""
    terminal = shutil.get_terminal_size((120, 24)).columns
    proxy = " (a proxy: exclusions only as given)" if result.rules.name == "nevi" else ""
    lines = [
        f"{result.rules.title} uptime of {counted(len(result.evses), 'EVSE')}{proxy}",
        f"from {iso(result.start)} to {iso(result.end)}",
    ]
    possible = result.window_s * len(result.evses)
    observed = sum(f.observed_s for f in result.evses)
    if possible and observed < OBSERVED_SAID * possible:
        # A month-to-date report of a day's recording: its percentages are of that day.
        lines.append(
            f"{100 * observed / possible:.2f}% of it observed, EVSE by EVSE: the figures are "
            "of that time"
        )
    for line in lines:
        out.write(shorten(line, terminal, keep_tail=False) + "\n")
    columns = ["uptime", "outages", "down", "longest", "MTTR", "util", "changes", "flags"]
    if by != "evse":
        columns.insert(0, "EVSEs")
    cells = []
    for row in rows:
        f = row.figures
        flags = ("F" if row.flapping else "") + ("S" if row.stale else "")
        values = [
            percent_text(f.uptime_pct),
            f"{f.outages:,}",
            span_text(f.outage_s),
            span_text(f.longest_outage_s),
            span_text(f.mttr_s),
            percent_text(f.utilisation_pct),
            f"{f.changes:,}",
            flags,
        ]
        if by != "evse":
            values.insert(0, f"{f.evses:,}")
        name, kept = (safe_text(part) for part in _label(row, by, place))
        cells.append((name, kept, values))
    # Too narrow: the columns that matter least go first.
    for drop in ("changes", "longest", "EVSEs", "down"):
        widths = [max([len(c)] + [len(v[i]) for *_, v in cells]) for i, c in enumerate(columns)]
        if sum(widths) + 2 * len(widths) + NAME_MIN <= terminal or drop not in columns:
            continue
        index = columns.index(drop)
        del columns[index]
        cells = [(name, kept, v[:index] + v[index + 1 :]) for name, kept, v in cells]
    widths = [max([len(c)] + [len(v[i]) for *_, v in cells]) for i, c in enumerate(columns)]
    fixed = sum(widths) + 2 * len(widths)
    longest = max([4] + [cell_width(f"{n} {k}".rstrip()) for n, k, _ in cells])
    name_width = max(NAME_MIN, min(terminal - fixed, longest))
    titles = zip(columns, widths, strict=True)
    head = pad(by, name_width) + "".join("  " + c.rjust(w) for c, w in titles)
    out.write(head.rstrip() + "\n")
    for name, kept, values in cells:
        line = pad(_fit(name, kept, name_width), name_width)
        line += "".join("  " + v.rjust(w) for v, w in zip(values, widths, strict=True))
        out.write(line.rstrip() + "\n")
    if any(row.flapping or row.stale for row in rows):
        out.write("flags: F flapping, S stale\n")


_OUTAGE_NAME = (18, 60)
"""Cells of the outage table's location column, at least and at most: it takes what the
terminal has beside the other columns, and no more than its longest name."""


def write_outages(result: Result, out: TextIO, fmt: Format, place: Place) -> None:
    """Every outage: EVSE, location, start, end (null while ongoing), duration, statuses."""
    rows: list[dict[str, Any]] = []
    for figures in result.evses:
        for outage in figures.outage_list:
            rows.append(
                {
                    "evse": figures.evse,
                    "location": figures.location,
                    "name": place(figures.location)["name"],
                    "rules": result.rules.name,
                    "start": iso(outage.start),
                    "end": iso(outage.end),
                    "duration_s": _s(outage.duration),
                    "statuses": list(outage.statuses),
                }
            )
    rows.sort(key=lambda r: (r["start"], r["location"], r["evse"]))
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["evse", "location", "name", "rules", "start", "end", "duration_s",
                         "statuses"])  # fmt: skip
        for row in rows:
            values = [*row.values()]
            values[-1] = " ".join(row["statuses"])
            writer.writerow(["" if v is None else v for v in values])
        return
    out.write(f"{counted(len(rows), 'outage')} under {result.rules.title}\n")
    least, most = _OUTAGE_NAME
    terminal = shutil.get_terminal_size((120, 24)).columns
    statuses = max((len(" ".join(r["statuses"])) for r in rows), default=0)
    # The other columns: start, end, length, EVSE and statuses, with the gaps between.
    room = max(least, min(most, terminal - 20 - 2 - 20 - 2 - 7 - 2 - 1 - 6 - 2 - statuses))
    names = [safe_text(r["name"] or id_tail(r["location"])) for r in rows]
    width = min(room, max([least, *map(cell_width, names)]))
    if rows:
        out.write(
            f"{'start':<20}  {'end':<20}  {'length':>7}  {pad('location', width)} "
            f"{'EVSE':<6}  statuses\n"
        )
    for row, name in zip(rows, names, strict=True):
        end = row["end"] or "ongoing"
        # Columns in terminal cells: a name of wide characters cannot push the next one.
        cell = pad(shorten(name, width, keep_tail=False), width)
        out.write(
            f"{row['start']}  {end:<20}  {span_text(row['duration_s']):>7}  "
            f"{cell} {safe_text(id_tail(row['evse'])[-6:]):<6}  "
            f"{' '.join(safe_text(s) for s in row['statuses'])}\n"
        )
