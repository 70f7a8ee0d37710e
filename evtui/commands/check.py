"""`evtui check`: say step by step whether the credentials and access work, and what to fix."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TextIO, TypeVar

from evtui.commands.common import live_settings
from evtui.here import (
    AccessDenied,
    AuthenticationError,
    CredentialsError,
    DirectoryClient,
    HereClient,
    HereError,
    LookupFailed,
    StreamOptions,
    TransientError,
    insecure_permissions,
    load_credentials,
)
from evtui.safetext import safe_text
from evtui.sources import LiveSettings

__all__ = ["run", "run_check"]

T = TypeVar("T")


class _StepFailed(Exception):
    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


@dataclass
class _Report:
    out: TextIO
    failed: bool = False

    def ok(self, title: str, detail: str = "") -> None:
        self._line("ok  ", title, detail)

    def warn(self, title: str, detail: str) -> None:
        self._line("warn", title, detail)

    def fail(self, title: str, detail: str, fix: str) -> None:
        self.failed = True
        self._line("FAIL", title, detail)
        self.out.write(f"        fix: {fix}\n")

    def _line(self, mark: str, title: str, detail: str) -> None:
        text = f"[{mark}] {title}"
        if detail:
            text += f": {safe_text(detail, 400)}"
        self.out.write(text + "\n")
        self.out.flush()

    @contextlib.asynccontextmanager
    async def step(self, title: str) -> AsyncIterator[None]:
        try:
            yield
        except _StepFailed as exc:
            self.fail(title, exc.detail, exc.fix)
            raise


async def run_check(settings: LiveSettings, *, out: TextIO) -> int:
    """Run every check in order, stopping at the first that fails; return the exit code."""
    report = _Report(out)
    out.write(f"Checking access to {settings.catalog} / {settings.layer}\n")
    with contextlib.suppress(_StepFailed):
        await _checks(settings, report)
    if report.failed:
        out.write("Some checks failed; fix the first one and run `evtui check` again.\n")
        return 1
    out.write("All checks passed: `evtui` will show this stream live.\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """`evtui check`, from its parsed arguments."""
    return asyncio.run(run_check(live_settings(args), out=sys.stdout))


async def _checks(settings: LiveSettings, report: _Report) -> None:
    path = settings.credentials_path
    async with report.step("credentials file"):
        try:
            credentials = load_credentials(path)
        except CredentialsError as exc:
            raise _StepFailed(
                str(exc),
                "download credentials.properties for an app in the HERE platform portal "
                f"and save it as {path}, or point --credentials / HERE_CREDENTIALS at it",
            ) from None
    report.ok("credentials file", f"{path} (access key {credentials.access_key_id})")
    if warning := insecure_permissions(path):
        report.warn("credentials file permissions", warning)

    async with HereClient(credentials, lookup_url=settings.lookup_url) as client:
        async with report.step("access token"):
            try:
                token = await client.token()
            except AuthenticationError as exc:
                raise _StepFailed(str(exc), _auth_fix(exc)) from None
            except TransientError as exc:
                raise _StepFailed(
                    str(exc),
                    "check the network, a proxy (HTTPS_PROXY) and here.token.endpoint.url "
                    f"({credentials.token_endpoint_url}), then try again",
                ) from None
        report.ok("access token", f"issued, valid for {token.expires_in:.0f} s")

        for api, version in (("stream", "v2"), ("blob", "v1")):
            title = f"API Lookup {api} {version}"
            async with report.step(title):
                base = await _lookup(client, settings, api, version)
            report.ok(title, base)

        options = StreamOptions(
            catalog=settings.catalog, layer=settings.layer, consumer_id=None, start="latest"
        )
        consumer = client.stream(options)
        async with report.step("subscribe"):
            await _stream_call(consumer.subscribe(), settings)
        report.ok("subscribe", f"layer {settings.layer}")
        try:
            async with report.step("poll"):
                batch = await _stream_call(consumer.poll(), settings)
            report.ok(
                "poll",
                f"{len(batch)} messages ({len(batch.accepted)} valid, "
                f"{len(batch.rejected)} rejected)"
                if len(batch)
                else "no messages in this poll: the layer is quiet right now, that is fine",
            )
        finally:
            async with report.step("unsubscribe"):
                await _stream_call(consumer.unsubscribe(), settings)
            report.ok("unsubscribe")
        await _directory(client, settings, report)


PROBE = "here:evcp:charginglocation:56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"
"""A location id from HERE's own tutorial: any answer, found or missing, proves access."""


async def _directory(client: HereClient, settings: LiveSettings, report: _Report) -> None:
    """The directory is licensed apart from the stream: without it evtui still works, from
    the stream and the ids, so this step warns and never fails the check."""
    title = "directory (EV Charge Points API v3)"
    try:
        directory = DirectoryClient(client, settings.directory_url, attempts=2)
    except HereError as exc:
        report.warn(title, f"not available ({exc})")
        return
    answer = await directory.fetch([PROBE])
    if answer.error is None:
        report.ok(title, f"reachable at {directory.base_url}")
    else:
        report.warn(
            title,
            f"not available ({answer.error}); names and addresses will be missing, the rest "
            "works from the stream and the ids",
        )


async def _lookup(client: HereClient, settings: LiveSettings, api: str, version: str) -> str:
    try:
        return await client.lookup(settings.catalog, api, version)
    except AccessDenied as exc:
        raise _StepFailed(
            str(exc),
            "in the HERE platform portal, give your app (or its group) read access to "
            f"{settings.catalog}",
        ) from None
    except LookupFailed as exc:
        raise _StepFailed(
            str(exc),
            "check the catalog HRN given with --catalog, and the API Lookup URL (--lookup-url "
            "or EVTUI_LOOKUP_URL) if you set one",
        ) from None
    except HereError as exc:
        raise _StepFailed(
            str(exc), f"check --lookup-url ({settings.lookup_url}) and the network"
        ) from None


async def _stream_call(call: Awaitable[T], settings: LiveSettings) -> T:
    try:
        return await call
    except AccessDenied as exc:
        raise _StepFailed(
            str(exc), f"give your app read access to {settings.catalog} in the portal"
        ) from None
    except TransientError as exc:
        raise _StepFailed(
            str(exc), "the service is busy or unreachable: check the network and try again"
        ) from None
    except HereError as exc:
        raise _StepFailed(
            str(exc), f"check the layer id given with --layer ({settings.layer})"
        ) from None


def _auth_fix(exc: AuthenticationError) -> str:
    code = exc.code or ""
    if code == "401300":
        return (
            "the access key secret does not match the access key id: download a fresh "
            "credentials.properties"
        )
    if code == "401204":
        return "this machine's clock is off: synchronise it (e.g. with NTP)"
    if exc.status == 401:
        return "the access key may be disabled or deleted: check it in the HERE platform portal"
    return "check here.token.endpoint.url and the access key in the credentials file"
