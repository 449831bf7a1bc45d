"""A reply's text, relayed to its job's channel as ``token`` events while the model writes.

Publishing waits for Redis; the model's stream should not. :meth:`TokenRelay.send` only
takes the text, and one task publishes behind it, in order. Text that arrives while a publish
is on its way goes out together in the next event, so a model faster than Redis makes fewer,
longer events, never a backlog. :meth:`TokenRelay.flush` waits until everything sent has been
published, which the job does before it publishes ``done``.

Tokens are a courtesy (the job's result carries the whole reply): one that cannot be published
is dropped, with one warning per job.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from soul_framework.jobs.state import JobStates

log = logging.getLogger(__name__)


class TokenRelay:
    def __init__(self, states: JobStates, job_id: str) -> None:
        self.states = states
        self.job_id = job_id
        self._pending: list[str] = []
        self._publishing: asyncio.Task[None] | None = None
        self._warned = False

    async def send(self, text: str) -> None:
        """Queue ``text`` for publishing; returns at once."""
        if not text:
            return
        self._pending.append(text)
        if self._publishing is None or self._publishing.done():
            self._publishing = asyncio.create_task(self._publish_pending())

    async def flush(self) -> None:
        """Wait until all the text sent so far is published (or given up on)."""
        if self._publishing is not None:
            await asyncio.shield(self._publishing)

    def cancel(self) -> None:
        """Drop what is not published yet (the job ended otherwise)."""
        self._pending.clear()
        if self._publishing is not None:
            self._publishing.cancel()

    async def _publish_pending(self) -> None:
        while self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            try:
                await self.states.publish(
                    self.job_id, "token", {"job_id": self.job_id, "delta": text}
                )
            except (RedisError, OSError) as exc:
                if not self._warned:
                    log.warning("job %s: token events not published (%r)", self.job_id, exc)
                    self._warned = True
