"""The map itself: a `Frame` (evtui.map) shown cell by cell, repainting only the rows that
changed; clicks and the mouse wheel go up to the screen as messages."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from evtui.map.frame import BORDER_CELL, COAST_CELL, LOCATION, Cells, Flags, Frame, Kinds
from evtui.map.states import MapState
from evtui.ui.theme import LIGHT_STATUS_STYLES, light_background

__all__ = ["LIGHT_STATE_STYLES", "STATE_STYLES", "WorldMap", "row_segments", "state_style"]

STATE_STYLES: dict[MapState, Style] = {
    MapState.AVAILABLE: Style(color="green3", bold=True),
    MapState.BUSY: Style(color="dodger_blue1", bold=True),
    MapState.UNKNOWN: Style(color="grey82", bold=True),
    MapState.SOME_DOWN: Style(color="dark_orange", bold=True),
    MapState.ALL_DOWN: Style(color="red1", bold=True),
}
"""Each state's colour: the statuses' colours (theme.py) where one status decides it."""
LIGHT_STATE_STYLES: dict[MapState, Style] = {
    MapState.AVAILABLE: Style.parse(LIGHT_STATUS_STYLES["AVAILABLE"]),
    MapState.BUSY: Style.parse(LIGHT_STATUS_STYLES["CHARGING"]),
    # Darker than the light statuses' grey: that one is the coast's brightness.
    MapState.UNKNOWN: Style(color="#303030", bold=True),
    MapState.SOME_DOWN: Style.parse(LIGHT_STATUS_STYLES["INOPERATIVE"]),
    MapState.ALL_DOWN: Style.parse(LIGHT_STATUS_STYLES["OUT_OF_ORDER"]),
}
"""The same for a light theme: the light statuses' colours (theme.py), which read there."""


def state_style(state: MapState) -> Style:
    """A state's colour on the theme shown."""
    return (LIGHT_STATE_STYLES if light_background() else STATE_STYLES)[state]


def _kind_styles(states: dict[MapState, Style]) -> dict[int, Style]:
    return {
        BORDER_CELL: Style(color="#4a5866"),
        COAST_CELL: Style(color="#6f8fa8"),
        **{LOCATION + state: style for state, style in states.items()},
    }


_KIND_STYLES = _kind_styles(STATE_STYLES)
_WATCHED = Style(underline=True)
_PICKED = Style(reverse=True)
_BLANK = Style()
_BASE_STYLES: dict[bool, tuple[Style, ...]] = {
    light: (_BLANK, *_kind_styles(states).values())
    for light, states in ((False, STATE_STYLES), (True, LIGHT_STATE_STYLES))
}
"""By whether the background is light: blank, then each kind's style."""
_STYLE_OF_KIND = np.zeros(256, dtype=np.int32)
"""Each kind's (as a byte) place in `_BASE_STYLES`: kinds without a style of their own are
blank, so cells of equal style make one run."""
for _number, _kind in enumerate(_KIND_STYLES, start=1):
    _STYLE_OF_KIND[_kind & 0xFF] = _number


class WorldMap(Widget):
    """Set `frame`; the widget shows it (a frame smaller than the widget leaves the rest blank)."""

    DEFAULT_CSS = """
    WorldMap { width: 1fr; height: 1fr; }
    """

    frame: reactive[Frame | None] = reactive(None, repaint=False, always_update=True)

    class Clicked(Message):
        """A click at dot (x, y) of the map."""

        def __init__(self, x: float, y: float) -> None:
            super().__init__()
            self.x, self.y = x, y

    class Wheel(Message):
        """The mouse wheel turned at dot (x, y): `steps` in (positive) or out."""

        def __init__(self, steps: int, x: float, y: float) -> None:
            super().__init__()
            self.steps, self.x, self.y = steps, x, y

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[bytes] = []
        """What each row on screen shows (its cells' bytes), to repaint only what changed."""
        self._strips: dict[int, Strip] = {}
        self._base: Style | None = None
        """The widget's own style (the theme's background) the strips are laid on: found once
        a theme (23 us; a frame's 48 rows would take a millisecond of it)."""

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _: object) -> None:
        # Background and dots alike: the strips are made anew on the new theme.
        self._base, self._strips = None, {}
        self.refresh()

    def watch_frame(self, frame: Frame | None) -> None:
        rows = [] if frame is None else [self._row_key(frame, y) for y in range(len(frame.glyphs))]
        changed = [
            y
            for y in range(max(len(rows), len(self._rows)))
            if _get(rows, y) != _get(self._rows, y)
        ]
        self._rows = rows
        self._strips = {}
        if len(changed) > len(rows) // 2:
            self.refresh()
        else:
            for y in changed:
                self.refresh(Region(0, y, self.size.width, 1))

    @staticmethod
    def _row_key(frame: Frame, y: int) -> bytes:
        key: bytes = (
            frame.glyphs[y].tobytes() + frame.kinds[y].tobytes() + frame.watched[y].tobytes()
        )
        if frame.picked_cell is not None and frame.picked_cell[0] == y:
            key += frame.picked_cell[1].to_bytes(4)
        return key

    def render_line(self, y: int) -> Strip:
        frame = self.frame
        width = self.size.width
        # The theme's background under the dots, as every other widget has it (a light theme
        # showed the terminal's own, black, under the map alone).
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        if frame is None or y >= len(frame.glyphs):
            return Strip.blank(width, base)
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strip(frame, y).crop_extend(0, width, base).apply_style(base)
            self._strips[y] = strip
        return strip

    def _strip(self, frame: Frame, y: int) -> Strip:
        picked = frame.picked_cell[1] if frame.picked_cell and frame.picked_cell[0] == y else -1
        glyphs = frame.glyphs[y]
        return Strip(row_segments(glyphs, frame.kinds[y], frame.watched[y], picked), len(glyphs))

    # --- the mouse -------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Clicked(event.x * 2 + 1, event.y * 4 + 2))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.post_message(self.Wheel(1, event.x * 2 + 1, event.y * 4 + 2))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.post_message(self.Wheel(-1, event.x * 2 + 1, event.y * 4 + 2))


def row_segments(glyphs: Cells, kinds: Kinds, watched: Flags, picked: int = -1) -> list[Segment]:
    """One row of cells as segments, one a run of cells of one style: braille for the
    glyphs (a blank cell a space), the kind's colour, underlined where watched, reversed at
    column `picked`. (Cell by cell in Python this took a fifth of a frame's time on a 160-column
    map: runs are found and the text made by numpy.)"""
    if not len(glyphs):
        return []
    codes = _STYLE_OF_KIND[kinds.view(np.uint8)] * 4 + watched.astype(np.int32) * 2
    if picked >= 0:
        codes[picked] += 1
    light = light_background()
    text = (
        np.where(glyphs != 0, glyphs.astype("<u4") + 0x2800, 0x20)
        .astype("<u4")
        .tobytes()
        .decode("utf-32-le")
    )
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(glyphs)]
    starts = codes[bounds[:-1]].tolist()
    return [
        Segment(text[a:b], _style(code, light))
        for (a, b), code in zip(itertools.pairwise(bounds), starts, strict=True)
    ]


@cache
def _style(code: int, light: bool) -> Style:
    """The style of a run's code: its kind's place in `_BASE_STYLES`, times 4, plus 2 where
    watched and 1 where picked; on a light background or a dark one."""
    style = _BASE_STYLES[light][code >> 2]
    if code & 2:
        style = style + _WATCHED
    if code & 1:
        style = style + _PICKED
    return style


def _get(rows: list[bytes], y: int) -> bytes | None:
    return rows[y] if y < len(rows) else None
