"""Headless commands: they run without a terminal UI and import nothing of Textual."""
