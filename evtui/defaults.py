"""Defaults shared by the CLI and the HERE client, in a module that imports nothing.

The CLI reads these before deciding what to import, so `evtui --version` stays fast.
"""

EV_CATALOG = "hrn:here:data::olp-here:evcp2-updates-prd"
"""HERE's catalog of EV charge-point status updates."""
EV_LAYER = "evse-update-stream"
"""Its stream layer."""
DEFAULT_LOOKUP_URL = "https://api-lookup.data.api.platform.here.com/lookup/v1"
"""HERE's public API Lookup v1 base."""
DEFAULT_CREDENTIALS = "~/.here/credentials.properties"
"""Where HERE's tools look for the credentials file."""
DEFAULT_DIRECTORY_URL = "https://evcp.hereapi.com/v3"
"""HERE's EV Charge Points API v3 (the directory of locations)."""
