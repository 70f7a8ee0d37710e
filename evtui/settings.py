"""User settings: a TOML file in the config dir. A bad value is a warning, never a failed start."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evtui.safetext import safe_text

__all__ = ["Settings", "load_settings"]


class Settings(BaseModel):
    """What a user can set in `settings.toml`.

    `keys` maps a binding id (shown in the help screen) to the keys that should trigger it,
    for example `toggle_watch = "ctrl+w"` or `pause = "space,p"`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str = "textual-dark"
    event_log_size: int = Field(default=10_000, ge=100, le=1_000_000)
    refresh_rate: float = Field(default=20.0, ge=1.0, le=60.0)
    """Repaints per second, whatever the message rate."""
    keys: dict[str, str] = Field(default_factory=dict)
    directory_refresh_days: int = Field(default=7, ge=1, le=365)
    """Days a location's directory record is used before it is asked for again."""
    reliability_rules: Literal["uk", "nevi", "afirev"] = "uk"
    """What counts as down in the reliability figures (docs/reliability.md)."""
    outage_alert_minutes: float = Field(default=30.0, ge=1.0, le=7 * 24 * 60)
    """A watched location's outage longer than this raises an alert (and a marker)."""
    flapping_alerts: bool = True
    """An EVSE of a watched location that starts flapping raises an alert."""
    map_cells: Literal["urgent", "majority"] = "urgent"
    """What a map cell holding several locations shows: the most urgent state, or the most
    common one (`c` on the map switches it for the session)."""


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read `path` (missing means defaults). Each bad value falls back to its default, with a
    warning naming the setting."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Settings(), []
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(), [f"could not read settings {path}: {exc}; using defaults"]
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(), [f"settings {path}: {exc}; using defaults"]
    warnings: list[str] = []
    good: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in Settings.model_fields:
            known = ", ".join(Settings.model_fields)
            warnings.append(f"settings {path}: unknown setting {name!r} ignored (known: {known})")
            continue
        if name == "keys" and isinstance(value, dict):
            # One binding at a time: a bad one must not take the good ones with it.
            value = _good_keys(path, value, warnings)
        try:
            Settings.model_validate({name: value})
        except ValidationError as exc:
            error = exc.errors()[0]
            warnings.append(
                f"settings {path}: {name}: {safe_text(error['msg'], 120)}; using the default"
            )
            continue
        good[name] = value
    return Settings.model_validate(good), warnings


_TOML_KINDS = {bool: "true or false", int: "a number", float: "a number", list: "a list",
               dict: "a table"}  # fmt: skip


def _good_keys(path: Path, keys: dict[str, Any], warnings: list[str]) -> dict[str, str]:
    """The `[keys]` bindings that are key names, each bad one named in a warning."""
    good: dict[str, str] = {}
    for binding, value in keys.items():
        shown = safe_text(str(binding), 40)
        if not isinstance(value, str) or not value.strip():
            wrong = "empty" if isinstance(value, str) else _TOML_KINDS.get(type(value), "a value")
            warnings.append(
                f'settings {path}: keys.{shown}: {wrong}, not keys such as "ctrl+w" or '
                '"space,p"; its default kept'
            )
            continue
        good[binding] = value
    return good
