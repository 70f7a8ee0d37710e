"""The fast inflate gives what zlib gives: the same bytes, the same verdict on broken data."""

from __future__ import annotations

import gzip
import json
import random
import zlib

import pytest

from evtui.model import decoder
from evtui.model.inflate import BACKENDS, NAME, backend
from evtui.model.message import RejectReason


def verdict(raw: bytes, name: str) -> tuple[str, bytes | str]:
    """("ok", the document) or ("rejected", the reason) of the decoder's gunzip with `name`."""
    try:
        return "ok", decoder._gunzip(raw, backend(name))
    except decoder._Reject as exc:
        return "rejected", exc.reason.value


def streams(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for n in range(300):
        payload = {
            "id": f"here:evcp:charginglocation:{n}",
            "evses": [
                {"id": f"{rng.getrandbits(128):032x}", "status": rng.choice(["AVAILABLE", "X"])}
                for _ in range(rng.randint(0, 30))
            ],
        }
        raw = gzip.compress(json.dumps(payload).encode(), compresslevel=rng.randint(1, 9))
        kind = n % 6
        if kind == 1:  # truncated
            raw = raw[: rng.randint(2, len(raw) - 1)]
        elif kind == 2:  # a byte flipped (data, or the CRC and size at the end)
            at = rng.randrange(10, len(raw))
            raw = raw[:at] + bytes([raw[at] ^ (1 << rng.randrange(8))]) + raw[at + 1 :]
        elif kind == 3:  # two members
            raw += gzip.compress(b'{"more": 1}')
        elif kind == 4:  # trailing garbage
            raw += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20)))
        elif kind == 5:  # raw deflate, or zlib, not gzip
            raw = zlib.compress(json.dumps(payload).encode())
        out.append(raw)
    return out


@pytest.mark.skipif(len(BACKENDS) < 2, reason="only zlib is installed here")
@pytest.mark.parametrize("seed", range(3))
def test_every_stream_gets_the_same_verdict(seed: int) -> None:
    for raw in streams(seed):
        assert verdict(raw, NAME) == verdict(raw, "zlib")


@pytest.mark.skipif(len(BACKENDS) < 2, reason="only zlib is installed here")
def test_a_bomb_is_stopped_at_the_same_bound() -> None:
    bomb = gzip.compress(b"\0" * (decoder.MAX_DOCUMENT_BYTES + 1))
    too_large = ("rejected", RejectReason.TOO_LARGE.value)
    assert verdict(bomb, NAME) == verdict(bomb, "zlib") == too_large
    exact = gzip.compress(b"\0" * decoder.MAX_DOCUMENT_BYTES)
    assert verdict(exact, NAME) == verdict(exact, "zlib")
    assert verdict(exact, NAME)[0] == "ok"

