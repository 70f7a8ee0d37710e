"""Which theme the app shows: the one settings.toml names, and what one picked in the palette
takes to stay (evtui only reads its settings, so the palette's choice lasts a session). The
statuses take the colours that read on the theme's background, dark or light."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.theme import Theme

from evtui.ui.theme import use_light_background

__all__ = ["apply_settings_theme", "picked_theme_note"]


def apply_settings_theme(app: App[None], name: str, settings_path: Path | None) -> str | None:
    """Show theme `name` (a warning naming the known themes if there is none such), and from
    now on tell the user how to keep a theme they pick that is not this one."""

    # (A theme change redraws every widget; the tables' cells are made anew twice a second.)
    def picked(theme: Theme) -> None:
        use_light_background(not theme.dark)
        if note := picked_theme_note(theme.name, name, settings_path):
            app.notify(note, markup=False)

    app.theme_changed_signal.subscribe(app, picked)
    if name in app.available_themes:
        app.theme = name
        warning = None
    else:
        known = ", ".join(sorted(app.available_themes))
        warning = f"settings: no theme {name!r}; known themes: {known}"
    use_light_background(not app.current_theme.dark)  # also when the theme is unknown
    return warning


def picked_theme_note(picked: str, configured: str, settings_path: Path | None) -> str | None:
    """What to say when the theme becomes `picked` (None: it is the settings' own)."""
    if picked == configured:
        return None
    where = settings_path or "settings.toml"
    return f'Theme {picked} for this session: theme = "{picked}" in {where} keeps it'
