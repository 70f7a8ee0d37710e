"""`evtui emulate`: serve the emulated HERE platform on a loopback port until Ctrl-C."""

from __future__ import annotations

import argparse

from evtui.emulator import EmulatorConfig, run_foreground

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """`evtui emulate`, from its parsed arguments."""
    config = EmulatorConfig(seed=args.seed, speed=args.speed, locations=args.locations)
    run_foreground(config, port=args.port, credentials_path=args.write_credentials)
    return 0
