"""The domain model: payload schema, decoder and network state. Knows nothing of UI or network."""

from evtui.model.decoder import decode, decode_document
from evtui.model.message import (
    Accepted,
    Batch,
    Decoded,
    Rejection,
    RejectReason,
    StreamMessage,
)
from evtui.model.payload import KNOWN_STATUSES, EvseUpdate, LocationUpdate, Status
from evtui.model.store import ApplyResult, EvseState, LocationState, StateStore, StatusChange

__all__ = [
    "KNOWN_STATUSES",
    "Accepted",
    "ApplyResult",
    "Batch",
    "Decoded",
    "EvseState",
    "EvseUpdate",
    "LocationState",
    "LocationUpdate",
    "RejectReason",
    "Rejection",
    "StateStore",
    "Status",
    "StatusChange",
    "StreamMessage",
    "decode",
    "decode_document",
]
