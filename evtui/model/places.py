"""What the monitor knows of each location: the id's facts, the directory's record, the label.

Pure: no I/O, no UI. The directory's part of the app fills it in the background; the UI reads
it per row drawn, so everything asked of it is memoised: an id is decoded once, a display
name is built once per location (until labels or records change). Directory text in it is
untrusted, as the stream's is: whoever shows it escapes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from evtui.model.countries import lookup as country_by_code
from evtui.model.directory import LocationInfo
from evtui.model.location_id import IdFacts, decode_location_id
from evtui.model.vocabulary import id_tail

__all__ = ["SHORT_ID", "Places"]

SHORT_ID = 18
"""Characters of an id's tail a display name keeps when nothing better is known."""


def _no_label(_: str) -> str:
    return ""


class Places:
    """Per location: `facts` (from the id), `info` (the directory's), `label` (the user's).

    `labels` gives the user's label of an id ("" for none): the watchlist's. Call `relabel`
    when labels change; `version` moves whenever a display name may have.
    """

    def __init__(self, labels: Callable[[str], str] = _no_label) -> None:
        self._labels = labels
        self._facts: dict[str, IdFacts | None] = {}
        self._summaries: Mapping[str, LocationInfo] = {}
        """The cache's display data (no EVSEs), loaded once at start."""
        self._infos: dict[str, LocationInfo] = {}
        """Records learnt since (whole ones, EVSEs included), by id."""
        self._unknown: set[str] = set()
        self._names: dict[str, str] = {}
        self._powers: dict[str, tuple[float, ...]] = {}
        self.version = 0
        self.loads = 0
        """How many times `load` has replaced the cache's data: every id may have changed."""
        self.touched: list[str] = []
        """Ids whose record `update` or `forget` changed since, in order (only appended to:
        a reader keeps how far it has read, and reads on from there)."""

    # --- what is known ---------------------------------------------------------------------

    def facts(self, location_id: str) -> IdFacts | None:
        """What the id says (country, position, source); decoded on the first ask only."""
        try:
            return self._facts[location_id]
        except KeyError:
            facts = self._facts[location_id] = decode_location_id(location_id)
            return facts

    def info(self, location_id: str) -> LocationInfo | None:
        """The directory's record, whole or display data only (`evses` None); None if none."""
        info = self._infos.get(location_id)
        if info is None and location_id not in self._unknown:
            info = self._summaries.get(location_id)
        return info

    def complete(self, location_id: str) -> bool:
        """Whether the whole record (EVSEs and connectors) is here, or the directory said it
        does not know the id: nothing more to load for it."""
        info = self._infos.get(location_id)
        return location_id in self._unknown or (info is not None and info.evses is not None)

    def label(self, location_id: str) -> str:
        return self._labels(location_id)

    def name(self, location_id: str) -> str:
        """The user's label, else the directory's name, else "" (raw text: escape to show)."""
        try:
            return self._names[location_id]
        except KeyError:
            pass
        name = self._labels(location_id)
        if not name:
            info = self.info(location_id)
            name = (info.name or "") if info is not None else ""
        self._names[location_id] = name
        return name

    def display_name(self, location_id: str) -> str:
        """The label, else the directory's name, else the id's short tail (raw text)."""
        return self.name(location_id) or id_tail(location_id)[:SHORT_ID]

    def operator(self, location_id: str) -> str | None:
        info = self.info(location_id)
        return info.operator if info is not None else None

    def city(self, location_id: str) -> str | None:
        info = self.info(location_id)
        return info.city if info is not None else None

    def country(self, location_id: str) -> str | None:
        """ISO alpha-3: the directory's, else the id's."""
        info = self.info(location_id)
        if info is not None and info.country:
            return info.country.upper()
        facts = self.facts(location_id)
        return facts.alpha3 if facts is not None else None

    def country_name(self, location_id: str) -> str | None:
        code = self.country(location_id)
        country = country_by_code(code) if code else None
        return country.name if country is not None else code

    def position(self, location_id: str) -> tuple[float, float, bool] | None:
        """(lat, lng, from the id?): the directory's position wins over the id's."""
        info = self.info(location_id)
        if info is not None and info.lat is not None and info.lng is not None:
            return info.lat, info.lng, False
        facts = self.facts(location_id)
        return (facts.lat, facts.lng, True) if facts is not None else None

    def powers(self, location_id: str) -> tuple[float, ...]:
        """The max kW of each connector of the location the record gives, highest first."""
        try:
            return self._powers[location_id]
        except KeyError:
            pass
        info = self.info(location_id)
        evses = (info.evses or ()) if info is not None else ()
        found = {c.max_kw for e in evses for c in e.connectors if c.max_kw is not None}
        powers = self._powers[location_id] = tuple(sorted(found, reverse=True))
        return powers

    def max_kw(self, location_id: str) -> float | None:
        """The most power any connector of the location gives, when the record says."""
        powers = self.powers(location_id)
        return powers[0] if powers else None

    def ids(self) -> Iterable[str]:
        """Every id with a record (cached or learnt)."""
        yield from self._infos
        yield from (i for i in self._summaries if i not in self._infos)

    # --- what the directory says ----------------------------------------------------------

    def load(self, summaries: Mapping[str, LocationInfo]) -> None:
        """The cache's display data of every location it keeps (a lazy mapping will do)."""
        self._summaries = summaries
        self.loads += 1
        self._changed()

    def update(self, infos: Iterable[LocationInfo]) -> None:
        """Records learnt (from the directory, or read whole from the cache)."""
        for info in infos:
            self._infos[info.id] = info
            self._unknown.discard(info.id)
            self.touched.append(info.id)
        self._changed()

    def forget(self, ids: Iterable[str]) -> None:
        """The directory does not know these ids: they keep only what the stream and ids give."""
        for location_id in ids:
            self._unknown.add(location_id)
            self._infos.pop(location_id, None)
            self.touched.append(location_id)
        self._changed()

    def relabel(self) -> None:
        """The user's labels changed."""
        self._names.clear()
        self.version += 1

    def _changed(self) -> None:
        self._names.clear()
        self._powers.clear()
        self.version += 1
