"""Observed time as DuckDB macros: the window minus the gaps in reception, for report.sql.

The report's statements ask how many seconds of [x, y) were observed, and where the first and
last observed instants in it are; these macros answer from the observed stretches, written
into the SQL as literals.
"""

from __future__ import annotations

import itertools
import math

from evtui.archive.engine import duckdb

__all__ = ["SPANS_SUMMED", "observed_macros", "observed_spans"]


def observed_macros(
    db: duckdb.DuckDBPyConnection, spans: list[tuple[float, float]], ends: bool = True
) -> None:
    """observed_len, observed_upto, observed_total, observed_span and, with `ends` (the
    outage list's start and end need them), observed_first and observed_last (see report.sql)
    over `spans`. (Those two are CASEs of a branch a span: 60 ms to make with 400 spans.)

    With a few spans, observed_len adds up each span's overlap: the same subtractions the
    session report makes, bit for bit. With many (a year of daily sessions), it is the
    difference of observed_upto, the observed seconds before an instant: looked up in a grid
    (`_grid`), or where the spans are too many for one, found by a binary search written as
    nested CASEs. DuckDB binds each use of a macro afresh, and a CASE tree at some 0.2 ms a
    span: a statement uses observed_upto as few times as it can (observed_total, not
    observed_upto of the end).
    """
    if not spans:
        spans = [(0.0, 0.0)]
    a = [(repr(x), repr(y)) for x, y in spans]
    if len(spans) <= SPANS_SUMMED:
        length = " + ".join(f"greatest(0, least(y, {hi}) - greatest(x, {lo}))" for lo, hi in a)
        db.execute("CREATE OR REPLACE TEMP MACRO observed_upto(x) AS 0.0")
        db.execute("CREATE OR REPLACE TEMP MACRO observed_total() AS 0.0")
        db.execute(f"CREATE OR REPLACE TEMP MACRO observed_span(x, y, ux, uy) AS {length}")
    else:
        before, total = [], 0.0
        for lo, hi in spans:
            before.append(total)
            total += hi - lo
        upto = _grid(db, spans, before) or _upto(spans, before, 0, len(spans))
        db.execute(f"CREATE OR REPLACE TEMP MACRO observed_upto(x) AS {upto}")
        # The end of the last span (the window's end, or a gap's start): every span whole.
        db.execute(f"CREATE OR REPLACE TEMP MACRO observed_total() AS {total!r}")
        length = "greatest(0, observed_upto(y) - observed_upto(x))"
        db.execute(
            "CREATE OR REPLACE TEMP MACRO observed_span(x, y, ux, uy) AS greatest(0, uy - ux)"
        )
    db.execute(f"CREATE OR REPLACE TEMP MACRO observed_len(x, y) AS {length}")
    if not ends:
        return
    first = " ".join(
        f"WHEN greatest(x, {lo}) < least(y, {hi}) THEN greatest(x, {lo})" for lo, hi in a
    )
    last = " ".join(
        f"WHEN greatest(x, {lo}) < least(y, {hi}) THEN least(y, {hi})" for lo, hi in reversed(a)
    )
    db.execute(f"CREATE OR REPLACE TEMP MACRO observed_first(x, y) AS CASE {first} END")
    db.execute(f"CREATE OR REPLACE TEMP MACRO observed_last(x, y) AS CASE {last} END")


SPANS_SUMMED = 8
"""Up to this many observed spans, observed_len sums them; beyond, it searches."""
GRID_CELLS = 1_000_000
"""The most cells `_grid` makes (six lists of 8 MB); past them observed_upto is a CASE tree."""


def _grid(
    db: duckdb.DuckDBPyConnection, spans: list[tuple[float, float]], before: list[float]
) -> str | None:
    """observed_upto(x) as a lookup, in a few ms of planning instead of the CASE tree's 80 ms
    a use with 400 spans; None when the spans are too many or too close for the grid.

    The window from the first span's start is cut into cells as wide as the least distance
    between two spans' starts, so a cell holds at most one start. The table `observed_grid`
    has, for each cell, the span that holds at the cell's start and the one that starts in
    it (the same where none does); x past that start is in the second. Each is the CASE
    tree's leaf for that span, with the same numbers: the same result, bit for bit.
    """
    starts = [lo for lo, _ in spans]
    origin = starts[0]
    width = min(b - a for a, b in itertools.pairwise(starts))
    # (Python's float arithmetic is DuckDB's DOUBLE's: the cells here are the cells there.)
    cells = [math.floor((lo - origin) / width) for lo in starts]
    if cells[-1] >= GRID_CELLS or any(b <= a for a, b in itertools.pairwise(cells)):
        return None
    begins_in = dict(zip(cells, range(len(spans)), strict=True))
    held, begins, at = [], [], 0
    for cell in range(cells[-1] + 1):
        held.append(at)
        at = begins_in.get(cell, at)
        begins.append(at)
    lists = {}
    for name, spans_of in (("held", held), ("begins", begins)):
        lists[f"{name}_lo"] = [spans[i][0] for i in spans_of]
        lists[f"{name}_before"] = [before[i] for i in spans_of]
        lists[f"{name}_len"] = [spans[i][1] - spans[i][0] for i in spans_of]
    columns = ", ".join(f"${n}::DOUBLE[] AS {name}" for n, name in enumerate(lists, 1))
    db.execute(
        f"CREATE OR REPLACE TEMP TABLE observed_grid AS SELECT {columns}", list(lists.values())
    )
    # DuckDB lists count from 1. (A string cast: a long literal would be read as a DECIMAL.)
    index = (
        f"(least(greatest(floor((x - '{origin!r}'::DOUBLE) / '{width!r}'::DOUBLE), 0), "
        f"{cells[-1]})::INTEGER + 1)"
    )

    def of(column: str) -> str:
        return f"(SELECT {column} FROM observed_grid)[{index}]"

    return (
        f"CASE WHEN x >= {of('begins_lo')} THEN "
        f"{of('begins_before')} + least(greatest(x - {of('begins_lo')}, 0), {of('begins_len')}) "
        f"ELSE {of('held_before')} + least(greatest(x - {of('held_lo')}, 0), {of('held_len')}) END"
    )


def _upto(spans: list[tuple[float, float]], before: list[float], i: int, j: int) -> str:
    """observed_upto(x) for x from spans[i] on (and before spans[j]), as a CASE tree."""
    if j - i == 1:
        lo, hi = spans[i]
        return f"({before[i]!r} + least(greatest(x - {lo!r}, 0), {hi - lo!r}))"
    middle = (i + j) // 2
    return (
        f"CASE WHEN x < {spans[middle][0]!r} THEN {_upto(spans, before, i, middle)} "
        f"ELSE {_upto(spans, before, middle, j)} END"
    )


def observed_spans(
    start: float, end: float, gaps: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The stretches of [start, end) outside the gaps, in order."""
    out, at = [], start
    for a, b in gaps:
        if b <= at or a >= end:
            continue
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if at < end:
        out.append((at, end))
    return out
