"""A canvas of braille dots: lines drawn as whole segments, and the cells they make.

A terminal cell shows one of the 256 braille patterns (U+2800 on), 2 dots wide and 4 tall;
dot (x, y) is bit `BITS[y % 4][x % 2]` of its cell's pattern. Everything here is vectorised
(NumPy): tens of thousands of segments take a few milliseconds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["BITS", "Canvas", "clip_segments"]

Floats = npt.NDArray[np.float64]
Cells = npt.NDArray[np.uint8]

BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)
"""The bit of each dot of a cell, by (row, column) within the cell: Unicode's dot numbering
(1-2-3 down the left, 4-5-6 down the right, then 7 and 8 under them)."""
_EDGE = 1e-9


def clip_segments(
    x0: Floats, y0: Floats, x1: Floats, y1: Floats, width: float, height: float
) -> tuple[Floats, Floats, Floats, Floats]:
    """The parts of the segments inside [0, width) x [0, height) (Liang-Barsky); segments
    wholly outside are dropped."""
    dx, dy = x1 - x0, y1 - y0
    t0 = np.zeros_like(x0)
    t1 = np.ones_like(x0)
    keep = np.ones(len(x0), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0), (dx, width - _EDGE - x0), (-dy, y0), (dy, height - _EDGE - y0)):
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
            keep &= ~((p == 0) & (q < 0))
    keep &= t0 <= t1
    t0, t1, dx, dy, x0, y0 = t0[keep], t1[keep], dx[keep], dy[keep], x0[keep], y0[keep]
    return x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy


class Canvas:
    """`width` x `height` dots, all off at first (a whole number of cells: width even,
    height a multiple of 4)."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.dots = np.zeros((rows * 4, columns * 2), dtype=bool)

    @property
    def width(self) -> int:
        return self.columns * 2

    @property
    def height(self) -> int:
        return self.rows * 4

    def segments(self, x0: Floats, y0: Floats, x1: Floats, y1: Floats) -> None:
        """Draw each segment from (x0, y0) to (x1, y1) (dot coordinates), clipped to the
        canvas: every dot the line passes through (a DDA line, as many steps as the longer
        side has dots), so a line is whole at any zoom."""
        x0, y0, x1, y1 = clip_segments(x0, y0, x1, y1, self.width, self.height)
        if not len(x0):
            return
        ix0, iy0 = np.floor(x0).astype(np.int64), np.floor(y0).astype(np.int64)
        ix1, iy1 = np.floor(x1).astype(np.int64), np.floor(y1).astype(np.int64)
        steps = np.maximum(np.abs(ix1 - ix0), np.abs(iy1 - iy0))
        counts = steps + 1
        segment = np.repeat(np.arange(len(steps)), counts)
        first = np.cumsum(counts) - counts
        k = np.arange(int(counts.sum())) - np.repeat(first, counts)
        t = k / np.maximum(steps[segment], 1)
        x = np.rint(ix0[segment] + t * (ix1 - ix0)[segment]).astype(np.int64)
        y = np.rint(iy0[segment] + t * (iy1 - iy0)[segment]).astype(np.int64)
        self.dots[np.clip(y, 0, self.height - 1), np.clip(x, 0, self.width - 1)] = True

    def cells(self) -> Cells:
        """Each cell's braille pattern (0: blank), rows x columns."""
        return cells_of(self.dots)


def cells_of(dots: npt.NDArray[np.bool_]) -> Cells:
    """The braille pattern of each 2 x 4 block of `dots`."""
    rows, columns = dots.shape[0] // 4, dots.shape[1] // 2
    blocks = dots[: rows * 4, : columns * 2].reshape(rows, 4, columns, 2)
    weighted = blocks * BITS[None, :, None, :]
    patterns: Cells = weighted.sum(axis=(1, 3), dtype=np.uint16).astype(np.uint8)
    return patterns
