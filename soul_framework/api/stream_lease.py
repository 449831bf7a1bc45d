"""An open event stream lives only as long as the session that opened it.

Each stream holds a lease: one of the user's ``SOUL_MAX_STREAMS_PER_USER`` places (taken when
it opens, 429 beyond), and the access token it was opened with. The stream listens to its
session's end on Redis, so a logout elsewhere reaches it before anything published after it;
and every ``SOUL_STREAM_CHECK_SECONDS`` (at once after the event hub reconnected, since a notice
may have been lost) it checks the session again and renews its place. When the token expires or
the session is revoked, the stream sends ``event: error`` with the error envelope (the same code
a request would get: ``invalid_token``, ``session_revoked``, ...) and closes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator

from soul_framework.api.request_id import current_request_id
from soul_framework.api.sse import sse
from soul_framework.api.state import app_state
from soul_framework.auth.revocation import ENDED, ENDED_CHANNEL
from soul_framework.auth.service import AuthService
from soul_framework.auth.tokens import Principal
from soul_framework.domain.ids import utcnow
from soul_framework.errors import SoulError
from soul_framework.jobs.events import RESYNC

LEASES_PER_CHECK = 3
"""A place is leased for this many check intervals: a stream that misses one renewal keeps it."""
EXPIRY_MARGIN_SECONDS = 0.05
"""Checked this long after the token's ``exp``, when it is sure to be refused."""


class StreamLease:
    def __init__(
        self,
        auth: AuthService,
        token: str,
        principal: Principal,
        slot: str,
        *,
        check_seconds: float,
        keepalive_seconds: float,
        request_id: str,
    ) -> None:
        self.auth = auth
        self.token = token
        self.principal = principal
        self.slot = slot
        self.check_seconds = check_seconds
        self.keepalive_seconds = keepalive_seconds
        self.request_id = request_id
        self.ended: SoulError | None = None
        """Why the session no longer holds the stream, once it does not."""

    @property
    def ended_channel(self) -> str:
        """The channel a revocation of the session is published on: listen to it too."""
        return ENDED_CHANNEL.format(self.principal.session_id)

    async def feed(self, queue: asyncio.Queue[str]) -> AsyncIterator[str | None]:
        """The queue's messages (:data:`RESYNC` included) while the session holds; None when a
        keep-alive comment is due. Ends when the session does (see :attr:`ended`)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        check_at = now + self.check_seconds
        keepalive_at = now + self.keepalive_seconds
        expires_at = self._expiry(now)
        while True:
            wake = min(keepalive_at, check_at, expires_at)
            try:
                raw: str | None = await asyncio.wait_for(queue.get(), max(0.0, wake - now))
            except TimeoutError:
                raw = None
            now = loop.time()
            if raw in (ENDED, RESYNC) or now >= check_at or now >= expires_at:
                if not await self._still_held():
                    return
                check_at = now + self.check_seconds
                expires_at = max(self._expiry(now), now + self.check_seconds / 10)
                if raw == ENDED:
                    continue
            if raw is None:
                if now >= keepalive_at:
                    keepalive_at = now + self.keepalive_seconds
                    yield None
                continue
            keepalive_at = now + self.keepalive_seconds
            yield raw

    def _expiry(self, now: float) -> float:
        """When (on the loop's clock) the token expires; never, for a token without ``exp``."""
        if self.principal.expires_at is None:
            return math.inf
        return now + self.principal.expires_at - time.time() + EXPIRY_MARGIN_SECONDS

    async def _still_held(self) -> bool:
        try:
            await asyncio.gather(
                self.auth.authenticate(self.token, utcnow()),
                self._renew(),
            )
        except SoulError as exc:  # refused, or neither Redis nor the store could say
            self.ended = exc
            return False
        return True

    async def _renew(self) -> None:
        await self.auth.streams.renew_quietly(
            self.principal.user_id, self.slot, self.check_seconds * LEASES_PER_CHECK
        )

    def farewell(self) -> str:
        """The last event of a stream its session no longer holds ("" while it does)."""
        if self.ended is None:
            return ""
        error = {
            "code": self.ended.code,
            "message": self.ended.message,
            "request_id": self.request_id,
        }
        return sse("error", {"error": error})

    def close(self) -> None:
        """Give the place back (without waiting: a stream is closed by a cancellation)."""
        self.auth.streams.give_back_soon(self.principal.user_id, self.slot)


async def lease_stream(principal: Principal, token: str) -> StreamLease:
    """A lease for a stream the request is about to open; 429 ``rate_limited`` (with
    ``Retry-After``) when the user holds ``SOUL_MAX_STREAMS_PER_USER`` streams already."""
    state = app_state()
    settings = state.runtime.settings
    check_seconds = settings.soul_stream_check_seconds
    slot = await state.auth.streams.take(
        principal.user_id, settings.soul_max_streams_per_user, check_seconds * LEASES_PER_CHECK
    )
    return StreamLease(
        state.auth,
        token,
        principal,
        slot,
        check_seconds=check_seconds,
        keepalive_seconds=settings.soul_sse_keepalive_seconds,
        request_id=current_request_id(),
    )
