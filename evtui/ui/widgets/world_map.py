"""The map itself: a `Frame` (evtui.map) shown cell by cell, repainting only the rows that
changed; clicks and the mouse wheel go up to the screen as messages."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from evtui.map.frame import BORDER_CELL, COAST_CELL, LOCATION, Frame
from evtui.map.states import MapState

__all__ = ["STATE_STYLES", "WorldMap"]

STATE_STYLES: dict[MapState, Style] = {
    MapState.AVAILABLE: Style(color="green3", bold=True),
    MapState.BUSY: Style(color="dodger_blue1", bold=True),
    MapState.UNKNOWN: Style(color="grey82", bold=True),
    MapState.SOME_DOWN: Style(color="dark_orange", bold=True),
    MapState.ALL_DOWN: Style(color="red1", bold=True),
}
"""Each state's colour: the statuses' colours (theme.py) where one status decides it."""
_KIND_STYLES: dict[int, Style] = {
    BORDER_CELL: Style(color="#4a5866"),
    COAST_CELL: Style(color="#6f8fa8"),
    **{LOCATION + state: style for state, style in STATE_STYLES.items()},
}
_WATCHED = Style(underline=True)
_PICKED = Style(reverse=True)
_BLANK = Style()


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
        if frame is None or y >= len(frame.glyphs):
            return Strip.blank(width)
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._strip(frame, y).crop_extend(0, width, None)
        return strip

    def _strip(self, frame: Frame, y: int) -> Strip:
        glyphs, kinds, watched = frame.glyphs[y], frame.kinds[y], frame.watched[y]
        picked = frame.picked_cell[1] if frame.picked_cell and frame.picked_cell[0] == y else -1
        segments: list[Segment] = []
        text: list[str] = []
        style: Style | None = None
        for x, (glyph, kind, mark) in enumerate(
            zip(glyphs.tolist(), kinds.tolist(), watched.tolist(), strict=True)
        ):
            cell_style = _KIND_STYLES.get(kind, _BLANK)
            if mark:
                cell_style = cell_style + _WATCHED
            if x == picked:
                cell_style = cell_style + _PICKED
            if cell_style != style:
                if text:
                    segments.append(Segment("".join(text), style))
                text, style = [], cell_style
            text.append(chr(0x2800 + glyph) if glyph else " ")
        if text:
            segments.append(Segment("".join(text), style))
        return Strip(segments, len(glyphs))

    # --- the mouse -------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Clicked(event.x * 2 + 1, event.y * 4 + 2))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.post_message(self.Wheel(1, event.x * 2 + 1, event.y * 4 + 2))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.post_message(self.Wheel(-1, event.x * 2 + 1, event.y * 4 + 2))


def _get(rows: list[bytes], y: int) -> bytes | None:
    return rows[y] if y < len(rows) else None
