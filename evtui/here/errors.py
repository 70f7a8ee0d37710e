"""One exception hierarchy for everything the HERE client can fail with.

Messages say what the user can do about it, and never carry a secret or a token.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "AuthenticationError",
    "CredentialsError",
    "DirectoryError",
    "DirectoryFailed",
    "DirectoryUnavailable",
    "HereError",
    "LookupFailed",
    "StreamFailed",
    "SubscriptionLost",
    "TransientError",
]


class HereError(Exception):
    """Base class of the HERE client's errors."""


class CredentialsError(HereError):
    """The credentials file is missing, unreadable, or a key in it is missing or malformed."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.key = key


class AuthenticationError(HereError):
    """The token endpoint refused the credentials, or a fresh token was refused.

    `detail` is the service's own message, when a service (not the token endpoint) refused.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail


class AccessDenied(HereError):
    """The token is valid but may not read the catalog or layer (HTTP 403)."""


class LookupFailed(HereError):
    """API Lookup did not give a base URL for the catalog."""


class StreamFailed(HereError):
    """The Stream API answered in a way retrying cannot fix (4xx other than the recoverable)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class TransientError(HereError):
    """A failure worth retrying: a network error, a 5xx, or a 429. `retry_after` is in seconds.

    `answer_lost`: the request reached the service but its answer did not come back whole (a
    reset, a timeout, a garbled body), so it may have taken effect.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, answer_lost: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.answer_lost = answer_lost


class DirectoryError(HereError):
    """HERE's directory (EV Charge Points API v3) could not answer."""


class DirectoryUnavailable(DirectoryError):
    """The directory refuses this app (HTTP 401/403): its access is licensed separately.

    The message is `HTTP 403: <the service's message>`; retrying will not help.
    """

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class DirectoryFailed(DirectoryError):
    """The directory answered in a way evtui cannot use, or kept failing after retries."""


class SubscriptionLost(HereError):
    """The service no longer knows the subscription (404 E213003, 400 E213014)."""
