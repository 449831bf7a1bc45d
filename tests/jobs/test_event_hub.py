"""The event hub: one pub/sub connection, no listener left behind, whatever the clients do."""

from __future__ import annotations

import asyncio

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
