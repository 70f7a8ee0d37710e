"""The monitor's screens and modals, one module each."""
