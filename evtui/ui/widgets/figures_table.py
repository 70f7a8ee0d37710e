"""A table of many rows that draws only the rows in view: the reliability screen's.

Textual's DataTable measures every cell of every row it is given (a quarter of a millisecond
a row): 200,000 locations would take most of a minute, and refreshing the figures every few
seconds would stall the monitor. Here a row is made (by a function the screen gives) when it
scrolls into view, so the cost of showing the figures does not grow with the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from evtui.ui.theme import fixed_cell

__all__ = ["FiguresTable"]

Cells = Callable[[int], Sequence[Text]]
"""Row `i`'s cells, one per column."""


class FiguresTable(ScrollView, can_focus=True):
    """Columns of fixed widths under a header that stays in view; a row cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "go(0)", "First", show=False),
        Binding("end", "go(-1)", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "figures-table--header",
        "figures-table--cursor",
        "figures-table--even",
    }
    DEFAULT_CSS = """
    FiguresTable { background: $surface; }
    FiguresTable > .figures-table--header { text-style: bold; background: $panel; }
    FiguresTable > .figures-table--cursor { background: $block-cursor-background;
                                            color: $block-cursor-foreground; }
    FiguresTable > .figures-table--even { background: $surface-lighten-1 20%; }
    """

    cursor_row: reactive[int] = reactive(0)

    class RowSelected(Message):
        """Enter (or a click) on a row."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class HeaderSelected(Message):
        """A click on a column's header."""

        def __init__(self, column: int) -> None:
            super().__init__()
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._headers: list[Text] = []
        self._widths: list[int] = []
        self._cells: Cells = lambda _: ()
        self.row_count = 0
        self._cache: dict[int, list[Segment]] = {}

    def show(
        self, headers: Sequence[Text], widths: Sequence[int], count: int, cells: Cells
    ) -> None:
        """Show `count` rows of `cells` under `headers`, column `i` `widths[i]` cells wide."""
        self._headers, self._widths = list(headers), list(widths)
        self._cells, self.row_count = cells, count
        self._cache.clear()
        self.virtual_size = Size(sum(widths) + len(widths), count + 1)
        self.cursor_row = max(0, min(self.cursor_row, count - 1))
        self.refresh()

    def row_cells(self, row: int) -> list[str]:
        """Row `row`'s cells as plain text (what a reader of the screen sees)."""
        return [cell.plain for cell in self._cells(row)]

    # --- drawing ------------------------------------------------------------------------

    def _line(self, cells: Sequence[Text]) -> list[Segment]:
        console = self.app.console
        segments: list[Segment] = []
        for cell, width in zip(cells, self._widths, strict=False):
            text = fixed_cell(cell, width, right=cell.justify == "right")
            text.append(" ")
            segments.extend(text.render(console, end=""))
        return segments

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("figures-table--header")
            strip = Strip(self._line(self._headers))
            return strip.crop_extend(scroll_x, scroll_x + width, style).apply_style(style)
        row = scroll_y + y - 1
        if row >= self.row_count:
            return Strip.blank(width, base)
        segments = self._cache.get(row)
        if segments is None:
            if len(self._cache) > 4 * max(self.size.height, 1):
                self._cache.clear()
            segments = self._cache[row] = self._line(self._cells(row))
        style = base
        if row == self.cursor_row:
            style = base + self.get_component_rich_style("figures-table--cursor")
        elif row % 2:
            style = base + self.get_component_rich_style("figures-table--even")
        strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, style)
        if row == self.cursor_row:  # the cursor's colours over the cells' own
            return Strip([Segment(t, (s or Style()) + style, c) for t, s, c in strip])
        return strip.apply_style(style)

    # --- the cursor ---------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        view = max(1, self.scrollable_content_region.height - 1)  # the header's line aside
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + view:
            self.scroll_to(y=new - view + 1, animate=False)
        self.refresh()

    def move_cursor(self, row: int) -> None:
        """Put the cursor on row `row` (kept within the rows)."""
        self.cursor_row = max(0, min(row, self.row_count - 1))

    def action_move(self, by: int) -> None:
        self.move_cursor(self.cursor_row + by)

    def action_page(self, by: int) -> None:
        self.move_cursor(self.cursor_row + by * max(1, self.scrollable_content_region.height - 2))

    def action_go(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else self.row_count - 1)

    def on_click(self, event: events.Click) -> None:
        at = event.get_content_offset(self)
        if at is None:  # the border or a scroll bar
            return
        if at.y == 0:
            x, edge = at.x + self.scroll_offset.x, 0
            for column, width in enumerate(self._widths):
                edge += width + 1
                if x < edge:
                    self.post_message(self.HeaderSelected(column))
                    return
            return
        row = self.scroll_offset.y + at.y - 1
        if 0 <= row < self.row_count:
            self.move_cursor(row)
            self.post_message(self.RowSelected(row))
