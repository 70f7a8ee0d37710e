"""Charge-point operators of the synthetic network and the hardware they put up.

Realistic mixes: fast-charging networks (IONITY, Fastned, Tesla…) build DC hubs of one power;
the others mostly AC posts of 11 or 22 kW, with now and then a DC charger among them.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

__all__ = ["OPERATORS", "Connector", "Operator", "hardware", "operators_in"]


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    party: str
    """eMI3 operator id, the middle of its EVSE ids (`DE*ION*E12345*1`)."""
    weight: float
    countries: frozenset[str] | None
    """Where it operates (ISO alpha-3); None: everywhere in the list of places."""
    dc_share: float
    """Share of its sites that are DC hubs."""
    dc_kw: tuple[int, ...]
    ac_kw: tuple[int, ...] = (11, 22)

    @property
    def partner_id(self) -> str:
        """HERE's id of the operator: a UUID, the same for the same name."""
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{self.party}.operators.evtui.invalid"))


def _op(
    name: str,
    party: str,
    weight: float,
    countries: str | None,
    dc_share: float,
    dc_kw: tuple[int, ...],
    ac_kw: tuple[int, ...] = (11, 22),
) -> Operator:
    where = frozenset(countries.split()) if countries else None
    return Operator(name, party, weight, where, dc_share, dc_kw, ac_kw)


OPERATORS: tuple[Operator, ...] = (
    _op("IONITY", "ION", 2, None, 1.0, (350,)),
    _op("Tesla Supercharger", "TSL", 3, None, 1.0, (150, 250, 250)),
    _op("Fastned", "FAS", 2, "NLD DEU BEL FRA GBR CHE", 1.0, (300, 400)),
    _op("Electra", "ELC", 1.5, "FRA BEL ITA NLD CHE", 1.0, (150, 300)),
    _op("Allego", "ALL", 7, "NLD BEL DEU FRA DNK SWE GBR", 0.3, (50, 150, 300)),
    _op("EnBW", "EBW", 8, "DEU AUT CHE", 0.45, (150, 300)),
    _op("Shell Recharge", "TNM", 5, None, 0.25, (50, 175)),
    _op("Vattenfall InCharge", "VAT", 5, "NLD DEU SWE NOR DNK", 0.2, (50, 150)),
    _op("TotalEnergies", "TOT", 5, "FRA BEL NLD DEU", 0.35, (50, 175, 300)),
    _op("E.ON Drive", "EON", 5, "DEU SWE DNK ITA", 0.25, (150,)),
    _op("Enel X Way", "ENX", 5, "ITA ESP", 0.2, (50, 150)),
    _op("Iberdrola", "IBD", 5, "ESP", 0.3, (50, 150, 350)),
    _op("Izivia", "IZI", 3, "FRA", 0.3, (50,)),
    _op("Circle K", "CKN", 4, "NOR SWE DNK POL", 0.6, (150, 200)),
    _op("Mer", "MER", 4, "NOR SWE DEU GBR", 0.4, (50, 150)),
    _op("Virta", "VIR", 4, "FIN SWE NOR DNK", 0.15, (50, 150)),
    _op("Orlen Charge", "ORL", 4, "POL", 0.4, (50, 150)),
    _op("GreenWay", "GRW", 4, "POL", 0.8, (50, 150)),
    _op("Wien Energie", "WIE", 5, "AUT", 0.1, (50,)),
    _op("bp pulse", "BPP", 4, "GBR DEU", 0.6, (50, 150, 300)),
    _op("Pod Point", "PPT", 4, "GBR", 0.05, (50,), (7, 22)),
    _op("Endesa X Way", "EDX", 5, "ESP", 0.1, (50,)),
    _op("Be Charge", "BEC", 4, "ITA", 0.1, (50, 150)),
    _op("EWE Go", "EWE", 4, "DEU", 0.3, (150, 300)),
    _op("Stadtwerke München", "SWM", 3, "DEU", 0.05, (50,)),
    _op("Eneco eMobility", "ENE", 4, "NLD BEL", 0.05, (50,)),
    _op("Equans", "EQU", 3, "NLD BEL", 0.02, (50,)),
)


def operators_in(alpha3: str) -> tuple[Operator, ...]:
    """The operators present in a country."""
    return tuple(o for o in OPERATORS if o.countries is None or alpha3 in o.countries)


@dataclass(frozen=True, slots=True)
class Connector:
    """One connector, in the directory's terms (power in W)."""

    standard: str
    format: str
    power_type: str
    max_voltage: int
    max_current: int
    max_power: int


def _ac(kw: int, *, cable: bool = False) -> Connector:
    if kw <= 7:  # a single-phase wallbox: 230 V, 32 A
        return Connector("IEC_62196_T2", "socket", "ac1Phase", 230, 32, 7400)
    amps = {11: 16, 22: 32, 43: 63}.get(kw, round(kw * 1000 / 690))
    plug = "cable" if cable else "socket"
    return Connector("IEC_62196_T2", plug, "ac3Phase", 400, amps, kw * 1000)


def _ccs(kw: int) -> Connector:
    volts = 500 if kw <= 50 else 920 if kw <= 300 else 1000
    amps = round(kw * 1000 / volts)
    return Connector("IEC_62196_T2_COMBO", "cable", "dc", volts, amps, kw * 1000)


_CHADEMO = Connector("CHADEMO", "cable", "dc", 500, 125, 50_000)


def _dc_evse(rng: random.Random, kw: int) -> tuple[Connector, ...]:
    if kw <= 50:
        # The older multi-standard chargers: CCS and CHAdeMO, often a 43 kW AC cable too.
        extra = (_ac(43, cable=True),) if rng.random() < 0.5 else ()
        return (_ccs(kw), _CHADEMO, *extra)
    return (_ccs(kw),)


def hardware(rng: random.Random, operator: Operator, evses: int) -> list[tuple[Connector, ...]]:
    """The connectors of each of a site's `evses` EVSEs."""
    if rng.random() < operator.dc_share:
        kw = rng.choice(operator.dc_kw)
        return [_dc_evse(rng, kw) for _ in range(evses)]
    kw = rng.choice(operator.ac_kw)
    posts: list[tuple[Connector, ...]] = [(_ac(kw),) for _ in range(evses)]
    if evses >= 2 and rng.random() < 0.2:
        posts[0] = _dc_evse(rng, operator.dc_kw[0])
    return posts
