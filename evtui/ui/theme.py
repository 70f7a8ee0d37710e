"""Colours of the statuses and how ids, times and table cells are shown: one place, so every
widget agrees."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from rich.style import Style
from rich.text import Text

from evtui.model import id_tail
from evtui.safetext import safe_text

STATUS_STYLES: dict[str, str] = {
    "AVAILABLE": "bold green",
    "CHARGING": "bold dodger_blue1",
    # Not magenta and yellow: Textual's own palette for the 16 terminal colours draws magenta
    # as red and yellow as orange, so both pairs looked alike (tests/ui/test_theme.py).
    "RESERVED": "bold orchid",
    "OUT_OF_ORDER": "bold red",
    "INOPERATIVE": "bold dark_orange",
    "BLOCKED": "bold gold1",
    "UNKNOWN": "bold grey62",
}
OTHER_STATUS_STYLE = "bold white"
LIGHT_STATUS_STYLES: dict[str, str] = {
    "AVAILABLE": "bold #005f00",
    "CHARGING": "bold #005faf",
    "RESERVED": "bold #af00af",
    "OUT_OF_ORDER": "bold #af0000",
    "INOPERATIVE": "bold #af5f00",
    "BLOCKED": "bold #5f5f00",
    "UNKNOWN": "bold #626262",
}
"""The same hues for a light theme, dark enough to read at 3:1 or more on its background
(gold on white was 1.4:1); each is one of a 256-colour terminal's own, so tmux shows it as
it is (tests/ui/test_theme.py)."""
LIGHT_OTHER_STATUS_STYLE = "bold #262626"


class _Background:
    """Whether the theme shown is light: one app, one terminal, one theme at a time."""

    light = False


def use_light_background(light: bool) -> None:
    """Colour the statuses for a light theme's background, or a dark one's (the default)."""
    _Background.light = light


def light_background() -> bool:
    """Whether the theme shown is light (`use_light_background`)."""
    return _Background.light


def status_style(status: str) -> str:
    """The Rich style of a status, for the theme's background; statuses outside OCPI's seven
    share one."""
    if _Background.light:
        return LIGHT_STATUS_STYLES.get(status, LIGHT_OTHER_STATUS_STYLE)
    return STATUS_STYLES.get(status, OTHER_STATUS_STYLE)


def status_rich_style(status: str) -> Style:
    """`status_style`, parsed (once: the log draws thousands of rows)."""
    return _parsed(status_style(status))


@lru_cache(maxsize=64)
def _parsed(style: str) -> Style:
    return Style.parse(style)


def short_id(identifier: str, width: int = 18) -> str:
    """The distinctive tail of a HERE id (`here:evcp:evse:<hex>` → `<hex>`), escaped, at most
    `width` cells."""
    return safe_text(id_tail(identifier), width)


def local_time(when: datetime) -> datetime:
    """`when` in the terminal's time zone, which is what users read clocks in."""
    return when.astimezone()


def ago(delta: timedelta) -> str:
    """A short age: `12s`, `5m`, `3h`, `2d`."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def fixed_cell(text: Text, width: int, *, right: bool = False) -> Text:
    """`text` in exactly `width` cells: cut with an ellipsis, or padded (on the left when
    `right`, with no-break spaces: a DataTable drops a cell's leading spaces)."""
    text = text.copy()
    text.no_wrap = True
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    elif right:
        text.pad_left(width - text.cell_len, "\u00a0")
    else:
        text.pad_right(width - text.cell_len)
    return text
