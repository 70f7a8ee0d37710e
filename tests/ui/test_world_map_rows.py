"""A row of the map as the terminal gets it: the braille text, and each cell's colour,
underline (watched) and reverse (picked), checked cell by cell."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from rich.style import Style

from evtui.map.frame import BORDER_CELL, COAST_CELL, EMPTY, LOCATION
from evtui.map.states import MapState
from evtui.ui.widgets.world_map import STATE_STYLES, row_segments

KIND_COLOUR = {BORDER_CELL: "#4a5866", COAST_CELL: "#6f8fa8"} | {
    LOCATION + state: str(style.color.name) for state, style in STATE_STYLES.items() if style.color
}


def cells(segments: list) -> list[tuple[str, Style]]:  # type: ignore[type-arg]
    """Each cell's character and style, as the segments put them."""
    return [(char, segment.style) for segment in segments for char in segment.text]


@pytest.mark.parametrize("seed", range(20))
def test_each_cell_shows_its_glyph_colour_underline_and_reverse(seed: int) -> None:
    rng = np.random.default_rng(seed)
    width = int(rng.integers(1, 200))
    # Long runs and single cells alike: kinds drawn in stretches, some of them unknown (-5, 99).
    kinds = np.repeat(
        rng.choice([EMPTY, BORDER_CELL, COAST_CELL, 99, -5, *(LOCATION + s for s in MapState)],
                   size=width),
        rng.integers(1, 12, size=width),
    )[:width].astype(np.int8)  # fmt: skip
    glyphs = np.where(rng.random(width) < 0.3, 0, rng.integers(1, 256, size=width)).astype(
        np.uint8
    )
    watched = rng.random(width) < 0.1
    picked = int(rng.integers(-1, width))
    segments = row_segments(glyphs, kinds, watched, picked)
    shown = cells(segments)
    assert len(shown) == width
    for x, (char, style) in enumerate(shown):
        glyph, kind = int(glyphs[x]), int(kinds[x])
        assert char == (chr(0x2800 + glyph) if glyph else " "), x
        colour = KIND_COLOUR.get(kind)
        assert (style.color.name if style.color else None) == colour, (x, kind)
        assert bool(style.bold) == (kind >= LOCATION and colour is not None), x
        assert bool(style.underline) == bool(watched[x]), x
        assert bool(style.reverse) == (x == picked), x
    # One segment a run: no two neighbours of the same style.
    assert all(a.style != b.style for a, b in itertools.pairwise(segments))


def test_an_empty_row_has_no_segments() -> None:
    empty = np.zeros(0, dtype=np.uint8)
    assert row_segments(empty, empty.astype(np.int8), empty.astype(bool)) == []
