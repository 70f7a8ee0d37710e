"""Per-status counters: EVSEs in each status now, their share, transitions in the last minute."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.widgets import Static

from evtui.model import KNOWN_STATUSES
from evtui.safetext import cell_width, safe_text, shorten
from evtui.ui.theme import status_rich_style

STATUS_CELLS = 12
"""Room for a status name (OCPI's longest is 12); longer ones are shortened."""
MAX_OTHER_ROWS = 4
"""Rows for statuses outside OCPI's list; more of them share one row, so the panel's
height stays bounded whatever the stream invents."""


class StatusCounters(Static):
    """One row per OCPI status (and any other status seen), in the status's colour."""

    DEFAULT_CSS = """
    StatusCounters { width: auto; min-width: 40; height: auto; padding: 0 1; }
    """

    counts: reactive[Mapping[str, int]] = reactive(dict)
    """EVSEs currently in each status."""
    recent: reactive[Mapping[str, int]] = reactive(dict)
    """Transitions into each status in the last minute."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._height = 0

    def _others(self) -> list[str]:
        """Statuses outside OCPI's list that have EVSEs or recent moves, the largest first."""
        seen = {s for s, n in (*self.counts.items(), *self.recent.items()) if n}
        return sorted(seen.difference(KNOWN_STATUSES), key=lambda s: (-self.counts.get(s, 0), s))

    def watch_counts(self) -> None:
        self._check_height()

    def watch_recent(self) -> None:
        self._check_height()

    def _check_height(self) -> None:
        # A status seen for the first time adds a row: the panel must grow, not only repaint.
        height = len(KNOWN_STATUSES) + min(len(self._others()), MAX_OTHER_ROWS)
        if height != self._height:
            self._height = height
            self.refresh(layout=True)

    def render(self) -> CounterLines:
        total = sum(self.counts.values())
        rows = [_HEADER]
        others = self._others()
        shown = others if len(others) <= MAX_OTHER_ROWS else others[: MAX_OTHER_ROWS - 1]
        for status in (*KNOWN_STATUSES, *shown):
            style = status_rich_style(status)
            name = _name_cell(status)
            rows.append(
                _row(name, style, self.counts.get(status, 0), self.recent.get(status, 0), total)
            )
        rest = others[len(shown) :]
        if rest:
            count = sum(self.counts.get(s, 0) for s in rest)
            recent = sum(self.recent.get(s, 0) for s in rest)
            rows.append(_row(f"{len(rest)} others", _ITALIC, count, recent, total))
        rows.append(_line((("total", _BOLD), (f"{total:,}", _BOLD), ("", None), ("", None))))
        return CounterLines(rows)


# The panel was a Rich `Table` (box-less, one cell of padding each side of a column, none at
# the edges): these lines are the segments that table rendered, built directly, as it cost
# several ms a frame. Fixed widths (41 cells in all), room for 9,999,999 EVSEs: the panel's
# width never follows the figures, so it needs no new layout as they grow and none is ever cut.
_WIDTHS = (STATUS_CELLS, 9, 6, 8)
_RIGHT = (False, True, True, True)
WIDTH = sum(_WIDTHS) + 2 * (len(_WIDTHS) - 1)
_PLAIN = Style()
_BOLD = Style(bold=True)
_DIM = Style(dim=True)
_ITALIC = Style(italic=True)
_GAP = Segment("  ", _PLAIN)


class CounterLines:
    """Lines of segments, all `WIDTH` cells wide."""

    def __init__(self, lines: list[list[Segment]]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        new_line = Segment.line()
        for line in self.lines:
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(WIDTH, WIDTH)


def _fit(text: str, width: int, right: bool) -> str:
    """`text` in `width` cells (an ellipsis where it is cut), as a table cell lays it out."""
    cells = cell_width(text)
    if cells > width:
        text = shorten(text, width, keep_tail=False)
        cells = cell_width(text)
    gap = " " * (width - cells)
    return gap + text if right else text + gap


def _line(cells: tuple[tuple[str, Style | None], ...], gap: Segment = _GAP) -> list[Segment]:
    line: list[Segment] = []
    for n, ((text, style), width, right) in enumerate(zip(cells, _WIDTHS, _RIGHT, strict=True)):
        if n:
            line.append(gap)
        line.append(Segment(_fit(text, width, right), style))
    return line


_HEADER = _line(
    (("status", _BOLD), ("EVSEs", _BOLD), ("share", _BOLD), ("last min", _BOLD)),
    Segment("  ", _BOLD),
)


@lru_cache(maxsize=256)
def _name_cell(status: str) -> str:
    return safe_text(status, STATUS_CELLS)


def _row(name: str, style: Style, count: int, recent: int, total: int) -> list[Segment]:
    share = f"{100 * count / total:.1f}%" if total else "-"
    return _line(
        (
            (name, style),
            (f"{count:,}", style if count else _DIM),
            (share, None if count else _DIM),
            (f"{recent:,}", None if recent else _DIM),
        )
    )
