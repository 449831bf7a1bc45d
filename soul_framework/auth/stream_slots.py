"""How many event streams a user holds open, counted in Redis across every API process.

Each open stream holds a place in a sorted set per user, scored with the time its lease runs
out; the stream renews it while it lives and gives it back when it ends. A process that dies
without giving its places back loses them when their leases run out, so a crash never locks a
user out for long. Times are Redis's own clock (``TIME``), so processes on several machines
agree.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid

import redis.asyncio
from redis.exceptions import RedisError

from soul_framework.errors import QueueUnavailable, RateLimited

log = logging.getLogger(__name__)

KEY = "soul:streams:{}"

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

_TAKE = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, tonumber(first[2]) - now}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, 0}
"""
)

_RENEW = (
    _NOW
    + """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
)


class StreamSlots:
    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.client = client
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)
        self._giving_back: set[asyncio.Task[None]] = set()

    async def take(self, user_id: str, limit: int, lease_seconds: float) -> str:
        """A place for one more stream of ``user_id``; its id, to renew and give back.

        ``RateLimited`` (with the seconds until the soonest lease runs out) when the user holds
        ``limit`` already; ``QueueUnavailable`` when Redis cannot count (a stream could not
        work without Redis anyway).
        """
        slot = uuid.uuid4().hex
        try:
            taken, wait_ms = await self._take(
                keys=[KEY.format(user_id)], args=[slot, limit, int(lease_seconds * 1000)]
            )
        except RedisError as exc:
            raise QueueUnavailable() from exc
        if not int(taken):
            raise RateLimited(math.ceil(int(wait_ms) / 1000))
        return slot

    async def renew_quietly(self, user_id: str, slot: str, lease_seconds: float) -> None:
        """Extend the lease (taking the place again if Redis lost it meanwhile); while Redis is
        away the lease just runs on."""
        try:
            await self._renew(keys=[KEY.format(user_id)], args=[slot, int(lease_seconds * 1000)])
        except RedisError as exc:
            log.debug("stream lease of user %s not renewed: %s", user_id, exc)

    def give_back_soon(self, user_id: str, slot: str) -> None:
        """Free the place in the background (the caller may be being cancelled)."""
        task = asyncio.get_running_loop().create_task(self._give_back(user_id, slot))
        self._giving_back.add(task)
        task.add_done_callback(self._giving_back.discard)

    async def _give_back(self, user_id: str, slot: str) -> None:
        try:
            await self.client.zrem(KEY.format(user_id), slot)
        except RedisError as exc:  # its lease runs out instead
            log.debug("stream place of user %s not given back: %s", user_id, exc)
