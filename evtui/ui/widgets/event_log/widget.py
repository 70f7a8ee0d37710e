"""The event log widget: keys, messages, following and pausing, scrolling, and which row each
line of the screen shows.

A line-API widget: it renders only the rows on screen, so a 10,000-row log costs the same to
repaint as a 20-row one. The rows live in a `RowBuffer` (`rows`), look as `change_row` makes
them (`render`), and reach the screen through the speed-ups of `textual_internals`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.style import Style as VisualStyle

from evtui.model import EventFilter, StatusChange
from evtui.model.places import Places
from evtui.safetext import safe_text
from evtui.ui.widgets.event_log.render import ROW_WIDTH, TITLE, change_row, location_width
from evtui.ui.widgets.event_log.rows import Labels, RowBuffer
from evtui.ui.widgets.event_log.textual_internals import (
    LogStylesCache,
    refresh_lines,
    resize_virtual,
    show_subtitle,
    start_vertical_scrollbar,
    sync_scrollbar_thumb,
)

__all__ = ["EventLog"]

RowKey = tuple[int, int, Style, Style | None, int]
"""A drawn row: its seq, labels version, style, cursor style (on the highlighted row only),
scroll x and width."""


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
        /* Grey, not the theme's blue (CHARGING is blue, and must read on the highlighted row);
           underlined, for a grey this dark is one step of a 256-colour terminal's greys. */
        & > .event-log--cursor { background: $foreground 7%; }
        &:focus { border: round $primary; }
        &:focus > .event-log--cursor { background: $foreground 10%; text-style: bold underline; }
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
        self._styles_cache = LogStylesCache(self._row_key)
        self._rows = RowBuffer(max_rows)
        self.labels = labels
        self.places: Places | None = None
        """What place terms of the filter (`operator:`, `kw:`…) are matched against."""
        self._cursor: int | None = None
        """Sequence number of the highlighted row."""
        self._cache: LRUCache[RowKey, Strip] = LRUCache(1024)
        """Rendered rows by `RowKey`."""
        self._labels_version = 0
        self._frame: _Frame | None = None
        self.resume_hint = "p or End"
        """The keys that follow again, as the subtitle names them (settings may rebind)."""
        self.border_title = TITLE

    @property
    def max_rows(self) -> int:
        """The most rows the log keeps; the oldest drop out beyond it."""
        return self._rows.max_rows

    @max_rows.setter
    def max_rows(self, max_rows: int) -> None:
        self._rows.max_rows = max_rows

    # --- data in -------------------------------------------------------------------------

    def add_changes(self, changes: Iterable[StatusChange]) -> None:
        """Append rows; the oldest drop out beyond `max_rows`."""
        following = self.following
        window = None if following else self._window()
        dropped = self._rows.extend(
            changes, self.filter, self.labels, self.places, paused=not following
        )
        if following:
            self._after_change()
            return
        # Keep the rows the user is looking at in place when old ones drop out.
        self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True)
        # Rows added below a paused view change only the subtitle and the scrollbar.
        self._after_change(rows=self._window() != window)

    def clear(self) -> None:
        """Drop every row (a replay that jumped rebuilds the log from its state)."""
        self._rows.clear()
        self._cursor = None
        self._cache.clear()
        self._after_change()

    def relabel(self) -> None:
        """Labels changed: render rows again."""
        self._labels_version += 1
        self._cache.clear()
        if self.filter.text or self.filter.places_active:
            self._refilter()
        self.refresh()

    def watch_filter(self) -> None:
        self._refilter()

    def _refilter(self) -> None:
        self._rows.refilter(self.filter, self.labels, self.places)
        if self.filter.active:
            # The filter in place of the columns' legend: the rows show those, not the filter.
            title = Text(TITLE.partition(":")[0] + " · filter: ")
            title.append(safe_text(self.filter.query, 60), style="bold")
        else:
            title = Text(TITLE)
        self.border_title = title
        self._cache.clear()
        if self.following:
            self._cursor = None
            self._after_change()
            return
        self._after_change()
        if self._cursor is not None and self._rows.view:
            # The highlighted row may be filtered out: take the nearest shown row before it.
            self._move_to(self._rows.index_at_or_before(self._cursor))

    # --- state ---------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows shown (after the filter)."""
        return len(self._rows.view)

    @property
    def rows(self) -> list[StatusChange]:
        """The changes shown, oldest first."""
        return [c for _, c in self._rows.view]

    @property
    def highlighted(self) -> StatusChange | None:
        """The change under the cursor (the newest one while following)."""
        index = self._cursor_index()
        return self._rows.view[index][1] if index is not None else None

    @property
    def new_while_paused(self) -> int:
        return self._rows.new_while_paused

    def _cursor_index(self) -> int | None:
        view = self._rows.view
        if not view:
            return None
        if self.following or self._cursor is None:
            return len(view) - 1
        return self._rows.index_of(self._cursor)

    def _window(self) -> tuple[object, ...]:
        """What the rows on screen depend on: equal windows draw the same rows (rows are
        only ever added after the last and dropped before the first)."""
        y = int(self.scroll_y)
        shown = self._rows.view[y : y + self.scrollable_content_region.height]
        first = shown[0][0] if shown else None
        cursor = self._cursor_index()
        at = None if cursor is None else cursor - y
        return (first, len(shown), at, self.scroll_x, self._labels_version)

    def _after_change(self, *, rows: bool = True) -> None:
        """Follow a change of the rows: sizes, scroll, subtitle, and the rows on screen
        unless `rows` is False (they are known to be the same)."""
        size = Size(ROW_WIDTH, len(self._rows.view))
        if size != self.virtual_size:
            resize_virtual(self, size)
        if self.following:
            self.stick_to_end()
            # The scroll limit follows the new size only after the next layout.
            self.call_after_refresh(self.stick_to_end)
        self._update_subtitle()
        if rows:
            refresh_lines(self)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scrollbar: `Widget.vertical_scrollbar`, of the caching kind."""
        bar = self._vertical_scrollbar
        return bar if bar is not None else start_vertical_scrollbar(self)

    def stick_to_end(self) -> None:
        """While following, show the newest row (the scroll limit may have moved)."""
        if self.following:
            # force: the scrollbar may not be laid out yet (rows added to a hidden screen),
            # and without it Textual refuses to scroll.
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        sync_scrollbar_thumb(self)

    def on_resize(self) -> None:
        self.stick_to_end()

    def _update_subtitle(self) -> None:
        """Set the subtitle and draw the bottom border line again, nothing else.

        A CSS class for the paused colour would restyle the whole log: a `p` costs only this
        line (the colour comes from `_get_subtitle_style_information`).
        """
        if self.following:
            rows = len(self._rows.view)
            text = Text(f"{rows:,} row{'' if rows == 1 else 's'} · following")
        else:
            new = self._rows.new_while_paused
            # Past the rows it keeps, the rows paused on have gone: say so, or the view
            # seems to move by itself.
            kept = f", {self.max_rows:,} kept" if new >= self.max_rows else ""
            text = Text(f" paused, {new:,} new{kept} · {self.resume_hint} to follow ", style="bold")
        # The text says whether the log follows, which sets the colours.
        show_subtitle(self, text)

    def _get_subtitle_style_information(
        self, background: Color
    ) -> tuple[Color, Color, VisualStyle]:
        # A private hook of Textual's border rendering (see textual_internals).
        color, subtitle_background, style = super()._get_subtitle_style_information(background)
        if not self.following:
            subtitle_background = self.get_component_styles("event-log--paused").background
        return color, subtitle_background, style

    def watch_following(self, following: bool) -> None:
        window = self._window()
        if following:
            self._cursor = None
            self._rows.new_while_paused = 0
        else:
            index = self._cursor_index()
            self._cursor = self._rows.view[index][0] if index is not None else None
        self._after_change(rows=self._window() != window)

    # --- actions -------------------------------------------------------------------------

    def pause(self) -> None:
        self.following = False

    def action_follow(self) -> None:
        self.following = True

    def action_toggle_follow(self) -> None:
        self.following = not self.following

    def _move_to(self, index: int) -> None:
        view = self._rows.view
        if not view:
            return
        index = max(0, min(index, len(view) - 1))
        if index == len(view) - 1 and index == self._cursor_index() and self.following:
            return
        self.following = False
        self._cursor = view[index][0]
        # Keep the cursor row on screen.
        height = self.scrollable_content_region.height
        if index < self.scroll_y:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif height and index >= self.scroll_y + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)
        self._update_subtitle()
        refresh_lines(self)

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
        if 0 <= index < len(self._rows.view):
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
            # Not the colour: the statuses keep theirs on the highlighted row.
            Style(bgcolor=component.bgcolor, bold=component.bold, underline=component.underline),
        )

    # `_row_key` runs for every line of every repaint, `render_line` for every row not drawn
    # before: the strip is finished here rather than in a helper, so that a new row costs no
    # call more than `change_row`.

    def _row_key(self, y: int) -> RowKey | None:
        """What line `y` shows: the key of its row in `_cache`, or None for no row."""
        frame = self._frame or self._frame_context()
        index = frame.scroll_y + y
        view = self._rows.view
        if index >= len(view):
            return None
        # Styles are in the key: the cursor's changes with focus, both with the theme.
        cursor = frame.cursor_style if index == frame.cursor else None
        seq = view[index][0]
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
        change = self._rows.view[index][1]
        cursor = key[3]
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        segments = change_row(change, self.labels(change.location_id), location_width(width))
        strip = Strip(segments).crop_extend(frame.scroll_x, frame.scroll_x + width, base)
        strip = strip.apply_style(base)
        if cursor is not None:
            strip = Strip(
                [Segment(t, (s or Style()) + cursor, c) for t, s, c in strip], strip.cell_length
            )
        self._cache[key] = strip
        return strip
