"""How the store holds an EVSE id: HERE's own in the 32 bytes its hex digits spell.

A million 79-character ids cost 128 MB as text and 80 MB as bytes. `to_key` and `from_key`
round-trip every id exactly, and no text id can equal a bytes key, so both kinds share one
dict.
"""

from __future__ import annotations

from binascii import unhexlify
from typing import TypeAlias

__all__ = ["EvseKey", "from_key", "to_key"]

EvseKey: TypeAlias = str | bytes
"""An EVSE id as the store holds it (see `to_key`)."""

_HERE_EVSE = "here:evcp:evse:"
_HERE_EVSE_LENGTH = len(_HERE_EVSE) + 64


def to_key(evse_id: str) -> EvseKey:
    """HERE's own id (`here:evcp:evse:` and 64 lowercase hex digits) as the 32 bytes the
    digits spell, any other as it is."""
    if len(evse_id) == _HERE_EVSE_LENGTH and evse_id.startswith(_HERE_EVSE):
        digits = evse_id[len(_HERE_EVSE) :]
        try:
            key = unhexlify(digits)
        except ValueError:
            return evse_id
        if key.hex() == digits:  # lowercase: the id comes back exactly as it was
            return key
    return evse_id


def from_key(key: EvseKey) -> str:
    """The EVSE id `to_key` made `key` from."""
    return key if isinstance(key, str) else _HERE_EVSE + key.hex()
