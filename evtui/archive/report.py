"""`evtui report --archive`: the report's figures computed by DuckDB over an archive.

The SQL is report.sql beside this file, statement by statement; this module gives it the
window, the gaps in reception (from the coverage table, placed on the data's clock as the
session report places them) and the rule set, and turns its rows into the same `Result` the
session report folds, so both write their rows through the same code. An EVSE named in an
exclusions file (NEVI's T_excluded, a handful of EVSEs) is folded by the session report's own
code from its archived changes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import re
from dataclasses import replace
from importlib import resources
from typing import Any

from evtui.archive.engine import duckdb, sql_text
from evtui.archive.observed import observed_macros, observed_spans
from evtui.archive.reader import ArchiveReader
from evtui.archive.schema import SILENCE
from evtui.model.reliability import History, Result
from evtui.model.reliability.figures import EvseFigures, Outage
from evtui.model.reliability.rules import UNKNOWN_GRACE, RuleSet

__all__ = ["archive_result", "statements"]

Exclusions = dict[str, list[tuple[float, float]]]


def statements() -> dict[str, str]:
    """report.sql's statements by their `-- name:`, in file order."""
    text = resources.files("evtui.archive").joinpath("report.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\n", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}


def archive_result(
    reader: ArchiveReader,
    rules: RuleSet,
    *,
    start: float | None = None,
    end: float | None = None,
    gap: float = 300.0,
    exclusions: Exclusions | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    outage_list: bool = True,
) -> Result:
    """The figures of every EVSE in the archive over `[start, end)`, as `History.finish`
    gives them over the same changes read from sessions. Without `outage_list` the figures
    keep each EVSE's outage counts per bucket instead of every outage (a month of a continent
    has tens of millions)."""
    if gap < SILENCE:
        raise ValueError(f"an archive keeps silences of {SILENCE:.0f} s or more: --gap {gap:g}")
    db = reader.connect()
    # Spill to a directory of our own (DuckDB's default is `.tmp` wherever the user stands),
    # gone with the reader; in any order where order is not asked for (less memory).
    db.execute(f"SET temp_directory = {sql_text(reader.scratch)}")
    db.execute("SET preserve_insertion_order = false")
    if memory_limit is not None:
        db.execute(f"SET memory_limit = '{memory_limit}'")
    if threads is not None:
        db.execute(f"SET threads = {int(threads)}")
    params: dict[str, Any] = {
        "end": math.inf if end is None else end,
        "start": -math.inf if start is None else start,
        "other_down": rules.other_down,
        "grace": rules.unknown_grace,
        "grace_s": UNKNOWN_GRACE,
    }
    overlap, several = _order_sessions(db)
    params["tie"] = "recv, " if overlap else ""  # (report.sql: one instant's rows in order)
    params["cut"] = _cuts_late_updates(db, params["end"]) and _revives(db, params)
    # Rows already each EVSE's changes in order: one sort (the ordered pass), not two; where a
    # share shows they are not, all again the long way (two first sightings say so at once).
    restarts = several and _run(db, statements()["restarts"], params).fetchone() == (True,)
    for chained in (False,) if overlap or restarts or params["cut"] else (True, False):
        folded = _fold(db, reader, dict(params), rules, gap, chained, overlap, several,
                       outage_list, exclusions if rules.other_down else None)  # fmt: skip
        if folded is not None:
            return folded
    raise AssertionError("the statement `changes` always gives whole chains")


def _fold(
    db: duckdb.DuckDBPyConnection,
    reader: ArchiveReader,
    params: dict[str, Any],
    rules: RuleSet,
    gap: float,
    chained: bool,
    overlap: bool,
    several: bool,
    outage_list: bool,
    exclusions: Exclusions | None,
) -> Result | None:
    """archive_result's work with `chained` (report.sql's statement) or `changes`; None when
    `chained` was tried and a share's rows were not whole chains."""
    sql = statements()
    start, end = params["start"], params["end"]
    params["bucket"] = "true"
    _run(db, sql["arrived"], params)
    oldest, newest = _run(db, sql["window"], params).fetchone() or (None, None)
    if oldest is None or newest is None:
        lo = hi = 0.0  # no update at all
    else:
        lo = float(oldest) if math.isinf(start) else start
        hi = float(newest) if math.isinf(end) else end
    if params["cut"] and math.isinf(start):
        # The oldest update may be one the writer judged late that is none inside the window.
        _changes(db, sql, params, chained, overlap, several)
        (applied,) = db.execute("SELECT min(t) FROM changes").fetchone() or (None,)
        if applied is not None:
            lo, hi = (min(lo, float(applied)), hi) if oldest is not None else (applied, end)
    holes, tail = _holes(db, gap, end)
    gaps: list[tuple[float, float]] = []
    if holes:
        # Where a silence begins and ends on the data's clock needs every EVSE's changes.
        _changes(db, sql, params, chained, overlap, several)
        gaps = _gaps(db, holes, end, tail)
    params.update(start=lo, end=hi)
    observed_macros(db, observed_spans(lo, hi, gaps), ends=outage_list)
    figures: list[EvseFigures] = []
    all_down: dict[str, float] = {}
    excluded: list[tuple[Any, ...]] = []
    buckets = _buckets(db, reader)
    _run(db, sql["flap_weight"], params)
    # Apart until a share shows that most of its rows need the weights (below 0: any share does)
    params["weigh"] = WEIGH_WITHIN < 0
    for bucket in buckets:
        # A share of the locations at a time (whole locations, so every figure is whole):
        # each share's sorts fit in memory; the files' row groups outside it are not read.
        params["bucket"] = bucket
        if not (holes and buckets == ["true"]):  # else `changes` holds them all already
            _run(db, sql["arrived"], params)
            _changes(db, sql, params, chained, overlap, several)
        _run(db, sql["periods"], params)
        (whole,) = db.execute("SELECT bool_and(chained) FROM periods").fetchone() or (True,)
        if chained and whole is False:
            return None
        _run(db, sql["flapping"], params)
        if not params["weigh"]:  # (for the shares after this one)
            (needing,) = db.execute("SELECT avg((xs > 4)::INTEGER) FROM periods").fetchone() or (0,)
            params["weigh"] = (needing or 0) > WEIGH_WITHIN
        _run(db, sql["runs"], params)
        outages: dict[int, list[Outage]] = {}
        if outage_list:
            for k, _, a, b, duration, statuses in _run(db, sql["outage_list"], params).fetchall():
                outages.setdefault(k, []).append(Outage(a, b, duration, tuple(statuses)))
        location_of: dict[int, str] = {}
        share: list[EvseFigures] = []
        rows = _run(db, sql["evses"], params).fetchall()
        # One JSON document for the share's seconds: a parse a row took twice as long.
        seconds = json.loads("[" + ",".join([row[5] for row in rows]) + "]")
        for row, parsed in zip(rows, seconds, strict=True):
            location_of[row[1]] = row[2]
            share.append(_figures(row, parsed, outages.get(row[0], []) if outage_list else None))
        figures += share
        for lk, seconds in _run(db, sql["all_down"], params).fetchall():
            if lk in location_of:
                all_down[location_of[lk]] = float(seconds or 0.0)
        if exclusions:
            excluded += _excluded_updates(db, share, exclusions)
    if exclusions and excluded:
        figures, all_down = _refold_excluded(
            excluded, figures, all_down, rules, lo, hi, gaps, exclusions
        )
    return Result(rules, lo, hi, figures, all_down, gaps)


def _changes(
    db: duckdb.DuckDBPyConnection,
    sql: dict[str, str],
    params: dict[str, Any],
    chained: bool,
    overlap: bool,
    several: bool,
) -> None:
    """Make the share's `changes` (report.sql): the rows as they are (`chained`), or the long
    way, with `applied`'s sort only where a session can hold late rows."""
    _drop(db, "arrived_once", "applied", "changes")
    _run(db, sql["once" if overlap else "all_once"], params)
    late = False
    if several and not chained:  # (a late row breaks a chain)
        # Without parallel writers a session holds a late row only where it holds an update
        # older than an earlier session's newest of the EVSE: one GROUP BY says.
        late = overlap or _run(db, sql["overtaking"], params).fetchone() != (0,)
    if params["cut"]:
        _drop(db, "still_late")
        _run(db, sql["still_late"], params)
        _run(db, sql["applied_cut" if late else "all_applied_cut"], params)
    else:
        _run(db, sql["applied" if late else "all_applied"], params)
    _run(db, sql["chained" if chained else "changes"], params)


def _cuts_late_updates(db: duckdb.DuckDBPyConnection, end: float) -> bool:
    """Whether the window ends before the data, with late updates inside it (some may be late
    only against what is after it: report.sql's `still_late`)."""
    if not math.isfinite(end):
        return False
    # On the column itself, so that the files' statistics answer for most row groups.
    at = "make_timestamp(?::BIGINT)::TIMESTAMPTZ"
    end_us = int(end * 1_000_000)
    (cut,) = db.execute(
        f'SELECT EXISTS (SELECT 1 FROM late_updates WHERE "time" <= {at})'
        f' AND (EXISTS (SELECT 1 FROM status_changes WHERE "time" > {at})'
        f'      OR EXISTS (SELECT 1 FROM seen WHERE "time" > {at}))',
        [end_us, end_us, end_us],
    ).fetchone() or (False,)
    return bool(cut)


def _revives(db: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> bool:
    """Whether an update the writers judged late is none inside the window."""
    sql = statements()
    params = {**params, "bucket": "true", "cut": True}
    _drop(db, "arrived_once", "still_late")
    _run(db, sql["arrived"], params)
    # Not `once` (a table of the whole archive): a row two writers hold decides nothing here.
    _run(db, sql["all_once"], params)
    _run(db, sql["still_late"], params)
    (revived,) = db.execute(
        "SELECT count(*) FROM (SELECT DISTINCT k, rank, seq FROM arrived_once WHERE judged_late"
        " EXCEPT SELECT k, rank, seq FROM still_late)"
    ).fetchone() or (0,)
    _drop(db, "arrived_once", "still_late")
    return bool(revived)


def _drop(db: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop what the statements made under these names, table or view."""
    for name in names:
        for kind in ("VIEW", "TABLE"):
            with contextlib.suppress(duckdb.CatalogException):  # it is of the other kind
                db.execute(f"DROP {kind} IF EXISTS {name}")


def _run(db: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> Any:
    """Run one statement with its `$name` parameters written in as literals (views cannot
    take prepared parameters)."""

    def literal(match: re.Match[str]) -> str:
        value = params[match.group(1)]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return value  # a condition evtui writes itself (a bucket's range of locations)
        if isinstance(value, float) and not math.isfinite(value):
            return f"'{value}'::DOUBLE"
        return repr(float(value))

    return db.execute(re.sub(r"\$(\w+)", literal, sql))


def _figures(
    row: tuple[Any, ...], seconds: dict[str, float], outages: list[Outage] | None
) -> EvseFigures:
    """One row of the statement `evses` (its `seconds` parsed) as the session report's
    EvseFigures."""
    (_, _, location, evse, observed_s, _, up_s, down_s, working_s, charging_s, status,
     changes, late, flapping, stale, down_at_end, is_open, count, longest, latest,
     *buckets) = row  # fmt: skip
    ongoing = bool(is_open and down_at_end and count)
    kept: tuple[Outage, ...] = ()
    if outages is not None:
        if ongoing:
            last = outages[-1]
            outages[-1] = Outage(last.start, None, last.duration, last.statuses)
        kept = tuple(outages)
    return EvseFigures(
        location=location,
        evse=evse,
        observed_s=observed_s,
        seconds=seconds,
        up_s=up_s,
        down_s=down_s,
        working_s=working_s,
        charging_s=charging_s,
        outages=int(count),
        longest_outage_s=float(longest),
        ongoing=ongoing,
        flapping=bool(flapping),
        stale=bool(stale),
        status=status,
        changes=int(changes),
        late=int(late),
        excluded_s=0.0,
        down_at_end=bool(down_at_end),
        open_outage_s=float(latest) if ongoing else 0.0,
        outage_list=kept,
        outage_buckets=None if outages is not None else tuple(buckets),
    )


def _order_sessions(db: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """Rank the sessions by when they began receiving; whether two of them overlap in time
    (parallel writers: a message may be in both), and whether there are several."""
    db.execute(
        "CREATE OR REPLACE TEMP TABLE session_order AS "
        "SELECT session, row_number() OVER (ORDER BY min(received_from), session) AS rank, "
        "min(epoch_us(received_from)) AS a, max(epoch_us(received_to)) AS b "
        "FROM coverage GROUP BY session"
    )
    overlaps, sessions = db.execute(
        "SELECT count(*) FILTER (WHERE o), count(*) FROM "
        "(SELECT a < lag(b) OVER (ORDER BY rank) AS o FROM session_order)"
    ).fetchone() or (0, 0)
    return bool(overlaps), sessions > 1


WEIGH_WITHIN = 0.5
"""The share of a share's rows, held by EVSEs of five class changes or more, beyond which the
next shares weigh flapping in the ordered pass (report.sql's `periods`) rather than apart."""
BUCKET_ROWS = 8_000_000
"""Rows of status changes a share of the locations holds at most (the files' row groups
permitting): its sorts then fit in a couple of GB."""


def _buckets(db: duckdb.DuckDBPyConnection, reader: ArchiveReader) -> list[str]:
    """Conditions on `location` that split the archive's locations into shares of about
    `BUCKET_ROWS` rows, in order, from the files' row-group statistics (files are sorted by
    location, so a share's condition skips the row groups of the others)."""
    files = reader.files["status_changes"]
    if not files:
        return ["true"]
    listed = ", ".join(sql_text(f) for f in files)
    groups = db.execute(
        f"SELECT stats_min_value, row_group_num_rows FROM parquet_metadata([{listed}]) "
        "WHERE path_in_schema = 'location' ORDER BY 1"
    ).fetchall()
    if sum(rows for _, rows in groups) <= BUCKET_ROWS or any(m is None for m, _ in groups):
        return ["true"]
    cuts: list[str] = []
    held = 0
    for low, rows in groups:
        if held >= BUCKET_ROWS and (not cuts or low > cuts[-1]):
            cuts.append(low)
            held = 0
        held += rows
    bounds = [None, *cuts, None]
    out = []
    for low, high in itertools.pairwise(bounds):
        parts = [f"location >= {sql_text(low)}"] if low is not None else []
        parts += [f"location < {sql_text(high)}"] if high is not None else []
        out.append(" AND ".join(parts))
    return out


def _holes(
    db: duckdb.DuckDBPyConnection, gap: float, end: float
) -> tuple[list[tuple[float, float]], bool]:
    """Silences of more than `gap` s in which no writer received anything (between the coverage
    spans), on the receive clock; whether the last is after the reception, to an `end` past it."""
    spans = db.execute(
        "SELECT epoch_us(received_from) / 1e6, epoch_us(received_to) / 1e6 FROM coverage "
        "ORDER BY 1, 2"
    ).fetchall()
    holes: list[tuple[float, float]] = []
    reach: float | None = None
    for a, b in spans:
        if reach is not None and a - reach > gap:
            holes.append((reach, a))
        reach = b if reach is None else max(reach, b)
    if reach is None or not math.isfinite(end) or end - reach <= gap:
        return holes, False
    return [*holes, (reach, end)], True


def _gaps(
    db: duckdb.DuckDBPyConnection, holes: list[tuple[float, float]], end: float, tail: bool
) -> list[tuple[float, float]]:
    """The gaps in reception on the data's clock, as the session report finds them: as
    `History.received` does, a silence begins at the newest change received before it, and
    ends at the first change received after it that is newer than that; a silence that comes
    while the last one has not ended is part of it; with `tail`, the window's end ends it."""
    # (Lists unnested: executemany inserts a row a statement, 0.15 ms each.)
    db.execute(
        "CREATE OR REPLACE TEMP TABLE holes AS SELECT unnest(range(len($1)))::INTEGER AS h, "
        "unnest($1::DOUBLE[]) AS qf, unnest($2::DOUBLE[]) AS qt",
        [[a for a, _ in holes], [b for _, b in holes]],
    )
    # Each change belongs to the stretch of reception after the last silence before it (-1:
    # before the first). A silence begins at the newest change of the stretches before it
    # (`since`) and ends at the first change of its stretch newer than that: one pass puts
    # the changes in stretches, and two GROUP BYs of it give both.
    stretches = db.execute(
        """
        WITH stretch AS MATERIALIZED (
            SELECT coalesce(h.h, -1) AS h, c.t, c.recv, c.rank, c.seq
            FROM changes c ASOF LEFT JOIN holes h ON c.recv >= h.qt),
        newest AS (SELECT h, max(t) AS newest FROM stretch GROUP BY h),
        since AS (SELECT h, newest, max(newest) OVER (ORDER BY h ROWS BETWEEN UNBOUNDED
                                                       PRECEDING AND 1 PRECEDING) AS since
                  FROM newest)
        SELECT x.h, any_value(x.newest),
               arg_min({'t': s.t, 'r': s.recv}, {'r': s.recv, 'k': s.rank, 's': s.seq})
                   FILTER (WHERE s.h IS NOT NULL)
        FROM since x LEFT JOIN stretch s ON s.h = x.h AND s.t > x.since AND s.t <= ?
        GROUP BY x.h
        """,
        [end],
    ).fetchall()
    newest = {h: t for h, t, _ in stretches}
    first = {h: (float(f["t"]), float(f["r"])) for h, _, f in stretches if f is not None}
    since: list[float | None] = []
    running: float | None = None
    for h in range(len(holes)):
        value = newest.get(h - 1)
        if value is not None:
            running = value if running is None else max(running, value)
        since.append(running)
    gaps: list[tuple[float, float]] = []
    closed_at = -math.inf
    for h, (_, quiet_to) in enumerate(holes):
        if closed_at >= quiet_to:
            continue  # the gap before had not ended when this silence began
        began = since[h]
        if began is None:
            continue
        after = first.get(h)
        if after is None:
            # Not ended before the next silence: the first such change anywhere after it.
            found = db.execute(
                "SELECT t, recv FROM changes WHERE recv >= ? AND t > ? AND t <= ? "
                "ORDER BY recv, rank, seq LIMIT 1",
                [quiet_to, began, end],
            ).fetchone()
            if found is None and not tail:
                break  # never ended: the session report adds no gap either
            after = (end, end) if found is None else (float(found[0]), float(found[1]))
        until, closed_at = after
        if gaps and began <= gaps[-1][1]:
            gaps[-1] = (gaps[-1][0], max(gaps[-1][1], until))
        elif until > began:
            gaps.append((float(began), until))
    return gaps


def _excluded_updates(
    db: duckdb.DuckDBPyConnection, share: list[EvseFigures], exclusions: Exclusions
) -> list[tuple[Any, ...]]:
    """The changes of the locations an exclusion names (by EVSE or location) in this share,
    with the repeats of a status kept in `seen` (status NULL: the status goes on) after a change
    at the same instant: staleness reads a repeat's time as an update's."""
    named = sorted({f.location for f in share if f.location in exclusions or f.evse in exclusions})
    if not named:
        return []
    rows: list[tuple[Any, ...]] = db.execute(
        "SELECT location, evse, status, t FROM ("
        "  SELECT n.location, n.evse, c.status, c.t, 0 AS repeat, c.rank, c.seq"
        "  FROM changes c JOIN ("
        "    SELECT DISTINCT hash(location, evse) AS k, location, evse FROM status_changes"
        "    WHERE list_contains(?, location)) n USING (k)"
        "  UNION ALL"
        "  SELECT location, evse, NULL, epoch_us(\"time\") / 1e6, 1, 0, 0 FROM seen"
        "  WHERE list_contains(?, location)"
        ") ORDER BY location, evse, t, repeat, rank, seq",
        [named, named],
    ).fetchall()
    return rows


def _refold_excluded(
    rows: list[tuple[Any, ...]],
    figures: list[EvseFigures],
    all_down: dict[str, float],
    rules: RuleSet,
    start: float,
    end: float,
    gaps: list[tuple[float, float]],
    exclusions: Exclusions,
) -> tuple[list[EvseFigures], dict[str, float]]:
    """Fold the EVSEs of the locations an exclusion names with the session report's code, from
    their archived updates (`_excluded_updates`), and replace their figures and their
    locations' all-down time."""
    history = History(rules, start=start, end=end, exclusions=exclusions, gaps=gaps)
    current: dict[tuple[str, str], str] = {}
    named: set[str] = set()
    for location, evse, status, t in rows:
        named.add(location)
        if status is None:
            status = current.get((location, evse))
            if status is None:
                continue  # a repeat before any change of the EVSE is known: nothing to repeat
        current[location, evse] = status
        history.update(location, evse, status, t)
    refolded = history.finish()
    again = {(f.location, f.evse): f for f in refolded.evses}
    out = [_with_late(again.get((f.location, f.evse), f), f.late) for f in figures]
    return out, {**all_down, **{k: v for k, v in refolded.all_down_s.items() if k in named}}


def _with_late(figures: EvseFigures, late: int) -> EvseFigures:
    return replace(figures, late=late) if figures.late != late else figures
