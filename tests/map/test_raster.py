"""Braille cells: which dots a line lights, and the patterns they make."""

from __future__ import annotations

import random

import numpy as np

from evtui.map.raster import BITS, Canvas, cells_of


def one(x0: float, y0: float, x1: float, y1: float, columns: int = 10, rows: int = 4) -> Canvas:
    canvas = Canvas(columns, rows)
    canvas.segments(np.array([x0]), np.array([y0]), np.array([x1]), np.array([y1]))
    return canvas


def test_dots_become_unicode_braille_patterns() -> None:
    # Dot (0, 0) is dot 1 (bit 0), (1, 0) dot 4 (bit 3), (0, 3) dot 7, (1, 3) dot 8.
    dots = np.zeros((4, 2), dtype=bool)
    dots[0, 0] = dots[3, 1] = True
    assert cells_of(dots).tolist() == [[0x01 | 0x80]]
    assert chr(0x2800 + 0x81) == "⢁"
    assert cells_of(np.ones((4, 2), dtype=bool)).tolist() == [[0xFF]]  # ⣿
    assert int(BITS.sum()) == 0xFF


def test_a_horizontal_and_a_vertical_line() -> None:
    across = one(0.2, 0.5, 3.7, 0.5).cells()
    assert across[0, :3].tolist() == [0x09, 0x09, 0]  # the top row of two cells: ⠉⠉
    down = one(0.5, 0.2, 0.5, 7.9).cells()
    assert down[:3, 0].tolist() == [0x47, 0x47, 0]  # the left column of two cells: ⡇⡇


def _chain(dots: np.ndarray) -> bool:
    """Whether the lit dots are one 8-connected piece."""
    lit = {(int(y), int(x)) for y, x in zip(*np.nonzero(dots), strict=True)}
    if not lit:
        return True
    seen, todo = set(), [next(iter(lit))]
    while todo:
        y, x = todo.pop()
        if (y, x) in seen:
            continue
        seen.add((y, x))
        todo += [(y + a, x + b) for a in (-1, 0, 1) for b in (-1, 0, 1) if (y + a, x + b) in lit]
    return seen == lit


def test_a_line_is_whole_and_near_its_true_path() -> None:
    rng = random.Random(7)
    for _ in range(300):
        x0, x1 = rng.uniform(-30, 50), rng.uniform(-30, 50)
        y0, y1 = rng.uniform(-30, 45), rng.uniform(-30, 45)
        canvas = one(x0, y0, x1, y1, columns=10, rows=4)  # 20 x 16 dots
        assert _chain(canvas.dots), (x0, y0, x1, y1)
        # Every lit dot's centre is within a dot of the true line (a second computation).
        ys, xs = np.nonzero(canvas.dots)
        cx, cy = xs + 0.5, ys + 0.5
        dx, dy = x1 - x0, y1 - y0
        distance = np.abs(dy * (cx - x0) - dx * (cy - y0)) / max(np.hypot(dx, dy), 1e-9)
        assert (distance <= 1.5).all()
        # Both ends are lit when they lie inside the canvas.
        for x, y in ((x0, y0), (x1, y1)):
            if 0 <= x < 20 and 0 <= y < 16:
                assert canvas.dots[int(y), int(x)], (x, y)


def test_a_line_outside_the_canvas_draws_nothing() -> None:
    assert not one(-5, -5, -1, 30).dots.any()
    assert not one(25, 0, 40, 10).dots.any()
    assert one(-5, 8, 40, 8).dots[8].all()  # across: clipped at both edges, whole between
