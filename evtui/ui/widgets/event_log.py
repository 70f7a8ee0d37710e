"""The live-scrolling log of EVSE status changes, with a cursor, pause and filter.

A line-API widget: it renders only the rows on screen, so a 10,000-row log costs the same to
repaint as a 20-row one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache
from math import ceil
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from rich.text import Text
from textual import events
from textual._styles_cache import StylesCache
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.content import Content
from textual.css.styles import StylesBase
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as VisualStyle

from evtui.model import EventFilter, StatusChange
from evtui.safetext import pad, safe_text
from evtui.ui.theme import local_time, short_id, status_style

__all__ = ["EventLog", "change_row"]

LOCATION_WIDTH = 16
EVSE_WIDTH = 10
STATUS_WIDTH = 12

TITLE = "status changes: time · location · EVSE · old → new"

Labels = Callable[[str], str]
"""Location id → its watchlist label, or ""."""


def change_row(change: StatusChange, label: str = "") -> list[Segment]:
    """One log row: time, location (label or short id), EVSE, old → new, as styled segments.

    Stream text goes in as plain segment text, escaped, never as markup. Built as segments
    rather than a `Text`: every row of a busy log is new on each frame.
    """
    when = Segment(local_time(change.time).strftime("%H:%M:%S"), _DIM)
    evse = _id_cell(change.evse_id, EVSE_WIDTH)
    if label:
        head = [when, _SPACE, Segment(_label_cell(label), _BOLD), Segment(f" {evse} ", _PLAIN)]
    else:
        # Plain neighbours in one segment, as a `Text` renders them.
        head = [when, Segment(f" {_id_cell(change.location_id, LOCATION_WIDTH)} {evse} ", _PLAIN)]
    if change.old is None:
        old = Segment(_NEW_CELL, _DIM)
    else:
        old = Segment(_status_cell(change.old), _status_style(change.old))
    new = Segment(safe_text(change.new, STATUS_WIDTH), _status_style(change.new))
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


@lru_cache(maxsize=1024)
def _label_cell(label: str) -> str:
    return pad(safe_text(label, LOCATION_WIDTH), LOCATION_WIDTH)


@lru_cache(maxsize=64)
def _status_cell(status: str) -> str:
    return pad(safe_text(status, STATUS_WIDTH), STATUS_WIDTH)


@lru_cache(maxsize=64)
def _status_style(status: str) -> Style:
    return Style.parse(status_style(status))


def _seq(entry: tuple[int, StatusChange]) -> int:
    return entry[0]


class _LogScrollBar(ScrollBar):
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


class _LogStylesCache(StylesCache):
    """Textual's per-widget line cache, keeping the finished lines of rows as well.

    Textual finishes every line of a widget (borders, background, filters) afresh when the
    widget scrolls, though most rows only moved. The finished line of a row depends on the
    row and on the widget's styles: it is kept by the row's key (`EventLog._row_key`), and
    dropped with everything else when the styles or the width change (Textual clears this
    cache on every full refresh, which any change of CSS brings).
    """

    def __init__(self, log: EventLog) -> None:
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        super().__init__()
        self._log = log

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
            row = self._log._row_key(content_y)
        if row is None:
            return super().render_line(*args)
        key = (row, size, content_size, padding, base_background, background, opacity)
        strip = self._lines.get(key)
        if strip is None:
            strip = super().render_line(*args)
            self._lines[key] = strip
        return strip


class _Frame(NamedTuple):
    """What rendering any row of one frame needs."""

    scroll_x: int
    scroll_y: int
    width: int
    base: Style
    cursor: int | None
    """Index of the highlighted row in the rows shown."""
    cursor_style: Style


class EventLog(ScrollView, can_focus=True):
    """Status changes, newest at the bottom, at most `max_rows` of them.

    While following, the cursor sits on the newest row and the view scrolls with it. Moving
    the cursor up, scrolling up or `p` pauses; new rows are then counted in the subtitle
    until `p` or `End` resumes.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="log_up"),
        Binding("down", "cursor(1)", "Down", show=False, id="log_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="log_page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="log_page_down"),
        Binding("home", "first", "Oldest row", show=False, id="log_first"),
        Binding("end", "follow", "Follow newest", show=False, id="log_follow"),
        Binding("enter", "open", "Open location", id="open_location"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"event-log--cursor", "event-log--paused"}
    DEFAULT_CSS = """
    EventLog {
        border: round $primary-background;
        border-title-color: $text-muted;
        border-subtitle-color: $text;
        background: $surface;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .event-log--cursor { background: $primary 40%; }
        &:focus { border: round $primary; }
        &:focus > .event-log--cursor { background: $primary 70%; text-style: bold; }
        & > .event-log--paused { background: $warning 60%; }
    }
    """

    following: reactive[bool] = reactive(True, init=False, repaint=False)
    """True while the log tracks the newest row (its watcher repaints what changes)."""
    filter: reactive[EventFilter] = reactive(EventFilter, init=False)

    class LocationSelected(Message):
        """The user asked to open the location of a row."""

        def __init__(self, location_id: str) -> None:
            super().__init__()
            self.location_id = location_id

    def __init__(
        self,
        max_rows: int = 10_000,
        *,
        labels: Labels = lambda _: "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._styles_cache = _LogStylesCache(self)
        self.max_rows = max_rows
        self.labels = labels
        self._entries: list[tuple[int, StatusChange]] = []
        self._view: list[tuple[int, StatusChange]] = self._entries
        self._next_seq = 0
        self._cursor: int | None = None
        """Sequence number of the highlighted row."""
        self._new_while_paused = 0
        self._cache: LRUCache[tuple[int, int, Style, Style | None, int], Strip] = LRUCache(1024)
        """Rendered rows by seq, labels version, style, cursor style (on the highlighted row),
        scroll x and width."""
        self._labels_version = 0
        self._frame: _Frame | None = None
        self.resume_hint = "p or End"
        """The keys that follow again, as the subtitle names them (settings may rebind)."""
        self.border_title = TITLE

    # --- data in -------------------------------------------------------------------------

    def add_changes(self, changes: Iterable[StatusChange]) -> None:
        """Append rows; the oldest drop out beyond `max_rows`."""
        filtered = self._view is not self._entries
        shown_before = len(self._view)
        window = None if self.following else self._window()
        for change in changes:
            entry = (self._next_seq, change)
            self._next_seq += 1
            self._entries.append(entry)
            if filtered and self._matches(change):
                self._view.append(entry)
        added = len(self._view) - shown_before
        dropped = self._trim(self._entries)
        if filtered:
            dropped = self._trim(self._view)
        if self.following:
            self._after_change()
            return
        self._new_while_paused += added
        # Keep the rows the user is looking at in place when old ones drop out.
        self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True)
        # Rows added below a paused view change only the subtitle and the scrollbar.
        self._after_change(rows=self._window() != window)

    def clear(self) -> None:
        """Drop every row (a replay that jumped rebuilds the log from its state)."""
        self._entries.clear()
        if self._view is not self._entries:
            self._view.clear()
        self._cursor = None
        self._new_while_paused = 0
        self._cache.clear()
        self._after_change()

    def _trim(self, rows: list[tuple[int, StatusChange]]) -> int:
        overflow = len(rows) - self.max_rows
        if overflow > 0:
            del rows[:overflow]
            return overflow
        return 0

    def relabel(self) -> None:
        """Labels changed: render rows again."""
        self._labels_version += 1
        self._cache.clear()
        if self.filter.text:
            self._refilter()
        self.refresh()

    def watch_filter(self) -> None:
        self._refilter()

    def _matches(self, change: StatusChange) -> bool:
        return self.filter.matches(change, self.labels(change.location_id))

    def _refilter(self) -> None:
        if self.filter.active:
            self._view = [e for e in self._entries if self._matches(e[1])]
        else:
            self._view = self._entries
        title = Text(TITLE)
        if self.filter.active:
            title.append(" · filter: ")
            title.append(safe_text(self.filter.query, 40), style="bold")
        self.border_title = title
        self._cache.clear()
        if self.following:
            self._cursor = None
            self._after_change()
            return
        self._after_change()
        if self._cursor is not None and self._view:
            # The highlighted row may be filtered out: take the nearest shown row before it.
            index = max(0, bisect_right(self._view, self._cursor, key=_seq) - 1)
            self._move_to(index)

    # --- state ---------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows shown (after the filter)."""
        return len(self._view)

    @property
    def rows(self) -> list[StatusChange]:
        """The changes shown, oldest first."""
        return [c for _, c in self._view]

    @property
    def highlighted(self) -> StatusChange | None:
        """The change under the cursor (the newest one while following)."""
        index = self._cursor_index()
        return self._view[index][1] if index is not None else None

    @property
    def new_while_paused(self) -> int:
        return self._new_while_paused

    def _index_of(self, seq: int) -> int | None:
        index = bisect_left(self._view, seq, key=_seq)
        return index if index < len(self._view) and self._view[index][0] == seq else None

    def _cursor_index(self) -> int | None:
        if not self._view:
            return None
        if self.following or self._cursor is None:
            return len(self._view) - 1
        return self._index_of(self._cursor)

    def _window(self) -> tuple[object, ...]:
        """What the rows on screen depend on: equal windows draw the same rows (rows are
        only ever added after the last and dropped before the first)."""
        y = int(self.scroll_y)
        shown = self._view[y : y + self.scrollable_content_region.height]
        first = shown[0][0] if shown else None
        cursor = self._cursor_index()
        at = None if cursor is None else cursor - y
        return (first, len(shown), at, self.scroll_x, self._labels_version)

    def _after_change(self, *, rows: bool = True) -> None:
        """Follow a change of the rows: sizes, scroll, subtitle, and the rows on screen
        unless `rows` is False (they are known to be the same)."""
        size = Size(self._row_width(), len(self._view))
        if size != self.virtual_size:
            self._resize_virtual(size)
        if self.following:
            self.stick_to_end()
            # The scroll limit follows the new size only after the next layout.
            self.call_after_refresh(self.stick_to_end)
        self._update_subtitle()
        if rows:
            self._refresh_rows()

    def _refresh_rows(self) -> None:
        """Draw every line again; rows already drawn come from `_LogStylesCache`.

        (A refresh without a region would empty that cache.)
        """
        left, top = self.content_offset
        self.refresh(Region(-left, -top, *self.outer_size))

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scrollbar: `Widget.vertical_scrollbar`, of the caching kind."""
        if self._vertical_scrollbar is not None:
            return self._vertical_scrollbar
        self._vertical_scrollbar = bar = _LogScrollBar(thickness=self.scrollbar_size_vertical)
        bar.display = False
        self.app._start_widget(self, bar)
        return bar

    def _resize_virtual(self, size: Size) -> None:
        """Take `size` as the virtual size; a layout of the screen only when needed.

        Setting `virtual_size` lays the whole screen out again (several ms), on every repaint
        of a growing log. While the vertical scrollbar is shown and stays so (more rows than
        fit, same width), only the scrollbar and the scroll limits follow the size: the
        scrollbar is updated here, the limits read `virtual_size`.
        """
        old = self.virtual_size
        bar = self._vertical_scrollbar
        if (
            bar is not None
            and self.show_vertical_scrollbar
            and size.width == old.width
            and size.height > self.scrollable_content_region.height
        ):
            self.set_reactive(EventLog.virtual_size, size)
            bar.window_virtual_size = size.height
            self.scroll_y = self.validate_scroll_y(self.scroll_y)
        else:
            self.virtual_size = size

    def stick_to_end(self) -> None:
        """While following, show the newest row (the scroll limit may have moved)."""
        if self.following:
            # force: the scrollbar may not be laid out yet (rows added to a hidden screen),
            # and without it Textual refuses to scroll.
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        # Textual moves the scrollbar's thumb with the scroll only while the scrollbar is
        # shown; one shown later (rows added before a layout) kept a stale thumb.
        bar = self._vertical_scrollbar
        if bar is not None and bar.position != self.scroll_y:
            bar.position = self.scroll_y

    def on_resize(self) -> None:
        self.stick_to_end()

    def _row_width(self) -> int:
        return 8 + 1 + LOCATION_WIDTH + 1 + EVSE_WIDTH + 1 + STATUS_WIDTH + 3 + STATUS_WIDTH

    def _update_subtitle(self) -> None:
        """Set the subtitle and draw the bottom border line again, nothing else.

        Setting `border_subtitle` repaints the whole log, and a CSS class for the paused
        colour restyles it: a `p` costs only this line (the colour comes from
        `_get_subtitle_style_information`).
        """
        if self.following:
            rows = len(self._view)
            text = Text(f"{rows:,} row{'' if rows == 1 else 's'} · following")
        else:
            text = Text(
                f" paused, {self._new_while_paused:,} new · {self.resume_hint} to follow ",
                style="bold",
            )
        old = self._border_subtitle
        if old is not None and old.plain == text.plain:
            return  # (the text says whether the log follows, which sets the colours)
        # As `border_subtitle = text` stores it (Widget._BorderTitle.__set__).
        self._border_subtitle = Content.from_rich_text(text).expand_tabs(4).split()[0]
        if not self.is_mounted:
            return
        width, height = self.outer_size
        if height:
            left, top = self.content_offset
            self.refresh(Region(-left, height - 1 - top, width, 1))

    def _get_subtitle_style_information(
        self, background: Color
    ) -> tuple[Color, Color, VisualStyle]:
        color, subtitle_background, style = super()._get_subtitle_style_information(background)
        if not self.following:
            subtitle_background = self.get_component_styles("event-log--paused").background
        return color, subtitle_background, style

    def watch_following(self, following: bool) -> None:
        window = self._window()
        if following:
            self._cursor = None
            self._new_while_paused = 0
        else:
            index = self._cursor_index()
            self._cursor = self._view[index][0] if index is not None else None
        self._after_change(rows=self._window() != window)

    # --- actions -------------------------------------------------------------------------

    def pause(self) -> None:
        self.following = False

    def action_follow(self) -> None:
        self.following = True

    def action_toggle_follow(self) -> None:
        self.following = not self.following

    def _move_to(self, index: int) -> None:
        if not self._view:
            return
        index = max(0, min(index, len(self._view) - 1))
        if index == len(self._view) - 1 and index == self._cursor_index() and self.following:
            return
        self.following = False
        self._cursor = self._view[index][0]
        # Keep the cursor row on screen.
        height = self.scrollable_content_region.height
        if index < self.scroll_y:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif height and index >= self.scroll_y + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)
        self._update_subtitle()
        self._refresh_rows()

    def action_cursor(self, delta: int) -> None:
        index = self._cursor_index()
        if index is not None:
            self._move_to(index + delta)

    def action_page(self, direction: int) -> None:
        index = self._cursor_index()
        if index is not None:
            self._move_to(index + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_open(self) -> None:
        change = self.highlighted
        if change is not None:
            # Hold the row still: the user acts on what they saw highlighted.
            self.pause()
            self.post_message(self.LocationSelected(change.location_id))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        # Reading back through the log must not be yanked away by the next row.
        if self.following and self.max_scroll_y > 0:
            self.pause()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_y) + offset.y
        if 0 <= index < len(self._view):
            self._move_to(index)
            if event.chain == 2:
                self.action_open()

    # --- rendering -----------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every row needs is looked up once a frame, not once a row: Textual computes
        # a widget's style and regions afresh on each access.
        self._frame = self._frame_context()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _frame_context(self) -> _Frame:
        scroll_x, scroll_y = self.scroll_offset
        component: Style = self.get_component_rich_style("event-log--cursor")
        return _Frame(
            scroll_x,
            scroll_y,
            self.scrollable_content_region.width,
            self.rich_style,
            self._cursor_index(),
            # Background only: the statuses keep their colours on the highlighted row.
            Style(bgcolor=component.bgcolor, bold=component.bold),
        )

    def _row_key(self, y: int) -> tuple[int, int, Style, Style | None, int] | None:
        """What line `y` shows: the key of its row in `_cache`, or None for no row."""
        frame = self._frame or self._frame_context()
        index = frame.scroll_y + y
        if index >= len(self._view):
            return None
        # Styles are in the key: the cursor's changes with focus, both with the theme.
        cursor = frame.cursor_style if index == frame.cursor else None
        seq = self._view[index][0]
        return (
            seq,
            self._labels_version,
            frame.base,
            cursor,
            frame.scroll_x * 10_000 + frame.width,
        )

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._frame_context()
        index = frame.scroll_y + y
        width = frame.width
        base = frame.base
        key = self._row_key(y)
        if key is None:
            return Strip.blank(width, base)
        change = self._view[index][1]
        cursor = key[3]
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        segments = change_row(change, self.labels(change.location_id))
        strip = Strip(segments).crop_extend(frame.scroll_x, frame.scroll_x + width, base)
        strip = strip.apply_style(base)
        if cursor is not None:
            strip = Strip(
                [Segment(t, (s or Style()) + cursor, c) for t, s, c in strip], strip.cell_length
            )
        self._cache[key] = strip
        return strip
