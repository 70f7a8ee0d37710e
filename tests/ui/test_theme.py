"""The statuses' colours as a terminal draws them: no two alike, in either of Textual's
palettes for the 16 terminal colours, in true colour or in a 256-colour terminal (tmux)."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.app import App

from evtui.ui.theme import LIGHT_STATUS_STYLES, STATUS_STYLES, status_style


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
    styles = STATUS_STYLES if dark else LIGHT_STATUS_STYLES
    colours = {status: drawn(style, palette, system) for status, style in styles.items()}
    alike = [(a, b) for a, b in combinations(colours, 2) if colours[a] == colours[b]]
    assert alike == []


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c_ = c / 255
        return c_ / 12.92 if c_ <= 0.03928 else ((c_ + 0.055) / 1.055) ** 2.4

    red, green, blue = map(channel, rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG's contrast ratio, 1 (none) to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_every_status_reads_on_the_highlighted_row(tmp_path: Path) -> None:
    # The rows' highlight was the theme's blue: CHARGING (blue) on it was 1.1:1 to 1.8:1.
    from textual.widgets import DataTable

    from evtui.ui.screens.location import LocationScreen
    from evtui.ui.widgets.event_log import EventLog
    from tests.ui.test_app import file_app, loaded, until

    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        log = app.query_one(EventLog)
        log.focus()
        await pilot.pause()
        backgrounds = {"log": log.get_component_rich_style("event-log--cursor").bgcolor}
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LocationScreen))
        table = app.screen.query_one(DataTable)
        backgrounds["location"] = table.get_component_rich_style("datatable--cursor").bgcolor
        palette = app.ansi_theme_dark
        for where, background in backgrounds.items():
            assert background is not None
            for system in (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT):
                under = Color.from_triplet(background.get_truecolor(palette))
                shown = under.downgrade(system).get_truecolor(palette)
                for status, style in STATUS_STYLES.items():
                    ratio = contrast(drawn(style, palette, system), shown)
                    assert ratio >= 3, (where, system, status, ratio)


LIGHT_THEMES = [
    n for n, t in App[None]().available_themes.items() if not t.dark and n != "ansi-light"
]


@pytest.mark.parametrize("theme", LIGHT_THEMES)
def test_every_status_reads_on_a_light_themes_background(theme: str) -> None:
    # The dark themes' colours on textual-light: BLOCKED (gold) was 1.4:1, INOPERATIVE 2:1.
    from textual.color import Color as CssColor

    app = App[None]()
    chosen = app.available_themes[theme]
    palette = app.ansi_theme_light
    for where in (chosen.background, chosen.surface):
        assert where is not None
        under = CssColor.parse(where).rgb
        for system in (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT):
            for status, style in LIGHT_STATUS_STYLES.items():
                ratio = contrast(drawn(style, palette, system), under)
                assert ratio >= 3, (where, system, status, ratio)


async def test_the_statuses_take_the_colours_of_the_theme_shown(tmp_path: Path) -> None:
    from evtui.settings import Settings
    from evtui.ui.widgets.event_log import EventLog
    from tests.ui.test_app import file_app, loaded

    def colours_drawn() -> set[str]:
        log = app.query_one(EventLog)
        return {
            str(seg.style.color.name)
            for y in range(log.size.height)
            for seg in log.render_line(y)
            if seg.style and seg.style.color and seg.text.strip() in STATUS_STYLES
        }

    app = file_app(tmp_path, settings=Settings(theme="textual-light"))
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        await pilot.pause(0.1)
        light = {Style.parse(LIGHT_STATUS_STYLES[s]).color.name for s in ("AVAILABLE",)}  # type: ignore[union-attr]
        assert status_style("BLOCKED") == LIGHT_STATUS_STYLES["BLOCKED"]
        assert light <= colours_drawn()
        # Picked in the palette: the rows already on screen are drawn again in the dark's.
        app.theme = "textual-dark"
        await pilot.pause(0.2)
        assert status_style("BLOCKED") == STATUS_STYLES["BLOCKED"]
        dark = {Style.parse(STATUS_STYLES["AVAILABLE"]).color.name}  # type: ignore[union-attr]
        drawn_now = colours_drawn()
        assert dark <= drawn_now and not light & drawn_now


@pytest.mark.parametrize("theme", LIGHT_THEMES)
def test_every_map_state_reads_on_a_light_themes_background(theme: str) -> None:
    # The map's dark colours on textual-light: its grey UNKNOWN dots read at 1.5:1.
    from textual.color import Color as CssColor

    from evtui.ui.widgets.world_map import LIGHT_STATE_STYLES

    app = App[None]()
    chosen = app.available_themes[theme]
    for system in (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT):
        shades = {
            state: drawn(str(style), app.ansi_theme_light, system)
            for state, style in LIGHT_STATE_STYLES.items()
        }
        assert len(set(shades.values())) == len(shades), (system, shades)
        for where in (chosen.background, chosen.surface):
            assert where is not None
            under = CssColor.parse(where).rgb
            for state, shade in shades.items():
                assert contrast(shade, under) >= 3, (where, system, state)


async def test_the_map_takes_the_colours_of_the_theme_shown(tmp_path: Path) -> None:
    from evtui.map.states import MapState
    from evtui.ui.widgets.world_map import LIGHT_STATE_STYLES, STATE_STYLES, WorldMap
    from tests.ui.scene import SIZE, make_app, open_map

    def colours_drawn() -> set[str]:
        world = app.screen.query_one(WorldMap)
        return {
            str(seg.style.color.name)
            for y in range(world.size.height)
            for seg in world.render_line(y)
            if seg.style and seg.style.color and seg.text.strip()
        }

    def state_colours(styles: dict[MapState, Style]) -> set[str]:
        return {str(style.color.name) for style in styles.values() if style.color}

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-light"
        await open_map(pilot)
        await pilot.pause(0.1)
        drawn_light = colours_drawn()
        assert drawn_light & state_colours(LIGHT_STATE_STYLES)
        assert not drawn_light & state_colours(STATE_STYLES)
        # On the theme's light background, as the screens around it: not the terminal's.
        world = app.screen.query_one(WorldMap)

        def background() -> tuple[int, int, int]:
            under = {
                seg.style.bgcolor.get_truecolor() if seg.style and seg.style.bgcolor else None
                for y in range(world.size.height)
                for seg in world.render_line(y)
            }
            assert None not in under and len(under) == 1
            [colour] = under
            return tuple(colour)  # type: ignore[return-value]

        assert _luminance(background()) > 0.5
        # Picked in the palette: the map on screen is drawn again in the dark's colours.
        app.theme = "textual-dark"
        await pilot.pause(0.2)
        drawn_dark = colours_drawn()
        assert drawn_dark & state_colours(STATE_STYLES)
        assert not drawn_dark & state_colours(LIGHT_STATE_STYLES)
        assert _luminance(background()) < 0.1
        # From one dark theme to another: the map takes the new one's background too.
        before = background()
        app.theme = "nord"
        await pilot.pause(0.2)
        assert background() != before
