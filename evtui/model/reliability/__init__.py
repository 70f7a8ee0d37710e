"""Reliability and usage from status histories: uptime under a rule set, outages, MTTR, MTBF,
utilisation, flapping, staleness (docs/reliability.md says how each is computed)."""

from evtui.model.reliability.exclusions import Exclusions, parse_exclusions, parse_time
from evtui.model.reliability.figures import BUCKETS, EvseFigures, GroupFigures, Outage, bucket
from evtui.model.reliability.fold import STALE_AFTER, Context, EvseFold
from evtui.model.reliability.history import DEFAULT_GAP, History, Result
from evtui.model.reliability.rules import DOWN, RULES, WORKING, RuleName, RuleSet

__all__ = [
    "BUCKETS",
    "DEFAULT_GAP",
    "DOWN",
    "RULES",
    "STALE_AFTER",
    "WORKING",
    "Context",
    "EvseFigures",
    "EvseFold",
    "Exclusions",
    "GroupFigures",
    "History",
    "Outage",
    "Result",
    "RuleName",
    "RuleSet",
    "bucket",
    "parse_exclusions",
    "parse_time",
]
