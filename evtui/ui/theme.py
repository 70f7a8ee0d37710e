"""Colours of the statuses: one place, so every widget agrees."""

from __future__ import annotations

STATUS_STYLES: dict[str, str] = {
    "AVAILABLE": "bold green",
    "CHARGING": "bold dodger_blue1",
    "RESERVED": "bold magenta",
    "OUT_OF_ORDER": "bold red",
    "INOPERATIVE": "bold dark_orange",
    "BLOCKED": "bold yellow",
    "UNKNOWN": "bold grey62",
}
OTHER_STATUS_STYLE = "bold white"


def status_style(status: str) -> str:
    """The Rich style of a status; statuses outside OCPI's seven share one."""
    return STATUS_STYLES.get(status, OTHER_STATUS_STYLE)
