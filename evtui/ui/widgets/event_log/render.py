"""What one row of the event log looks like: its columns, their cells and styled segments.

Stream text is shown escaped (`safe_text`), never as markup, and measured in terminal cells.
"""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment
from rich.style import Style

from evtui.model import StatusChange
from evtui.safetext import pad, safe_text, shorten
from evtui.ui.theme import local_time, short_id, status_rich_style

__all__ = [
    "EVSE_WIDTH",
    "LOCATION_WIDTH",
    "MAX_LOCATION_WIDTH",
    "ROW_WIDTH",
    "STATUS_WIDTH",
    "TITLE",
    "change_row",
    "location_width",
]

LOCATION_WIDTH = 16
"""The location column's cells in a log only as wide as a row needs."""
MAX_LOCATION_WIDTH = 40
"""The widest it gets in a wider log: room enough for most names, the rest stays blank."""
EVSE_WIDTH = 10
STATUS_WIDTH = 12
ROW_WIDTH = 8 + 1 + LOCATION_WIDTH + 1 + EVSE_WIDTH + 1 + STATUS_WIDTH + 3 + STATUS_WIDTH
"""Cells of a whole row: time, location, EVSE, old → new."""

TITLE = "status changes: time · location · EVSE · old → new"


def location_width(width: int) -> int:
    """The location column's cells in a log `width` cells wide: what the other columns leave."""
    return max(LOCATION_WIDTH, min(MAX_LOCATION_WIDTH, width - (ROW_WIDTH - LOCATION_WIDTH)))


def change_row(
    change: StatusChange, label: str = "", width: int = LOCATION_WIDTH
) -> list[Segment]:
    """One log row: time, location (label or short id, `width` cells), EVSE, old → new, as
    styled segments.

    Stream text goes in as plain segment text, escaped, never as markup. Built as segments
    rather than a `Text`: every row of a busy log is new on each frame.
    """
    when = Segment(local_time(change.time).strftime("%H:%M:%S"), _DIM)
    evse = _id_cell(change.evse_id, EVSE_WIDTH)
    if label:
        name = Segment(_label_cell(label, width), _BOLD)
        head = [when, _SPACE, name, Segment(f" {evse} ", _PLAIN)]
    else:
        # Plain neighbours in one segment, as a `Text` renders them.
        head = [when, Segment(f" {_id_cell(change.location_id, width)} {evse} ", _PLAIN)]
    if change.old is None:
        old = Segment(_NEW_CELL, _DIM)
    else:
        old = Segment(_status_cell(change.old), status_rich_style(change.old))
    new = Segment(safe_text(change.new, STATUS_WIDTH), status_rich_style(change.new))
    return [*head, old, _ARROW, new]


_PLAIN = Style()
_DIM = Style(dim=True)
_BOLD = Style(bold=True)
_SPACE = Segment(" ", _PLAIN)
_ARROW = Segment(" → ", _PLAIN)
_NEW_CELL = pad("new", STATUS_WIDTH)

# The same ids and statuses come back row after row: their cells are made once. Columns are
# measured in cells, so a wide character in an id cannot push the next column.


@lru_cache(maxsize=8192)
def _id_cell(identifier: str, width: int) -> str:
    return pad(short_id(identifier, width), width)


@lru_cache(maxsize=8192)  # with directory names, one per location on screen
def _label_cell(label: str, width: int) -> str:
    # A name starts with what tells it apart (an id ends with it): cut the tail.
    return pad(shorten(safe_text(label), width, keep_tail=False), width)


@lru_cache(maxsize=64)
def _status_cell(status: str) -> str:
    return pad(safe_text(status, STATUS_WIDTH), STATUS_WIDTH)

