"""What the live accumulators keep by EVSE: the status classes their seconds are kept by, and
`Columns`, every EVSE's accumulators at once as `LiveFigures` hands them to the scan."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from evtui.model.reliability.rules import DOWN, RuleSet

__all__ = [
    "CLASSES",
    "CLASS_CHARGING",
    "CLASS_COUNT",
    "CLASS_DOWN",
    "CLASS_FREE",
    "CLASS_LABELS",
    "CLASS_OTHER",
    "CLASS_UNKNOWN",
    "Columns",
    "class_of",
]

# Status classes the seconds are kept by: what the rule sets and utilisation tell apart.
CLASS_FREE, CLASS_CHARGING, CLASS_DOWN, CLASS_UNKNOWN, CLASS_OTHER = range(5)
CLASS_COUNT = 5
CLASSES = ("free", "charging", "down", "unknown", "other")
"""The status classes' names, in the order of `Columns.seconds` and `Columns.classes`."""
CLASS_LABELS = (
    "working, not charging",
    "CHARGING",
    "OUT_OF_ORDER or INOPERATIVE",
    "UNKNOWN",
    "other",
)
"""The classes as `EvseFigures.seconds` names them."""


def class_of(status: str) -> int:
    """The class a status's seconds are kept in."""
    if status == "CHARGING":
        return CLASS_CHARGING
    if status in ("AVAILABLE", "RESERVED", "BLOCKED"):
        return CLASS_FREE
    if status in DOWN:
        return CLASS_DOWN
    return CLASS_UNKNOWN if status == "UNKNOWN" else CLASS_OTHER


@dataclass(frozen=True)
class Columns:
    """The accumulators' columns by EVSE number, to read every EVSE at once (the scan)."""

    since: array[float]
    """When the current status began to count (NaN: no figures for the EVSE)."""
    seconds: list[array[float]]
    """Seconds held, by status class (`CLASSES`), up to `since`."""
    outages: array[int]
    """Outages ended by `since`."""
    longest: array[float]
    run_start: array[float]
    """When the outage going on at `since` began (NaN: none)."""
    run_down: array[float]
    """Its down seconds so far."""
    up: array[float]
    """Up seconds up to `since`, where the rule set splits a status's time (AFIREV's UNKNOWN
    grace); empty elsewhere: there they are the seconds of the classes `down` says are up."""
    flap: array[int]
    flag_bit: int
    """The bit of `flap` that says the EVSE is flapping."""
    classes: list[int]
    """Each status code's class."""
    down: list[bool]
    """Whether each class is down under the rule set (UNKNOWN with a grace: at first not)."""
    gaps: list[tuple[float, float]]
    rules: RuleSet
