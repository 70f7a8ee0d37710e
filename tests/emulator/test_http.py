"""The emulator's HTTP face: the same endpoints, JSON and errors a HERE client meets."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import pytest

from evtui.emulator import EmulatorServer
from evtui.here import EV_CATALOG, EV_LAYER
from tests.conftest import location_doc


@pytest.fixture
def http(server: EmulatorServer) -> httpx.Client:
    response = httpx.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _signed(server)},
    )
    token = response.json()["access_token"]
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        yield client  # type: ignore[misc]


def _signed(server: EmulatorServer) -> str:
    from evtui.here import oauth

    return oauth.authorization_header(
        "POST",
        server.token_url,
        consumer_key=server.config.access_key_id,
        consumer_secret=server.config.access_key_secret,
        body_params={"grant_type": "client_credentials"},
    )


def stream_base(server: EmulatorServer, http: httpx.Client) -> str:
    url = f"{server.lookup_url}/resources/{EV_CATALOG}/apis/stream/v2"
    answer = http.get(url).json()
    assert answer[0]["api"] == "stream" and answer[0]["version"] == "v2"
    return str(answer[0]["baseURL"])


def subscribe(
    server: EmulatorServer,
    http: httpx.Client,
    mode: str = "serial",
    consumer_id: str = "c1",
    **props: object,
) -> tuple[str, str]:
    response = http.post(
        f"{stream_base(server, http)}/layers/{EV_LAYER}/subscribe",
        params={"mode": mode, "consumerId": consumer_id},
        json={"kafkaConsumerProperties": {"auto.offset.reset": "earliest", **props}},
    )
    assert response.status_code == 201
    body = response.json()
    return f"{body['nodeBaseURL']}/layers/{EV_LAYER}", body["subscriptionId"]


def test_lookup_lists_stream_and_blob_and_refuses_unknown_catalogs(
    server: EmulatorServer, http: httpx.Client
) -> None:
    apis = http.get(f"{server.lookup_url}/resources/{EV_CATALOG}/apis").json()
    assert {(a["api"], a["version"]) for a in apis} == {("stream", "v2"), ("blob", "v1")}
    other = http.get(f"{server.lookup_url}/resources/{quote('hrn:here:data::x:y')}/apis")
    assert other.status_code == 404


def test_calls_without_a_valid_token_are_refused(server: EmulatorServer) -> None:
    url = f"{server.lookup_url}/resources/{EV_CATALOG}/apis/stream/v2"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer forged"}).status_code == 401


def test_poll_commit_seek_unsubscribe(server: EmulatorServer, http: httpx.Client) -> None:
    for n in range(10):
        server.emulator.publish(location_doc(n))
    node, sub = subscribe(server, http)
    params = {"subscriptionId": sub, "mode": "serial"}

    messages = http.get(f"{node}/partitions", params=params).json()["messages"]
    assert len(messages) == 10
    first = messages[0]
    assert set(first["metaData"]) >= {"partition", "checksum", "timestamp", "data"}
    partition, offset = first["offset"]["partition"], first["offset"]["offset"]

    # Committing past what was delivered is refused as HERE does; the rest is accepted.
    beyond = {"offsets": [{"partition": partition, "offset": offset + 100}]}
    conflict = http.put(f"{node}/offsets", params=params, json=beyond)
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "E213028"
    ok = http.put(
        f"{node}/offsets",
        params=params,
        json={"offsets": [{"partition": partition, "offset": offset}]},
    )
    assert ok.status_code == 200
    assert server.emulator.committed("c1")[partition] == offset + 1

    seek = {"offsets": [{"partition": partition, "offset": offset}]}
    assert http.put(f"{node}/seek", params=params, json=seek).status_code == 200
    again = http.get(f"{node}/partitions", params=params).json()["messages"]
    assert again[0]["offset"] == {"partition": partition, "offset": offset}

    assert http.delete(f"{node}/subscribe", params=params).status_code == 200
    lost = http.get(f"{node}/partitions", params=params)
    assert lost.status_code == 404
    assert lost.json()["code"] == "E213003"


def test_parallel_subscriptions_of_a_group_share_the_partitions_and_commit_only_theirs(
    server: EmulatorServer, http: httpx.Client
) -> None:
    for n in range(40):
        server.emulator.publish(location_doc(n))
    subs = [subscribe(server, http, "parallel", "group") for _ in range(5)]

    def poll(node: str, sub: str) -> set[int]:
        params = {"subscriptionId": sub, "mode": "parallel"}
        answer = http.get(f"{node}/partitions", params=params).json()["messages"]
        return {m["offset"]["partition"] for m in answer}

    read = [poll(*s) for s in subs]
    # One partition each to the first four; five consumers for four partitions: one idles.
    assert read == [{0}, {1}, {2}, {3}, set()]

    node, sub = subs[0]
    params = {"subscriptionId": sub, "mode": "parallel"}
    theirs = {"offsets": [{"partition": 1, "offset": 0}]}
    refused = http.put(f"{node}/offsets", params=params, json=theirs)
    assert refused.status_code == 409 and refused.json()["code"] == "E213028"
    mine = {"offsets": [{"partition": 0, "offset": 0}]}
    assert http.put(f"{node}/offsets", params=params, json=mine).status_code == 200
    serial = http.get(f"{node}/partitions", params={"subscriptionId": sub, "mode": "serial"})
    assert serial.status_code == 400 and serial.json()["code"] == "E213013"

    # The first leaves: the idle one is handed a partition, the others move along one.
    assert http.delete(f"{node}/subscribe", params=params).status_code == 200
    assert [poll(*s) for s in subs[1:]] == [{0}, {1}, {2}, {3}]


def test_commit_with_another_token_than_the_last_poll_is_412(
    server: EmulatorServer, http: httpx.Client
) -> None:
    server.emulator.publish(location_doc(1))
    node, sub = subscribe(server, http)
    params = {"subscriptionId": sub, "mode": "serial"}
    message = http.get(f"{node}/partitions", params=params).json()["messages"][0]
    other = httpx.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _signed(server)},
    ).json()["access_token"]
    response = httpx.put(
        f"{node}/offsets",
        params=params,
        json={"offsets": [message["offset"]]},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code == 412
    assert response.json()["code"] == "E213010"


def test_an_empty_poll_waits_then_answers_nothing(
    server: EmulatorServer, http: httpx.Client
) -> None:
    server.config.poll_wait = 0.5
    node, sub = subscribe(server, http)
    started = time.monotonic()
    answer = http.get(f"{node}/partitions", params={"subscriptionId": sub}).json()
    assert answer == {"messages": []}
    assert time.monotonic() - started >= 0.45


def test_503_carries_retry_after_and_the_correlation_id_is_echoed(
    server: EmulatorServer, http: httpx.Client
) -> None:
    node, sub = subscribe(server, http)
    server.emulator.faults.unavailable = 1
    server.emulator.faults.retry_after = 7
    response = http.get(
        f"{node}/partitions", params={"subscriptionId": sub}, headers={"X-Correlation-ID": "abc"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-Correlation-ID"] == "abc"
    assert response.json()["correlationId"] == "abc"


def test_payloads_over_the_inline_limit_are_served_from_blob(
    server: EmulatorServer, http: httpx.Client
) -> None:
    server.config.inline_limit = 100
    doc = location_doc(1, evses=12)
    server.emulator.publish(doc)
    node, sub = subscribe(server, http)
    meta = http.get(f"{node}/partitions", params={"subscriptionId": sub}).json()["messages"][0][
        "metaData"
    ]
    assert "data" not in meta and meta["compressedDataSize"] > 100
    blob = http.get(f"{server.lookup_url}/resources/{EV_CATALOG}/apis/blob/v1").json()[0]
    data = http.get(f"{blob['baseURL']}/layers/{EV_LAYER}/data/{meta['dataHandle']}")
    assert data.status_code == 200
    assert len(data.content) == meta["compressedDataSize"]
