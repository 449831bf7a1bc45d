"""Is this session still good? Asked on every authenticated request, so it must be cheap.

A revoked session's id is kept in Redis for as long as an access token of it can live
(``ACCESS_TTL_MIN``): one ``EXISTS`` per request. Session expiry needs no lookup at all,
because access tokens never outlive their session. When Redis cannot answer, the store is
asked instead: slower, never wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import redis.asyncio
from redis.exceptions import RedisError

from soul_framework.errors import AuthFailed
from soul_framework.protocols import Store

log = logging.getLogger(__name__)

KEY = "soul:revoked-session:{}"


class Revocations:
    def __init__(self, client: redis.asyncio.Redis, store: Store, ttl_seconds: int) -> None:
        self.client = client
        self.store = store
        self.ttl_seconds = ttl_seconds

    async def revoked(self, session_ids: Iterable[str]) -> None:
        """Record sessions the store has just revoked, so their access tokens stop now."""
        ids = list(session_ids)
        if not ids:
            return
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for session_id in ids:
                    pipe.set(KEY.format(session_id), 1, ex=self.ttl_seconds)
                await pipe.execute()
        except RedisError as exc:
            # The store has the truth; while Redis is away, checks ask the store.
            log.warning("could not record %d revoked sessions in Redis: %s", len(ids), exc)

    async def check(self, session_id: str, now: datetime) -> None:
        """Raise ``session_revoked`` / ``session_expired`` unless the session is good."""
        try:
            if await self.client.exists(KEY.format(session_id)):
                raise AuthFailed("session_revoked", "The session has been revoked.")
            return
        except RedisError:
            pass
        session = await self.store.get_session(session_id)
        if session is None or session.revoked_at is not None:
            raise AuthFailed("session_revoked", "The session has been revoked.")
        if session.expires_at <= now:
            raise AuthFailed("session_expired", "The session has expired.")
