"""Real-shaped HERE location ids and v3 Location records, for directory tests."""

from __future__ import annotations

import base64
from typing import Any

PREFIX = "here:evcp:charginglocation:"


def content(n: int) -> str:
    """A content id of HERE's shape: country, geohash, `-`, base64 of the source."""
    source = base64.b64encode(f"here-ev:testsupplier:{n}".encode()).decode().rstrip("=")
    return f"276u33d811u8y-{source}"


def location_id(n: int) -> str:
    return PREFIX + content(n)


def v3_record(n: int, **changes: Any) -> dict[str, Any]:
    """A v3 Location as `/locations?ids=` returns it in `items`."""
    record: dict[str, Any] = {
        "id": location_id(n),
        "location": {"lat": 52.477 + n * 1e-5, "lng": 13.3618},
        "name": f"Ladepark {n}",
        "operator": {"name": "IONITY", "partnerId": "ionity"},
        "timeZone": "Europe/Berlin",
        "address": {
            "label": f"Invalidenstrasse {n}, 10115 Berlin, Germany",
            "street": "Invalidenstrasse",
            "houseNumber": str(n),
            "postalCode": "10115",
            "city": "Berlin",
            "countryCode": "DEU",
        },
        "evses": [
            {
                "id": f"here:evcp:evse:{n:064x}",
                "evseId": f"DE*ION*E{n:06d}*1",
                "status": "available",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2_COMBO",
                        "format": "cable",
                        "powerType": "dc",
                        "maxVoltage": 920,
                        "maxCurrent": 500,
                        "maxPower": 350000,
                    },
                    {"id": "2", "standard": "FUTURE_PLUG_9", "powerType": "ac3Phase"},
                ],
            }
        ],
        "connectorGroups": [{"standard": "IEC_62196_T2_COMBO", "maxPower": 350000}],
    }
    record.update(changes)
    return record
