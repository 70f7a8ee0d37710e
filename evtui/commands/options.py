"""The options several commands share, as argparse parents or adders (`evtui.cli` builds
the command line from them)."""

from __future__ import annotations

import argparse

from evtui.commands.argtypes import consumer_id, positive_float, positive_int
from evtui.defaults import DEFAULT_CREDENTIALS, DEFAULT_DIRECTORY_URL, EV_CATALOG, EV_LAYER

__all__ = [
    "SOURCE_HELP",
    "demo_options",
    "directory_option",
    "live_options",
    "log_option",
    "mode_option",
    "monitor_options",
    "record_option",
    "writer_option",
]


def live_options() -> argparse.ArgumentParser:
    """The HERE connection's options, shared by every command that reads the stream."""
    # SUPPRESS keeps a sub-command's unset option from overwriting one given before it.
    live = argparse.ArgumentParser(add_help=False)
    group = live.add_argument_group("HERE connection")
    s = argparse.SUPPRESS
    group.add_argument(
        "--credentials",
        metavar="PATH",
        default=s,
        help=f"credentials.properties file (default: $HERE_CREDENTIALS or {DEFAULT_CREDENTIALS})",
    )
    group.add_argument("--catalog", metavar="HRN", default=s, help=f"default: {EV_CATALOG}")
    group.add_argument("--layer", metavar="ID", default=s, help=f"default: {EV_LAYER}")
    group.add_argument(
        "--lookup-url",
        metavar="URL",
        default=s,
        help="API Lookup base URL (default: $EVTUI_LOOKUP_URL or HERE's public one)",
    )
    group.add_argument(
        "--consumer-id",
        metavar="ID",
        type=consumer_id,
        default=s,
        help="stable consumer id; with --from committed a restart resumes where it left off",
    )
    group.add_argument(
        "--from",
        dest="start",
        choices=("earliest", "latest", "committed"),
        default=s,
        help="where a new subscription starts reading (default: latest)",
    )
    return live


def directory_option() -> argparse.ArgumentParser:
    """`--directory-url`: where HERE's EV Charge Points API v3 is."""
    directory = argparse.ArgumentParser(add_help=False)
    directory.add_argument(
        "--directory-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="HERE EV Charge Points API v3 base URL "
        f"(default: $EVTUI_DIRECTORY_URL or {DEFAULT_DIRECTORY_URL})",
    )
    return directory


def log_option() -> argparse.ArgumentParser:
    """`--log FILE`: a debug log of the connection."""
    log = argparse.ArgumentParser(add_help=False)
    log.add_argument(
        "--log",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="append a debug log of the connection (requests, retries, errors) to FILE; "
        "tokens and secrets are never written",
    )
    return log


def monitor_options() -> argparse.ArgumentParser:
    """The monitor's own options (`--watch`)."""
    monitor = argparse.ArgumentParser(add_help=False)
    monitor.add_argument(
        "--watch",
        metavar="ID",
        action="append",
        default=argparse.SUPPRESS,
        help="add a location to the watchlist (repeatable); it stays there for later runs",
    )
    return monitor


def record_option() -> argparse.ArgumentParser:
    """`--record [FILE]`: the monitor records from its start."""
    record = argparse.ArgumentParser(add_help=False)
    record.add_argument(
        "--record",
        metavar="FILE",
        nargs="?",
        const="",
        default=argparse.SUPPRESS,
        help="record from the start (to FILE, or to a new session in the sessions directory); "
        "r toggles recording in the monitor",
    )
    return record


SOURCE_HELP = (
    "the live HERE stream (default), the emulated demo feed, a recorded session, or a file of "
    "payload JSON objects as `olp catalog layer stream get` prints them (`-`: standard input)"
)


def mode_option(parser: argparse.ArgumentParser) -> None:
    """`--mode serial|parallel`: how a consumer shares the partitions."""
    parser.add_argument(
        "--mode",
        choices=("serial", "parallel"),
        default="serial",
        help="serial (default): read every partition; parallel: share the partitions out "
        "with the other consumers given the same --consumer-id (needs --consumer-id)",
    )


def demo_options(parser: argparse.ArgumentParser) -> None:
    """The emulated network's options, for `--source demo`."""
    group = parser.add_argument_group("emulated network")
    group.add_argument("--seed", type=int, default=1, help="same seed, same network (default 1)")
    group.add_argument(
        "--speed", type=positive_float, default=60.0, help="time compression (default 60x)"
    )
    group.add_argument(
        "--locations", type=positive_int, default=2000, help="charging locations (default 2000)"
    )


def writer_option(parser: argparse.ArgumentParser) -> None:
    """`--writer NAME`: the name an archive's files carry."""
    parser.add_argument(
        "--writer", metavar="NAME", help="this writer's name in archive files (default: host)"
    )
