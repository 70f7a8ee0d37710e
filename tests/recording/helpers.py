"""Shared by the recording tests: a seeded stream of messages, sessions built from it, and the
`evtui` command run as a user runs it."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import evtui.recording.recorder as recorder_module
from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.model import Accepted, Batch, Decoded, MonitorState, Rejection, StreamMessage, decode
from evtui.model.location_id import decode_location_id
from evtui.recording import Recorder, SessionOrigin
from tests.conftest import evtui  # noqa: F401  (the recording tests take it from here)

START = 1_795_600_800.0  # 2026-11-26T08:00:00Z
SPEED = 60.0
"""Simulated seconds per received second: a day of the network arrives in 24 minutes."""

MALFORMED: tuple[str | None, ...] = (
    "%%% not base64 %%%",  # bad base64
    base64.b64encode(b'{"id": "not gzip"}').decode(),  # bad gzip
    base64.b64encode(gzip.compress(b'{"id": "x", "evses": [', mtime=0)).decode(),  # bad JSON
    base64.b64encode(
        gzip.compress(b'{"id": "x", "evses": [{"id": "e", "status": 3}]}', mtime=0)
    ).decode(),  # schema
    None,  # no data at all
)


def gzip64(document: dict[str, Any]) -> str:
    """A payload as the stream carries it inline: gzip, then base64."""
    return base64.b64encode(gzip.compress(json.dumps(document).encode(), mtime=0)).decode()


def document_of(message: StreamMessage) -> dict[str, Any] | None:
    """The payload a message carries, read without evtui's decoder; None if malformed."""
    try:
        assert isinstance(message.data, str)
        document = json.loads(gzip.decompress(base64.b64decode(message.data, validate=True)))
        assert isinstance(document, dict)
        assert all(isinstance(e.get("status"), str) for e in document["evses"])
        return document
    except (AssertionError, ValueError, OSError, EOFError, KeyError):
        return None


def network_documents(
    *, seed: int = 3, locations: int = 16, hours: float = 24
) -> list[tuple[float, dict[str, Any]]]:
    """(received at, payload) of a seeded synthetic network: the snapshot, then `hours`."""
    network = SyntheticNetwork(NetworkConfig(seed=seed, locations=locations))
    out = []
    for sim, payload in network.snapshot() + network.advance(hours * 3600):
        for evse in payload["evses"]:
            evse["last_updated"] = format_time(START + evse.pop("since", sim))
        out.append((START + sim / SPEED, payload))
    return out


def network_messages(
    *, seed: int = 3, locations: int = 16, hours: float = 24, bad_every: int = 41
) -> list[StreamMessage]:
    """The network's messages as received over 4 partitions, every `bad_every`-th malformed,
    with a few oddities mixed in: a stale repeat, an EVSE reported under another location, and
    a status outside OCPI's list that every EVSE later leaves again."""
    documents = network_documents(seed=seed, locations=locations, hours=hours)
    texts: list[tuple[float, str | None]] = []
    for n, (at, doc) in enumerate(documents):
        if bad_every and n % bad_every == bad_every - 1:
            texts.append((at, MALFORMED[(n // bad_every) % len(MALFORMED)]))
        texts.append((at, gzip64(doc)))
        if n == len(documents) // 3:
            # An old report of the first location: stale, ignored.
            first = documents[0][1]
            texts.append((at, gzip64(first)))
        if n == len(documents) // 2:
            # The first location's first EVSE, now reported under the second location, in a
            # status of its own; later reports put it back.
            moved = {
                "id": documents[1][1]["id"],
                "evses": [{**documents[0][1]["evses"][0], "status": "FOO"}],
            }
            sim = START + (at - START) * SPEED
            moved["evses"][0]["last_updated"] = format_time(sim)
            texts.append((at, gzip64(moved)))
            back = {**documents[0][1], "evses": [dict(documents[0][1]["evses"][0])]}
            back["evses"][0]["last_updated"] = format_time(sim + 1)
            texts.append((at + 0.5, gzip64(back)))
    offsets = [0, 0, 0, 0]
    messages = []
    for n, (at, text) in enumerate(texts):
        partition = n % 4
        messages.append(StreamMessage(partition, offsets[partition], text, received_at=at))
        offsets[partition] += 1
    return messages


def batches(messages: Sequence[StreamMessage], size: int = 37) -> Iterator[Batch]:
    """The messages decoded in polls of `size`, as a live source hands them over."""
    for start in range(0, len(messages), size):
        yield Batch(tuple(decode(m) for m in messages[start : start + size]))


def record_session(
    path: Path,
    messages: Sequence[StreamMessage],
    *,
    size: int = 37,
    watched: Sequence[str] = (),
) -> Recorder:
    """Record `messages` to a new session file at `path`, in polls of `size`; closed."""
    origin = SessionOrigin("synthetic network, seed 3", "demo", EV_CATALOG, EV_LAYER)
    recorder = Recorder.create(path, origin, watched=watched)
    for batch in batches(messages, size):
        recorder.record(batch)
    recorder.close()
    return recorder


def picture(state: MonitorState) -> dict[str, object]:
    """Everything of the state a user can see, as plain values."""
    store = state.store
    return {
        "counts": dict(store.counts),
        "evses": {
            evse_id: (
                s.location_id,
                s.status,
                s.since,
                s.last_updated,
                s.changes,
                list(s.history),
            )
            for evse_id, s in store.evses.items()
        },
        "locations": {
            location_id: (list(loc.evse_ids), +loc.counts, loc.last_change)
            for location_id, loc in store.locations.items()
        },
        "transitions": dict(store.transitions),
        "events": list(store.events),
        "updates": store.updates,
        "newest": store.newest,
        "activity": state.activity.buckets(),
        "rejected": dict(state.rejected),
        "rejections": list(state.rejections),
        "messages": state.messages,
        # The reliability figures of every EVSE (folded live, or restored by a seek).
        "reliability": {evse_id: state.evse_figures(evse_id) for evse_id in store.evses},
    }


FIELDS = ["time", "location", "evse", "old", "new"]
"""The columns of `evtui export`."""


def row(*values: str) -> dict[str, str]:
    return dict(zip(FIELDS, values, strict=True))


def implied_changes(documents: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What the payloads say happened, worked out from scratch: each EVSE's first report, then
    each report of a new status; a report older than the last one known is stale."""
    known: dict[str, tuple[str, str]] = {}  # EVSE -> (last_updated, status)
    rows = []
    for doc in documents:
        for evse in doc["evses"]:
            when, status = evse["last_updated"], evse["status"]
            before = known.get(evse["id"])
            if before is not None and when < before[0]:
                continue
            known[evse["id"]] = (when, status)
            if before is None or before[1] != status:
                old = "" if before is None else before[1]
                rows.append(row(when, doc["id"], evse["id"], old, status))
    return rows


class Intact:
    """A session recorded whole, to damage copies of, and what evtui reads from it."""

    def __init__(self, path: Path, *, hours: float = 48, checkpoint_every: int = 500) -> None:
        self.path = path
        self.messages = network_messages(hours=hours)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(recorder_module, "CHECKPOINT_EVERY", checkpoint_every)
            record_session(path, self.messages)
        self.decoded: list[Decoded] = [decode(m) for m in self.messages]

    def documents(self, seqs: range | list[int]) -> list[dict[str, Any]]:
        return [
            json.loads(item.document)
            for seq in seqs
            if isinstance(item := self.decoded[seq], Accepted)
        ]

    def rejections(self, seqs: range | list[int]) -> int:
        return sum(isinstance(self.decoded[seq], Rejection) for seq in seqs)

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"Intact({self.path.name}, {len(self.messages)} messages)"


def id_place(location_id: str) -> list[object]:
    """The place columns `evtui export --format jsonl` gives a location with no directory
    record: no name or operator; the country and position its id carries, if any."""
    facts = decode_location_id(location_id)
    return [None] * 5 if facts is None else [None, None, facts.alpha3, facts.lat, facts.lng]

