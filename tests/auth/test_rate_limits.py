"""Rate limits are counted atomically in Redis and always expire."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio

from soul_framework.auth.rate_limits import RateLimiter
from soul_framework.errors import RateLimited


@pytest.fixture
async def limiter(redis_url):
    client = redis.asyncio.Redis.from_url(redis_url)
    yield RateLimiter(client), client
    async for key in client.scan_iter("soul:rate:test*"):
        await client.delete(key)
    await client.aclose()


async def test_concurrent_hits_are_counted_exactly(limiter):
    rate_limiter, client = limiter
    results = await asyncio.gather(
        *(rate_limiter.hit("test-burst", "me", "20/minute") for _ in range(30)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(refused) == 10
    assert all(1 <= r.retry_after_seconds <= 60 for r in refused)
    assert 0 < await client.pttl("soul:rate:test-burst:me") <= 60_000


async def test_a_key_without_expiry_gets_one(limiter):
    rate_limiter, client = limiter
    await client.set("soul:rate:test-stuck:me", 5)  # e.g. left by an interrupted older writer
    await rate_limiter.hit("test-stuck", "me", "10/hour")
    assert await client.pttl("soul:rate:test-stuck:me") > 0


async def test_subjects_have_separate_budgets(limiter):
    rate_limiter, _ = limiter
    await rate_limiter.hit("test-sep", "a", "1/minute")
    await rate_limiter.hit("test-sep", "b", "1/minute")
    with pytest.raises(RateLimited):
        await rate_limiter.hit("test-sep", "a", "1/minute")


async def test_redis_away_lets_requests_through():
    client = redis.asyncio.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    await RateLimiter(client).hit("test-away", "me", "1/minute")
    await RateLimiter(client).hit("test-away", "me", "1/minute")
    await client.aclose()
