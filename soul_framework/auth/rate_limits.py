"""Rate limits counted atomically in Redis: one script call per request.

A fixed window per key: the script increments the count and sets the window's expiry in the
same step (never INCR then EXPIRE as two commands, which can leave a key without expiry), and
returns how long until the window ends, which becomes ``Retry-After``.
"""

from __future__ import annotations

import logging
import math

import redis.asyncio
from redis.exceptions import RedisError

from soul_framework.config import parse_rate
from soul_framework.errors import RateLimited

log = logging.getLogger(__name__)

_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RateLimiter:
    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.client = client
        self._hit = client.register_script(_HIT)

    async def hit(self, name: str, subject: str, rate: str) -> bool:
        """Count one request of ``subject`` against ``rate``; raise ``RateLimited`` when over.

        When Redis cannot be reached the request is let through (and logged): refusing every
        sign-in because the limiter is down would be the worse failure. Returns whether Redis
        answered, which a caller about to use Redis anyway may take as its health check.
        """
        limit, period = parse_rate(rate)
        key = f"soul:rate:{name}:{subject}"
        try:
            count, ttl_ms = await self._hit(keys=[key], args=[period * 1000])
        except RedisError as exc:
            log.warning("rate limit %s not checked (Redis unavailable): %s", name, exc)
            return False
        if int(count) > limit:
            raise RateLimited(math.ceil(int(ttl_ms) / 1000))
        return True
