"""Where evtui keeps its files. Nothing else in the package builds a path."""

from __future__ import annotations

from pathlib import Path

import platformdirs

__all__ = [
    "cache_dir",
    "config_dir",
    "data_dir",
    "directory_cache_path",
    "sessions_dir",
    "settings_path",
    "watchlist_path",
]

APP_NAME = "evtui"


def config_dir() -> Path:
    """The user config dir (honours `XDG_CONFIG_HOME` on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The user data dir, where recorded sessions go."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """The user cache dir (honours `XDG_CACHE_HOME` on Linux): what can be fetched again."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def directory_cache_path() -> Path:
    """The cache of what HERE's directory said of each location."""
    return cache_dir() / "directory.sqlite"


def sessions_dir() -> Path:
    """Where recorded sessions go unless `-o` says otherwise."""
    return data_dir() / "sessions"


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def watchlist_path() -> Path:
    return config_dir() / "watchlist.json"
