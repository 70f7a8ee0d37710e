"""The statuses' colours as a terminal draws them: no two alike, in either of Textual's
palettes for the 16 terminal colours, in true colour or in a 256-colour terminal (tmux)."""

from __future__ import annotations

from itertools import combinations

import pytest
from rich.color import Color, ColorSystem
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.app import App

from evtui.ui.theme import STATUS_STYLES


def drawn(style: str, palette: TerminalTheme, system: ColorSystem) -> tuple[int, int, int]:
    """The colour a terminal shows for `style`: the 16 colours through the app's palette (as
    Textual's filter turns them to true colour), then as the terminal's system can."""
    color = Style.parse(style).color
    assert color is not None
    true = Color.from_triplet(color.get_truecolor(palette))
    red, green, blue = true.downgrade(system).get_truecolor(palette)
    return red, green, blue


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
@pytest.mark.parametrize("system", [ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT])
def test_no_two_statuses_share_a_colour(dark: bool, system: ColorSystem) -> None:
    app = App[None]()
    palette = app.ansi_theme_dark if dark else app.ansi_theme_light
    colours = {status: drawn(style, palette, system) for status, style in STATUS_STYLES.items()}
    alike = [(a, b) for a, b in combinations(colours, 2) if colours[a] == colours[b]]
    assert alike == []
