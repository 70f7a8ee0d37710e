"""evtui: a terminal monitor for HERE's live stream of EV charge-point status updates."""

__version__ = "0.1.0"
