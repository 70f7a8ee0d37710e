"""Which status changes the event log shows: statuses, a text to match, and place terms."""

from __future__ import annotations

import operator as op
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from evtui.model.countries import lookup as country_by_code
from evtui.model.places import Places
from evtui.model.store_types import StatusChange
from evtui.model.vocabulary import KNOWN_STATUSES, id_tail

__all__ = ["EventFilter"]

_STATUS_PREFIX = "status:"
_PLACE_TERMS = ("operator", "country", "city", "kw")
_TERM_LIKE = re.compile(r"([A-Za-z]+):[^:]+")
"""`word:value` with one colon: meant as a term (an id pasted whole has several colons)."""
_KW = re.compile(r"(>=|<=|>|<|=)?\s*(\d+(?:\.\d+)?)")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": op.ge,
    ">": op.gt,
    "<=": op.le,
    "<": op.lt,
    "=": op.eq,
}


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Matches a change whose new status is in `statuses` (any, if empty), each of whose
    words of `text` is in its location id, EVSE id, label or directory name, ignoring case,
    and whose location fits every place term: `operator` and `city` contain the text given,
    `country` is that ISO alpha-3 code, and some connector gives `kw` (comparison, kW).

    Ids are matched on their distinctive tail: every HERE id starts `here:evcp:`, and a text
    that matched every row would filter nothing (a whole id pasted is matched by its tail,
    and one in the screens' short form, `head…tail`, by both its ends).
    Place terms need `Places` (the directory and the ids): without it, or for a location it
    knows nothing of, they do not match.
    """

    text: str = ""
    statuses: frozenset[str] = frozenset()
    operator: str = ""
    country: str = ""
    city: str = ""
    kw: tuple[str, float] | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)
    """What in the query was not taken as the user most likely meant it, to tell them."""
    _needles: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The text's words as matched (an id's tail, case folded): made once, for the log tests
    every change the stream brings against them."""

    def __post_init__(self) -> None:
        # An id in its short form as the screens show it (`head…tail`) is its two ends.
        needles = tuple(
            piece
            for word in self.text.split()
            for piece in id_tail(word).casefold().split("…")
            if piece
        )
        object.__setattr__(self, "_needles", needles)

    @classmethod
    def parse(cls, query: str) -> EventFilter:
        """Read a query such as `status:charging,available country:de kw:>=150 berlin`.

        `status: charging, available` means the same; a word that is an OCPI status name on
        its own (`charging`) filters by that status too. `country:` takes alpha-2 or alpha-3.
        """
        query = re.sub(r"(?i)\b(status|operator|country|city|kw):\s*", r"\1:", query)
        query = re.sub(r"\s*,\s*", ",", query)
        query = re.sub(r"(?i)\bkw:(>=|<=|>|<|=)\s+", r"kw:\1", query)
        words: list[str] = []
        statuses: set[str] = set()
        terms: dict[str, str] = {}
        notes: list[str] = []
        for word in query.split():
            key, colon, value = word.partition(":")
            key = key.lower()
            if colon and key in ("status", *_PLACE_TERMS) and not value.strip(","):
                example = {"status": "charging", "operator": "ionity", "country": "de",
                           "city": "berlin", "kw": ">=150"}[key]  # fmt: skip
                notes.append(f"{key}: needs a value, like {key}:{example}: left out")
            elif colon and key == "status":
                statuses.update(n.upper() for n in value.split(",") if n)
            elif colon and key in _PLACE_TERMS and value:
                terms[key] = value
            elif word.upper() in KNOWN_STATUSES:
                statuses.add(word.upper())
            else:
                if _TERM_LIKE.fullmatch(word) and key not in _PLACE_TERMS:
                    notes.append(
                        f"{key}: is not a filter term (status, {', '.join(_PLACE_TERMS)}): "
                        f"{word!r} is matched as text"
                    )
                words.append(word)
        country = terms.get("country", "")
        known = country_by_code(country) if country else None
        if country and known is None:
            # The one code people reach for that ISO does not have: the UK is GB.
            hint = "the United Kingdom is gb" if country.lower() == "uk" else "de or deu, say"
            notes.append(f"country:{country}: no such country code ({hint})")
        kw = None
        if (match := _KW.fullmatch(terms.get("kw", ""))) is not None:
            kw = (match.group(1) or ">=", float(match.group(2)))
        elif "kw" in terms:
            words.append(f"kw:{terms['kw']}")  # not a comparison: match it as text
            notes.append(
                f"kw: takes kW, like kw:>=150 or kw:<50: 'kw:{terms['kw']}' is matched as text"
            )
        return cls(
            " ".join(words),
            frozenset(statuses),
            operator=terms.get("operator", ""),
            country=known.alpha3 if known is not None else country.upper(),
            city=terms.get("city", ""),
            kw=kw,
            notes=tuple(notes),
        )

    @property
    def query(self) -> str:
        """The query that `parse` turns back into this filter."""
        parts = [_STATUS_PREFIX + ",".join(sorted(self.statuses))] if self.statuses else []
        for key in ("operator", "country", "city"):
            if value := getattr(self, key):
                parts.append(f"{key}:{value}")
        if self.kw is not None:
            parts.append(f"kw:{self.kw[0]}{self.kw[1]:g}")
        if self.text:
            parts.append(self.text)
        return " ".join(parts)

    @property
    def active(self) -> bool:
        return bool(self.text or self.statuses or self.places_active)

    @property
    def places_active(self) -> bool:
        """Whether a place term is set (names and records arriving may change the match)."""
        return bool(self.operator or self.country or self.city or self.kw)

    def matches(
        self, change: StatusChange, label: str | None = None, places: Places | None = None
    ) -> bool:
        """Whether the log shows `change`; `label` is its location's name (label or the
        directory's)."""
        if self.statuses and change.new not in self.statuses:
            return False
        if self.places_active and not self._place_matches(change.location_id, places):
            return False
        if not self.text:
            return True
        hays = [id_tail(change.location_id), id_tail(change.evse_id), label or ""]
        return self._text_matches(hays, change.location_id, places)

    def matches_location(self, location_id: str, label: str, places: Places | None) -> bool:
        """Whether a location fits the place terms and the text (its id or name; `label` as in
        `matches`): the map's test of a location, its EVSEs' statuses aside."""
        if self.places_active and not self._place_matches(location_id, places):
            return False
        if not self.text:
            return True
        return self._text_matches([id_tail(location_id), label], location_id, places)

    def _text_matches(self, hays: list[str], location_id: str, places: Places | None) -> bool:
        """Whether every word of the text is in one of `hays` or the location's directory
        name (a label hides the name on screen, not from the search)."""
        info = places.info(location_id) if places is not None else None
        if info is not None and info.name:
            hays.append(info.name)
        folded = [hay.casefold() for hay in hays]
        return all(any(needle in hay for hay in folded) for needle in self._needles)

    def _place_matches(self, location_id: str, places: Places | None) -> bool:
        if places is None:
            return False
        if (
            self.operator
            and self.operator.casefold() not in (places.operator(location_id) or "").casefold()
        ):
            return False
        if self.city and self.city.casefold() not in (places.city(location_id) or "").casefold():
            return False
        if self.country and places.country(location_id) != self.country:
            return False
        if self.kw is not None:
            compare, kw = _COMPARE[self.kw[0]], self.kw[1]
            if not any(compare(power, kw) for power in places.powers(location_id)):
                return False
        return True
