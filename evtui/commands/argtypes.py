"""Checks of option values for argparse: each says in words what it expected.

argparse shows an `ArgumentTypeError`'s message as `argument --gap: ...`; any other error
becomes `invalid <function name> value`, a name of ours that means nothing to a user. cli.py
imports this module at start-up, so it imports nothing heavy.
"""

from __future__ import annotations

import argparse
import math
import re

__all__ = ["memory_size", "positive_float", "positive_int", "speed"]

# The units DuckDB's memory_limit takes (it refuses a bare number), case-insensitive.
_MEMORY = re.compile(
    r"\s*(\d+(\.\d*)?|\.\d+)\s*"
    r"(b|bytes?|k|kb|kib|kilobytes?|m|mb|mib|megabytes?|g|gb|gib|gigabytes?"
    r"|t|tb|tib|terabytes?|%)\s*",
    re.IGNORECASE,
)


def positive_int(text: str) -> int:
    """A whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be 1 or more")
    return value


def consumer_id(text: str) -> str:
    """A consumer id (group) as given: not empty, which would quietly mean a fresh one."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty: give a name, or leave the option out")
    return text


def port_number(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: a port is 0 to 65535")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def speed(text: str) -> float | None:
    """A replay speed, 0.25 to 100 (`2` or `2x`), or None for `max`."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text.strip().rstrip("xX"))
    except ValueError:
        value = math.nan
    # NaN fails the comparison too; 0 is no speed (it used to mean max, unlike 0.0 or -0).
    if not 0.25 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r}: from 0.25 to 100, or max")
    return value


def memory_size(text: str) -> str:
    """A size DuckDB's memory_limit takes: a number and a unit (2GB, 500MB, 2GiB, 50%)."""
    match = _MEMORY.fullmatch(text)
    if match is None or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 2GB)")
    if match[3] == "%" and float(match[1]) > 100:
        raise argparse.ArgumentTypeError(f"{text!r}: a share of the memory is at most 100%")
    return text.strip()
