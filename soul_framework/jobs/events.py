"""One Redis pub/sub connection per API process, fanned out to all of its SSE clients.

A stream subscribes to ``job:{id}`` (and to its session's end) through the hub; the hub
subscribes a channel on its one connection when the first listener comes and unsubscribes when
the last one leaves, and waits for Redis to confirm each subscription, so a snapshot read
afterwards misses no event. A listener of several channels gets their messages in one queue, in
the order Redis published them. When the
connection drops, the hub reconnects and resubscribes, and tells each listener to re-read the
job's state (events published meanwhile may be gone; the state is not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import redis.asyncio
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

RESYNC = "resync"
"""Put in a listener's queue after a reconnection: re-read the state."""

CONFIRM_TIMEOUT_SECONDS = 5.0
MAX_RECONNECT_DELAY_SECONDS = 5.0


class EventHub:
    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.client = client
        self._listeners: dict[str, set[asyncio.Queue[str]]] = {}
        self._confirmed: dict[str, asyncio.Event] = {}
        self._pubsub: redis.asyncio.client.PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def channels(self) -> int:
        """Channels with listeners (those being unsubscribed are not counted)."""
        return sum(1 for listeners in self._listeners.values() if listeners)

    @contextlib.asynccontextmanager
    async def listen(self, *channels: str) -> AsyncIterator[asyncio.Queue[str]]:
        """One queue of the channels' messages (raw text as published, or :data:`RESYNC`).

        On entry the subscriptions are confirmed by Redis: whatever is published from then on
        arrives in the queue.
        """
        queue: asyncio.Queue[str] = asyncio.Queue()
        try:
            await self._add(channels, queue)
            yield queue
        finally:
            for channel in channels:
                self._remove(channel, queue)

    async def _add(self, channels: tuple[str, ...], queue: asyncio.Queue[str]) -> None:
        for channel in channels:  # at once: _remove finds them
            self._listeners.setdefault(channel, set()).add(queue)
        async with self._lock:
            # Again under the lock: an unsubscription may have dropped a channel meanwhile.
            for channel in channels:
                self._listeners.setdefault(channel, set()).add(queue)
            new = [channel for channel in channels if channel not in self._confirmed]
            if new:
                for channel in new:
                    self._confirmed[channel] = asyncio.Event()
                if self._pubsub is None:
                    self._pubsub = self.client.pubsub()
                await self._pubsub.subscribe(*new)
                if self._reader is None or self._reader.done():
                    self._reader = asyncio.create_task(self._read(), name="soul-event-hub")
            confirmed = [self._confirmed[channel] for channel in channels]
        await asyncio.wait_for(
            asyncio.gather(*(event.wait() for event in confirmed)), CONFIRM_TIMEOUT_SECONDS
        )

    def _remove(self, channel: str, queue: asyncio.Queue[str]) -> None:
        """Forget a listener at once (no await: a client that hangs up cancels its stream, and
        a cancelled await here would leave the listener and its subscription behind)."""
        listeners = self._listeners.get(channel)
        if listeners is None:
            return
        listeners.discard(queue)
        if not listeners:
            task = asyncio.get_running_loop().create_task(self._unsubscribe_if_idle(channel))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _unsubscribe_if_idle(self, channel: str) -> None:
        async with self._lock:
            if self._listeners.get(channel):
                return  # someone subscribed again meanwhile
            self._listeners.pop(channel, None)
            self._confirmed.pop(channel, None)
            if self._pubsub is not None:
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        """Read the connection until nothing is subscribed on it; the next subscription starts
        another reader."""
        delay = 0.1
        while self._listeners:
            try:
                assert self._pubsub is not None
                async for message in self._pubsub.listen():
                    delay = 0.1
                    self._dispatch(message)
                    if not self._listeners:
                        return
                # Nothing is subscribed at this moment, though a listener may be waiting to
                # subscribe (the last channel's unsubscription was confirmed meanwhile). Looping
                # would never await, starving the loop; that subscription starts a new reader.
                return
            except (RedisError, OSError) as exc:
                log.warning("event hub lost Redis (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY_SECONDS)
                await self._reconnect()
            except RuntimeError:
                return  # no channel subscribed any more

    def _dispatch(self, message: dict[str, object]) -> None:
        kind = message.get("type")
        channel = _text(message.get("channel"))
        if kind == "subscribe":
            confirmed = self._confirmed.get(channel)
            if confirmed is not None:
                confirmed.set()
        elif kind == "message":
            for queue in self._listeners.get(channel, ()):
                queue.put_nowait(_text(message.get("data")))

    async def _reconnect(self) -> None:
        async with self._lock:
            old, self._pubsub = self._pubsub, None
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.aclose()
            if not self._listeners:
                return
            try:
                self._pubsub = self.client.pubsub()
                await self._pubsub.subscribe(*self._listeners)
            except (RedisError, OSError):
                self._pubsub = self.client.pubsub()  # try again on the next turn
                return
            # Once per listener, however many channels it listens to.
            for queue in {queue for queues in self._listeners.values() for queue in queues}:
                queue.put_nowait(RESYNC)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
