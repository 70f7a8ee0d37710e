"""A typed async client for the HERE platform's stream layers. Knows nothing of any UI.

```python
credentials = load_credentials("~/.here/credentials.properties")
async with HereClient(credentials) as client:
    async with client.stream(StreamOptions(EV_CATALOG, EV_LAYER)) as consumer:
        async for event in consumer:
            if isinstance(event, Batch):
                handle(event.accepted)
                consumer.ack(event)
```

Each name is imported on first use (`evtui.lazy`): `evtui` catches `HereError` whatever the
command, and a command that opens no connection must not pay for httpx.
"""

from typing import TYPE_CHECKING

from evtui.lazy import lazy_attributes

if TYPE_CHECKING:
    from evtui.defaults import DEFAULT_DIRECTORY_URL, DEFAULT_LOOKUP_URL, EV_CATALOG, EV_LAYER
    from evtui.here.client import HereClient
    from evtui.here.credentials import (
        DEFAULT_CREDENTIALS_PATH,
        Credentials,
        insecure_permissions,
        load_credentials,
        parse_credentials,
    )
    from evtui.here.directory import DirectoryAnswer, DirectoryClient
    from evtui.here.errors import (
        AccessDenied,
        AuthenticationError,
        CredentialsError,
        DirectoryError,
        DirectoryFailed,
        DirectoryUnavailable,
        HereError,
        LookupFailed,
        StreamFailed,
        SubscriptionLost,
        TransientError,
    )
    from evtui.here.events import ConnectionState, ConnectionStatus
    from evtui.here.stream import StreamConsumer, StreamOptions
    from evtui.here.tokens import Token

__all__ = [
    "DEFAULT_CREDENTIALS_PATH",
    "DEFAULT_DIRECTORY_URL",
    "DEFAULT_LOOKUP_URL",
    "EV_CATALOG",
    "EV_LAYER",
    "AccessDenied",
    "AuthenticationError",
    "ConnectionState",
    "ConnectionStatus",
    "Credentials",
    "CredentialsError",
    "DirectoryAnswer",
    "DirectoryClient",
    "DirectoryError",
    "DirectoryFailed",
    "DirectoryUnavailable",
    "HereClient",
    "HereError",
    "LookupFailed",
    "StreamConsumer",
    "StreamFailed",
    "StreamOptions",
    "SubscriptionLost",
    "Token",
    "TransientError",
    "insecure_permissions",
    "load_credentials",
    "parse_credentials",
]

if not TYPE_CHECKING:  # mypy sees the imports above; a typo stays an error
    __getattr__ = lazy_attributes(
        __name__,
        {
            "evtui.defaults": (
                "DEFAULT_DIRECTORY_URL",
                "DEFAULT_LOOKUP_URL",
                "EV_CATALOG",
                "EV_LAYER",
            ),
            "evtui.here.client": ("HereClient",),
            "evtui.here.credentials": (
                "DEFAULT_CREDENTIALS_PATH",
                "Credentials",
                "insecure_permissions",
                "load_credentials",
                "parse_credentials",
            ),
            "evtui.here.directory": ("DirectoryAnswer", "DirectoryClient"),
            "evtui.here.errors": (
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
            ),
            "evtui.here.events": ("ConnectionState", "ConnectionStatus"),
            "evtui.here.stream": ("StreamConsumer", "StreamOptions"),
            "evtui.here.tokens": ("Token",),
        },
    )
