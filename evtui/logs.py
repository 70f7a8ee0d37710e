"""`--log FILE`: a debug log of what evtui and its HTTP client did, with credentials scrubbed.

For finding out why a monitor that ran for days lost its connection. Every line passes a
filter that blanks bearer tokens, OAuth signatures and `Authorization` values, whatever
logged them: a log is something people attach to bug reports.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

__all__ = ["REDACTED", "redact", "setup_logging", "warnings_to_stderr"]

REDACTED = "[redacted]"

_SECRETS = [
    # The whole value of an Authorization header, whatever its scheme.
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n]+)"),
    re.compile(r"(?i)(bearer\s+)([\w.~+/=-]+)"),
    re.compile(r"(oauth_signature=\"?)([^\",&\s]+)"),
    re.compile(r"((?:access_token|accessToken)['\"]?\s*[:=]\s*['\"]?)([^'\"&,\s}]+)"),
]


def redact(text: str) -> str:
    """`text` with anything that looks like a token, signature or Authorization value blanked."""
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(path: str | os.PathLike[str]) -> Path:
    """Append evtui's debug log (and httpx's requests) to `path`, readable by the owner only."""
    target = Path(path).expanduser()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("evtui").setLevel(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.INFO)
    return target


def warnings_to_stderr() -> None:
    """evtui's warnings on standard error, as `evtui: ...` lines (for the headless commands)."""
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_RedactingFormatter("evtui: %(message)s"))
    logger = logging.getLogger("evtui")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)
