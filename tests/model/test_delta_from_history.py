"""A delta checkpoint made from the applies' history is the one made from their changes.

The recorder hands `snapshot_delta` the `ApplyResult.history` it gathered, which spares it
looking every change's EVSE and location up (as 4-tuples one after another in an array: no
object a change); what it writes must not differ by a byte."""

from __future__ import annotations

import json
from array import array
from itertools import chain

from evtui.model import Batch, MonitorState, StatusChange
from tests.recording.helpers import batches, network_messages


def test_a_delta_from_history_equals_the_delta_from_changes() -> None:
    # The network moves an EVSE to another location half way: deltas over that stretch take
    # the long way, the others the short one; both kinds must be met.
    state = MonitorState()
    mark = state.mark()
    first_seen: list[StatusChange] = []
    changes: list[StatusChange] = []
    history: list[tuple[int, int, int, int]] = []
    flat = array("q")
    compared = {"moved": 0, "still": 0}
    polls: list[Batch] = list(batches(network_messages(locations=24, hours=40), size=29))
    for n, batch in enumerate(polls, 1):
        result = state.apply(batch)
        first_seen += result.first_seen
        changes += result.changes
        history += result.history
        flat.extend(chain.from_iterable(result.history))
        if n % 7 == 0 or n == len(polls):
            slow = state.snapshot_delta(mark, first_seen, changes)
            fast = state.snapshot_delta(mark, first_seen, changes, history)
            assert json.dumps(fast) == json.dumps(slow), f"after poll {n}"
            flat_delta = state.snapshot_delta(mark, first_seen, changes, flat)
            assert json.dumps(flat_delta) == json.dumps(slow), f"after poll {n}, flat"
            assert slow["changes"], "a delta with no change proves little"
            compared["moved" if state.store.moves != mark.moves else "still"] += 1
            mark = state.mark()
            first_seen, changes, history, flat = [], [], [], array("q")
    assert compared["moved"] >= 1 and compared["still"] >= 10
