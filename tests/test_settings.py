"""Settings: each bad value becomes a warning naming it, and its default is used."""

from __future__ import annotations

from pathlib import Path

from evtui.settings import Settings, load_settings


def test_a_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "settings.toml") == (Settings(), [])


def test_good_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'theme = "nord"\nevent_log_size = 500\nrefresh_rate = 10\n[keys]\npause = "space"\n'
    )
    settings, warnings = load_settings(path)
    assert warnings == []
    assert settings == Settings(
        theme="nord", event_log_size=500, refresh_rate=10, keys={"pause": "space"}
    )


def test_bad_values_fall_back_one_by_one_with_a_warning_each(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('theme = "nord"\nevent_log_size = 5\nrefresh_rate = "fast"\ncolour = 1\n')
    settings, warnings = load_settings(path)
    assert settings.theme == "nord"
    assert settings.event_log_size == Settings().event_log_size
    assert settings.refresh_rate == Settings().refresh_rate
    assert len(warnings) == 3
    assert any("event_log_size" in w and "100" in w for w in warnings)
    assert any("refresh_rate" in w for w in warnings)
    assert any("unknown setting 'colour'" in w for w in warnings)


def test_a_file_that_is_not_toml_gives_defaults_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("theme = \n")
    settings, warnings = load_settings(path)
    assert settings == Settings()
    assert len(warnings) == 1 and str(path) in warnings[0] and "line 1" in warnings[0]


def test_a_bad_key_binding_is_named_and_the_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[keys]\npause = 5\ntoggle_watch = "ctrl+w"\nquit = ""\nhelp = ["h"]\n')
    settings, warnings = load_settings(path)
    assert settings.keys == {"toggle_watch": "ctrl+w"}
    assert warnings == [
        f'settings {path}: keys.{name}: {wrong}, not keys such as "ctrl+w" or "space,p"; '
        "its default kept"
        for name, wrong in (("pause", "a number"), ("quit", "empty"), ("help", "a list"))
    ]
