"""A reply's tokens against real Redis: published in order, behind the model's stream, merged
while Redis is slow, all of them before the job goes on, never failing the reply."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
import redis.asyncio

from soul_framework.config import Settings
from soul_framework.domain.ids import new_id
from soul_framework.jobs.connection import async_redis
from soul_framework.jobs.state import CHANNEL, JobStates
from soul_framework.jobs.token_relay import TokenRelay
from soul_framework.testing import free_port


@pytest.fixture
async def client(redis_url):
    connection = async_redis(Settings(_env_file=None, redis_url=redis_url))
    yield connection
    await connection.aclose()


@pytest.fixture
async def listening(client):
    """A relay for a new job, and a function returning the deltas published on its channel."""
    job_id = new_id()
    pubsub = client.pubsub()
    await pubsub.subscribe(CHANNEL.format(job_id))
    await pubsub.get_message(timeout=1)  # the subscription's confirmation

    async def deltas() -> list[str]:
        got = []
        while (message := await pubsub.get_message(timeout=0.2)) is not None:
            payload = json.loads(message["data"])
            assert payload["event"] == "token"
            assert payload["data"]["job_id"] == job_id
            got.append(payload["data"]["delta"])
        return got

    yield TokenRelay(JobStates(client, 3600), job_id), deltas
    await pubsub.aclose()


async def test_tokens_are_published_in_order_by_the_time_flush_returns(listening):
    relay, deltas = listening
    for piece in ["Hel", "lo", "", " there"]:
        await relay.send(piece)
        await asyncio.sleep(0.01)  # the model's pace: each goes out on its own
    await relay.flush()
    assert await deltas() == ["Hel", "lo", " there"]


async def test_sending_does_not_wait_for_redis_and_a_slow_redis_gets_merged_events(
    listening, redis_url
):
    relay, deltas = listening
    pauser = redis.asyncio.Redis.from_url(redis_url)
    await pauser.execute_command("CLIENT", "PAUSE", 300, "WRITE")  # PUBLISH waits meanwhile
    try:
        await relay.send("one")
        await asyncio.sleep(0.05)  # "one" is on its way and held by Redis
        loop = asyncio.get_running_loop()
        started = loop.time()
        for piece in [" two", " three"]:
            await relay.send(piece)
        assert loop.time() - started < 0.05  # the stream was not held up
        await relay.flush()
        assert loop.time() - started > 0.15  # flush waited for Redis
    finally:
        await pauser.execute_command("CLIENT", "UNPAUSE")
        await pauser.aclose()
    assert await deltas() == ["one", " two three"]


async def test_flush_with_nothing_sent_returns(listening):
    relay, deltas = listening
    await relay.flush()
    assert await deltas() == []


async def test_cancel_drops_what_was_not_published(listening):
    relay, deltas = listening
    await relay.send("never")
    relay.cancel()
    await asyncio.sleep(0.05)
    assert await deltas() == []


async def test_tokens_redis_cannot_take_are_dropped_with_one_warning(caplog):
    unreachable = async_redis(
        Settings(_env_file=None, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    )
    relay = TokenRelay(JobStates(unreachable, 3600), "job-1")
    with caplog.at_level(logging.WARNING, logger="soul_framework.jobs.token_relay"):
        for piece in ["a", "b", "c"]:
            await relay.send(piece)
            await relay.flush()  # returns: a token never fails the reply
    await unreachable.aclose()
    warnings = [r for r in caplog.records if "token events not published" in r.getMessage()]
    assert len(warnings) == 1
