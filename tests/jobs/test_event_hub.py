"""The event hub: one pub/sub connection, no listener left behind, whatever the clients do."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio

from soul_framework.config import Settings
from soul_framework.jobs.connection import async_redis
from soul_framework.jobs.events import EventHub


async def test_every_listener_gets_every_message(redis_url):
    client = async_redis(Settings(_env_file=None, redis_url=redis_url))
    hub = EventHub(client)
    publisher = redis.asyncio.Redis.from_url(redis_url)
    try:
        async with (
            hub.listen("job:a") as first,
            hub.listen("job:a") as second,
            hub.listen("job:b") as third,
        ):
            await publisher.publish("job:a", "to a")
            await publisher.publish("job:b", "to b")
            assert await asyncio.wait_for(first.get(), 2) == "to a"
            assert await asyncio.wait_for(second.get(), 2) == "to a"
            assert await asyncio.wait_for(third.get(), 2) == "to b"
    finally:
        await hub.aclose()
        await publisher.aclose()
        await client.aclose()


@pytest.mark.timeout(30)
async def test_cancelled_listeners_leave_no_subscription_behind(redis_url):
    """Clients hang up at any moment: their streams are cancelled, mid-subscribe or later."""
    client = async_redis(Settings(_env_file=None, redis_url=redis_url))
    hub = EventHub(client)
    probe = redis.asyncio.Redis.from_url(redis_url)
    channels = [f"job:cancel-{i}" for i in range(60)]

    async def listener(channel: str) -> None:
        async with hub.listen(channel):
            await asyncio.sleep(10)

    try:
        tasks = [asyncio.create_task(listener(c)) for c in channels]
        await asyncio.sleep(0)  # some are still waiting for the lock, some subscribing
        for i, task in enumerate(tasks):
            if i % 3 == 0:
                task.cancel()
        await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for _ in range(50):
            if hub.channels == 0:
                counts = dict(await probe.pubsub_numsub(*channels))
                if not any(counts.values()):
                    break
            await asyncio.sleep(0.1)
        assert hub.channels == 0
        assert not any(dict(await probe.pubsub_numsub(*channels)).values())
    finally:
        await hub.aclose()
        await probe.aclose()
        await client.aclose()


@pytest.mark.timeout(10)
async def test_a_reader_that_finds_nothing_subscribed_gives_way(redis_url):
    """A stream's listener is registered before its channel is subscribed (which waits for the
    hub's lock). If the last channel's unsubscription is confirmed meanwhile, the reader finds
    nothing subscribed while a listener waits: it must end (the subscription starts another),
    not spin and starve the loop."""
    client = async_redis(Settings(_env_file=None, redis_url=redis_url))
    hub = EventHub(client)
    publisher = redis.asyncio.Redis.from_url(redis_url)
    try:
        async with hub.listen("job:first"):
            pass
        for _ in range(50):  # the unsubscription is confirmed: nothing is subscribed
            if hub._pubsub is not None and not hub._pubsub.subscribed:
                break
            await asyncio.sleep(0.05)
        received: asyncio.Queue[str] = asyncio.Queue()

        async def second_stream() -> None:
            async with hub.listen("job:second") as queue:
                await received.put("subscribed")
                await received.put(await queue.get())

        started = time.monotonic()
        async with hub._lock:  # a subscription in progress holds it
            stream = asyncio.create_task(second_stream())
            await asyncio.sleep(0)  # its listener is registered and waits for the lock
            hub._reader = asyncio.create_task(hub._read())  # a reader running at that moment
            await asyncio.sleep(0.1)
        assert await asyncio.wait_for(received.get(), 5) == "subscribed"
        await publisher.publish("job:second", "hello")
        assert await asyncio.wait_for(received.get(), 5) == "hello"
        await stream
        # A spinning reader holds the loop until the test's timeout interrupts it.
        assert time.monotonic() - started < 5
    finally:
        await hub.aclose()
        await publisher.aclose()
        await client.aclose()
