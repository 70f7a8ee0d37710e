"""Everything the monitor shows, as one value: network state, activity and rejected messages.

The live app, the recorder and the replay player all fold batches into a `MonitorState`, so a
replayed session shows what the live monitor showed. `snapshot`/`restore` turn it into plain
JSON-able data for the checkpoints that make seeking in a recording fast.
"""

from __future__ import annotations

import base64
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from evtui.model.activity import Activity
from evtui.model.message import Batch, Rejection
from evtui.model.payload import from_micros, to_micros
from evtui.model.reliability import RULES, EvseFigures, RuleSet
from evtui.model.reliability.live import LiveFigures
from evtui.model.reliability.scan import Ints, NetworkFigures, Totals, network, totals
from evtui.model.store import StateStore
from evtui.model.store_delta import StoreMark
from evtui.model.store_types import ApplyResult, StatusChange

__all__ = [
    "BINARY_VERSION",
    "DELTA_VERSION",
    "KEEP_REJECTED_BYTES",
    "KEEP_REJECTIONS",
    "SNAPSHOT_VERSION",
    "MonitorState",
    "SnapshotError",
]

KEEP_REJECTIONS = 1000
"""Rejected messages kept for inspection; all of them are counted."""
KEEP_REJECTED_BYTES = 64 * 1024
"""Of each kept rejected message, this much of its payload: 1,000 of them stay small."""
SNAPSHOT_VERSION = 2
"""2: histories delta-coded. Version 1 snapshots (absolute times) are still restored."""
BINARY_VERSION = 4
"""A snapshot with the EVSEs' timelines as bytes (`snapshot(binary=True)`)."""
DELTA_VERSION = 3
"""A delta snapshot (`snapshot_delta`): what changed since an earlier snapshot. Restored on top
of it; evtui before deltas takes one for a damaged snapshot and uses an earlier one."""



class SnapshotError(ValueError):
    """A snapshot that cannot be restored (damaged, or from a newer evtui)."""


class MonitorState:
    """The store, the activity window and the rejected messages, advanced batch by batch."""

    def __init__(self, max_events: int = 10_000, rules: RuleSet | None = None) -> None:
        self.store = StateStore(max_events=max_events)
        self.reliability = LiveFigures(rules or RULES["uk"])
        """Every EVSE's uptime, outages, utilisation and flapping (docs/reliability.md)."""
        self.activity = Activity()
        self.rejected: Counter[str] = Counter()
        """Rejected messages by reason, since the start."""
        self.rejections: deque[Rejection] = deque(maxlen=KEEP_REJECTIONS)
        """The latest rejected messages, oldest first."""
        self.messages = 0
        """Messages applied, valid or not."""
        self.replayed: Activity | None = None
        """While set (a recording of this state is under way), also the activity a replay of
        the same batches counts: at each message's receive time, where `activity` counts at
        the `now` given to `apply`. The recording's checkpoints keep this one."""

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def apply(self, batch: Batch, now: float | None = None) -> ApplyResult:
        """Apply a batch; activity is counted at `now`, or else at each message's receive time.

        Replays pass no `now`, so the activity window depends only on what was recorded.
        """
        replayed = self.replayed
        if now is not None and replayed is None:
            return self._apply(batch, now)
        result: ApplyResult | None = None
        # Folded a second at a time, as a replay folds it (the activity is counted so).
        for second_batch, second in _by_second(batch):
            part = self._fold(second_batch)
            into = (c.new for c in part.changes)
            if now is None:
                self.activity.record(second, len(second_batch), into)
            elif replayed is not None:
                replayed.record(second, len(second_batch), into)
            if result is None:
                result = part
            else:
                _merge(result, part)
        if result is None:
            result = ApplyResult()
        if now is not None:
            self.activity.record(now, len(batch), (c.new for c in result.changes))
        return result

    def catch_up(self, batch: Batch) -> None:
        """Apply a batch as `apply` does, but leave the activity window alone.

        For a replay that jumps ahead: messages at least `activity.keep_seconds` older than
        the last one it applies with `apply` would drop out of the window anyway, and counting
        them costs as much as applying them.
        """
        self._fold(batch)

    def _apply(self, batch: Batch, now: float) -> ApplyResult:
        result = self._fold(batch)
        self.activity.record(now, len(batch), (c.new for c in result.changes))
        return result

    def _fold(self, batch: Batch) -> ApplyResult:
        items = batch.items
        cuts = self.reliability.silences(item.message.received_at for item in items)
        if not cuts:
            result = self._fold_part(batch)
        else:
            # Where a batch holds a silence in reception, its two sides are folded apart: the
            # figures then do not depend on how messages were batched.
            result = ApplyResult()
            for start, end in zip([0, *cuts], [*cuts, len(items)], strict=True):
                _merge(result, self._fold_part(Batch(items[start:end])))
        self.messages += len(batch)
        for rejection in batch.rejected:
            self.rejected[str(rejection.reason)] += 1
        self.rejections.extend(r.kept(KEEP_REJECTED_BYTES) for r in batch.rejected)
        return result

    def _fold_part(self, batch: Batch) -> ApplyResult:
        result = self.store.apply(batch)
        if batch.items:
            reliability = self.reliability
            reliability.received(batch.items[0].message.received_at)
            reliability.fold(result.history, self.store.status_names, result.latest)
            reliability.received(batch.items[-1].message.received_at, after_silence=False)
        return result

    def evse_figures(self, evse_id: str, end: float | None = None) -> EvseFigures:
        """An EVSE's reliability figures from its first status until `end` (by default the
        newest update applied). KeyError for an EVSE the stream never named."""
        store = self.store
        row = store.evse_number(evse_id)
        state = store.evses[evse_id]
        if end is None:
            end = self.reliability.latest
        updated = state.last_updated.timestamp()
        return self.reliability.figures(
            row, state.location_id, evse_id, state.status, updated, max(end, updated)
        )

    def reliability_totals(
        self, group_of: array[int] | Ints | None = None, groups: int = 1
    ) -> Totals:
        """Every EVSE's reliability now (the newest update applied as the end), added up by
        group (`reliability.scan.totals`; by default one group: the network)."""
        store = self.store
        end = self.reliability.latest
        if end != end or end == float("-inf"):
            end = 0.0
        return totals(
            self.reliability,
            end,
            store.status_codes(),
            store.status_names,
            store.update_times(),
            group_of,
            groups,
        )

    def network_figures(self) -> NetworkFigures:
        """The whole network's reliability now (the newest update applied as the end)."""
        return network(self.reliability_totals())

    # --- snapshots -----------------------------------------------------------------------

    def snapshot(self, *, binary: bool = False, replayed: bool = False) -> dict[str, Any]:
        """The state as JSON-able data, without the rejected messages themselves.

        A recording keeps those messages; it saves where they are beside the snapshot.
        `binary`: the EVSEs' timelines as `bytes` values instead (version 4, for the session
        file, which keeps them beside the JSON): smaller, and restored several times faster.
        `replayed`: with the activity a replay counts (`replayed`, when set).
        """
        store = self.store
        statuses: dict[str, int] = {}

        def status(name: str) -> int:
            return statuses.setdefault(name, len(statuses))

        dumped = store.dump_binary(status) if binary else store.dump(status)
        meta, columns = self.reliability.dump()
        return {
            **dumped,
            "reliability": meta,
            "reliability_columns": columns if binary else base64.b64encode(columns).decode(),
            "version": BINARY_VERSION if binary else SNAPSHOT_VERSION,
            "transitions": [[status(a), status(b), n] for (a, b), n in store.transitions.items()],
            "events": [
                [
                    to_micros(c.time),
                    store.location_number(c.location_id),
                    store.evse_number(c.evse_id),
                    -1 if c.old is None else status(c.old),
                    status(c.new),
                ]
                for c in store.events
            ],
            **self._counters(status, replayed),
            # Last, so that every status the fields above use is in it.
            "statuses": list(statuses),
        }

    def _counters(self, status: Callable[[str], int], replayed: bool) -> dict[str, Any]:
        """What a snapshot and a delta snapshot both hold in full."""
        store = self.store
        activity = self.replayed if replayed and self.replayed is not None else self.activity
        return {
            "updates": store.updates,
            "newest": None if store.newest is None else to_micros(store.newest),
            "activity": [
                [second, messages, {status(k): n for k, n in into.items()}]
                for second, messages, into in activity.buckets()
            ],
            "rejected": dict(self.rejected),
            "messages": self.messages,
            # Statuses no EVSE is in any more are still known (a filter offers them).
            "counted": [status(s) for s in store.counts],
        }

    def mark(self) -> StoreMark:
        """What a later `snapshot_delta` is taken against (after a snapshot or a delta)."""
        return self.store.mark()

    def snapshot_delta(
        self,
        mark: StoreMark,
        first_seen: Sequence[StatusChange],
        changes: Sequence[StatusChange],
        history: Sequence[tuple[int, int, int, int]] | array[int] | None = None,
        *,
        replayed: bool = False,
    ) -> dict[str, Any]:
        """What changed since `mark` was taken, as JSON-able data: restored on top of the
        snapshot (or delta) taken with the mark, it gives this state (see `restore`).

        `first_seen` and `changes` are every first sighting and status change the state applied
        since the mark (`ApplyResult.first_seen` and `.changes`), in order; `history`, their
        `ApplyResult.history`, makes it faster. Much smaller than a snapshot: no EVSE's
        timeline, only the periods and events added since. `replayed` as for `snapshot`.
        """
        store = self.store
        statuses: dict[str, int] = {}

        def status(name: str) -> int:
            return statuses.setdefault(name, len(statuses))

        return {
            "version": DELTA_VERSION,
            **store.dump_changes(mark, first_seen, changes, status, history),
            "reliability": self.reliability.dump_delta(),
            "transitions": [[status(a), status(b), n] for (a, b), n in store.transitions.items()],
            **self._counters(status, replayed),
            "statuses": list(statuses),
        }

    @classmethod
    def restore(
        cls,
        data: dict[str, Any] | None,
        rejections: Iterable[Rejection] = (),
        max_events: int = 10_000,
        deltas: Sequence[dict[str, Any]] = (),
        rules: RuleSet | None = None,
    ) -> MonitorState:
        """The state `snapshot` saved (None: the empty state), then each of `deltas`
        (`snapshot_delta`, each taken against the one before) applied; with the rejected
        messages read back from the recording."""
        if data is not None and data.get("version") not in (1, SNAPSHOT_VERSION, BINARY_VERSION):
            raise SnapshotError(f"snapshot version {data.get('version')!r} is not supported")
        for delta in deltas:
            if delta.get("version") != DELTA_VERSION:
                raise SnapshotError(f"delta version {delta.get('version')!r} is not supported")
        try:
            keep, room = _kept(deltas, max_events)
            if data is None:
                state = cls(max_events=max_events, rules=rules)
            else:
                state = cls._restore(data, max_events, room, rules)
            state._apply_deltas(deltas, keep)
        except (KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
            raise SnapshotError(f"damaged snapshot: {exc!r}") from None
        state.rejections.extend(r.kept(KEEP_REJECTED_BYTES) for r in rejections)
        return state

    def apply_deltas(self, deltas: Sequence[dict[str, Any]]) -> None:
        """Apply `snapshot_delta`s, the first taken against this state as it is now and each
        against the one before: the state then is the one the last was taken from (a
        recording's writer keeps one so, to save whole checkpoints the monitor need not
        take). Raises `SnapshotError`."""
        for delta in deltas:
            if delta.get("version") != DELTA_VERSION:
                raise SnapshotError(f"delta version {delta.get('version')!r} is not supported")
        try:
            self._apply_deltas(deltas, _kept(deltas, self.store.events.maxlen or 0)[0])
        except (KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
            raise SnapshotError(f"damaged delta: {exc!r}") from None

    def _apply_deltas(self, deltas: Sequence[dict[str, Any]], keep: Sequence[int]) -> None:
        for delta, n in zip(deltas, keep, strict=True):
            self._apply_delta(delta, n)
        if deltas:
            last = deltas[-1]
            self.store.recount(last["statuses"][i] for i in last.get("counted", []))

    def _apply_delta(self, data: dict[str, Any], keep: int) -> None:
        store = self.store
        statuses: list[str] = data["statuses"]
        history: list[tuple[int, int, int, int]] = []
        store.events.extend(store.load_changes(data, statuses, keep, history))
        self._restore_reliability(data.get("reliability"), None, history)
        store.transitions.clear()
        for old, new, n in data["transitions"]:
            store.transitions[(statuses[old], statuses[new])] = n
        self._load_counters(data, statuses)

    def _load_counters(self, data: dict[str, Any], statuses: list[str]) -> None:
        store = self.store
        store.updates = data["updates"]
        store.newest = None if data["newest"] is None else from_micros(data["newest"])
        for i in data.get("counted", []):
            store.counts[statuses[i]] += 0
        self.activity.load(
            (second, messages, {statuses[k]: n for k, n in _int_keys(into)})
            for second, messages, into in data["activity"]
        )
        self.rejected.clear()
        self.rejected.update(data["rejected"])
        self.messages = data["messages"]

    @classmethod
    def _restore(
        cls, data: dict[str, Any], max_events: int, room: int, rules: RuleSet | None
    ) -> MonitorState:
        """The state `data` holds, with only the last `room` of its events (the deltas
        applied after it push the others out of the log)."""
        state = cls(max_events=max_events, rules=rules)
        store = state.store
        statuses: list[str] = data["statuses"]
        location_ids = [row[0] for row in data["locations"]]
        evse_ids = [row[0] for row in data["evses"]]
        if data["version"] == BINARY_VERSION:
            store.load_binary(data["locations"], data["evses"], statuses, data)
        else:
            store.load(data["locations"], data["evses"], statuses, deltas=data["version"] >= 2)
        for old, new, n in data["transitions"]:
            store.transitions[(statuses[old], statuses[new])] = n
        store.events.extend(
            StatusChange(
                from_micros(t),
                location_ids[loc],
                evse_ids[evse],
                None if old < 0 else statuses[old],
                statuses[new],
            )
            for t, loc, evse, old, new in data["events"][max(0, len(data["events"]) - room) :]
        )
        state._load_counters(data, statuses)
        columns = data.get("reliability_columns")
        if isinstance(columns, str):
            columns = base64.b64decode(columns)
        state._restore_reliability(data.get("reliability"), columns, [])
        return state

    def _restore_reliability(
        self,
        meta: dict[str, Any] | None,
        columns: bytes | None,
        history: list[tuple[int, int, int, int]],
    ) -> None:
        """The figures a snapshot (`columns`) or a delta (`history`) holds. A snapshot of an
        evtui before them, or under other rules, has none: they then count from here on."""
        reliability = self.reliability
        if meta is not None and meta.get("rules") != reliability.rules.name:
            recorded = RULES.get(str(meta.get("rules")))
            if recorded is not None:
                # Figures recorded under other rules: shown under those (the screens say
                # which), rather than counted afresh from here.
                reliability = self.reliability = LiveFigures(recorded)
        try:
            if columns is not None and meta is not None:
                reliability.load(meta, columns)
            else:
                reliability.fold_restored(meta, history, self.store.status_names)
        except ValueError:
            self.reliability = LiveFigures(reliability.rules)
            self.reliability.fold(history, self.store.status_names)


def _merge(result: ApplyResult, part: ApplyResult) -> None:
    """Add what one part of a batch changed to what the batch changed."""
    result.changes.extend(part.changes)
    result.first_seen.extend(part.first_seen)
    result.locations.update(part.locations)
    result.updates += part.updates
    result.stale += part.stale
    result.history.extend(part.history)
    if part.latest is not None:
        result.latest = part.latest if result.latest is None else max(result.latest, part.latest)


def _int_keys(mapping: dict[Any, int]) -> Iterator[tuple[int, int]]:
    # JSON turns int keys into strings.
    return ((int(k), n) for k, n in mapping.items())


def _by_second(batch: Batch) -> Iterator[tuple[Batch, float]]:
    """Runs of consecutive messages received within the same whole second."""
    items = batch.items
    if items and int(items[0].message.received_at) == int(items[-1].message.received_at):
        # One run, the batch itself (a poll's messages share their receive time).
        yield batch, items[-1].message.received_at
        return
    start = 0
    while start < len(items):
        second = int(items[start].message.received_at)
        end = start + 1
        while end < len(items) and int(items[end].message.received_at) == second:
            end += 1
        yield Batch(items[start:end]), items[end - 1].message.received_at
        start = end


def _kept(deltas: Sequence[dict[str, Any]], room: int) -> tuple[list[int], int]:
    """How many of each delta's changes the event log keeps (its last `room` changes are
    built; the others never are), and the room left for the changes before the first."""
    keep = [0] * len(deltas)
    for i in range(len(deltas) - 1, -1, -1):
        keep[i] = room
        room = max(0, room - len(deltas[i]["changes"]) // 4)
    return keep, room
