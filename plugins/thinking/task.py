"""The thinking task: one thinking pass of the active agent, then its outreach.

The core runs it once per ``THINKING_RATE_SECONDS`` across the whole cluster (see
:mod:`soul_framework.scheduling`), in a worker, with a store and provider of its own.
"""

from __future__ import annotations

from typing import Any

from soul_framework.config import Settings
from soul_framework.domain.conversation import Message
from soul_framework.domain.events import ThoughtEvent
from soul_framework.jobs.connection import async_redis
from soul_framework.jobs.deliveries import deliver
from soul_framework.mind.reply import Mind
from soul_framework.mind.thinking import think
from soul_framework.observers import notify


class ThinkingTask:
    name = "thinking"

    def __init__(self, settings: Settings) -> None:
        self.interval_seconds = settings.thinking_rate_seconds

    async def run(self, runtime: Any) -> None:
        store = runtime.fresh("store")
        provider = runtime.fresh("llm_provider")
        client = async_redis(runtime.settings)

        async def to_user(user_id: str, message: Message) -> None:
            await deliver(client, user_id, message)

        try:
            await store.open()
            outcome = await think(
                store,
                provider,
                Mind.of(runtime),
                agent_name=runtime.agent_name,
                deliver=to_user,
            )
            event = ThoughtEvent(
                agent_name=runtime.agent_name,
                thought=outcome.thought.thought,
                at=outcome.thought.created_at,
            )
            await notify(runtime.pm, "thought_generated", event=event, settings=runtime.settings)
        finally:
            await store.close()
            await provider.aclose()
            await client.aclose()
