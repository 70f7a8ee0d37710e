"""What a location id says of itself (country, position, source), for the directory's views.

The decoder is `evtui.model.location_id.decode_location_id`, written alongside this work.
Until it is in the tree, `id_facts` finds it at run time and gives None without it; once it
lands, `_decode` becomes a plain import (the one line marked below).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol

__all__ = ["IdFacts", "id_facts"]


class IdFacts(Protocol):
    """`evtui.model.location_id.IdFacts`, as far as the directory's views read it."""

    @property
    def country_numeric(self) -> int: ...
    @property
    def alpha2(self) -> str | None: ...
    @property
    def alpha3(self) -> str | None: ...
    @property
    def country_name(self) -> str | None: ...
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...
    @property
    def source(self) -> str | None: ...


def _find_decoder() -> Callable[[str], IdFacts | None] | None:
    # Switch: `from evtui.model.location_id import decode_location_id` once it has landed.
    try:
        module = importlib.import_module("evtui.model.location_id")
    except ImportError:
        return None
    decoder: Callable[[str], IdFacts | None] | None = getattr(module, "decode_location_id", None)
    return decoder


_decode = _find_decoder()


def id_facts(location_id: str) -> IdFacts | None:
    """Country, position and source read from the id; None when it does not have that shape."""
    return _decode(location_id) if _decode is not None else None
