"""HERE's `credentials.properties`: parsing, validation and the checks a careful client makes."""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from evtui.defaults import DEFAULT_CREDENTIALS
from evtui.here.errors import CredentialsError

__all__ = [
    "DEFAULT_CREDENTIALS_PATH",
    "Credentials",
    "insecure_permissions",
    "is_loopback",
    "load_credentials",
    "parse_credentials",
    "require_secure_url",
]

DEFAULT_CREDENTIALS_PATH = Path(DEFAULT_CREDENTIALS).expanduser()

_KEYS = {
    "here.user.id": "user_id",
    "here.client.id": "client_id",
    "here.access.key.id": "access_key_id",
    "here.access.key.secret": "access_key_secret",
    "here.token.endpoint.url": "token_endpoint_url",
}
_REQUIRED = ("here.access.key.id", "here.access.key.secret", "here.token.endpoint.url")


@dataclass(frozen=True)
class Credentials:
    """An access key of a HERE platform app. `repr` never shows the secret."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    token_endpoint_url: str
    user_id: str = ""
    client_id: str = ""


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, what: str) -> str:
    """Return `url` if it is https, or http to a loopback host.

    Raises `ValueError` naming `what`, for the caller to wrap in the error that fits.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"{what} must use https (plain http is allowed only for loopback hosts): {url}"
        )
    return url


def parse_credentials(text: str, path: str | None = None) -> Credentials:
    """Parse the properties text; say which key is missing or malformed, never its secret."""
    where = f" in {path}" if path else ""
    values = _parse_properties(text)
    for key in _REQUIRED:
        if not values.get(key, "").strip():
            state = "is empty" if key in values else "is missing"
            raise CredentialsError(f"{key} {state}{where}", path=path, key=key)
    url = values["here.token.endpoint.url"].strip()
    try:
        require_secure_url(url, "here.token.endpoint.url")
    except ValueError as exc:
        raise CredentialsError(f"{exc}{where}", path=path, key="here.token.endpoint.url") from None
    key_id = values["here.access.key.id"].strip()
    if any(c.isspace() for c in key_id):
        raise CredentialsError(
            f"here.access.key.id contains white space{where}", path=path, key="here.access.key.id"
        )
    return Credentials(
        access_key_id=key_id,
        access_key_secret=values["here.access.key.secret"].strip(),
        token_endpoint_url=url,
        user_id=values.get("here.user.id", "").strip(),
        client_id=values.get("here.client.id", "").strip(),
    )


def load_credentials(path: str | os.PathLike[str] = DEFAULT_CREDENTIALS_PATH) -> Credentials:
    """Read and parse a credentials file."""
    p = Path(path).expanduser()
    try:
        # utf-8-sig: editors on Windows start the file with a byte-order mark.
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CredentialsError(
            f"no credentials file at {p} (choose another with --credentials or HERE_CREDENTIALS)",
            path=str(p),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CredentialsError(f"cannot read credentials file {p}: {reason}", path=str(p)) from None
    return parse_credentials(text, str(p))


def insecure_permissions(path: str | os.PathLike[str]) -> str | None:
    """A warning when the file is readable by group or others, as ssh gives for keys."""
    try:
        mode = Path(path).expanduser().stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{path} is accessible by other users (mode {stat.S_IMODE(mode):o}); "
            f"it holds a secret: chmod 600 {path}"
        )
    return None


def _parse_properties(text: str) -> dict[str, str]:
    """Java `.properties` lines: `k=v`, `k: v`, `k v`, comments, continuations, escapes."""
    values: dict[str, str] = {}
    logical = ""
    for raw_line in text.splitlines():
        line = raw_line.lstrip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if _ends_with_odd_backslashes(line):
            logical += line[:-1]
            continue
        logical += line
        key, value = _split_key_value(logical)
        values[_unescape(key)] = _unescape(value)
        logical = ""
    if logical:
        key, value = _split_key_value(logical)
        values[_unescape(key)] = _unescape(value)
    return values


def _ends_with_odd_backslashes(line: str) -> bool:
    count = len(line) - len(line.rstrip("\\"))
    return count % 2 == 1


def _split_key_value(line: str) -> tuple[str, str]:
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c in "=: \t\f":
            break
        i += 1
    key = line[:i]
    rest = line[i:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return key, rest


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 6 <= len(text):
                try:
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
