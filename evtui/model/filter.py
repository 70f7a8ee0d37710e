"""Which status changes the event log shows: a status set and a text to match."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evtui.model.payload import KNOWN_STATUSES, id_tail
from evtui.model.store_types import StatusChange

__all__ = ["EventFilter"]

_STATUS_PREFIX = "status:"


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Matches a change whose new status is in `statuses` (any, if empty) and whose location
    id, EVSE id or location label contains `text`, ignoring case (any, if empty).

    Ids are matched on their distinctive tail: every HERE id starts `here:evcp:`, and a text
    that matched every row would filter nothing.
    """

    text: str = ""
    statuses: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, query: str) -> EventFilter:
        """Read a query such as `status:charging,available berlin`.

        `status: charging, available` means the same; a word that is an OCPI status name on
        its own (`charging`) filters by that status too.
        """
        query = re.sub(r"(?i)status:\s*", _STATUS_PREFIX, query)
        query = re.sub(r"\s*,\s*", ",", query)
        words: list[str] = []
        statuses: set[str] = set()
        for word in query.split():
            if word.lower().startswith(_STATUS_PREFIX):
                names = word[len(_STATUS_PREFIX) :].split(",")
                statuses.update(n.upper() for n in names if n)
            elif word.upper() in KNOWN_STATUSES:
                statuses.add(word.upper())
            else:
                words.append(word)
        return cls(" ".join(words), frozenset(statuses))

    @property
    def query(self) -> str:
        """The query that `parse` turns back into this filter."""
        parts = [_STATUS_PREFIX + ",".join(sorted(self.statuses))] if self.statuses else []
        if self.text:
            parts.append(self.text)
        return " ".join(parts)

    @property
    def active(self) -> bool:
        return bool(self.text or self.statuses)

    def matches(self, change: StatusChange, label: str | None = None) -> bool:
        if self.statuses and change.new not in self.statuses:
            return False
        if not self.text:
            return True
        needle = self.text.casefold()
        return any(
            needle in hay.casefold()
            for hay in (id_tail(change.location_id), id_tail(change.evse_id), label or "")
        )
