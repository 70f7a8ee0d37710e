"""The Stream API calls of one consumer: subscribe, calls to the subscription's node, and what
their error answers mean.

Every call echoes the latest `X-Correlation-ID` the service sent: that keeps requests on the
node that holds the subscription.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from evtui.here._http import error_details, json_body
from evtui.here.credentials import require_secure_url
from evtui.here.errors import AccessDenied, StreamFailed, SubscriptionLost
from evtui.here.platform import Platform
from evtui.here.tokens import Token

__all__ = ["Mode", "StreamNode", "Subscription"]

log = logging.getLogger("evtui.here")

Mode = Literal["serial", "parallel"]
"""The consumption mode, sent on every call. serial: the subscription reads all of the layer's
partitions; parallel: the subscriptions of one consumer group share them out."""


@dataclass
class Subscription:
    node: str
    subscription_id: str


class StreamNode:
    """Subscribes to one stream layer and calls the node of the subscription it holds."""

    def __init__(self, client: Platform, catalog: str, layer: str, mode: Mode = "serial") -> None:
        self._client = client
        self._catalog = catalog
        self._layer = layer
        self.mode: Mode = mode
        self.subscription: Subscription | None = None
        """None until subscribed, and again once released or lost."""
        self._correlation_id: str | None = None

    async def subscribe(self, consumer_id: str, properties: dict[str, Any]) -> None:
        """Subscribe as `consumer_id` with these Kafka consumer properties; replaces the
        subscription held."""
        for attempt in (1, 2):
            base = await self._client.lookup(self._catalog, "stream", "v2")
            response, _ = await self._client.send(
                "POST",
                f"{base}/layers/{quote(self._layer, safe='')}/subscribe",
                what="Stream subscribe",
                params={"mode": self.mode, "consumerId": consumer_id},
                json={"kafkaConsumerProperties": properties},
                headers=self._correlation(),
            )
            self._remember_correlation(response)
            if response.status_code != 404 or attempt == 2:
                break
            # The base URL may have moved: look it up again before giving up on the layer.
            self.forget_base()
        self.raise_for(response, "subscribe", lost_on_404=False)
        body = json_body(response)
        try:
            node = str(body["nodeBaseURL"]).rstrip("/")
            subscription_id = str(body["subscriptionId"])
        except KeyError:
            raise StreamFailed("subscribe answer lacks nodeBaseURL or subscriptionId") from None
        try:
            # The token goes to this node too: never in the clear.
            require_secure_url(node, "the nodeBaseURL the service gave")
        except ValueError as exc:
            raise StreamFailed(str(exc)) from None
        self.subscription = Subscription(node, subscription_id)
        log.info("subscribed as %s (%s mode) at %s", consumer_id, self.mode, node)

    def forget_base(self) -> None:
        """Have the next `subscribe` ask API Lookup for the stream base URL again."""
        self._client.forget(self._catalog, "stream", "v2")

    async def unsubscribe(self) -> None:
        """Release the subscription held; the service frees what it holds for it."""
        sub = self.subscription
        if sub is None:
            return
        self.subscription = None
        response, _ = await self.call("DELETE", "subscribe", "Stream unsubscribe", sub)
        if response.status_code == 404:
            return  # already gone: the goal is reached
        self.raise_for(response, "unsubscribe")

    async def call(
        self, method: str, endpoint: str, what: str, sub: Subscription | None = None, **kwargs: Any
    ) -> tuple[httpx.Response, Token]:
        """One call to the subscription's node (`partitions`, `offsets`, `seek`, `subscribe`),
        with the subscription's parameters and the correlation id echoed both ways."""
        sub = sub or self.require()
        response, token = await self._client.send(
            method,
            f"{sub.node}/layers/{quote(self._layer, safe='')}/{endpoint}",
            what=what,
            params={"subscriptionId": sub.subscription_id, "mode": self.mode},
            headers=self._correlation(),
            **kwargs,
        )
        self._remember_correlation(response)
        return response, token

    def require(self) -> Subscription:
        if self.subscription is None:
            raise SubscriptionLost("not subscribed")
        return self.subscription

    def raise_for(self, response: httpx.Response, step: str, *, lost_on_404: bool = True) -> None:
        """Raise the typed error an error answer of `step` means; nothing below HTTP 400."""
        status = response.status_code
        if status < 400:
            return
        code, detail = error_details(response)
        if (status == 404 and lost_on_404) or (status == 400 and code == "E213014"):
            raise SubscriptionLost(f"subscription lost ({code or status}: {detail})")
        if status == 403:
            raise AccessDenied(f"{step}: no access to {self._catalog}: {detail}")
        raise StreamFailed(
            f"{step} failed (HTTP {status}{', ' + code if code else ''}): {detail}",
            status=status,
            code=code,
        )

    def _correlation(self) -> dict[str, str]:
        return {"X-Correlation-ID": self._correlation_id} if self._correlation_id else {}

    def _remember_correlation(self, response: httpx.Response) -> None:
        if value := response.headers.get("X-Correlation-ID"):
            self._correlation_id = value
