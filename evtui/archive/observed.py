"""Observed time as DuckDB macros: the window minus the gaps in reception, for report.sql.

The report's statements ask how many seconds of [x, y) were observed, and where the first and
last observed instants in it are; these macros answer from the observed stretches, written
into the SQL as literals.
"""

from __future__ import annotations

import duckdb

__all__ = ["SPANS_SUMMED", "observed_macros", "observed_spans"]


def observed_macros(db: duckdb.DuckDBPyConnection, spans: list[tuple[float, float]]) -> None:
    """observed_len, observed_upto, observed_total, observed_span, observed_first and
    observed_last (see report.sql) over `spans`.

    With a few spans, observed_len adds up each span's overlap: the same subtractions the
    session report makes, bit for bit. With many (a year of daily sessions), it is the
    difference of observed_upto, the observed seconds before an instant, found by a binary
    search written as nested CASEs: a handful of comparisons a row instead of one a span.
    DuckDB binds each use of a macro afresh, a few ms a hundred spans: a statement uses
    observed_upto as few times as it can (observed_total, not observed_upto of the end).
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
        upto = _upto(spans, before, 0, len(spans))
        db.execute(f"CREATE OR REPLACE TEMP MACRO observed_upto(x) AS {upto}")
        # The end of the last span (the window's end, or a gap's start): every span whole.
        db.execute(f"CREATE OR REPLACE TEMP MACRO observed_total() AS {total!r}")
        length = "greatest(0, observed_upto(y) - observed_upto(x))"
        db.execute(
            "CREATE OR REPLACE TEMP MACRO observed_span(x, y, ux, uy) AS greatest(0, uy - ux)"
        )
    first = " ".join(
        f"WHEN greatest(x, {lo}) < least(y, {hi}) THEN greatest(x, {lo})" for lo, hi in a
    )
    last = " ".join(
        f"WHEN greatest(x, {lo}) < least(y, {hi}) THEN least(y, {hi})" for lo, hi in reversed(a)
    )
    db.execute(f"CREATE OR REPLACE TEMP MACRO observed_len(x, y) AS {length}")
    db.execute(f"CREATE OR REPLACE TEMP MACRO observed_first(x, y) AS CASE {first} END")
    db.execute(f"CREATE OR REPLACE TEMP MACRO observed_last(x, y) AS CASE {last} END")


SPANS_SUMMED = 8
"""Up to this many observed spans, observed_len sums them; beyond, it searches."""


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
