"""The monitor's widgets, one small module each."""
