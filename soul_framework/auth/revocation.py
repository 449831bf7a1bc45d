"""Is this session still good? Asked on every authenticated request, so it must be cheap.

The store holds the truth; Redis caches it both ways. A revoked session's id is kept there for
as long as an access token of it can live (``ACCESS_TTL_MIN``), and a session the store has just
confirmed as live is remembered for ``SOUL_SESSION_CACHE_SECONDS``. A request costs one ``MGET``
of both keys; only when neither is there (a new session, an expired cache entry, a Redis that
restarted empty) is the store asked, and its answer cached. When Redis cannot answer, the store
is asked every time; when neither can, the request is refused (503 ``storage_unavailable``).

A revocation Redis could not take is not forgotten: this process refuses the session at once
and writes the revocation again until Redis takes it, so it is in force everywhere once Redis is
back (a "live" entry written before the outage lasts at most ``SOUL_SESSION_CACHE_SECONDS``
even if this process dies meanwhile). Every revocation is also published on
:data:`ENDED_CHANNEL`, which open event streams listen to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime

import redis.asyncio
from redis.exceptions import RedisError

from soul_framework.errors import AuthFailed
from soul_framework.protocols import Store

log = logging.getLogger(__name__)

KEY = "soul:revoked-session:{}"
LIVE_KEY = "soul:live-session:{}"
ENDED_CHANNEL = "soul:session-ended:{}"
"""Published (data :data:`ENDED`) when the session is revoked."""
ENDED = "session-ended"
RETRY_SECONDS = 1.0
"""How often a revocation Redis refused is offered again."""


def _revoked() -> AuthFailed:
    return AuthFailed("session_revoked", "The session has been revoked.")


class Revocations:
    def __init__(
        self,
        client: redis.asyncio.Redis,
        store: Store,
        ttl_seconds: int,
        live_seconds: float,
    ) -> None:
        self.client = client
        self.store = store
        self.ttl_seconds = ttl_seconds
        self.live_seconds = min(live_seconds, ttl_seconds)
        self._unrecorded: set[str] = set()
        """Revoked in the store, not yet in Redis: refused here without asking anyone."""
        self._retrying: asyncio.Task[None] | None = None

    async def revoked(self, session_ids: Iterable[str]) -> None:
        """Record sessions the store has just revoked, so their access tokens stop now."""
        ids = list(session_ids)
        if not ids:
            return
        try:
            await self._record(ids)
        except RedisError as exc:
            log.warning(
                "could not record %d revoked sessions in Redis (%s): retrying until it answers",
                len(ids),
                exc,
            )
            self._unrecorded.update(ids)
            if self._retrying is None or self._retrying.done():
                self._retrying = asyncio.get_running_loop().create_task(
                    self._record_until_taken(), name="soul-revocations"
                )

    async def _record(self, ids: list[str]) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for session_id in ids:
                pipe.set(KEY.format(session_id), 1, ex=self.ttl_seconds)
                pipe.delete(LIVE_KEY.format(session_id))
                pipe.publish(ENDED_CHANNEL.format(session_id), ENDED)
            await pipe.execute()

    async def _record_until_taken(self) -> None:
        while self._unrecorded:
            await asyncio.sleep(RETRY_SECONDS)
            ids = sorted(self._unrecorded)
            try:
                await self._record(ids)
            except RedisError:
                continue
            self._unrecorded.difference_update(ids)
            log.info("recorded %d revoked sessions in Redis after its outage", len(ids))

    async def check(self, session_id: str, now: datetime) -> None:
        """Raise ``session_revoked`` / ``session_expired`` unless the session is good (a session
        the store does not know is revoked); ``StorageUnavailable`` when nobody can tell."""
        if session_id in self._unrecorded:
            raise _revoked()
        cache = True
        try:
            revoked, live = await self.client.mget(
                KEY.format(session_id), LIVE_KEY.format(session_id)
            )
        except RedisError:
            cache = False
        else:
            if revoked is not None:
                raise _revoked()
            if live is not None:
                return
        session = await self.store.get_session(session_id)
        if session is None or session.revoked_at is not None:
            if cache:
                with contextlib.suppress(RedisError):
                    await self.client.set(KEY.format(session_id), 1, ex=self.ttl_seconds)
            raise _revoked()
        left = (session.expires_at - now).total_seconds()
        if left <= 0:
            raise AuthFailed("session_expired", "The session has expired.")
        if cache:
            # Never longer than the session lives. A revocation landing between the store's
            # answer and this write is not hidden by it: the revoked key is read first.
            remembered_ms = max(1, int(min(left, self.live_seconds) * 1000))
            with contextlib.suppress(RedisError):
                await self.client.set(LIVE_KEY.format(session_id), 1, px=remembered_ms)

    def close(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
