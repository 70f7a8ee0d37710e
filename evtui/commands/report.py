"""`evtui report`: uptime, outages and usage over sessions and payload files.

Sources are decoded as `tail --source` decodes them (sessions in the order their messages
were received, then payload files in the order given), folded into one history
(evtui.model.reliability) and written grouped as the user asked. Places (operator, country,
name) come from the directory cache and the ids; a report never asks the network.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from evtui.commands.common import (
    EXIT_ERROR,
    EXIT_USAGE,
    cached_places,
    fail,
    os_error_text,
)
from evtui.commands.nevi_export import write_nevi_export
from evtui.commands.output import check_output, output_file
from evtui.commands.places import locator
from evtui.commands.report_output import Place, write_outages, write_rows
from evtui.model.reliability import RULES, History, Result, parse_exclusions, parse_time
from evtui.model.reliability.grouping import group
from evtui.runtime import collector_paused
from evtui.safetext import safe_text
from evtui.units import counted, iso_utc

if TYPE_CHECKING:
    from evtui.commands.report_sources import Sources
    from evtui.model.directory import LocationInfo

__all__ = ["MEMORY_LIMIT", "run"]

MEMORY_LIMIT = "2GB"
"""DuckDB's memory bound for `--archive` when `--memory-limit` is not given."""


def run(args: argparse.Namespace) -> int:
    """`evtui report`, from its parsed arguments."""
    start = _time(args.start, "--from")
    end = _time(args.end, "--to")
    if start is not None and end is not None and end <= start:
        fail("--to must be after --from")
    if args.archive is not None and args.sources:
        fail("report reads an --archive or SOURCEs, not both")
    if args.archive is None and not args.sources:
        fail("give session files or payload files, or --archive DIR")
    if args.archive is None and args.memory_limit is not None:
        fail(
            "--memory-limit bounds DuckDB's memory for --archive: a report over SOURCEs folds "
            "them in Python, in the memory their EVSEs need"
        )
    # Each SOURCE checked (and the sessions put in order) before any output.
    specs: Sources | None = None
    if args.sources:
        from evtui.commands import report_sources  # (asyncio, the session reader)

        specs = report_sources.ordered(args.sources)
    if args.output is not None:
        check_output(args.output, args.sources or ())
    if args.nevi_export is not None:
        if args.rules not in (None, "nevi"):
            fail(f"--nevi-export figures under the nevi rules, not --rules {args.rules}")
        if args.outages:
            fail("--nevi-export writes the outages itself: leave out --outages")
        if args.output is not None:
            fail("--nevi-export writes its two CSVs into its DIR: leave out -o")
        if args.by is not None or args.fmt is not None:
            fail("--nevi-export writes a row per port, as CSV: leave out --by and --format")
        if Path(args.nevi_export).exists() and not Path(args.nevi_export).is_dir():
            fail(f"--nevi-export {args.nevi_export} is a file: give a directory (made if absent)")
        args.rules = "nevi"
    if args.outages and args.by is not None:
        fail("--outages lists every outage of every EVSE: leave out --by")
    args.rules = args.rules or "uk"
    args.by, args.fmt = args.by or "location", args.fmt or "table"
    failed = False
    exclusions = None
    if args.exclusions:
        exclusions, refused = _exclusions(Path(args.exclusions), sys.stderr)
        failed = refused
        if args.rules != "nevi" and exclusions:
            sys.stderr.write(
                "evtui report: note: exclusions apply only under --rules nevi (NEVI's "
                "T_excluded); they change nothing here\n"
            )
    archived: dict[str, dict[str, str | None]] = {}
    if args.archive is not None:
        with collector_paused():  # (DuckDB's rows to figures: no cycles)
            result, damaged, archived = _from_archive(args, start, end, exclusions, sys.stderr)
    else:
        history = History(
            RULES[args.rules], start=start, end=end, gap=args.gap, exclusions=exclusions
        )
        from evtui.commands.report_sources import read

        assert specs is not None  # (SOURCEs or --archive: checked above)
        damaged = read(args, specs, history, sys.stderr)
        result = history.finish()
    if damaged and not result.evses:
        # What was said on the way is all there is: an empty report would read as a quiet network.
        fail("nothing to report: no source gave a valid payload", EXIT_ERROR)
    window = " ".join(f"{o} {v}" for o, v in (("--from", args.start), ("--to", args.end)) if v)
    if not result.evses and window:
        fail(f"nothing to report: no update within {window}", EXIT_ERROR)
    if not result.evses:
        # A table of no rows "from 1970-01-01" reads as a report of a quiet network.
        fail("nothing to report: no status update in what was read", EXIT_ERROR)
    if result.evses and result.end <= result.start:
        # One end given, the other from the data, and nothing between them.
        if start is not None:
            fail(f"--from {args.start} is not before the newest update ({iso_utc(result.end)})")
        if end is not None:
            fail(f"--to {args.end} is not after the oldest update ({iso_utc(result.start)})")
        # Neither given: every update is of one instant, a window of no time to measure.
        fail(
            f"nothing to report: every update is of one instant ({iso_utc(result.start)}), "
            "a window of no time",
            EXIT_ERROR,
        )
    if result.evses and window and not any(f.observed_s for f in result.evses):
        # All of it in a gap in reception (a window after the recording stopped, say): rows
        # of no figures would read as a network that said nothing, as before the data.
        fail(
            f"nothing to report: nothing observed within {window} (it lies after the data, "
            "or in a gap in reception)",
            EXIT_ERROR,
        )
    if exclusions and args.rules == "nevi":
        _unmatched(exclusions, result, sys.stderr)
    places = cached_places("report", {f.location for f in result.evses})
    place = _placer(places, archived)
    if args.nevi_export is not None:
        _nevi_export(result, Path(args.nevi_export), sys.stderr)
        _summary(result, sys.stderr)
        return EXIT_ERROR if damaged or failed else 0
    with _output(args.output) as out, collector_paused():
        if args.outages:
            write_outages(result, out, args.fmt, place)
        else:
            rows = group(result, args.by, lambda i: (place(i)["operator"], place(i)["country"]))
            write_rows(result, rows, args.by, out, args.fmt, place)
    _summary(result, sys.stderr)
    return EXIT_ERROR if damaged or failed else 0


def _time(text: str | None, option: str) -> float | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError:
        fail(f"{option} {text!r}: not an ISO 8601 time (e.g. 2026-11-01 or 2026-11-01T08:00Z)")


def _exclusions(
    path: Path, err: TextIO
) -> tuple[dict[str, list[tuple[float, float]]], bool]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"--exclusions {path}: {os_error_text(exc)}", EXIT_USAGE)
    except UnicodeDecodeError:
        fail(f"--exclusions {path}: not UTF-8 text (a CSV of id,from,to,cause)", EXIT_USAGE)
    parsed = parse_exclusions(text)
    for line, why in parsed.refused:
        err.write(f"{safe_text(str(path), 200)}:{line}: refused: {safe_text(why, 200)}\n")
    return parsed.intervals, bool(parsed.refused)


def _from_archive(
    args: argparse.Namespace,
    start: float | None,
    end: float | None,
    exclusions: dict[str, list[tuple[float, float]]] | None,
    err: TextIO,
) -> tuple[Result, bool, dict[str, dict[str, str | None]]]:
    """The figures computed by DuckDB over the archive; True when files had to be skipped;
    what the archive's `locations` table says of each location."""
    from evtui.archive import ArchiveError, ArchiveReader, archive_result
    from evtui.archive.engine import duckdb
    from evtui.archive.schema import SILENCE

    if args.gap < SILENCE:
        fail(f"--gap {args.gap:g}: an archive keeps silences of {SILENCE:.0f} s or more")
    directory = Path(args.archive).expanduser()
    if directory.is_file():
        from evtui.recording import is_session_file

        hint = (
            f"; a session: report it without --archive (evtui report {args.archive})"
            if is_session_file(directory)
            else ""
        )
        fail(f"--archive {args.archive} is a file, not an archive directory{hint}", EXIT_ERROR)
    if not directory.exists():
        fail(f"--archive {args.archive}: no such directory", EXIT_ERROR)
    try:
        reader = ArchiveReader(directory)
    except ArchiveError as exc:
        fail(str(exc), EXIT_ERROR)
    for line in reader.skipped:
        err.write(f"evtui report: skipped {safe_text(line, 400)}\n")
    if reader.skipped:
        count = len(reader.skipped)
        err.write(
            f"evtui report: the figures exclude {count:,} unreadable archive "
            f"file{'s' if count != 1 else ''}\n"
        )
    if not reader.files["status_changes"]:
        reader.close()
        # An empty report would read as a network with no EVSEs: say there is nothing.
        if reader.files["coverage"]:
            # Sessions were added, and held no status update (a recorder of a quiet stream).
            fail(
                f"nothing to report: the archive {args.archive} holds no status change "
                "(what was added to it held none)",
                EXIT_ERROR,
            )
        fail(f"--archive {args.archive}: no archive there (no status_changes files)", EXIT_ERROR)
    try:
        result = archive_result(
            reader,
            RULES[args.rules],
            start=start,
            end=end,
            gap=args.gap,
            exclusions=exclusions,
            memory_limit=args.memory_limit or MEMORY_LIMIT,
            outage_list=bool(args.outages or args.nevi_export is not None),
        )
        places = reader.places()
    except duckdb.OutOfMemoryException:
        limit = f"--memory-limit {args.memory_limit or MEMORY_LIMIT}"
        fail(f"--archive {args.archive}: the report needs more than {limit} allows", EXIT_ERROR)
    except Exception as exc:  # DuckDB's other errors (disk, I/O): said, not a traceback
        fail(f"--archive {args.archive}: {exc}", EXIT_ERROR)
    finally:
        reader.close()
    return result, bool(reader.skipped), places


def _placer(
    places: Mapping[str, LocationInfo],
    archived: Mapping[str, dict[str, str | None]] | None = None,
) -> Place:
    """Name, operator and country of a location: `evtui export`'s place columns; what an
    archive wrote down fills in what this machine's directory cache does not know."""
    locate = locator(places)
    archived = archived or {}
    known: dict[str, dict[str, str | None]] = {}  # asked once an EVSE and row: 3 us each

    def place(location_id: str) -> dict[str, str | None]:
        if (found := known.get(location_id)) is not None:
            return found
        name, operator, country, _, _ = locate(location_id)
        kept = archived.get(location_id, {})
        found = known[location_id] = {
            "name": name or kept.get("name"),
            "operator": operator or kept.get("operator"),
            "country": country or kept.get("country"),
        }
        return found

    return place


def _output(path: str | None) -> contextlib.AbstractContextManager[TextIO]:
    """stdout (left open), or the `-o` file (whole once the report is written)."""
    if path is None:
        return contextlib.nullcontext(sys.stdout)
    return output_file(path)


def _nevi_export(result: Result, directory: Path, err: TextIO) -> None:
    try:
        uptime, outages = write_nevi_export(result, directory)
    except OSError as exc:
        fail(f"--nevi-export {directory}: {exc.strerror or exc}", EXIT_ERROR)
    count = sum(len(f.outage_list) for f in result.evses)
    ports = sum(f.uptime_pct is not None for f in result.evses)
    unseen = len(result.evses) - ports
    # (As the file has them: a port never observed in the window has no figure to report.)
    left = f", {unseen:,} never observed in the window left out" if unseen else ""
    err.write(
        f"evtui report: wrote {safe_text(str(uptime), 200)} ({counted(ports, 'port')}{left})"
        f" and {safe_text(str(outages), 200)} ({counted(count, 'outage')}), NEVI-style proxy\n"
    )


def _unmatched(
    exclusions: dict[str, list[tuple[float, float]]], result: Result, err: TextIO
) -> None:
    """Say which exclusions excluded nothing: a mistyped id quietly lowers an uptime."""
    known = {f.evse for f in result.evses} | {f.location for f in result.evses}
    unknown = sorted(i for i in exclusions if i not in known)
    if unknown:
        named = ", ".join(safe_text(i, 80) for i in unknown[:3])
        more = f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else ""
        err.write(
            f"evtui report: --exclusions: {counted(len(unknown), 'id')} match no EVSE or "
            f"location in the data (ids in full, as the stream spells them), so exclude "
            f"nothing: {named}{more}\n"
        )
    elif not any(f.excluded_s for f in result.evses):
        err.write(
            "evtui report: --exclusions: no down time of the EVSEs they name falls inside "
            "them in the window: nothing is excluded\n"
        )


def _summary(result: Result, err: TextIO) -> None:
    late = sum(f.late for f in result.evses)
    # Each gap as far as it lies in the window: one can run on from before it or past it.
    inside = [
        min(b, result.end) - max(a, result.start)
        for a, b in result.gaps
        if min(b, result.end) > max(a, result.start)
    ]
    parts = [counted(len(result.evses), "EVSE"), f"rules {result.rules.name}"]
    if inside:
        parts.append(
            f"{counted(len(inside), 'gap')} in reception ({sum(inside):,.0f} s unobserved)"
        )
    if late:
        parts.append(f"{counted(late, 'late update')} not applied")
    err.write("evtui report: " + ", ".join(parts) + "\n")
