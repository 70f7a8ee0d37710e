"""HERE's EV Charge Points API v3 (the directory of locations), as the emulator serves it.

- `GET /v3/locations?ids=<id>,<id>…&fields=…`: 1 to 100 ids (only the last component of a
  colon-separated id counts); `{"items": [Location…], "missingItems": [id…]}`.
- `GET /v3/locations/{id}`: one Location; 404 when unknown.

Bearer tokens are checked as on the stream endpoints. Errors come in HERE's two v3 shapes:
`{error, error_description, status}` for 401/403, `{title, status, code, cause, action,
correlationId}` for the rest. Records come from `Emulator.directory` (full id -> v3 Location).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from evtui.emulator.service import Emulator, EmulatorError

__all__ = ["Handler", "directory_routes"]

Handler = Callable[[Request], Awaitable[Response]]

PREFIX = "here:evcp:charginglocation:"
MAX_IDS = 100
MINIMAL = frozenset({"id", "location", "name", "operator", "suboperator", "restrictions"})
GROUPS: dict[str, tuple[str, ...]] = {
    "address": ("address",),
    "evses": ("evses",),
    "locationInfo": ("timeZone", "openingHours", "parkingType", "accessType", "facilities"),
    "connectorGroups": ("connectorGroups",),
}
RESTRICTED = frozenset({"predictions", "reliability", "truckRestrictions"})


def _error(request: Request, exc: EmulatorError) -> Response:
    headers = {}
    if exc.retry_after is not None:
        headers["Retry-After"] = f"{exc.retry_after:g}"
    if exc.status in (401, 403):
        body: dict[str, Any] = {
            "error": "Unauthorized" if exc.status == 401 else "Forbidden",
            "error_description": exc.title,
            "status": exc.status,
        }
    else:
        body = {
            "title": exc.title,
            "status": exc.status,
            "code": exc.code,
            "cause": exc.title,
            "action": "See the HERE EV Charge Points API v3 documentation.",
            "correlationId": getattr(request.state, "correlation_id", ""),
        }
    return JSONResponse(body, status_code=exc.status, headers=headers)


def directory_routes(emulator: Emulator) -> list[tuple[str, Handler, str]]:
    """(path, handler, method) of the v3 endpoints, for `create_app`'s route table."""
    faults = emulator.faults

    def admit(request: Request) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header[:7].lower() == "bearer " else None
        emulator.check_token(token)
        if faults.directory_forbidden:
            raise EmulatorError(403, "403", "These credentials do not authorize access")
        if faults.directory_rate_limited > 0:
            faults.directory_rate_limited -= 1
            raise EmulatorError(
                429, "E606429", "Too many requests", retry_after=faults.retry_after
            )
        if faults.directory_unavailable > 0:
            faults.directory_unavailable -= 1
            raise EmulatorError(
                503, "E606503", "Service unavailable", retry_after=faults.retry_after
            )

    def fields(request: Request) -> set[str]:
        asked = {f for f in request.query_params.get("fields", "").split(",") if f}
        if denied := asked & RESTRICTED:
            raise EmulatorError(403, "403", f"Field {sorted(denied)[0]} needs a contract")
        if unknown := asked - set(GROUPS):
            raise EmulatorError(400, "E606400", f"Unknown field {sorted(unknown)[0]}")
        return asked

    def record(content: str, groups: set[str]) -> dict[str, Any] | None:
        full = PREFIX + content
        if content in faults.directory_missing or full in faults.directory_missing:
            return None
        found = emulator.directory(full)
        if found is None:
            return None
        left_out = {key for group, keys in GROUPS.items() if group not in groups for key in keys}
        return {k: v for k, v in found.items() if k not in left_out}

    def guarded(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            try:
                admit(request)
                return await handler(request)
            except EmulatorError as exc:
                return _error(request, exc)

        return run

    async def locations(request: Request) -> Response:
        groups = fields(request)
        ids = [i.strip() for i in request.query_params.get("ids", "").split(",") if i.strip()]
        if not ids:
            raise EmulatorError(400, "E606400", "Parameter ids is required")
        if len(ids) > MAX_IDS:
            raise EmulatorError(400, "E606400", f"At most {MAX_IDS} ids, got {len(ids)}")
        emulator.directory_asked.append(ids)
        items: list[dict[str, Any]] = []
        missing: list[str] = []
        for asked in dict.fromkeys(ids):
            found = record(asked.rsplit(":", 1)[-1], groups)
            if found is None:
                missing.append(asked)
            else:
                items.append(found)
        return JSONResponse({"items": items, "missingItems": missing})

    async def location(request: Request) -> Response:
        groups = fields(request)
        asked = request.path_params["id"]
        emulator.directory_asked.append([asked])
        found = record(asked.rsplit(":", 1)[-1], groups)
        if found is None:
            raise EmulatorError(404, "E606404", f"Location {asked} not found")
        return JSONResponse(found)

    return [
        ("/v3/locations", guarded(locations), "GET"),
        ("/v3/locations/{id}", guarded(location), "GET"),
    ]
