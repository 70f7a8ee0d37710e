"""The domain model: payload schema, decoder and network state. Knows nothing of UI or network.

Each name is imported on first use (`evtui.lazy`): a report needs the rule sets, not the
store's numpy or the payload's pydantic.
"""

from typing import TYPE_CHECKING

from evtui.lazy import lazy_attributes

if TYPE_CHECKING:
    from evtui.model.activity import Activity
    from evtui.model.alerts import ALERT_COOLDOWN, DOWN_STATUSES, Alert, AlertKind, AlertTracker
    from evtui.model.decoder import decode, decode_document
    from evtui.model.filter import EventFilter
    from evtui.model.message import (
        Accepted,
        Batch,
        Decoded,
        Rejection,
        RejectReason,
        StreamMessage,
    )
    from evtui.model.payload import EvseUpdate, LocationUpdate
    from evtui.model.state import KEEP_REJECTIONS, MonitorState, SnapshotError
    from evtui.model.store import StateStore
    from evtui.model.store_types import ApplyResult, EvseState, LocationState, StatusChange
    from evtui.model.timeline import sample_history
    from evtui.model.vocabulary import KNOWN_STATUSES, Status, id_tail

__all__ = [
    "ALERT_COOLDOWN",
    "DOWN_STATUSES",
    "KEEP_REJECTIONS",
    "KNOWN_STATUSES",
    "Accepted",
    "Activity",
    "Alert",
    "AlertKind",
    "AlertTracker",
    "ApplyResult",
    "Batch",
    "Decoded",
    "EventFilter",
    "EvseState",
    "EvseUpdate",
    "LocationState",
    "LocationUpdate",
    "MonitorState",
    "RejectReason",
    "Rejection",
    "SnapshotError",
    "StateStore",
    "Status",
    "StatusChange",
    "StreamMessage",
    "decode",
    "decode_document",
    "id_tail",
    "sample_history",
]

if not TYPE_CHECKING:  # mypy sees the imports above; a typo stays an error
    __getattr__ = lazy_attributes(
        __name__,
        {
            "evtui.model.activity": ("Activity",),
            "evtui.model.alerts": (
                "ALERT_COOLDOWN",
                "DOWN_STATUSES",
                "Alert",
                "AlertKind",
                "AlertTracker",
            ),
            "evtui.model.decoder": ("decode", "decode_document"),
            "evtui.model.filter": ("EventFilter",),
            "evtui.model.message": (
                "Accepted",
                "Batch",
                "Decoded",
                "Rejection",
                "RejectReason",
                "StreamMessage",
            ),
            "evtui.model.payload": ("EvseUpdate", "LocationUpdate"),
            "evtui.model.state": ("KEEP_REJECTIONS", "MonitorState", "SnapshotError"),
            "evtui.model.store": ("StateStore",),
            "evtui.model.store_types": (
                "ApplyResult",
                "EvseState",
                "LocationState",
                "StatusChange",
            ),
            "evtui.model.timeline": ("sample_history",),
            "evtui.model.vocabulary": ("KNOWN_STATUSES", "Status", "id_tail"),
        },
    )
