"""observed_upto, the observed seconds before an instant with many gaps in reception: the
grid lookup gives what the CASE tree gives and what a sum over the spans gives, bit for bit,
at every edge and at either infinity; where the spans are too close for a grid, the tree answers."""

from __future__ import annotations

import random

import duckdb
import pytest

from evtui.archive.engine import connect
from evtui.archive.observed import observed_macros


def by_hand(spans: list[tuple[float, float]], x: float) -> float:
    """Each span before x whole, the one x is in up to x: as the tree's leaves add them."""
    before = 0.0
    for lo, hi in spans:
        if x < hi:
            return before + min(max(x - lo, 0.0), hi - lo)
        before += hi - lo
    return before


def spans_of(rng: random.Random, n: int, least_gap: float) -> list[tuple[float, float]]:
    spans, at = [], 1_793_491_200.0 + rng.randint(0, 10**6) / 1e6
    for _ in range(n):
        lo = at + least_gap + rng.randint(0, 10**9) / 1e6
        at = lo + rng.randint(1, 10**10) / 1e6
        spans.append((lo, at))
    return spans


def upto(db: duckdb.DuckDBPyConnection, xs: list[float]) -> list[float | None]:
    rows = db.execute("SELECT observed_upto(x) FROM unnest($1::DOUBLE[]) t(x)", [xs]).fetchall()
    return [r[0] for r in rows]


def probes(spans: list[tuple[float, float]], rng: random.Random) -> list[float]:
    edges = [v for lo, hi in spans for v in (lo, hi)]
    near = [v + d for v in edges for d in (-1e-6, 1e-6)]
    inside = [rng.uniform(spans[0][0] - 100, spans[-1][1] + 100) for _ in range(2000)]
    return [*edges, *near, *inside, spans[0][0] - 1e6, spans[-1][1] + 1e6]


@pytest.mark.parametrize("seed", range(6))
def test_the_grid_gives_the_trees_answer_and_the_sums(seed: int) -> None:
    rng = random.Random(seed)
    spans = spans_of(rng, rng.randint(9, 400), least_gap=60.0)
    db = connect()
    observed_macros(db, spans)
    assert db.execute("SELECT count(*) FROM observed_grid").fetchone() == (1,)  # the grid's
    xs = probes(spans, rng)
    expected = [by_hand(spans, x) for x in xs]
    assert upto(db, xs) == expected
    tree = connect()
    end = spans[-1][1]
    close = [(end + 1.0, end + 1.00005), (end + 1.0001, end + 1.00015)]  # 10^7 cells and more
    observed_macros(tree, [*spans, *close])
    with pytest.raises(duckdb.CatalogException):
        tree.execute("SELECT * FROM observed_grid")  # so it made none: the CASE tree
    tree.execute(f"CREATE OR REPLACE TEMP MACRO cut(x) AS least(x, {end!r})")
    rows = tree.execute(
        "SELECT observed_upto(cut(x)) FROM unnest($1::DOUBLE[]) t(x)", [xs]
    ).fetchall()
    assert [r[0] for r in rows] == expected


def test_the_ends_of_time() -> None:
    spans = spans_of(random.Random(9), 50, least_gap=300.0)
    db = connect()
    observed_macros(db, spans)
    total = sum(hi - lo for lo, hi in spans)
    far, before_all = db.execute(
        "SELECT observed_upto('inf'::DOUBLE), observed_upto('-inf'::DOUBLE)"
    ).fetchone() or ()
    assert (far, before_all) == (by_hand(spans, float("inf")), 0.0)
    assert far == pytest.approx(total)
