"""The monitor's reliability accumulators: every EVSE's figures, folded with each status change.

`LiveFigures` keeps one row per store EVSE in flat columns (as the store does: a million EVSEs
must stay small), folds `ApplyResult.history` (first sightings and changes in arrival order)
and gives an EVSE's `EvseFigures` at any time, its current status counted up to that time.
It computes what `EvseFold` computes for a report with the default window, by the same rules
(docs/reliability.md), and the tests hold the two to each other. Snapshots carry the columns
so that a seek shows what playing from the start shows.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from evtui.model.reliability.figures import EvseFigures
from evtui.model.reliability.fold import (
    FLAP_HIGH,
    FLAP_LOW,
    FLAP_STATES,
    RETURN_WITHIN,
    STALE_AFTER,
    Context,
    flap_share,
)
from evtui.model.reliability.history import DEFAULT_GAP
from evtui.model.reliability.rules import DOWN, UNKNOWN_GRACE, RuleSet, flap_class

__all__ = ["LIVE_VERSION", "LiveFigures"]

LIVE_VERSION = 1
"""What `dump` writes; `load` refuses anything else (the figures then start afresh)."""

# Status classes the seconds are kept by: what the rule sets and utilisation tell apart.
_FREE, _CHARGING, _DOWN, _UNKNOWN, _OTHER = range(5)
_CLASSES = 5
_NAMES = ("working, not charging", "CHARGING", "OUT_OF_ORDER or INOPERATIVE", "UNKNOWN", "other")
_MICRO = 1e-6
_NAN = math.nan

# The flapping state of an EVSE, packed in one integer: the classes of its last 21 statuses
# (2 bits each, newest lowest), how many there are, the flapping flag, how many in a row
# repeated the class before, and whether it charged since its last return to AVAILABLE.
_COUNT_SHIFT, _FLAG_BIT, _STEADY_SHIFT, _CHARGED_BIT = 42, 1 << 47, 48, 1 << 53
_CLASS_MASK = (1 << 42) - 1


def _class_of(status: str) -> int:
    if status == "CHARGING":
        return _CHARGING
    if status in ("AVAILABLE", "RESERVED", "BLOCKED"):
        return _FREE
    if status in DOWN:
        return _DOWN
    return _UNKNOWN if status == "UNKNOWN" else _OTHER


@dataclass
class _Row:
    """One EVSE's accumulators, loaded from the columns to fold or read, then stored back."""

    since: float
    seconds: list[float]
    outages: int
    longest: float
    run_start: float
    run_down: float
    up_s: float


class LiveFigures:
    """Per-EVSE accumulators under one rule set, for the EVSEs of one store."""

    def __init__(self, rules: RuleSet, gap: float = DEFAULT_GAP) -> None:
        self.rules = rules
        self._ctx = Context(rules)
        self._gap = gap
        self._since = array("d")
        self._seconds = [array("d") for _ in range(_CLASSES)]
        self._outages = array("I")
        self._longest = array("d")
        self._run_start = array("d")
        self._run_down = array("d")
        self._up = array("d")
        self._flap = array("q")
        self._last_return = array("d")
        self._class_by_code: list[int] = []
        self.oldest = math.inf
        """The oldest change folded: where the figures' window starts."""
        self._newest = -math.inf
        self._last_received: float | None = None
        self._gap_from: float | None = None

    def __len__(self) -> int:
        return len(self._since)

    @property
    def gaps(self) -> list[tuple[float, float]]:
        """The gaps in reception found so far, on the data's clock."""
        return list(self._ctx.gaps)

    # --- folding ------------------------------------------------------------------------

    def received(self, at: float) -> None:
        """Messages were received at `at` (the receive clock): a long silence is a gap."""
        last = self._last_received
        quiet = last is not None and at - last > self._gap
        if quiet and self._gap_from is None and self._newest > -math.inf:
            self._gap_from = self._newest
        self._last_received = at if last is None else max(last, at)

    def fold(self, history: Sequence[tuple[int, int, int, int]], names: Sequence[str]) -> None:
        """Fold first sightings and changes (`ApplyResult.history`); `names` are the status
        names their codes index (`StateStore.status_names`)."""
        classes = self._class_by_code
        while len(classes) < len(names):
            classes.append(_class_of(names[len(classes)]))
        for row, micros, old, new in history:
            at = micros * _MICRO
            gap_from = self._gap_from
            if gap_from is not None and at > gap_from:
                self._ctx.add_gap(gap_from, at)
                self._gap_from = None
            if old < 0:
                self._add(row, at)
            else:
                self._change(row, at, classes[old])
            if at > self._newest:
                self._newest = at
            if at < self.oldest:
                self.oldest = at
            self._flap_with(row, names[new], at, old < 0)

    def _add(self, row: int, at: float) -> None:
        while len(self._since) <= row:
            self._since.append(_NAN)
            for column in self._seconds:
                column.append(0.0)
            self._outages.append(0)
            self._longest.append(0.0)
            self._run_start.append(_NAN)
            self._run_down.append(0.0)
            self._up.append(0.0)
            self._flap.append(0)
            self._last_return.append(_NAN)
        self._since[row] = at

    def _change(self, row: int, at: float, kind: int) -> None:
        """Row `row` left a status of class `kind` at `at`."""
        acc = self._load(row)
        self._hold(acc, kind, acc.since, at)
        acc.since = at
        self._store(row, acc)

    def _load(self, row: int) -> _Row:
        return _Row(
            self._since[row],
            [column[row] for column in self._seconds],
            self._outages[row],
            self._longest[row],
            self._run_start[row],
            self._run_down[row],
            self._up[row],
        )

    def _store(self, row: int, acc: _Row) -> None:
        self._since[row] = acc.since
        for column, value in zip(self._seconds, acc.seconds, strict=True):
            column[row] = value
        self._outages[row] = acc.outages
        self._longest[row] = acc.longest
        self._run_start[row] = acc.run_start
        self._run_down[row] = acc.run_down
        self._up[row] = acc.up_s

    def _hold(self, acc: _Row, kind: int, start: float, end: float) -> None:
        """Count `[start, end)` in class `kind` (the observed parts of it)."""
        for a, b in self._ctx.observed(start, end):
            acc.seconds[kind] += b - a
            if kind == _UNKNOWN and self.rules.unknown_grace:
                turn = start + UNKNOWN_GRACE  # a period of UNKNOWN is its whole run
                self._piece(acc, a, min(b, turn), False)
                self._piece(acc, max(a, turn), b, True)
                continue
            self._piece(acc, a, b, self._down(kind))

    def _down(self, kind: int) -> bool:
        if kind == _DOWN:
            return True
        return self.rules.other_down and kind != _FREE and kind != _CHARGING

    def _down_at(self, kind: int, since: float, at: float) -> bool:
        """Whether a status of class `kind`, held since `since`, is down at `at`."""
        if kind == _UNKNOWN and self.rules.unknown_grace:
            return at >= since + UNKNOWN_GRACE
        return self._down(kind)

    @staticmethod
    def _piece(acc: _Row, start: float, end: float, down: bool) -> None:
        if end <= start:
            return
        if down:
            if math.isnan(acc.run_start):
                acc.run_start = start
                acc.run_down = 0.0
            acc.run_down += end - start
        else:
            acc.up_s += end - start
            LiveFigures._close(acc)

    @staticmethod
    def _close(acc: _Row) -> None:
        """End the outage going on, if any."""
        if not math.isnan(acc.run_start):
            acc.outages += 1
            acc.longest = max(acc.longest, acc.run_down)
            acc.run_start, acc.run_down = _NAN, 0.0

    def _flap_with(self, row: int, status: str, at: float, first: bool) -> None:
        packed = self._flap[row]
        kind = flap_class(status)
        count = (packed >> _COUNT_SHIFT) & 31
        history = packed & _CLASS_MASK
        steady = (packed >> _STEADY_SHIFT) & 31
        steady = min(steady + 1, 31) if count and (history & 3) == kind else 0
        history = ((history << 2) | kind) & _CLASS_MASK
        count = min(count + 1, FLAP_STATES)
        flapping = bool(packed & _FLAG_BIT)
        share = 0.0 if steady >= FLAP_STATES - 1 else flap_share(_classes(history, count))
        if share > FLAP_HIGH:
            flapping = True
        elif share < FLAP_LOW:
            flapping = False
        charged = bool(packed & _CHARGED_BIT)
        # A change to AVAILABLE is a return to it (a change is from another status).
        if status == "AVAILABLE" and not first:
            last = self._last_return[row]
            if not math.isnan(last) and at - last <= RETURN_WITHIN and not charged:
                flapping = True
            self._last_return[row] = at
            charged = False
        elif status == "CHARGING":
            charged = True
        self._flap[row] = (
            history
            | (count << _COUNT_SHIFT)
            | (_FLAG_BIT if flapping else 0)
            | (steady << _STEADY_SHIFT)
            | (_CHARGED_BIT if charged else 0)
        )

    # --- snapshots ----------------------------------------------------------------------

    def _columns(self) -> list[array[Any]]:
        return [
            self._since,
            *self._seconds,
            self._outages,
            self._longest,
            self._run_start,
            self._run_down,
            self._up,
            self._flap,
            self._last_return,
        ]

    def _meta(self) -> dict[str, Any]:
        return {
            "version": LIVE_VERSION,
            "rules": self.rules.name,
            "rows": len(self),
            "oldest": None if math.isinf(self.oldest) else self.oldest,
            "newest": None if math.isinf(self._newest) else self._newest,
            "last_received": self._last_received,
            "gap_from": self._gap_from,
            "gaps": [list(g) for g in self._ctx.gaps],
        }

    def dump(self) -> tuple[dict[str, Any], bytes]:
        """Everything, as JSON-able data and the columns' bytes (`load` takes both)."""
        return self._meta(), b"".join(c.tobytes() for c in self._columns())

    def dump_rows(self, rows: Iterable[int]) -> tuple[dict[str, Any], bytes]:
        """Only `rows` (those that changed since an earlier dump), for `load_rows`."""
        chosen = sorted(set(rows))
        meta = {**self._meta(), "changed": chosen}
        parts = (array(c.typecode, (c[r] for r in chosen)).tobytes() for c in self._columns())
        data = b"".join(parts)
        return meta, data

    def load(self, meta: dict[str, Any], data: bytes) -> None:
        """Replace everything with what `dump` gave. ValueError when it does not fit."""
        self._check(meta)
        rows = int(meta["rows"])
        offset = 0
        for column in self._columns():
            size = rows * column.itemsize
            del column[:]
            column.frombytes(data[offset : offset + size])
            if len(column) != rows:
                raise ValueError("reliability columns cut short")
            offset += size
        self._load_meta(meta)

    def load_rows(self, meta: dict[str, Any], data: bytes) -> None:
        """Apply what `dump_rows` gave on top of the dump (or rows) taken before it."""
        self._check(meta)
        rows = int(meta["rows"])
        chosen = [int(r) for r in meta["changed"]]
        if chosen and (chosen[0] < 0 or chosen[-1] >= rows):
            raise ValueError("reliability rows out of range")
        if rows > len(self):
            self._add(rows - 1, _NAN)
        offset = 0
        for column in self._columns():
            size = len(chosen) * column.itemsize
            values = array(column.typecode)
            values.frombytes(data[offset : offset + size])
            if len(values) != len(chosen):
                raise ValueError("reliability rows cut short")
            for r, value in zip(chosen, values, strict=True):
                column[r] = value
            offset += size
        self._load_meta(meta)

    def _check(self, meta: dict[str, Any]) -> None:
        if meta.get("version") != LIVE_VERSION:
            raise ValueError(f"reliability figures version {meta.get('version')!r}")
        if meta.get("rules") != self.rules.name:
            raise ValueError(f"reliability figures under {meta.get('rules')!r} rules")

    def _load_meta(self, meta: dict[str, Any]) -> None:
        self.oldest = math.inf if meta["oldest"] is None else float(meta["oldest"])
        self._newest = -math.inf if meta["newest"] is None else float(meta["newest"])
        self._last_received = meta["last_received"]
        self._gap_from = meta["gap_from"]
        self._ctx.gaps[:] = [(float(a), float(b)) for a, b in meta["gaps"]]

    # --- reading ------------------------------------------------------------------------

    def figures(
        self, row: int, location: str, evse: str, status: str, updated: float, end: float
    ) -> EvseFigures:
        """Row `row`'s figures from its first status until `end` (the newest update), its
        current `status` (last updated at `updated`) counted up to there."""
        acc = self._load(row)
        kind = _class_of(status)
        self._hold(acc, kind, acc.since, end)
        if not math.isnan(acc.run_start) and not self._down_at(kind, acc.since, end):
            # A change at `end` itself ended the outage (it held no time in the window).
            self._close(acc)
        ongoing = not math.isnan(acc.run_start)
        observed = sum(acc.seconds)
        threshold = STALE_AFTER.get(status)
        return EvseFigures(
            location=location,
            evse=evse,
            observed_s=observed,
            seconds=dict(zip(_NAMES, acc.seconds, strict=True)),
            up_s=acc.up_s,
            down_s=observed - acc.up_s,
            working_s=acc.seconds[_FREE] + acc.seconds[_CHARGING],
            charging_s=acc.seconds[_CHARGING],
            outages=acc.outages + ongoing,
            longest_outage_s=max(acc.longest, acc.run_down if ongoing else 0.0),
            ongoing=ongoing,
            flapping=bool(self._flap[row] & _FLAG_BIT),
            stale=threshold is not None and end - updated > threshold,
            status=status,
        )


def _classes(history: int, count: int) -> list[int]:
    """The packed classes, oldest first."""
    return [(history >> (2 * i)) & 3 for i in range(count - 1, -1, -1)]

