"""The monitor's reliability accumulators: every EVSE's figures, folded with each status change.

`LiveFigures` keeps one row per store EVSE in flat columns (as the store does: a million EVSEs
must stay small), folds `ApplyResult.history` (first sightings and changes in arrival order)
and gives an EVSE's `EvseFigures` at any time, its current status counted up to that time.
It computes what `EvseFold` computes for a report with the default window, by the same rules
(docs/reliability.md), and the tests hold the two to each other. A full snapshot carries the
columns; a delta only the clocks, its changes folded again on restore: a seek shows what
playing from the start shows.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from evtui.model.reliability.columns import CLASS_CHARGING as _CHARGING
from evtui.model.reliability.columns import CLASS_COUNT as _CLASSES
from evtui.model.reliability.columns import CLASS_DOWN as _DOWN
from evtui.model.reliability.columns import CLASS_FREE as _FREE
from evtui.model.reliability.columns import CLASS_LABELS as _NAMES
from evtui.model.reliability.columns import CLASS_UNKNOWN as _UNKNOWN
from evtui.model.reliability.columns import Columns
from evtui.model.reliability.columns import class_of as _class_of
from evtui.model.reliability.figures import EvseFigures
from evtui.model.reliability.fold import (
    FLAP_HIGH,
    FLAP_LOW,
    FLAP_STATES,
    RETURN_WITHIN,
    STALE_AFTER,
    Context,
)
from evtui.model.reliability.history import DEFAULT_GAP
from evtui.model.reliability.rules import UNKNOWN_GRACE, RuleSet, flap_class

__all__ = ["LIVE_VERSION", "LiveFigures"]

LIVE_VERSION = 2
"""What `dump` writes; `load` takes it and version 1 (which kept the up seconds under every
rule set and the flapping state in 8-byte integers), and refuses anything else (the figures
then start afresh)."""
_READ_VERSIONS = (1, LIVE_VERSION)

_MICRO = 1e-6
_NAN = math.nan

# The flapping state of an EVSE, packed in one integer: whether each of its last 20 changes
# changed the flapping class (bit 0 the newest), the class now, the flapping flag, and whether
# it charged since its last return to AVAILABLE.
_BITS = (1 << (FLAP_STATES - 1)) - 1
_KIND_SHIFT, _FLAG_BIT, _CHARGED_BIT = FLAP_STATES - 1, 1 << 22, 1 << 23
# Nagios's weights by age (the newest change 1.2, the oldest of 20 0.8) in whole steps of
# 0.4/19 (57 down to 38, as the report's fold counts them), summed for each pattern of 10
# bits, so that a share takes two lookups; 2 W / 19 is then the share in %.
_LOW = [sum(57 - k for k in range(10) if bits >> k & 1) for bits in range(1024)]
_HIGH = [sum(57 - (k + 10) for k in range(10) if bits >> k & 1) for bits in range(1024)]


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
        # Up seconds, by EVSE, only where the rule set splits a status's time (AFIREV's
        # UNKNOWN grace); elsewhere they are the seconds of the classes that are not down,
        # and a column of them would be 8 MB more at a million EVSEs.
        self._graced = rules.unknown_grace
        self._up = array("d")
        self._flap = array("I")  # 24 bits used: 4 MB less than "q" at a million EVSEs
        self._last_return = array("d")
        self._class_by_code: list[int] = []
        self._flap_by_code: list[int] = []
        self.oldest = math.inf
        """The oldest change folded: where the figures' window starts."""
        self.latest = -math.inf
        """The newest update applied, repeats included: where the window ends by default."""
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

    def received(self, at: float, *, after_silence: bool = True) -> None:
        """Messages were received at `at` (the receive clock): a long silence before is a gap.

        `after_silence=False`: the last of messages with no silence between them (`silences`
        found none), which moves the receive clock on only."""
        last = self._last_received
        quiet = after_silence and last is not None and at - last > self._gap
        if quiet and self._gap_from is None and self._newest > -math.inf:
            self._gap_from = self._newest
        self._last_received = at if last is None else max(last, at)

    def silences(self, received: Iterable[float]) -> list[int]:
        """Where, in messages received at `received` (in order), one comes more than the gap
        after the one before it (or, for the first, after the last received so far)."""
        cuts = []
        last = self._last_received
        for i, at in enumerate(received):
            if last is not None and at - last > self._gap and i:
                cuts.append(i)
            last = at if last is None else max(last, at)
        return cuts

    def fold(
        self,
        history: Sequence[tuple[int, int, int, int]],
        names: Sequence[str],
        latest: int | None = None,
    ) -> None:
        """Fold first sightings and changes (`ApplyResult.history`); `names` are the status
        names their codes index (`StateStore.status_names`); `latest` is the newest update
        applied with them (`ApplyResult.latest`, microseconds)."""
        if latest is not None and latest * _MICRO > self.latest:
            self.latest = latest * _MICRO
        classes, kinds = self._class_by_code, self._flap_by_code
        self._learn(names)
        rules = self.rules
        down_by_class = [
            c == _DOWN or (rules.other_down and c not in (_FREE, _CHARGING)) for c in range(5)
        ]
        grace = rules.unknown_grace
        gaps = self._ctx.gaps
        since, seconds, up, graced = self._since, self._seconds, self._up, self._graced
        run_start, run_down, outages, longest = (
            self._run_start,
            self._run_down,
            self._outages,
            self._longest,
        )
        flap, last_return = self._flap, self._last_return
        for row, micros, old, new in history:
            at = micros * _MICRO
            gap_from = self._gap_from
            if gap_from is not None and at > gap_from:
                self._ctx.add_gap(gap_from, at)
                self._gap_from = None
            if at > self._newest:
                self._newest = at
            if at < self.oldest:
                self.oldest = at
            name = names[new]
            kind = kinds[new]
            if old < 0 or row >= len(since) or since[row] != since[row]:
                # First seen (or first seen since a snapshot that had no figures).
                self._add(row, at)
                flap[row] = kind << _KIND_SHIFT | (_CHARGED_BIT if name == "CHARGING" else 0)
                continue
            start = since[row]
            held = classes[old]
            if (gaps and gaps[-1][1] > start) or (grace and held == _UNKNOWN):
                self._change(row, at, held)  # a gap to cut out, or AFIREV's UNKNOWN to split
            elif at > start:
                # The usual change, inline: the period it ends is up or down as a whole.
                length = at - start
                seconds[held][row] += length
                if down_by_class[held]:
                    if run_start[row] != run_start[row]:  # NaN: no outage going on
                        run_start[row] = start
                        run_down[row] = length
                    else:
                        run_down[row] += length
                else:
                    if graced:
                        up[row] += length
                    if run_start[row] == run_start[row]:  # the outage going on ends
                        outages[row] += 1
                        if run_down[row] > longest[row]:
                            longest[row] = run_down[row]
                        run_start[row] = _NAN
                        run_down[row] = 0.0
                since[row] = at
            else:
                since[row] = at
            # Flapping: the share of class changes among the last 20, with hysteresis.
            packed = flap[row]
            bits = (packed << 1 & _BITS) | ((packed >> _KIND_SHIFT & 3) != kind)
            flag = packed & _FLAG_BIT
            if bits:
                share = 2.0 * (_LOW[bits & 1023] + _HIGH[bits >> 10]) / 19
                if share > FLAP_HIGH:
                    flag = _FLAG_BIT
                elif share < FLAP_LOW:
                    flag = 0
            else:
                flag = 0
            charged = packed & _CHARGED_BIT
            if name == "AVAILABLE":  # a change to it is a return to it
                last = last_return[row]
                if last == last and at - last <= RETURN_WITHIN and not charged:
                    flag = _FLAG_BIT
                last_return[row] = at
                charged = 0
            elif name == "CHARGING":
                charged = _CHARGED_BIT
            flap[row] = bits | kind << _KIND_SHIFT | flag | charged

    def _learn(self, names: Sequence[str]) -> None:
        """Know the class and flapping class of every status code in `names`."""
        classes, kinds = self._class_by_code, self._flap_by_code
        while len(classes) < len(names):
            classes.append(_class_of(names[len(classes)]))
        while len(kinds) < len(names):
            kinds.append(flap_class(names[len(kinds)]))

    def _add(self, row: int, at: float) -> None:
        while len(self._since) <= row:
            self._since.append(_NAN)
            for column in self._seconds:
                column.append(0.0)
            self._outages.append(0)
            self._longest.append(0.0)
            self._run_start.append(_NAN)
            self._run_down.append(0.0)
            if self._graced:
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
        seconds = [column[row] for column in self._seconds]
        if self._graced:
            up = self._up[row]
        else:
            up = sum(held for kind, held in enumerate(seconds) if not self._down(kind))
        return _Row(
            self._since[row],
            seconds,
            self._outages[row],
            self._longest[row],
            self._run_start[row],
            self._run_down[row],
            up,
        )

    def _store(self, row: int, acc: _Row) -> None:
        self._since[row] = acc.since
        for column, value in zip(self._seconds, acc.seconds, strict=True):
            column[row] = value
        self._outages[row] = acc.outages
        self._longest[row] = acc.longest
        self._run_start[row] = acc.run_start
        self._run_down[row] = acc.run_down
        if self._graced:
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

    # --- snapshots ----------------------------------------------------------------------

    def _columns(self, version: int = LIVE_VERSION) -> list[array[Any]]:
        """What `dump` writes, in order. Version 1 wrote the up seconds under every rule set
        (read past where the seconds give them) and the flapping state in 8-byte integers
        (`load` reads it so)."""
        up = [self._up] if self._graced else [array("d")] if version == 1 else []
        return [
            self._since,
            *self._seconds,
            self._outages,
            self._longest,
            self._run_start,
            self._run_down,
            *up,
            self._flap,
            self._last_return,
        ]

    def _meta(self) -> dict[str, Any]:
        return {
            "version": LIVE_VERSION,
            "rules": self.rules.name,
            "rows": len(self),
            "oldest": None if math.isinf(self.oldest) else self.oldest,
            "latest": None if math.isinf(self.latest) else self.latest,
            "newest": None if math.isinf(self._newest) else self._newest,
            "last_received": self._last_received,
            "gap_from": self._gap_from,
            "gaps": [list(g) for g in self._ctx.gaps],
        }

    def dump(self) -> tuple[dict[str, Any], bytes]:
        """Everything, as JSON-able data and the columns' bytes (`load` takes both)."""
        return self._meta(), b"".join(c.tobytes() for c in self._columns())

    def load(self, meta: dict[str, Any], data: bytes) -> None:
        """Replace everything with what `dump` gave. ValueError when it does not fit."""
        self._check(meta)
        rows, version = int(meta["rows"]), meta["version"]
        offset = 0
        for column in self._columns(version):
            read = array("q") if column is self._flap and version == 1 else column
            size = rows * read.itemsize
            del read[:]
            read.frombytes(data[offset : offset + size])
            if len(read) != rows:
                raise ValueError("reliability columns cut short")
            if read is not column:
                del column[:]
                try:
                    column.extend(read.tolist())
                except OverflowError:  # only a damaged file holds such a state
                    raise ValueError("reliability flapping state out of range") from None
            offset += size
        self._load_meta(meta)

    def fold_restored(
        self,
        meta: dict[str, Any] | None,
        history: Sequence[tuple[int, int, int, int]],
        names: Sequence[str],
    ) -> None:
        """Fold what a delta snapshot's changes were (`StateStore.load_changes` gives them),
        its `meta` (from `dump_delta`) bringing the gaps and clocks as they were then."""
        if meta is not None:
            self._check(meta)
            self._ctx.gaps[:] = [(float(a), float(b)) for a, b in meta["gaps"]]
        self._gap_from = None  # the gaps are known: none is found again
        self.fold(history, names)
        if meta is not None:
            self._load_meta(meta)

    def dump_delta(self) -> dict[str, Any]:
        """What a delta snapshot carries: the clocks and gaps; its changes give the rest."""
        return self._meta()

    def _check(self, meta: dict[str, Any]) -> None:
        if meta.get("version") not in _READ_VERSIONS:
            raise ValueError(f"reliability figures version {meta.get('version')!r}")
        if meta.get("rules") != self.rules.name:
            raise ValueError(f"reliability figures under {meta.get('rules')!r} rules")

    def _load_meta(self, meta: dict[str, Any]) -> None:
        self.oldest = math.inf if meta["oldest"] is None else float(meta["oldest"])
        self.latest = -math.inf if meta["latest"] is None else float(meta["latest"])
        self._newest = -math.inf if meta["newest"] is None else float(meta["newest"])
        self._last_received = meta["last_received"]
        self._gap_from = meta["gap_from"]
        self._ctx.gaps[:] = [(float(a), float(b)) for a, b in meta["gaps"]]

    # --- reading ------------------------------------------------------------------------

    def columns(self, names: Sequence[str]) -> Columns:
        """The columns as they are (read them, never edit them), `names` being the store's
        status names (`StateStore.status_names`) the codes index."""
        self._learn(names)
        classes = self._class_by_code
        return Columns(
            self._since,
            self._seconds,
            self._outages,
            self._longest,
            self._run_start,
            self._run_down,
            self._up,
            self._flap,
            _FLAG_BIT,
            list(classes),
            [self._down(c) for c in range(_CLASSES)],
            list(self._ctx.gaps),
            self.rules,
        )

    # --- reading, one EVSE -------------------------------------------------------------

    def figures(
        self, row: int, location: str, evse: str, status: str, updated: float, end: float
    ) -> EvseFigures:
        """Row `row`'s figures from its first status until `end` (the newest update), its
        current `status` (last updated at `updated`) counted up to there."""
        acc = self._load(row)
        kind = _class_of(status)
        self._hold(acc, kind, acc.since, end)
        down_at_end = self._down_at(kind, acc.since, end)
        if not math.isnan(acc.run_start) and not down_at_end:
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
            down_at_end=down_at_end,
            open_outage_s=acc.run_down if ongoing else 0.0,
        )
