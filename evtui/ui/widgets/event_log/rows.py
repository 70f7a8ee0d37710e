"""The rows the event log holds: at most `max_rows` changes, the filter's view of them, and
how many arrived while the log was paused.

No Textual here: the widget decides what the rows look like and which are on screen.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable

from evtui.model import EventFilter, StatusChange
from evtui.model.places import Places

__all__ = ["Entry", "Labels", "RowBuffer"]

Labels = Callable[[str], str]
"""Location id → its watchlist label, or ""."""

Entry = tuple[int, StatusChange]
"""A row: its sequence number (rising, never reused) and its change."""


def _seq(entry: Entry) -> int:
    return entry[0]


class RowBuffer:
    """The newest `max_rows` changes, oldest first, each with a sequence number.

    `view` is what the filter lets through: `entries` itself while no filter is active (so
    an unfiltered log keeps one list), else a list of the same entries. Rows are only ever
    added after the last and dropped before the first, so both stay sorted by sequence
    number and a row is found by bisection.
    """

    __slots__ = ("entries", "max_rows", "new_while_paused", "next_seq", "view")

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.entries: list[Entry] = []
        self.view: list[Entry] = self.entries
        self.next_seq = 0
        self.new_while_paused = 0
        """Rows shown that arrived since the log last followed (the paused subtitle)."""

    def extend(
        self,
        changes: Iterable[StatusChange],
        event_filter: EventFilter,
        labels: Labels,
        places: Places | None = None,
        *,
        paused: bool,
    ) -> int:
        """Append rows, the oldest dropping out beyond `max_rows`; return how many shown rows
        dropped out. `event_filter` and `labels` are the ones the view was last built with."""
        entries = self.entries
        view = self.view
        filtered = view is not entries
        shown_before = len(view)
        for change in changes:
            entry = (self.next_seq, change)
            self.next_seq += 1
            entries.append(entry)
            if filtered and event_filter.matches(change, labels(change.location_id), places):
                view.append(entry)
        added = len(view) - shown_before
        dropped = self._trim(entries)
        if filtered:
            dropped = self._trim(view)
        if paused:
            self.new_while_paused += added
        return dropped

    def _trim(self, rows: list[Entry]) -> int:
        overflow = len(rows) - self.max_rows
        if overflow > 0:
            del rows[:overflow]
            return overflow
        return 0

    def clear(self) -> None:
        self.entries.clear()
        if self.view is not self.entries:
            self.view.clear()
        self.new_while_paused = 0

    def refilter(
        self, event_filter: EventFilter, labels: Labels, places: Places | None = None
    ) -> None:
        """Build the view again for `event_filter` (labels may match its text)."""
        if event_filter.active:
            self.view = [
                e
                for e in self.entries
                if event_filter.matches(e[1], labels(e[1].location_id), places)
            ]
        else:
            self.view = self.entries

    def index_of(self, seq: int) -> int | None:
        """Where the row `seq` is in the view; None if it is not shown."""
        view = self.view
        index = bisect_left(view, seq, key=_seq)
        return index if index < len(view) and view[index][0] == seq else None

    def index_at_or_before(self, seq: int) -> int:
        """The nearest shown row at or before `seq` (the first row if none is)."""
        return max(0, bisect_right(self.view, seq, key=_seq) - 1)
