"""Cells that say much in little room: an EVSE's connectors, a location's utilisation."""

from __future__ import annotations

from evtui.model.directory import Connector, EvseInfo
from evtui.ui.screens.location import CONNECTOR_CELLS, _connectors


def evse(*connectors: tuple[str, float]) -> EvseInfo:
    return EvseInfo("here:evcp:evse:x", "NL*TOT*E909728",
                    tuple(Connector(s, "DC", kw) for s, kw in connectors))  # fmt: skip


def test_connectors_that_fit_are_shown_fastest_first() -> None:
    cell = _connectors(evse(("IEC_62196_T2", 22), ("IEC_62196_T2_COMBO", 150)))
    assert cell.plain == "CCS 150 · Type 2 22"


def test_connectors_that_do_not_fit_are_cut_between_them_and_counted() -> None:
    # CHAdeMO 50 was shown "CHAdeMO 5…": a cut inside one reads as another power.
    cell = _connectors(
        evse(("IEC_62196_T2_COMBO", 50), ("CHADEMO", 50), ("IEC_62196_T2", 43), ("DOMESTIC_F", 3))
    )
    assert cell.plain == "CCS 50 · CHAdeMO 50 +2"
    assert len(cell.plain) <= CONNECTOR_CELLS


def test_a_location_busy_all_the_time_reads_100_percent_in_the_util_column() -> None:
    from evtui.ui.screens.reliability import WIDTHS, _util_text

    util = WIDTHS[7]
    assert _util_text(100.0) == "100%" and len("100%") <= util
    assert _util_text(99.99) == "99.99%" and _util_text(None) == "-"
    assert all(len(_util_text(v)) <= util for v in (0.0, 5.5, 25.0, 99.994, 99.996, 100.0))
