"""The live-scrolling log of EVSE status changes, with a cursor, pause and filter.

One module per question a reader has:

- `widget`: the `EventLog` widget (keys, messages, following and pausing, scrolling, which
  row each line of the screen shows);
- `rows`: which rows it holds (at most `max_rows`, the filter's view, new rows counted while
  paused);
- `render`: what a row looks like (columns, cells, styled segments);
- `textual_internals`: the speed-ups that lean on Textual's internals (Textual is pinned
  below 9 for them).

The modules import one another directly, never through this package.
"""

from evtui.ui.widgets.event_log.rows import Labels
from evtui.ui.widgets.event_log.widget import EventLog

__all__ = ["EventLog", "Labels"]
