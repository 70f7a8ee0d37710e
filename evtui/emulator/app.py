"""The HERE endpoints, served by Starlette over an `Emulator`.

Layout on one host (`http://127.0.0.1:PORT`):

- `POST /oauth2/token`: OAuth 1.0a HMAC-SHA256 signed `grant_type=client_credentials`.
- `GET /lookup/v1/resources/{hrn}/apis[/{api}/{version}]`: base URLs of `stream` v2, `blob` v1.
- `POST /stream/v2/catalogs/{hrn}/layers/{layer}/subscribe`: answers a `nodeBaseURL` under
  `/stream-node/v2/...`, where poll (`GET .../partitions`), commit (`PUT .../offsets`),
  seek (`PUT .../seek`) and unsubscribe (`DELETE .../subscribe`) live. Each call names the
  subscription's `mode`: `parallel` ones of a group share its partitions (`evtui.emulator.groups`).
- `GET /blob/v1/catalogs/{hrn}/layers/{layer}/data/{handle}`: payloads over the inline limit.
- `GET /v3/locations?ids=…&fields=…` and `GET /v3/locations/{id}`: HERE's EV Charge Points
  API v3, the directory of locations (`evtui.emulator.directory`).
- `POST /_emulator/faults` (JSON: `unavailable`, `retry_after`, `server_errors`,
  `malformed_rate`, `expire_tokens`, `drop_subscriptions`, `expire_tokens_after`,
  `drop_subscriptions_after`, `token_lifetime`; `directory_forbidden`,
  `directory_rate_limited`, `directory_unavailable`, `directory_missing`) and
  `POST /_emulator/publish` (JSON payload): switches for people testing their own clients.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from evtui.emulator.directory import Handler, directory_routes
from evtui.emulator.service import Emulator, EmulatorError, Mode, Subscription
from evtui.here import oauth

__all__ = ["create_app"]


def _here_error(exc: EmulatorError, correlation_id: str) -> Response:
    if exc.code.startswith("4012") or exc.code.startswith("4013"):
        body: dict[str, Any] = {
            "errorId": f"ERROR-{uuid.uuid4()}",
            "httpStatus": exc.status,
            "errorCode": exc.code,
            "message": exc.title,
        }
    else:
        body = {
            "title": exc.title,
            "status": exc.status,
            "code": exc.code,
            "cause": exc.title,
            "action": "See the HERE Stream API documentation.",
            "correlationId": correlation_id,
        }
    headers = {"X-Correlation-ID": correlation_id}
    if exc.retry_after is not None:
        headers["Retry-After"] = f"{exc.retry_after:g}"
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _handles_errors(emulator: Emulator, handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        sent = request.headers.get("X-Correlation-ID")
        emulator.requests.append((request.method, request.url.path, sent))
        correlation_id = sent or uuid.uuid4().hex
        request.state.correlation_id = correlation_id
        try:
            response = await handler(request)
        except EmulatorError as exc:
            return _here_error(exc, correlation_id)
        response.headers["X-Correlation-ID"] = correlation_id
        return response

    return wrapped


def create_app(emulator: Emulator) -> Starlette:
    """The ASGI app serving `emulator`."""
    config = emulator.config

    def bearer(request: Request) -> str:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header[:7].lower() == "bearer " else None
        emulator.check_token(token)
        assert token is not None
        return token

    def check_catalog(request: Request) -> None:
        if request.path_params["hrn"] != config.catalog:
            raise EmulatorError(404, "E213002", f"Catalog {request.path_params['hrn']} not found")
        if "layer" in request.path_params and request.path_params["layer"] != config.layer:
            raise EmulatorError(404, "E213004", f"Layer {request.path_params['layer']} not found")

    def mode_of(request: Request) -> Mode:
        match mode := request.query_params.get("mode", "serial"):
            case "serial" | "parallel":
                return mode
        raise EmulatorError(400, "E213013", f"Unknown mode {mode}")

    def subscription(request: Request) -> Subscription:
        check_catalog(request)
        mode = mode_of(request)
        sub = emulator.subscription(request.query_params.get("subscriptionId"))
        if mode != sub.mode:
            # Parallel calls must say so every time, as HERE asks (the mode is the subscription's).
            raise EmulatorError(400, "E213013", f"Subscription is in {sub.mode} mode, not {mode}")
        return sub

    async def token(request: Request) -> Response:
        body = (await request.body()).decode("utf-8", "replace")
        form = parse_qsl(body, keep_blank_values=True)
        try:
            params = oauth.parse_authorization_header(request.headers.get("Authorization", ""))
        except ValueError as exc:
            raise EmulatorError(401, "401300", f"Invalid Authorization header: {exc}") from None
        if params.get("oauth_consumer_key") != config.access_key_id:
            raise EmulatorError(401, "401300", "Invalid client credentials.")
        if params.get("oauth_signature_method") != "HMAC-SHA256":
            raise EmulatorError(401, "401300", "Signature method must be HMAC-SHA256.")
        signed = [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        signed += form + list(request.query_params.multi_items())
        base = oauth.signature_base_string("POST", str(request.url), signed)
        expected = oauth.signature(base, config.access_key_secret)
        if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
            raise EmulatorError(
                401, "401300", "Signature mismatch: the signature or client credential is wrong."
            )
        try:
            timestamp = float(params.get("oauth_timestamp", ""))
        except ValueError:
            raise EmulatorError(401, "401204", "Invalid timestamp.") from None
        emulator.check_nonce(params.get("oauth_nonce", ""), timestamp)
        if dict(form).get("grant_type") != "client_credentials":
            raise EmulatorError(400, "400002", "grant_type must be client_credentials.")
        value, lifetime = emulator.issue_token()
        return JSONResponse(
            {"access_token": value, "token_type": "bearer", "expires_in": int(lifetime)}
        )

    def bases(request: Request) -> list[dict[str, Any]]:
        host = str(request.base_url).rstrip("/")
        hrn = request.path_params["hrn"]
        return [
            {
                "api": "stream",
                "version": "v2",
                "baseURL": f"{host}/stream/v2/catalogs/{hrn}",
                "parameters": {},
            },
            {
                "api": "blob",
                "version": "v1",
                "baseURL": f"{host}/blob/v1/catalogs/{hrn}",
                "parameters": {},
            },
        ]

    async def lookup_all(request: Request) -> Response:
        bearer(request)
        check_catalog(request)
        return JSONResponse(bases(request))

    async def lookup_one(request: Request) -> Response:
        bearer(request)
        check_catalog(request)
        api, version = request.path_params["api"], request.path_params["version"]
        found = [b for b in bases(request) if b["api"] == api and b["version"] == version]
        if not found:
            raise EmulatorError(404, "E213005", f"No API {api} {version} for this catalog")
        return JSONResponse(found)

    async def subscribe(request: Request) -> Response:
        bearer(request)
        check_catalog(request)
        mode = mode_of(request)
        consumer_id = request.query_params.get("consumerId") or uuid.uuid4().hex
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise EmulatorError(400, "E213011", "Body is not JSON") from None
        properties = (body or {}).get("kafkaConsumerProperties") or {}
        sub = emulator.subscribe(consumer_id, properties, mode)
        host = str(request.base_url).rstrip("/")
        node = f"{host}/stream-node/v2/catalogs/{request.path_params['hrn']}"
        return JSONResponse({"nodeBaseURL": node, "subscriptionId": sub.id}, status_code=201)

    async def poll(request: Request) -> Response:
        emulator.take_fault()
        token = bearer(request)
        sub = subscription(request)
        deadline = time.monotonic() + config.poll_wait
        while True:
            fragments = emulator.poll(sub, token)
            if fragments or time.monotonic() >= deadline:
                break
            # A long poll: wait for traffic in short steps, as publishers may be other threads.
            await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        body = '{"messages":[' + ",".join(fragments) + "]}"
        return Response(body, media_type="application/json")

    async def offsets_body(request: Request) -> list[tuple[int, int]]:
        try:
            body = json.loads(await request.body())
            return [(int(o["partition"]), int(o["offset"])) for o in body["offsets"]]
        except (ValueError, KeyError, TypeError):
            raise EmulatorError(400, "E213012", 'Body must be {"offsets": [...]}') from None

    async def commit(request: Request) -> Response:
        token = bearer(request)
        sub = subscription(request)
        emulator.commit(sub, token, await offsets_body(request))
        return Response(status_code=200)

    async def seek(request: Request) -> Response:
        bearer(request)
        sub = subscription(request)
        emulator.seek(sub, await offsets_body(request))
        return Response(status_code=200)

    async def unsubscribe(request: Request) -> Response:
        bearer(request)
        emulator.unsubscribe(subscription(request))
        return Response(status_code=200)

    async def blob(request: Request) -> Response:
        bearer(request)
        check_catalog(request)
        data = emulator.blob(request.path_params["handle"])
        if data is None:
            raise EmulatorError(404, "E213006", "Blob not found")
        return Response(data, media_type="application/octet-stream")

    async def faults(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        f = emulator.faults
        for name in (
            "unavailable",
            "server_errors",
            "drop_subscriptions_after",
            "expire_tokens_after",
        ):
            if name in body:
                setattr(f, name, None if body[name] is None else int(body[name]))
        for name in ("retry_after", "malformed_rate"):
            if name in body:
                setattr(f, name, float(body[name]))
        if "token_lifetime" in body:
            config.token_lifetime = float(body["token_lifetime"])
        for name in ("directory_rate_limited", "directory_unavailable"):
            if name in body:
                setattr(f, name, int(body[name] or 0))
        if "directory_forbidden" in body:
            f.directory_forbidden = bool(body["directory_forbidden"])
        if "directory_missing" in body:
            f.directory_missing = {str(i) for i in body["directory_missing"] or ()}
        if body.get("expire_tokens"):
            emulator.expire_tokens()
        if body.get("drop_subscriptions"):
            emulator.drop_subscriptions()
        return JSONResponse({"ok": True})

    async def publish(request: Request) -> Response:
        partition, offset = emulator.publish(json.loads(await request.body()))
        return JSONResponse({"partition": partition, "offset": offset})

    node = "/stream-node/v2/catalogs/{hrn}/layers/{layer}"
    table: list[tuple[str, Handler, str]] = [
        ("/oauth2/token", token, "POST"),
        ("/lookup/v1/resources/{hrn}/apis", lookup_all, "GET"),
        ("/lookup/v1/resources/{hrn}/apis/{api}/{version}", lookup_one, "GET"),
        ("/stream/v2/catalogs/{hrn}/layers/{layer}/subscribe", subscribe, "POST"),
        (f"{node}/partitions", poll, "GET"),
        (f"{node}/offsets", commit, "PUT"),
        (f"{node}/seek", seek, "PUT"),
        (f"{node}/subscribe", unsubscribe, "DELETE"),
        ("/blob/v1/catalogs/{hrn}/layers/{layer}/data/{handle}", blob, "GET"),
        ("/_emulator/faults", faults, "POST"),
        ("/_emulator/publish", publish, "POST"),
        *directory_routes(emulator),
    ]
    routes = [
        Route(path, _handles_errors(emulator, handler), methods=[method])
        for path, handler, method in table
    ]
    return Starlette(routes=routes)
