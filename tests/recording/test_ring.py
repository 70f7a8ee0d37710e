"""The documents a recording hands its writer process cross in shared memory (`ring.py`): every
message must reach the file exactly, whether a batch fits the ring's room at once, waits for
the writer to free it, or is larger than the ring and goes through the pipe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import evtui.recording.background as background_module
from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.model import Accepted, MonitorState, Rejection, decode
from evtui.recording import Recorder, SessionOrigin, SessionReader
from evtui.recording.ring import Ring, RingReader
from tests.recording.helpers import batches, network_messages

ORIGIN = SessionOrigin("synthetic network, seed 3", "demo", EV_CATALOG, EV_LAYER)


def test_documents_come_out_of_the_ring_as_they_went_in() -> None:
    ring = Ring(100)
    reader = RingReader(os.dup(ring.fd), 100)
    try:
        # Request 0 puts nothing in the ring; it is answered like any other.
        first = [b"a" * 30, b"", b"b" * 10]
        assert ring.room(40)
        at = ring.put(b"".join(first), 1)
        assert reader.get(at, [30, 0, 10]) == first
        assert ring.room(60) and not ring.room(61)  # 40 bytes are the writer's until answered
        second = ring.put(b"c" * 50, 2)  # bytes 40 to 90
        # 20 bytes would run past the end: they start over at the beginning, where the first
        # batch still lies.
        assert not ring.room(20)
        ring.answered(1)  # the request that put nothing
        assert not ring.room(20)
        ring.answered(2)  # the first batch: bytes 0 to 40 are free, 90 to 100 too
        assert ring.room(40) and not ring.room(41)
        third = ring.put(b"d" * 40, 3)
        assert third == 0
        assert reader.get(second, [50]) == [b"c" * 50]
        assert reader.get(third, [15, 25]) == [b"d" * 15, b"d" * 25]
        ring.answered(3)  # the second batch
        ring.answered(4)  # the third: nothing in use, all the room is free again
        assert ring.room(100)
        assert ring.put(b"e" * 100, 4) == 0
        assert not ring.fits(101)
    finally:
        ring.close()


@pytest.mark.parametrize(
    "ring_bytes",
    [
        # Smaller than every batch (some 10 kB): they go through the pipe, the start
        # checkpoint's empty batch through the ring.
        3_000,
        # Two batches: nearly every batch waits for the writer to free room, and wraps.
        25_000,
    ],
)
def test_every_document_reaches_the_file_whatever_the_ring_s_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ring_bytes: int
) -> None:
    monkeypatch.setattr(background_module, "RING_BYTES", ring_bytes)
    messages = network_messages(hours=40)
    # Batches with a rejected message go through the pipe: the ring takes those without.
    accepted = [m for m in messages if isinstance(decode(m), Accepted)]
    polls = [*batches(accepted, size=41), *batches(messages[:100], size=50)]
    sizes = [sum(len(i.document) for i in b.accepted) for b in polls if not b.rejected]
    if ring_bytes < 5_000:
        assert min(sizes) > ring_bytes
    else:
        assert max(sizes) <= ring_bytes < sum(sizes) / 10  # each fits; they go round often
    state = MonitorState()
    path = tmp_path / "ring.evtui"
    recorder = Recorder.create(path, ORIGIN, live=state)
    for batch in polls:
        recorder.record(batch, state.apply(batch))
    recorder.close()
    sent = [item for batch in polls for item in batch.items]
    with SessionReader(path) as reader:
        kept = [message for chunk in reader.read(0, reader.count) for _, message in chunk]
    assert len(kept) == len(sent)
    for n, (item, message) in enumerate(zip(sent, kept, strict=True)):
        assert (message.partition, message.offset, message.key, message.received_at) == (
            item.message.partition,
            item.message.offset,
            item.message.key,
            item.message.received_at,
        ), f"message {n}"
        again = decode(message)
        if isinstance(item, Accepted):
            assert isinstance(again, Accepted) and again.document == item.document, n
        else:  # a batch with a rejected message goes through the pipe, the message as it came
            assert message.data == item.message.data and again == item, f"message {n}"
    assert any(isinstance(item, Rejection) for item in sent)
