"""The directory client against the emulator's v3 service over real loopback HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from evtui.emulator import EmulatorServer
from evtui.here import (
    Credentials,
    DirectoryClient,
    DirectoryFailed,
    DirectoryUnavailable,
    HereClient,
)
from evtui.here.directory import DirectoryAnswer
from evtui.model.directory import BadRecord, Connector, parse_location
from tests.directory.records import content, location_id, v3_record


async def fetch(
    server: EmulatorServer, credentials: Credentials, ids: list[str], **options: float
) -> DirectoryAnswer:
    async with HereClient(credentials, lookup_url=server.lookup_url) as client:
        directory = DirectoryClient(client, server.directory_url, **options)
        return await directory.fetch(ids)


async def test_batches_of_at_most_100_content_ids_each_asked_once(
    server: EmulatorServer, credentials: Credentials
) -> None:
    for n in range(250):
        server.emulator.add_location_record(v3_record(n))
    ids = [location_id(n) for n in range(250)]
    asked = [*ids, *ids[:30], content(7)]  # repeats, and a bare content id
    answer = await fetch(server, credentials, asked)
    assert answer.error is None
    batches = server.emulator.directory_asked
    assert sorted(len(b) for b in batches) == [50, 100, 100]
    sent = [i for b in batches for i in b]
    assert sorted(sent) == sorted(content(n) for n in range(250))  # content ids, once each
    assert set(answer.records) == set(ids)
    raw, info = answer.records[location_id(3)]
    assert raw["name"] == "Ladepark 3"
    assert info.id == location_id(3)
    assert (info.name, info.operator, info.city, info.postal_code, info.country) == (
        "Ladepark 3",
        "IONITY",
        "Berlin",
        "10115",
        "DEU",
    )
    assert info.address == "Invalidenstrasse 3, 10115 Berlin, Germany"
    assert info.evses is not None
    assert info.evses[0].evse_id == "DE*ION*E000003*1"
    assert info.evses[0].connectors == (
        Connector("IEC_62196_T2_COMBO", "dc", 350.0),
        Connector("FUTURE_PLUG_9", "ac3Phase", None),  # unknown standards kept as text
    )


async def test_missing_items_are_reported_as_unknown_ids(
    server: EmulatorServer, credentials: Credentials
) -> None:
    server.emulator.add_location_record(v3_record(1))
    server.emulator.add_location_record(v3_record(2))
    server.emulator.faults.directory_missing = {content(2)}
    answer = await fetch(server, credentials, [location_id(n) for n in (1, 2, 3)])
    assert set(answer.records) == {location_id(1)}
    assert answer.missing == {location_id(2), location_id(3)}
    assert not answer.unanswered and not answer.refused


async def test_403_is_directory_unavailable_with_the_services_message_and_stops(
    server: EmulatorServer, credentials: Credentials
) -> None:
    server.emulator.faults.directory_forbidden = True
    answer = await fetch(server, credentials, [location_id(n) for n in range(1000)])
    assert isinstance(answer.error, DirectoryUnavailable)
    assert str(answer.error) == "HTTP 403: These credentials do not authorize access"
    assert answer.error.status == 403
    # Two requests in flight at most, and nothing asked after the refusal.
    assert len(server.emulator.directory_asked) <= 2
    assert not answer.records
    for token in server.emulator.issued:
        assert token not in str(answer.error)


async def test_429_waits_the_retry_after_asked_for(
    server: EmulatorServer, credentials: Credentials
) -> None:
    server.emulator.add_location_record(v3_record(1))
    server.emulator.faults.directory_rate_limited = 1
    server.emulator.faults.retry_after = 0.6
    started = time.monotonic()
    answer = await fetch(server, credentials, [location_id(1)])
    assert time.monotonic() - started >= 0.6
    assert answer.error is None and set(answer.records) == {location_id(1)}
    assert answer.requests == 2


async def test_503_is_retried_then_gives_up_bounded(
    server: EmulatorServer, credentials: Credentials
) -> None:
    server.emulator.add_location_record(v3_record(1))
    faults = server.emulator.faults
    faults.retry_after = 0.01
    faults.directory_unavailable = 2
    answer = await fetch(server, credentials, [location_id(1)])
    assert answer.error is None and answer.requests == 3
    faults.directory_unavailable = 100
    answer = await fetch(server, credentials, [location_id(1)], attempts=3)
    assert isinstance(answer.error, DirectoryFailed)
    assert "HTTP 503" in str(answer.error) and "after 3 tries" in str(answer.error)


async def test_a_retry_after_beyond_the_bound_fails_at_once(
    server: EmulatorServer, credentials: Credentials
) -> None:
    server.emulator.faults.directory_rate_limited = 5
    server.emulator.faults.retry_after = 3600
    started = time.monotonic()
    answer = await fetch(server, credentials, [location_id(1)])
    assert time.monotonic() - started < 5
    assert isinstance(answer.error, DirectoryFailed)
    assert "asks to wait 3600 s" in str(answer.error)


async def test_bad_records_are_refused_one_by_one(
    server: EmulatorServer, credentials: Credentials
) -> None:
    emulator = server.emulator
    emulator.add_location_record(v3_record(1))
    emulator.add_location_record(v3_record(2, location={"lat": "north", "lng": 1}))
    emulator.add_location_record(v3_record(3, evses=[{"evseId": "x"}]))
    emulator.add_location_record(v3_record(4, name=["not", "text"]))
    emulator.add_location_record(v3_record(5, name="x" * 100_000, location={"lat": 95, "lng": 0}))
    emulator.add_location_record(v3_record(6, name="\x1b[31m[bold]red", operator=None))
    # Numbers as strings, and a record without its position, are of the wrong shape too.
    emulator.add_location_record(v3_record(7, location={"lat": "52.1", "lng": 13.4}))
    emulator.add_location_record({"id": location_id(8), "name": "Nowhere"})
    connector = {"standard": "IEC_62196_T2", "powerType": "AC_3_PHASE", "maxPower": "22000"}
    emulator.add_location_record(v3_record(9, evses=[{"id": "e", "connectors": [connector]}]))
    answer = await fetch(server, credentials, [location_id(n) for n in range(1, 10)])
    assert set(answer.records) == {location_id(1), location_id(6)}
    why = dict(answer.refused)
    assert why[location_id(2)].startswith("location.lat: ")
    assert why[location_id(3)] == "evses.0.id: Field required"
    assert why[location_id(4)].startswith("name: ")
    assert why[location_id(5)].startswith("location.lat: ")
    assert why[location_id(7)] == "location.lat: Input should be a valid number"
    assert why[location_id(8)].startswith("location: missing")
    assert why[location_id(9)] == "evses.0.connectors.0.maxPower: Input should be a valid number"
    # Untrusted text is kept as data, for the UI to escape.
    assert answer.records[location_id(6)][1].name == "\x1b[31m[bold]red"


def test_long_text_is_cut_and_odd_countries_are_dropped() -> None:
    info = parse_location(
        v3_record(1, name="y" * 5000, address={"countryCode": "Germany", "city": "B"}), 0.0
    )
    assert info.name is not None and len(info.name) == 300
    assert info.country is None and info.city == "B"
    with pytest.raises(BadRecord, match="location: missing"):
        parse_location({"id": content(1)}, 5.0)
    # What a CSV row without a position becomes: taken, with the id's position standing.
    bare = parse_location({"id": content(1)}, 5.0, need_position=False)
    assert bare.id == location_id(1) and bare.evses is None and bare.lat is None


async def test_an_answer_without_items_or_not_json_is_a_clear_error(
    credentials: Credentials,
) -> None:
    bodies = iter([b"<html>busy</html>", json.dumps({"things": []}).encode()])

    def service(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200, content=next(bodies), headers={"Content-Type": "text/html"})

    transport = httpx.MockTransport(service)
    async with HereClient(credentials, transport=transport) as client:
        directory = DirectoryClient(client, "https://evcp.example.com/v3")
        first = await directory.fetch([location_id(1)])
        second = await directory.fetch([location_id(1)])
    assert isinstance(first.error, DirectoryFailed)
    assert "not JSON (text/html)" in str(first.error)
    assert isinstance(second.error, DirectoryFailed)
    assert "no `items` list" in str(second.error)


async def test_plain_http_only_to_loopback(credentials: Credentials) -> None:
    async with HereClient(credentials) as client:
        with pytest.raises(DirectoryFailed, match="directory URL"):
            DirectoryClient(client, "http://evcp.example.com/v3")
        DirectoryClient(client, "http://127.0.0.1:1/v3")


async def test_the_emulator_serves_the_v3_shapes(
    server: EmulatorServer, credentials: Credentials
) -> None:
    server.emulator.add_location_record(v3_record(1))
    async with HereClient(credentials, lookup_url=server.lookup_url) as client:
        base = server.directory_url
        one, _ = await client.send("GET", f"{base}/locations/{content(1)}", what="v3")
        assert one.status_code == 200 and one.json()["name"] == "Ladepark 1"
        assert "address" not in one.json()  # only the field groups asked for
        gone, _ = await client.send("GET", f"{base}/locations/{content(2)}", what="v3")
        assert gone.status_code == 404 and gone.json()["status"] == 404
        assert gone.json()["correlationId"] == gone.headers["X-Correlation-ID"]
        many = ",".join(content(n) for n in range(101))
        too_many, _ = await client.send("GET", f"{base}/locations", what="v3", params={"ids": many})
        assert too_many.status_code == 400 and "At most 100" in too_many.json()["title"]
        restricted, _ = await client.send(
            "GET", f"{base}/locations", what="v3", params={"ids": "a", "fields": "predictions"}
        )
        assert restricted.status_code == 403
        assert set(restricted.json()) == {"error", "error_description", "status"}
    async with httpx.AsyncClient() as anonymous:
        refused = await anonymous.get(f"{base}/locations", params={"ids": "a"})
        assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized"
        assert refused.headers["X-Correlation-ID"]
