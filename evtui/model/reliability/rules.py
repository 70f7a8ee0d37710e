"""Which statuses count as up and which as down: the rule sets of docs/reliability.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "DOWN",
    "RULES",
    "UNKNOWN_GRACE",
    "WORKING",
    "RuleName",
    "RuleSet",
    "flap_class",
]

RuleName = Literal["uk", "nevi", "afirev"]

WORKING: Final = frozenset({"AVAILABLE", "CHARGING", "RESERVED", "BLOCKED"})
"""Statuses in which the EVSE works: up under every rule set."""
DOWN: Final = frozenset({"OUT_OF_ORDER", "INOPERATIVE"})
"""Statuses that are down under every rule set."""
UNKNOWN_GRACE: Final = 24 * 3600.0
"""AFIREV: an unbroken run of UNKNOWN is up for this long, then down."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A rule set: its name, how reports title it, and what else is down."""

    name: RuleName
    title: str
    other_down: bool
    """Statuses neither working nor in DOWN (UNKNOWN, new ones) are down, not up."""
    unknown_grace: bool
    """UNKNOWN is up for `UNKNOWN_GRACE` of a run, then down."""

    def down(self, status: str) -> bool:
        """Whether `status` is down (for AFIREV's UNKNOWN: within its grace it is not)."""
        if status in WORKING:
            return False
        return status in DOWN or self.other_down


RULES: Final[dict[str, RuleSet]] = {
    "uk": RuleSet("uk", "UK PCPR 2023", other_down=False, unknown_grace=False),
    "nevi": RuleSet("nevi", "NEVI-style proxy", other_down=True, unknown_grace=False),
    "afirev": RuleSet("afirev", "AFIREV", other_down=False, unknown_grace=True),
}


def flap_class(status: str) -> int:
    """The class flapping counts changes of: 0 working, 1 down, 2 anything else."""
    if status in WORKING:
        return 0
    return 1 if status in DOWN else 2
