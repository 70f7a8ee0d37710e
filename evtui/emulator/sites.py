"""Who and where each synthetic location is: its real-shaped id and its directory record.

A location's details come from its own seed alone, so they are the same for the same network
seed however far the simulation has run, and are only worked out when asked for.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evtui.emulator.operators import Connector, Operator, hardware, operators_in
from evtui.emulator.places import CITIES, LOCALES, City, address_label
from evtui.model.countries import Country, by_alpha3
from evtui.model.geohash import encode
from evtui.model.location_id import LOCATION_ID_PREFIX

__all__ = ["SUPPLIER", "Site", "describe", "location_id", "location_record", "place"]

SUPPLIER = "ecomovement"
"""HERE's data supplier, as named in real ids."""

_CUMULATIVE = list(
    itertools.accumulate(city.weight * LOCALES[city.alpha3].density for city in CITIES)
)
_KM_PER_DEGREE = 111.32


def _country(city: City) -> Country:
    country = by_alpha3(city.alpha3)
    assert country is not None, city  # the list of places names real countries
    return country


def place(rng: random.Random) -> tuple[City, float, float]:
    """A city (the bigger, the likelier) and a position around its centre, to 6 decimals."""
    city = CITIES[bisect.bisect_right(_CUMULATIVE, rng.random() * _CUMULATIVE[-1])]
    # Bigger cities spread further; capped at 2.5 sigmas so nothing lands far out at sea.
    sigma = 1.5 + math.sqrt(city.weight) / 10
    north = max(-2.5, min(2.5, rng.gauss(0.0, 1.0))) * sigma
    east = max(-2.5, min(2.5, rng.gauss(0.0, 1.0))) * sigma
    lat = city.lat + north / _KM_PER_DEGREE
    lng = city.lng + east / (_KM_PER_DEGREE * math.cos(math.radians(city.lat)))
    return city, round(lat, 6), round(lng, 6)


def location_id(city: City, lat: float, lng: float, supplier_id: int) -> str:
    """`here:evcp:charginglocation:<ISO numeric><geohash>-<base64 of the source>`, as HERE's."""
    source = f"here-ev:{SUPPLIER}:{supplier_id}".encode()
    tail = base64.b64encode(source).decode("ascii").rstrip("=")
    return f"{LOCATION_ID_PREFIX}{_country(city).numeric}{encode(lat, lng)}-{tail}"


@dataclass(frozen=True, slots=True)
class Site:
    """A location's static details."""

    city: City
    lat: float
    lng: float
    operator: Operator
    street: str
    house_number: str
    postal_code: str
    station: int
    """The number in its eMI3 EVSE ids."""
    evses: tuple[tuple[Connector, ...], ...]
    uids: tuple[str, ...]


def describe(seed: int, evses: int) -> Site:
    """The details of the location with this seed and number of EVSEs."""
    rng = random.Random(seed)
    city, lat, lng = place(rng)  # first, as when its id was made
    locale = LOCALES[city.alpha3]
    candidates = operators_in(city.alpha3)
    operator = rng.choices(candidates, weights=[o.weight for o in candidates])[0]
    return Site(
        city=city,
        lat=lat,
        lng=lng,
        operator=operator,
        street=rng.choice(locale.streets),
        house_number=str(rng.randint(1, 180)),
        postal_code=rng.choice(city.postal_codes),
        station=rng.randint(10_000, 999_999),
        evses=tuple(hardware(rng, operator, evses)),
        uids=tuple(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(evses)),
    )


def location_record(
    site: Site,
    content_id: str,
    evse_ids: Sequence[str],
    statuses: Sequence[str],
    modified: Sequence[str],
) -> dict[str, Any]:
    """The HERE EV Charge Points API v3 `Location` for a site, with the EVSEs' statuses as
    they are now (OCPI's `OUT_OF_ORDER` becomes v3's `outOfOrder`)."""
    country = _country(site.city)
    operator = site.operator
    locale = LOCALES[site.city.alpha3]
    evses = []
    groups: dict[tuple[str, int], list[int]] = {}
    for ei, connectors in enumerate(site.evses):
        status = _lower_camel(statuses[ei])
        evses.append(
            {
                "id": evse_ids[ei],
                "uid": site.uids[ei],
                "evseId": f"{country.alpha2}*{operator.party}*E{site.station}*{ei + 1}",
                "status": status,
                "modified": modified[ei],
                "connectors": [
                    {
                        "id": str(ci + 1),
                        "standard": c.standard,
                        "format": c.format,
                        "powerType": c.power_type,
                        "maxVoltage": c.max_voltage,
                        "maxCurrent": c.max_current,
                        "maxPower": c.max_power,
                    }
                    for ci, c in enumerate(connectors)
                ],
            }
        )
        for c in connectors:
            counts = groups.setdefault((c.standard, c.max_power), [0, 0])
            counts[0] += 1
            counts[1] += status == "available"
    return {
        "id": content_id,
        "location": {"lat": site.lat, "lng": site.lng},
        "name": f"{operator.name} {site.street}",
        "operator": {"name": operator.name, "partnerId": operator.partner_id},
        "address": {
            "label": address_label(
                locale, site.street, site.house_number, site.postal_code, site.city.name,
                country.name,
            ),
            "street": site.street,
            "houseNumber": site.house_number,
            "postalCode": site.postal_code,
            "city": site.city.name,
            "countryCode": country.alpha3,
        },
        "timeZone": locale.time_zone,
        "evses": evses,
        "connectorGroups": [
            {
                "standard": standard,
                "maxPower": power,
                "connectorCount": count,
                "availableConnectorCount": available,
            }
            for (standard, power), (count, available) in groups.items()
        ],
    }


def _lower_camel(status: str) -> str:
    head, *rest = status.lower().split("_")
    return head + "".join(word.capitalize() for word in rest)
