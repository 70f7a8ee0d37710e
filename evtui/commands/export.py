"""`evtui export`: a session's status changes as JSON lines or CSV.

Each row also says where its location is and whose it is (`name, operator, country, lat,
lng`), from the directory cache and the id itself: an export never asks the network.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Literal, TextIO

from evtui.commands.common import EXIT_ERROR, cached_places, fail
from evtui.commands.output import output_file
from evtui.commands.places import PLACE_FIELDS, Locate, locator
from evtui.model import Accepted, LocationUpdate, StateStore, StatusChange, decode
from evtui.recording import SessionError, SessionReader
from evtui.safetext import safe_text
from evtui.units import iso_utc

__all__ = ["FIELDS", "ExportFormat", "run", "run_export"]

ExportFormat = Literal["jsonl", "csv"]
FIELDS = ("time", "location", "evse", "old", "new")
"""The status change; each row then has its location's `PLACE_FIELDS`."""


def run_export(
    reader: SessionReader,
    out: TextIO,
    err: TextIO,
    fmt: ExportFormat,
    locate: Locate | None = None,
) -> int:
    """Replay the session and write every status change, first sightings included (their
    `old` is empty), with its location's place columns. Returns the exit code: 1 when the
    file is damaged."""
    locate = locate or locator({})
    columns = FIELDS + PLACE_FIELDS
    store = StateStore(max_events=1)
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(columns)
    written = read = rejected = 0
    for chunk in reader.read():
        read += len(chunk)
        changes: list[StatusChange] = []
        for _, message in chunk:
            item = decode(message)
            if isinstance(item, Accepted):
                # One EVSE at a time: first sightings and changes stay in stream order.
                payload = item.payload
                for evse in payload.evses:
                    result = store.apply((LocationUpdate(payload.id, [evse]),))
                    changes += result.first_seen
                    changes += result.changes
            else:
                rejected += 1
        for change in changes:
            row = (
                iso_utc(change.time),
                change.location_id,
                change.evse_id,
                change.old,
                change.new,
                *locate(change.location_id),
            )
            if writer is not None:
                writer.writerow(["" if v is None else v for v in row])
            else:
                out.write(json.dumps(dict(zip(columns, row, strict=True))) + "\n")
        written += len(changes)
    out.flush()
    # Rejected as they were live: kept in the file, shown by `evtui tail --source`.
    refused = f" ({rejected:,} of them no valid payload, left out)" if rejected else ""
    err.write(f"evtui export: {written:,} status changes from {read:,} messages{refused}\n")
    if reader.damage is not None:
        where = safe_text(str(reader.path), 200)
        err.write(f"evtui export: {where}: {reader.damage.describe()}\n")
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    """`evtui export`, from its parsed arguments: to stdout, or to `--output`."""
    try:
        reader = SessionReader(args.file)
    except SessionError as exc:
        fail(str(exc), EXIT_ERROR)
    with reader:
        locate = locator(cached_places("export"))
        if args.output is None:
            return run_export(reader, sys.stdout, sys.stderr, args.fmt, locate)
        with output_file(args.output, [args.file]) as out:
            return run_export(reader, out, sys.stderr, args.fmt, locate)

