"""Directory files, for users who have the data another way (a CPO's export, a v3 download).

Three shapes, keyed by HERE location id: JSON lines or a JSON array of v3 `Location` objects
(what `/locations?ids=` returns in `items`), or CSV with the columns
`id,name,operator,address,city,postal_code,country,lat,lng` (`country` ISO alpha-3). Each
record is checked on its own; a bad one is refused with its line number and why.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evtui.model.countries import by_alpha3
from evtui.model.directory import (
    LOCATION_PREFIX,
    BadRecord,
    LocationInfo,
    full_location_id,
    parse_location,
)
from evtui.model.location_id import decode_location_id

__all__ = ["CSV_COLUMNS", "Imported", "read_directory_file"]

CSV_COLUMNS = ("id", "name", "operator", "address", "city", "postal_code", "country", "lat", "lng")


@dataclass
class Imported:
    """What a directory file held: the records taken, and (line, why) of each refused."""

    records: list[tuple[dict[str, Any], LocationInfo]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    noted: list[tuple[int, str]] = field(default_factory=list)
    """(line, what) of records taken that the user may want to check."""
    lines: dict[str, int] = field(default_factory=dict)
    """The line each location taken came from: a second record of one is refused."""


def read_directory_file(path: Path, now: float) -> Imported:
    """Read `path` in whichever of the three shapes it has; `now` is the records' time."""
    text = path.read_text(encoding="utf-8-sig")
    start = text.lstrip()[:1]
    if not start:
        result = Imported()
        result.refused.append((1, "the file is empty: no records"))
        return result
    if start == "[":
        return _json_array(text, now)
    if start == "{":
        return _json_lines(text, now)
    return _csv(text, now)


def _take(
    result: Imported,
    line: int,
    record: Any,
    now: float,
    *,
    need_position: bool = True,
    given: str | None = None,
) -> None:
    """Take `record` (from `line`), or refuse it saying why; `given`: its id as the file
    spells it, where that is not `record`'s own (a CSV's bare content id)."""
    raw_id = record.get("id") if isinstance(record, dict) else None
    if isinstance(raw_id, str) and ":" in raw_id and not raw_id.startswith(LOCATION_PREFIX):
        # An OCPI file carries the operator's ids: joining them by name or place is a guess.
        result.refused.append((line, f"id {raw_id[:80]!r} is not a HERE location id"))
        return
    facts = decode_location_id(full_location_id(raw_id)) if isinstance(raw_id, str) else None
    if isinstance(raw_id, str) and facts is None:
        # Every HERE id carries its country and geohash: one that does not is a typo or
        # someone else's id, and would never match a location of the stream.
        shown = (given or raw_id)[:80]
        result.refused.append(
            (line, f"id {shown!r} is not a HERE location id (no country and geohash)")
        )
        return
    try:
        info = parse_location(record, now, need_position=need_position)
    except BadRecord as exc:
        result.refused.append((line, str(exc)))
        return
    first = result.lines.setdefault(info.id, line)
    if first != line:
        # (A full id and its bare content id are one location.) Which of the two to keep is
        # a guess: the first stands, and the user is told.
        result.refused.append((line, f"the same location as line {first}, which is taken"))
        return
    if facts is not None and info.country is not None and info.country != facts.alpha3:
        # The id's country is inferred from examples, the directory's is HERE's own word
        # (the reference notes): the record stands as given, and the user is told.
        says = f"{facts.alpha3} ({facts.country_name})"
        result.noted.append((line, f"country {info.country}, where the id says {says}"))
    result.records.append((record, info))


def _json_lines(text: str, now: float) -> Imported:
    result = Imported()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            result.refused.append((number, f"not JSON: {exc}"))
            continue
        _take(result, number, record, now)
    return result


def _json_array(text: str, now: float) -> Imported:
    """The array's elements one by one, each with the line it starts on."""
    result = Imported()
    decoder = json.JSONDecoder()
    at = text.index("[") + 1
    while True:
        at = _skip(text, at)
        if at >= len(text):
            result.refused.append((_line(text, at), "the JSON array is not closed"))
            break
        if text[at] == "]":
            break
        try:
            record, end = decoder.raw_decode(text, at)
        except ValueError as exc:
            # Past a broken element the rest cannot be told apart: stop there, say where.
            result.refused.append((_line(text, at), f"not JSON: {exc}"))
            break
        _take(result, _line(text, at), record, now)
        at = _skip(text, end)
        if at < len(text) and text[at] == ",":
            at += 1
    return result


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _csv(text: str, now: float) -> Imported:
    result = Imported()
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or ()]
    if "id" not in header:
        columns = ",".join(CSV_COLUMNS)
        result.refused.append((1, f"a CSV directory file needs the columns {columns}"))
        return result
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        given = _cell_count(row)
        if given != len(header):
            # A cell too few or too many: every cell after it would be read as the wrong column.
            result.refused.append((line, f"{given} cells, where the header has {len(header)}"))
            continue
        cells = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if not cells.get("id"):
            result.refused.append((line, "id: missing"))
            continue
        country = cells.get("country", "")
        if country and (len(country) != 3 or by_alpha3(country) is None):
            result.refused.append((line, f"country: {country[:20]!r} is not an ISO alpha-3 code"))
            continue
        try:
            record = _v3(cells)
        except ValueError as exc:
            result.refused.append((line, str(exc)))
            continue
        # A CSV row may give no position: the id's then stands.
        _take(result, line, record, now, need_position=False, given=cells["id"])
    return result


def _cell_count(row: dict[Any, Any]) -> int:
    """The cells a `DictReader` row had: it fills a short row with None, and keeps a long
    row's extra cells in a list under the key None."""
    named = sum(value is not None for key, value in row.items() if key is not None)
    return named + len(row.get(None) or ())


def _v3(cells: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the v3 Location it describes (only what it gives)."""
    record: dict[str, Any] = {"id": full_location_id(cells["id"])}
    if cells.get("name"):
        record["name"] = cells["name"]
    if cells.get("operator"):
        record["operator"] = {"name": cells["operator"]}
    address = {
        key: cells[column]
        for key, column in (
            ("label", "address"),
            ("city", "city"),
            ("postalCode", "postal_code"),
            ("countryCode", "country"),
        )
        if cells.get(column)
    }
    if address:
        record["address"] = address
    lat, lng = cells.get("lat", ""), cells.get("lng", "")
    if lat or lng:
        record["location"] = {"lat": _number("lat", lat), "lng": _number("lng", lng)}
    return record


_RANGES = {"lat": 90.0, "lng": 180.0}


def _number(column: str, cell: str) -> float:
    """A CSV cell as the number v3 would give; `ValueError` says which column is wrong."""
    try:
        value = float(cell)
    except ValueError:
        shown = repr(cell[:20]) if cell else "empty"
        raise ValueError(f"{column}: {shown} is not a number") from None
    bound = _RANGES[column]
    if not -bound <= value <= bound:  # (NaN too)
        raise ValueError(f"{column}: {cell[:20]} is outside -{bound:g} to {bound:g}")
    return value
