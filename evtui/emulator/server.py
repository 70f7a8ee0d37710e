"""Serve the emulated platform over real HTTP on a loopback port, in a background thread."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self, TextIO

import uvicorn

from evtui.emulator.app import create_app
from evtui.emulator.service import Emulator, EmulatorConfig

__all__ = ["EmulatorServer", "run_foreground"]

STARTUP_TIMEOUT = 10.0


EMULATOR_USER = "HERE-emulator-user-"
"""How an emulator's credentials file begins its user id: one that does not is the user's."""


class EmulatorServer:
    """An `Emulator` behind uvicorn on `host:port` (port 0: any free port).

    `start()` returns once the port accepts connections; `stop()` shuts the server down.
    Also a context manager. The thread runs its own event loop, so a client under test in
    the main loop talks to it over a real socket, as it would to HERE.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.emulator = Emulator(config, clock=clock)
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def config(self) -> EmulatorConfig:
        return self.emulator.config

    @property
    def port(self) -> int:
        """The port served; a fixed port is known before `start()`, port 0 only after it."""
        port = self._port or self._requested_port
        if not port:
            raise RuntimeError("the emulator server is not started")
        return port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def lookup_url(self) -> str:
        """The API Lookup base to give a HERE client (`--lookup-url`)."""
        return f"{self.base_url}/lookup/v1"

    @property
    def directory_url(self) -> str:
        """The EV Charge Points API v3 base to give a HERE client (`--directory-url`)."""
        return f"{self.base_url}/v3"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/token"

    def credentials_text(self) -> str:
        """A `credentials.properties` file for this emulator, as HERE's portal writes them."""
        config = self.config
        return (
            f"here.user.id = {EMULATOR_USER}{config.seed}\n"
            f"here.client.id = emulator-client-{config.seed}\n"
            f"here.access.key.id = {config.access_key_id}\n"
            f"here.access.key.secret = {config.access_key_secret}\n"
            f"here.token.endpoint.url = {self.token_url}\n"
        )

    def write_credentials(self, path: str | os.PathLike[str]) -> Path:
        """Write `credentials_text()` to `path`, readable by the owner only."""
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(self.credentials_text())
        os.chmod(target, 0o600)
        return target

    def start(self) -> None:
        """Bind, start serving in a daemon thread and wait until it accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the emulator server is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.emulator),
            log_level="warning",
            access_log=False,
            lifespan="off",
            # A long poll in flight must not hold up stop() for long.
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported to start() / stop() callers
                self._error = exc
            finally:
                sock.close()

        self._thread = threading.Thread(target=serve, name="evtui-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"the emulator server failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("the emulator server did not start in time")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and wait for the thread (a few seconds at most)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        self._server = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _check_credentials_target(target: Path) -> None:
    """Refuse, before serving, a path the credentials cannot go to, or a file of the user's
    own: a HERE portal shows a secret once, and writing over it would lose the key."""
    if target.is_dir():
        raise SystemExit(f"evtui emulate: --write-credentials {target} is a directory")
    try:
        text = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
    except OSError as exc:
        raise SystemExit(f"evtui emulate: --write-credentials {target}: {exc.strerror}") from None
    if text is not None and f"= {EMULATOR_USER}" not in text:
        raise SystemExit(
            f"evtui emulate: {target} exists and is not an emulator's credentials file: "
            "not written over (give another path, or remove it first)"
        )


def run_foreground(
    config: EmulatorConfig,
    *,
    port: int = 8421,
    credentials_path: str | None = None,
    out: TextIO = sys.stdout,
) -> None:
    """`evtui emulate`: serve until Ctrl-C, after printing how to point a client at it."""
    if threading.current_thread() is threading.main_thread():
        # `kill` (SIGTERM) stops it as cleanly as Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    if credentials_path:
        _check_credentials_target(Path(credentials_path).expanduser())
    server = EmulatorServer(config, port=port)
    try:
        server.start()
    except OSError as exc:
        raise SystemExit(
            f"evtui emulate: cannot listen on 127.0.0.1:{port}: {exc.strerror}"
        ) from None
    try:
        out.write("# HERE emulator credentials (a local, throwaway key: safe to show)\n")
        out.write(server.credentials_text())
        if credentials_path:
            path = str(server.write_credentials(credentials_path))
            out.write(f"# (written to {path})\n")
        else:
            path = "FILE"
            out.write("# Save the lines above to FILE.\n")
        out.write(
            f"\n# API Lookup URL: {server.lookup_url}\n"
            f"# Directory (EV Charge Points API v3) URL: {server.directory_url}\n"
            f"# catalog {config.catalog}, layer {config.layer}\n"
            "# For example:\n"
            f"#   evtui tail --credentials {path} --lookup-url {server.lookup_url} "
            "--from earliest --limit 10 --format jsonl\n"
            "# Serving; Ctrl-C stops.\n"
        )
        out.flush()
        while server.running:
            time.sleep(0.5)
        raise SystemExit("evtui emulate: the server stopped unexpectedly")
    except KeyboardInterrupt:
        out.write("\nevtui emulate: stopped\n")
    finally:
        server.stop()
