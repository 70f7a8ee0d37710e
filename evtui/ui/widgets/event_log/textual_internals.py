"""The event log's speed-ups that lean on Textual's internals, all in this one module.

Each replaces or bypasses something Textual does on every repaint of a busy log: they read
private attributes (`_styles_cache`, `_vertical_scrollbar`, `_border_subtitle`), subclass
private classes (`textual._styles_cache.StylesCache`) and rely on how `Widget.refresh` and
`ScrollBar.render` behave. They are checked against Textual 8.2, which pyproject.toml pins
below 9: on a new major version, check this module first (the snapshot tests show what moved).
The widget's other tie to an internal is its `_get_subtitle_style_information` override.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from math import ceil

from rich.terminal_theme import TerminalTheme
from rich.text import Text
from textual._styles_cache import StylesCache
from textual.cache import LRUCache
from textual.color import Color
from textual.content import Content
from textual.css.styles import StylesBase
from textual.geometry import Region, Size, Spacing
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

__all__ = [
    "LogScrollBar",
    "LogStylesCache",
    "refresh_lines",
    "resize_virtual",
    "show_subtitle",
    "start_vertical_scrollbar",
    "sync_scrollbar_thumb",
]


class LogScrollBar(ScrollBar):
    """A scrollbar that draws again only when its thumb moves by a visible step.

    Textual repaints a scrollbar on every change of its position or sizes, through a Rich
    renderable, line by line (several ms a frame). A busy log moves them on every repaint, the
    thumb seldom: the lines are kept while the thumb's cells, colours and size stay.
    """

    def __init__(self, *, thickness: int) -> None:
        super().__init__(vertical=True, name="vertical", thickness=thickness)
        self._lines: tuple[object, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        bar = self.render()
        if not isinstance(bar, ScrollBarRender):
            return super().render_lines(crop)
        size = self.size.height
        virtual, window = bar.virtual_size, bar.window_size
        thumb: tuple[int, int] | None = None
        if window and size and virtual and size != virtual:
            # ScrollBarRender.render_bar's geometry, in eighths of a cell.
            thumb_size = max(1, window / (virtual / size))
            start = int((size - thumb_size) * (bar.position / (virtual - window)) * 8)
            thumb = (start, start + ceil(thumb_size * 8))
        key = (crop, self.size, thumb, bar.style, bar.thickness, self.styles._cache_key)
        if self._lines is not None and self._lines[0] == key:
            return self._lines[1]
        lines = super().render_lines(crop)
        self._lines = (key, lines)
        return lines


class LogStylesCache(StylesCache):
    """Textual's per-widget line cache, keeping the finished lines of rows as well.

    Textual finishes every line of a widget (borders, background, filters) afresh when the
    widget scrolls, though most rows only moved. The finished line of a row depends on the
    row and on the widget's styles: it is kept by the row's key (`row_key(y)` of the content
    line, None for a line that shows no row), and dropped with everything else when the
    styles or the width change (Textual clears this cache on every full refresh, which any
    change of CSS brings).
    """

    def __init__(self, row_key: Callable[[int], Hashable | None]) -> None:
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        super().__init__()
        self._row_key = row_key

    def clear(self) -> None:
        super().clear()
        self._lines.clear()

    def render_line(
        self,
        styles: StylesBase,
        y: int,
        size: Size,
        content_size: Size,
        padding: Spacing,
        base_background: Color,
        background: Color,
        render_content_line: Callable[[int], Strip],
        border_title: tuple[Content, Color, Color, VisualStyle] | None,
        border_subtitle: tuple[Content, Color, Color, VisualStyle] | None,
        opacity: float,
        ansi_theme: TerminalTheme,
        native_ansi: bool,
    ) -> Strip:
        args = (
            styles,
            y,
            size,
            content_size,
            padding,
            base_background,
            background,
            render_content_line,
            border_title,
            border_subtitle,
            opacity,
            ansi_theme,
            native_ansi,
        )
        gutter = styles.gutter
        content_y = y - gutter.top
        row = None
        if 0 <= content_y < content_size.height and y < size.height - gutter.bottom:
            row = self._row_key(content_y)
        if row is None:
            return super().render_line(*args)
        key = (row, size, content_size, padding, base_background, background, opacity)
        strip = self._lines.get(key)
        if strip is None:
            strip = super().render_line(*args)
            self._lines[key] = strip
        return strip


def start_vertical_scrollbar(widget: Widget) -> ScrollBar:
    """Make and start `widget`'s vertical scrollbar as `Widget.vertical_scrollbar` does, of
    the caching kind; `widget` keeps it from then on."""
    widget._vertical_scrollbar = bar = LogScrollBar(thickness=widget.scrollbar_size_vertical)
    bar.display = False
    widget.app._start_widget(widget, bar)
    return bar


def sync_scrollbar_thumb(widget: Widget) -> None:
    """Put the vertical scrollbar's thumb where `widget` is scrolled to.

    Textual moves the thumb with the scroll only while the scrollbar is shown; one shown later
    (rows added before a layout) kept a stale thumb.
    """
    bar = widget._vertical_scrollbar
    if bar is not None and bar.position != widget.scroll_y:
        bar.position = widget.scroll_y


def resize_virtual(widget: ScrollView, size: Size) -> None:
    """Take `size` as `widget`'s virtual size; a layout of the screen only when needed.

    Setting `virtual_size` lays the whole screen out again (several ms), on every repaint of
    a growing log. While the vertical scrollbar is shown and stays so (more rows than fit,
    same width), only the scrollbar and the scroll limits follow the size: the scrollbar is
    updated here, the limits read `virtual_size`.
    """
    old = widget.virtual_size
    bar = widget._vertical_scrollbar
    if (
        bar is not None
        and widget.show_vertical_scrollbar
        and size.width == old.width
        and size.height > widget.scrollable_content_region.height
    ):
        widget.set_reactive(ScrollView.virtual_size, size)
        bar.window_virtual_size = size.height
        widget.scroll_y = widget.validate_scroll_y(widget.scroll_y)
    else:
        widget.virtual_size = size


def refresh_lines(widget: Widget) -> None:
    """Draw every line of `widget` again; lines `LogStylesCache` kept come from it.

    (A refresh without a region would empty that cache: `Widget._set_dirty` clears it.)
    """
    left, top = widget.content_offset
    widget.refresh(Region(-left, -top, *widget.outer_size))


def show_subtitle(widget: Widget, text: Text) -> None:
    """Set `widget`'s border subtitle and draw the bottom border line again, nothing else.

    Setting `border_subtitle` repaints the whole widget. Nothing is drawn when the plain
    text is unchanged: a subtitle whose colours change must change its text too.
    """
    old = widget._border_subtitle
    if old is not None and old.plain == text.plain:
        return
    # As `border_subtitle = text` stores it (Widget._BorderTitle.__set__).
    widget._border_subtitle = Content.from_rich_text(text).expand_tabs(4).split()[0]
    if not widget.is_mounted:
        return
    width, height = widget.outer_size
    if height:
        left, top = widget.content_offset
        widget.refresh(Region(-left, height - 1 - top, width, 1))
