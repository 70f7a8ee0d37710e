"""Ctrl-C while evtui waits out a fault: it leaves within 2 s, and releases what it can.

The 2 s is the promise a user relies on (a stuck terminal is a bug), not a speed goal: the
bound inside is 1 s for the final commit and unsubscribe, the rest is slack for leaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evtui.emulator import EmulatorServer
from tests.conftest import location_doc
from tests.faultproxy import FaultProxy

EXIT_PROMISE = 2.0


class Tail:
    """`evtui tail` in a process of its own, its output read as it comes."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evtui.cli", "tail", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._pumps = [
            threading.Thread(target=self._pump, args=(stream, into), daemon=True)
            for stream, into in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for pump in self._pumps:
            pump.start()

    @staticmethod
    def _pump(stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)

    def wait_for(self, condition: object, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not condition():  # type: ignore[operator]
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError("".join(self.err))
            time.sleep(0.05)

    def interrupt(self, signum: int = signal.SIGINT) -> float:
        """Send Ctrl-C (or another signal); seconds until the process was gone."""
        started = time.monotonic()
        self.process.send_signal(signum)
        self.process.wait(timeout=30)
        took = time.monotonic() - started
        for pump in self._pumps:
            pump.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return took


@pytest.fixture
def live(server: EmulatorServer, credentials_file: Path) -> Iterator[list[str]]:
    for n in range(10):
        server.emulator.publish(location_doc(n))
    yield ["--credentials", str(credentials_file), "--from", "earliest"]


def test_ctrl_c_during_a_backoff_leaves_at_once_and_unsubscribes(
    server: EmulatorServer, live: list[str]
) -> None:
    tail = Tail(*live, "--lookup-url", server.lookup_url)
    tail.wait_for(lambda: len(tail.out) == 10)
    server.emulator.faults.retry_after = 30
    server.emulator.faults.unavailable = 1  # the next poll: come back in 30 s
    tail.wait_for(lambda: any("waiting 30 s" in line for line in tail.err))

    took = tail.interrupt()

    assert took < EXIT_PROMISE
    assert tail.process.returncode == 130
    assert server.emulator.live_subscriptions() == 0
    assert sum(server.emulator.committed(server.emulator.subscribed[0]).values()) == 10


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_kill_or_a_closed_terminal_ends_tail_as_ctrl_c_does(
    server: EmulatorServer, live: list[str], signum: int
) -> None:
    tail = Tail(*live, "--lookup-url", server.lookup_url)
    tail.wait_for(lambda: len(tail.out) == 10)

    took = tail.interrupt(signum)

    assert took < EXIT_PROMISE
    assert tail.process.returncode == 128 + signum
    assert server.emulator.live_subscriptions() == 0
    assert sum(server.emulator.committed(server.emulator.subscribed[0]).values()) == 10
    assert "evtui tail: 10 payloads, 0 rejected" in "".join(tail.err)


def test_ctrl_c_while_the_platform_stalls_leaves_within_the_promise(
    server: EmulatorServer, live: list[str]
) -> None:
    with FaultProxy(server.port) as proxy:
        live[1] = str(server.write_credentials(Path(live[1]).with_name("proxied.properties")))
        Path(live[1]).write_text(Path(live[1]).read_text().replace(server.base_url, proxy.base_url))
        tail = Tail(*live, "--lookup-url", f"{proxy.base_url}/lookup/v1")
        tail.wait_for(lambda: len(tail.out) == 10)
        # From now on nothing the service is asked gets an answer: not the poll in flight's
        # successor, not the final commit, not the unsubscribe.
        proxy.add("stall", "/", times=100)
        tail.wait_for(lambda: len(proxy.broken) >= 1)

        took = tail.interrupt()

    assert took < EXIT_PROMISE
    assert tail.process.returncode == 130


LIKE_MAKE = (
    "import signal, subprocess, sys\n"
    "signal.signal(signal.SIGHUP, lambda *_: None)\n"
    "sys.exit(subprocess.call(sys.argv[1:]))"
)
"""A parent as `make` is to `make demo`'s monitor: it takes the terminal's SIGHUP itself,
passes nothing on, and waits for its child."""


@pytest.mark.parametrize("leader", ["evtui", "make"], ids=["evtui leads", "under make"])
def test_a_hang_up_releases_the_subscription_and_the_process_leaves(
    server: EmulatorServer, live: list[str], leader: str
) -> None:
    # The monitor in a terminal that then goes away (a closed ssh session, a killed tmux):
    # told by the kernel's SIGHUP when it leads the terminal's session, else by the terminal.
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    monitor = [sys.executable, "-m", "evtui.cli", *live, "--lookup-url", server.lookup_url]
    process = subprocess.Popen(
        monitor if leader == "evtui" else [sys.executable, "-c", LIKE_MAKE, *monitor],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=lambda: _controlling_terminal(0),
        env={**os.environ, "TERM": "xterm-256color"},
    )
    os.close(slave)
    drained = threading.Event()

    def drain() -> None:  # a terminal reads what the app draws, until it is closed
        with contextlib.suppress(OSError):
            while os.read(master, 65536):
                pass
        drained.set()

    threading.Thread(target=drain, daemon=True).start()
    busy = threading.Event()

    def publish() -> None:  # a lively stream: the screen is redrawn all the time
        n = 10
        while not busy.is_set():
            server.emulator.publish(location_doc(n % 500, status=("AVAILABLE", "CHARGING")[n % 2]))
            n += 1
            time.sleep(0.002)

    threading.Thread(target=publish, daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        emulator = server.emulator
        while (
            not emulator.subscribed or sum(emulator.committed(emulator.subscribed[0]).values()) < 10
        ):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        # The terminal goes away: the kernel hangs up its session (SIGHUP), and writes to it
        # fail from then on. Restoring it must not hold the process.
        os.close(master)
        process.wait(timeout=10)
    finally:
        busy.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signal.SIGHUP
    assert server.emulator.live_subscriptions() == 0


def _controlling_terminal(fd: int) -> None:
    """In the child: a session of its own, with `fd` as its controlling terminal."""
    os.setsid()
    fcntl.ioctl(fd, termios.TIOCSCTTY, 0)
