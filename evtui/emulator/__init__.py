"""A faithful, local emulation of the HERE platform parts evtui uses.

Token endpoint (OAuth 1.0a HMAC-SHA256, real signature and nonce checks), API Lookup,
Stream API v2 and Blob v1, fed by a deterministic synthetic EV charging network.
`EmulatorServer` serves it on a loopback port; the app's HERE client talks to it over HTTP.
"""

from evtui.emulator.app import create_app
from evtui.emulator.network import NetworkConfig, SyntheticNetwork
from evtui.emulator.server import EmulatorServer, run_foreground
from evtui.emulator.service import Emulator, EmulatorConfig, EmulatorError, Faults, Malformed

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "EmulatorError",
    "EmulatorServer",
    "Faults",
    "Malformed",
    "NetworkConfig",
    "SyntheticNetwork",
    "create_app",
    "run_foreground",
]
