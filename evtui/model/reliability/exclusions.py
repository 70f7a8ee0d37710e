"""Exclusions: outage time outside the operator's control, as the user lists it (NEVI's
`T_excluded`). A CSV with the header `id,from,to,cause`; `id` an EVSE or a location id."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["Exclusions", "parse_exclusions", "parse_time"]


@dataclass
class Exclusions:
    """The intervals taken, by id, and (line, why) of each line refused."""

    intervals: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    refused: list[tuple[int, str]] = field(default_factory=list)
    causes: dict[str, int] = field(default_factory=dict)
    """How many exclusions name each cause."""


def parse_time(text: str) -> float:
    """ISO 8601 as POSIX seconds; a time without an offset is UTC. ValueError when it is not.

    RFC 3339's lower-case `t` and `z` are taken too (Python's parser takes capitals only)."""
    when = datetime.fromisoformat(text.strip().upper())
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def parse_exclusions(text: str) -> Exclusions:
    """Read an exclusions file's text; a bad line is refused with its number, never fatal."""
    result = Exclusions()
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:3] != ["id", "from", "to"]:
        result.refused.append((1, "the first line must be the header id,from,to,cause"))
        return result
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 3:
            result.refused.append((line, f"{len(row)} columns, not id,from,to,cause"))
            continue
        ident, start_text, end_text = (cell.strip() for cell in row[:3])
        cause = row[3].strip() if len(row) > 3 else ""
        if not ident:
            result.refused.append((line, "id: empty"))
            continue
        try:
            start = parse_time(start_text)
        except ValueError:
            result.refused.append((line, f"from: {start_text[:40]!r} is not an ISO 8601 time"))
            continue
        try:
            end = parse_time(end_text)
        except ValueError:
            result.refused.append((line, f"to: {end_text[:40]!r} is not an ISO 8601 time"))
            continue
        if end <= start:
            result.refused.append((line, "to is not after from"))
            continue
        result.intervals.setdefault(ident, []).append((start, end))
        result.causes[cause or "(none given)"] = result.causes.get(cause or "(none given)", 0) + 1
    return result
