"""A raw TCP proxy that breaks chosen HTTP exchanges, for fault-injection tests.

It sits between the HERE client and the emulator and speaks just enough HTTP/1.1 to know
where one exchange ends. Each rule names the requests it breaks (method and a piece of the
path) and how:

- `refuse`: reset the connection as soon as the request arrives; the server never sees it.
- `reset`: pass the request on, let the server act on it, then reset the connection
  instead of answering (the answer is lost, its effect is not).
- `truncate`: send the first half of the answer, then reset.
- `trickle`: send the answer one byte every `delay` seconds.
- `stall`: pass the request on, then never answer.
- `garbage`: pass the request on, then answer `200 OK` with a body that is not JSON.
- `answer`: do not pass the request on; answer `status` with the JSON `body` instead.
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Self

Action = Literal["refuse", "reset", "truncate", "trickle", "stall", "garbage", "answer"]


@dataclass
class Rule:
    action: Action
    path: str = ""
    method: str | None = None
    times: int = 1
    skip: int = 0
    """Let this many matching requests through before breaking any."""
    every: int = 1
    """Then break every `every`-th matching request only."""
    _matched: int = 0
    delay: float = 0.05
    status: int = 200
    body: object = None


@dataclass
class FaultProxy:
    """Forwards 127.0.0.1:`port` to `upstream_port`, breaking exchanges as its rules say."""

    upstream_port: int
    rules: list[Rule] = field(default_factory=list)
    broken: list[tuple[str, str, Action]] = field(default_factory=list)
    """(method, path, action) of every exchange broken so far."""
    seen: list[tuple[str, str]] = field(default_factory=list)
    _server: socketserver.ThreadingTCPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    def add(self, action: Action, path: str = "", **options: object) -> Rule:
        rule = Rule(action, path, **options)  # type: ignore[arg-type]
        with self._lock:
            self.rules.append(rule)
        return rule

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

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

    # -- one client connection -------------------------------------------------------------

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            while True:
                request = _read_message(client)
                if request is None:
                    return
                method, path = request[0].split(b" ", 2)[:2]
                rule = self._match(method.decode(), path.decode())
                if rule is not None and rule.action == "refuse":
                    _reset(client)
                    return
                if rule is not None and rule.action == "answer":
                    body = json.dumps(rule.body).encode()
                    client.sendall(
                        f"HTTP/1.1 {rule.status} Whatever\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                    continue
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
                upstream.sendall(request[1])
                answer = _read_message(upstream)
                if answer is None:
                    _reset(client)
                    return
                if rule is None:
                    client.sendall(answer[1])
                    continue
                self._break(client, answer[1], rule)
                return
        except OSError:
            return
        finally:
            if upstream is not None:
                upstream.close()
            client.close()

    def _match(self, method: str, path: str) -> Rule | None:
        with self._lock:
            self.seen.append((method, path))
            for rule in self.rules:
                if rule.times <= 0 or rule.path not in path:
                    continue
                if rule.method is not None and rule.method != method:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule._matched += 1
                if rule._matched % rule.every:
                    continue
                rule.times -= 1
                self.broken.append((method, path, rule.action))
                return rule
        return None

    def _break(self, client: socket.socket, answer: bytes, rule: Rule) -> None:
        if rule.action == "reset":
            _reset(client)
        elif rule.action == "truncate":
            client.sendall(answer[: len(answer) // 2])
            _reset(client)
        elif rule.action == "trickle":
            for i in range(len(answer)):
                if self._stopping.is_set():
                    return
                client.sendall(answer[i : i + 1])
                time.sleep(rule.delay)
        elif rule.action == "stall":
            client.settimeout(60)
            while not self._stopping.is_set():
                try:
                    if not client.recv(1):
                        return  # the client gave up and closed
                except TimeoutError:
                    return
        elif rule.action == "garbage":
            body = b"<html>502 Bad Gateway</html>"
            client.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )


def _reset(sock: socket.socket) -> None:
    # SO_LINGER 0: close() sends RST, as a crashed peer or a middlebox would.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _read_message(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """(first line, whole message) of one HTTP/1.1 message with a Content-Length body."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        head += chunk
    head, _, rest = head.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"transfer-encoding":
            raise OSError("chunked bodies are not supported by this proxy")
    body = rest
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return lines[0], head + b"\r\n\r\n" + body
