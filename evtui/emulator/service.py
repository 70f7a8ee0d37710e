"""The emulated HERE platform's state: message log, consumer groups, subscriptions, tokens.

Independent of HTTP: `evtui.emulator.app` maps requests onto it. Every method takes the lock,
because tests and `publish` reach it from threads other than the server's.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import secrets
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.emulator.groups import Gains, ParallelGroups
from evtui.emulator.network import NetworkConfig, SyntheticNetwork, format_time

__all__ = ["Emulator", "EmulatorConfig", "Faults", "Malformed"]

Malformed = Literal["base64", "gzip", "json", "schema"]
Mode = Literal["serial", "parallel"]

MAX_GENERATED_PER_CALL = 50_000
"""Synthetic events published per poll (about), so one poll after a long pause stays quick."""
SIM_STEP = 60.0
"""Simulated seconds generated at a time."""


@dataclass
class EmulatorConfig:
    """How the emulated platform behaves. The defaults make a lively demo."""

    seed: int = 1
    speed: float = 60.0
    """Simulated seconds per emulator second."""
    locations: int = 2000
    live: bool = True
    """Generate synthetic traffic; False serves only what `publish` adds."""
    partitions: int = 4
    token_lifetime: float = 3600.0
    poll_wait: float = 1.0
    """Seconds a poll waits for messages before answering with none."""
    inline_limit: int = 1_000_000
    """Payloads larger than this (compressed) are served through Blob."""
    max_poll_records: int = 500
    session_timeout: float = 30.0
    """Seconds a parallel subscription may go without polling before its group hands its
    partitions to the others (Kafka's session timeout)."""
    timestamp_window: float = 600.0
    catalog: str = EV_CATALOG
    layer: str = EV_LAYER
    access_key_id: str = ""
    access_key_secret: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.access_key_id:
            self.access_key_id = f"EMULATOR{self.seed:08d}"
        if not self.access_key_secret:
            self.access_key_secret = secrets.token_urlsafe(32)


@dataclass
class Faults:
    """Switches tests flip to make the platform misbehave."""

    unavailable: int = 0
    """Answer this many next stream calls with 503 and `Retry-After`."""
    retry_after: float = 1.0
    server_errors: int = 0
    """Answer this many next stream calls with 500."""
    malformed_rate: float = 0.0
    """Share of synthetic messages published malformed (0..1)."""
    drop_subscriptions_after: int | None = None
    """After this many more polls, forget every subscription (the next poll gets 404)."""
    expire_tokens_after: int | None = None
    """After this many more polls, every token issued so far stops working."""
    directory_forbidden: bool = False
    """The v3 directory answers 403, as for an app whose licence lacks it."""
    directory_rate_limited: int = 0
    """Answer this many next directory calls with 429 and `Retry-After`."""
    directory_unavailable: int = 0
    """Answer this many next directory calls with 503 and `Retry-After`."""
    directory_missing: set[str] = field(default_factory=set)
    """Location ids (full or content) the directory says it does not know."""


@dataclass
class _Stored:
    partition: int
    offset: int
    fragment: str
    """The message as it appears in a poll answer, JSON-encoded once at publish time."""


@dataclass
class Subscription:
    """One consumer's subscription: where it reads in each partition."""

    id: str
    group: str
    consumer_id: str
    positions: list[int]
    max_records: int
    mode: Mode = "serial"
    """Sent with every call: parallel subscriptions of a group share its partitions."""
    reset: str = "latest"
    """auto.offset.reset: where a partition the group never committed starts."""
    last_poll_token: str | None = None
    delivered: dict[int, int] = field(default_factory=dict)


class EmulatorError(Exception):
    """A request the emulated platform refuses; `app` turns it into HERE's error JSON."""

    def __init__(
        self, status: int, code: str, title: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(title)
        self.status = status
        self.code = code
        self.title = title
        self.retry_after = retry_after


class Emulator:
    """The platform: message log over several Kafka partitions, groups, tokens, blobs."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config or EmulatorConfig()
        self.clock = clock
        self.faults = Faults()
        self._lock = threading.RLock()
        self._log: list[list[_Stored]] = [[] for _ in range(self.config.partitions)]
        self._groups: dict[str, dict[int, int]] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._parallel = ParallelGroups(self.config.partitions)
        self._tokens: dict[str, float] = {}
        self._nonces: dict[str, float] = {}
        self._blobs: dict[str, bytes] = {}
        self._rng_faults = random.Random(self.config.seed + 1)
        self.unsubscribed = 0
        self.published = 0
        self.tokens_issued = 0
        self.issued: list[str] = []
        """Every token handed out, for tests that look for them where they must not be."""
        self.blobs_served = 0
        self.subscribed: list[str] = []
        """Consumer ids of every subscribe call, in order."""
        self.requests: deque[tuple[str, str, str | None]] = deque(maxlen=10_000)
        """(method, path, X-Correlation-ID sent) of the latest requests, for tests."""
        self.started_at = clock()
        self.location_records: dict[str, dict[str, Any]] = {}
        """v3 Location records published by `add_location_record`, by full location id."""
        self.directory: Callable[[str], dict[str, Any] | None] = self._directory_record
        """Where the v3 directory gets a location's record (full id -> v3 Location | None)."""
        self.directory_asked: list[list[str]] = []
        """The ids of each directory request, as sent, for tests."""
        self._network: SyntheticNetwork | None = None
        if self.config.live:
            self._network = SyntheticNetwork(
                NetworkConfig(seed=self.config.seed, locations=self.config.locations)
            )
            for sim, payload in self._network.snapshot():
                self._publish_synthetic(sim, payload)

    # -- publishing ----------------------------------------------------------------------

    def partition_of(self, key: str) -> int:
        """Kafka partition of a partition key: the same location, the same partition."""
        return zlib.crc32(key.encode()) % self.config.partitions

    def publish(
        self, payload: dict[str, Any] | bytes, *, key: str | None = None, compressed: bool = False
    ) -> tuple[int, int]:
        """Append a message; `payload` is a JSON document, or raw bytes sent as they are
        (gzip-compressed first unless `compressed`). Returns (partition, offset)."""
        if isinstance(payload, dict):
            key = key or str(payload.get("id", ""))
            data = gzip.compress(json.dumps(payload, separators=(",", ":")).encode(), mtime=0)
        else:
            data = payload if compressed else gzip.compress(payload, mtime=0)
        return self._append(key or "", data)

    def publish_malformed(self, kind: Malformed, key: str = "malformed") -> tuple[int, int]:
        """Append a message that does not decode, of the given kind."""
        if kind == "base64":
            return self._append(key, None, inline_text="%%% not base64 %%%")
        if kind == "gzip":
            return self._append(key, b'{"id": "not gzip"}')
        if kind == "json":
            return self._append(key, gzip.compress(b'{"id": "x", "evses": [', mtime=0))
        doc = {"id": key, "evses": [{"id": "here:evcp:evse:x", "status": 3}]}
        return self._append(key, gzip.compress(json.dumps(doc).encode(), mtime=0))

    def _append(
        self, key: str, data: bytes | None, *, inline_text: str | None = None
    ) -> tuple[int, int]:
        with self._lock:
            partition = self.partition_of(key)
            offset = len(self._log[partition])
            meta: dict[str, Any] = {
                "partition": key,
                "timestamp": int(self.clock() * 1000),
            }
            if data is not None:
                meta["checksum"] = hashlib.md5(data, usedforsecurity=False).hexdigest()
            if inline_text is not None:
                meta["data"] = inline_text
            elif data is not None and len(data) > self.config.inline_limit:
                handle = secrets.token_hex(16)
                self._blobs[handle] = data
                meta["dataHandle"] = handle
                meta["dataSize"] = _inflated_size(data)
                meta["compressedDataSize"] = len(data)
            elif data is not None:
                meta["data"] = base64.b64encode(data).decode("ascii")
            fragment = json.dumps(
                {"metaData": meta, "offset": {"partition": partition, "offset": offset}},
                separators=(",", ":"),
            )
            self._log[partition].append(_Stored(partition, offset, fragment))
            self.published += 1
            return partition, offset

    def _publish_synthetic(self, sim: float, payload: dict[str, Any]) -> None:
        speed = self.config.speed
        for evse in payload["evses"]:
            since = evse.pop("since", sim)
            evse["last_updated"] = format_time(self.started_at + since / speed)
        rate = self.faults.malformed_rate
        if rate and self._rng_faults.random() < rate:
            kinds: list[Malformed] = ["base64", "gzip", "json", "schema"]
            self.publish_malformed(self._rng_faults.choice(kinds), key=payload["id"])
        else:
            self.publish(payload)

    def advance(self) -> None:
        """Publish the synthetic events due by now."""
        if self._network is None:
            return
        with self._lock:
            target = (self.clock() - self.started_at) * self.config.speed
            if target <= self._network.now:
                return
            # Step through simulated time so a long pause publishes in slices, the rest on
            # the next poll, instead of generating events it would have to drop.
            published = 0
            while self._network.now < target and published < MAX_GENERATED_PER_CALL:
                events = self._network.advance(min(target, self._network.now + SIM_STEP))
                for sim, payload in events:
                    self._publish_synthetic(sim, payload)
                published += len(events)

    # -- the v3 directory -----------------------------------------------------------------

    def add_location_record(self, record: dict[str, Any]) -> None:
        """Publish a v3 Location record (its `id` the full location id) to the directory."""
        with self._lock:
            self.location_records[str(record["id"])] = record

    def _directory_record(self, location_id: str) -> dict[str, Any] | None:
        with self._lock:
            if (record := self.location_records.get(location_id)) is not None:
                return record
            if self._network is None:
                return None
            # Under the lock: the network moves on as the stream is polled. Its clock is ours.
            return self._network.location_record(
                location_id, started_at=self.started_at, speed=self.config.speed
            )

    # -- tokens --------------------------------------------------------------------------

    def check_nonce(self, nonce: str, timestamp: float) -> None:
        """Refuse a timestamp outside the window, or a nonce seen within it."""
        with self._lock:
            now = self.clock()
            window = self.config.timestamp_window
            if abs(now - timestamp) > window:
                raise EmulatorError(401, "401204", "Time stamp is outside the valid period.")
            for old in [n for n, t in self._nonces.items() if t < now - 2 * window]:
                del self._nonces[old]
            if nonce in self._nonces:
                raise EmulatorError(401, "401207", "Nonce has been used before.")
            self._nonces[nonce] = now

    def issue_token(self) -> tuple[str, float]:
        with self._lock:
            token = "emu." + secrets.token_urlsafe(32)
            self.tokens_issued += 1
            self.issued.append(token)
            self._tokens[token] = self.clock() + self.config.token_lifetime
            return token, self.config.token_lifetime

    def check_token(self, token: str | None) -> None:
        with self._lock:
            expires = self._tokens.get(token or "")
            if expires is None or expires <= self.clock():
                raise EmulatorError(401, "E213001", "Invalid or expired token")

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now."""
        with self._lock:
            self._tokens.clear()

    # -- subscriptions -------------------------------------------------------------------

    def subscribe(
        self, consumer_id: str, properties: dict[str, Any], mode: Mode = "serial"
    ) -> Subscription:
        with self._lock:
            group = str(properties.get("group.id") or consumer_id)
            reset = str(properties.get("auto.offset.reset", "latest"))
            positions = [self._start_of(group, reset, p) for p in range(self.config.partitions)]
            try:
                max_records = int(properties.get("max.poll.records", self.config.max_poll_records))
            except (TypeError, ValueError):
                raise EmulatorError(400, "E213011", "max.poll.records must be a number") from None
            sub_id, records = secrets.token_hex(12), max(1, max_records)
            sub = Subscription(sub_id, group, consumer_id, positions, records, mode, reset)
            self._subscriptions[sub.id] = sub
            self.subscribed.append(consumer_id)
            if mode == "parallel":
                self._expire_parallel()
                self._hand_over(self._parallel.join(group, sub.id, self.clock()))
            return sub

    def _start_of(self, group: str, reset: str, partition: int) -> int:
        """Where a consumer of `group` starts in `partition`: after the group's last commit."""
        default = 0 if reset == "earliest" else len(self._log[partition])
        return self._groups.get(group, {}).get(partition, default)

    def _hand_over(self, gains: Gains) -> None:
        """A rebalance gave these subscriptions these partitions: each resumes them from the
        group's committed offset, so what the last owner did not commit comes again."""
        for sub_id, partitions in gains.items():
            sub = self._subscriptions.get(sub_id)
            if sub is None:
                continue
            for p in partitions:
                sub.positions[p] = self._start_of(sub.group, sub.reset, p)
                sub.delivered.pop(p, None)

    def _expire_parallel(self) -> None:
        """Rebalance the groups of parallel subscriptions silent past the session timeout."""
        self._hand_over(self._parallel.expire(self.clock(), self.config.session_timeout))

    def owned(self, sub: Subscription) -> frozenset[int]:
        """The partitions `sub` reads: all of them in serial mode, its group's share else."""
        with self._lock:
            if sub.mode == "serial":
                return frozenset(range(self.config.partitions))
            return self._parallel.owned(sub.id)

    def subscription(self, subscription_id: str | None) -> Subscription:
        with self._lock:
            sub = self._subscriptions.get(subscription_id or "")
            if sub is None:
                raise EmulatorError(404, "E213003", "Subscription not found")
            return sub

    def take_fault(self) -> None:
        """Raise the next scheduled fault of a poll, if any."""
        with self._lock:
            f = self.faults
            if f.drop_subscriptions_after is not None:
                f.drop_subscriptions_after -= 1
                if f.drop_subscriptions_after < 0:
                    f.drop_subscriptions_after = None
                    self.drop_subscriptions()
            if f.expire_tokens_after is not None:
                f.expire_tokens_after -= 1
                if f.expire_tokens_after < 0:
                    f.expire_tokens_after = None
                    self._tokens.clear()
            if self.faults.unavailable > 0:
                self.faults.unavailable -= 1
                raise EmulatorError(
                    503, "E213019", "Service unavailable", retry_after=self.faults.retry_after
                )
            if self.faults.server_errors > 0:
                self.faults.server_errors -= 1
                raise EmulatorError(500, "E213000", "Internal server error")

    def poll(self, sub: Subscription, token: str) -> list[str]:
        """Up to `max_records` message fragments, taken fairly from every partition."""
        self.advance()
        with self._lock:
            if sub.id not in self._subscriptions:
                raise EmulatorError(404, "E213003", "Subscription not found")
            sub.last_poll_token = token
            if sub.mode == "parallel":
                self._expire_parallel()
                if not self._parallel.is_member(sub.id):
                    # Timed out of its group earlier: polling again joins it again.
                    self._hand_over(self._parallel.join(sub.group, sub.id, self.clock()))
                self._parallel.seen(sub.id, self.clock())
            owned = self.owned(sub)
            out: list[str] = []
            room = sub.max_records
            while room > 0:
                progressed = False
                for p, log in enumerate(self._log):
                    start = sub.positions[p]
                    if p not in owned or start >= len(log) or room <= 0:
                        continue
                    share = max(1, room // self.config.partitions)
                    chunk = log[start : start + min(share, room)]
                    out.extend(s.fragment for s in chunk)
                    sub.positions[p] += len(chunk)
                    sub.delivered[p] = sub.positions[p] - 1
                    room -= len(chunk)
                    progressed = True
                if not progressed:
                    break
            return out

    def commit(self, sub: Subscription, token: str, offsets: list[tuple[int, int]]) -> None:
        with self._lock:
            if sub.last_poll_token is not None and token != sub.last_poll_token:
                raise EmulatorError(
                    412, "E213010", "Token change is not allowed on /offsets; poll first"
                )
            if sub.mode == "parallel":
                self._expire_parallel()  # a member past its session timeout owns nothing
            if bad := [p for p, _ in offsets if not 0 <= p < self.config.partitions]:
                raise EmulatorError(400, "E213012", f"No partition {bad[0]}")
            # A partition rebalanced away is another member's to commit now. All or nothing:
            # the answer cannot say which of the offsets went through.
            if any(p not in self.owned(sub) for p, _ in offsets):
                raise EmulatorError(409, "E213028", "Unable to commit offset")
            group = self._groups.setdefault(sub.group, {})
            for partition, offset in offsets:
                if offset > sub.delivered.get(partition, -1):
                    raise EmulatorError(409, "E213028", "Unable to commit offset")
                group[partition] = max(group.get(partition, 0), offset + 1)

    def seek(self, sub: Subscription, offsets: list[tuple[int, int]]) -> None:
        """Move the next poll of each partition given; a partition the subscription does not
        own is left alone (its position is reset from the group's commits when it gets it)."""
        with self._lock:
            owned = self.owned(sub)
            for partition, offset in offsets:
                if not 0 <= partition < self.config.partitions:
                    raise EmulatorError(400, "E213012", f"No partition {partition}")
                if partition in owned:
                    sub.positions[partition] = max(0, min(offset, len(self._log[partition])))

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if self._subscriptions.pop(sub.id, None) is not None:
                self.unsubscribed += 1
            self._hand_over(self._parallel.leave(sub.id))

    def drop_subscriptions(self) -> None:
        """Forget every subscription, as a restarted service node would."""
        with self._lock:
            self._subscriptions.clear()
            self._parallel.clear()

    # -- what tests look at --------------------------------------------------------------

    def blob(self, handle: str) -> bytes | None:
        with self._lock:
            data = self._blobs.get(handle)
            self.blobs_served += data is not None
            return data

    def committed(self, group: str) -> dict[int, int]:
        """The group's next offset per partition (the last committed plus one)."""
        with self._lock:
            return dict(self._groups.get(group, {}))

    def live_subscriptions(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def log_size(self) -> int:
        with self._lock:
            return sum(len(log) for log in self._log)


def _inflated_size(data: bytes) -> int:
    try:
        return len(gzip.decompress(data))
    except (OSError, EOFError, zlib.error):
        return len(data)
