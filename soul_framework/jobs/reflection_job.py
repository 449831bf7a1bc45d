"""The reflection job: after a reply succeeded, one more LLM call on the ``low`` queue.

It runs off the reply's critical path, so a slow or failing reflection never delays or fails
an answer; its failures are logged and the job ends failed in RQ's registry, nothing more.
Like replies, it runs on the worker's event loop with the store and clients kept for every job
(:mod:`soul_framework.jobs.context`).
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

import redis

from soul_framework.config import Settings
from soul_framework.errors import StorageUnavailable
from soul_framework.jobs.context import JobContext, close_job_context, job_context
from soul_framework.jobs.queues import enqueue_at_once
from soul_framework.jobs.turns import RQ_RESULT_TTL_SECONDS, RQ_TIMEOUT_MARGIN_SECONDS
from soul_framework.jobs.worker import in_work_horse, process_runtime
from soul_framework.mind.reflection import ReflectionRequest, reflect
from soul_framework.mind.reply import Mind

log = logging.getLogger(__name__)

REFLECTION_QUEUE = "low"
REFLECTION_TASK = "soul_framework.jobs.reflection_job.reflect_on_conversation"
PAYLOAD_KEYS = ("agent_id", "agent_name", "user_id", "username", "conversation_id")


def enqueue_reflection(
    connection: redis.Redis, settings: Settings, payload: dict[str, Any]
) -> None:
    """Queue the reflection on the conversation a reply just added to (blocking: call it from a
    thread in async code); ``connection`` is RQ's client."""
    _enqueue(connection, settings, {k: payload[k] for k in PAYLOAD_KEYS})


def _enqueue(connection: redis.Redis, settings: Settings, payload: dict[str, Any]) -> None:
    enqueue_at_once(
        connection,
        REFLECTION_QUEUE,
        REFLECTION_TASK,
        {"payload": payload},
        timeout=int(settings.soul_job_timeout_seconds) + RQ_TIMEOUT_MARGIN_SECONDS,
        result_ttl=RQ_RESULT_TTL_SECONDS,
        failure_ttl=settings.soul_job_result_ttl_seconds,
        description=f"reflect on the conversation with user {payload['user_id']}",
    )


def reflect_on_conversation(payload: dict[str, Any]) -> None:
    """RQ entry: reflect on one user's conversation (``payload`` as :func:`enqueue_reflection`
    stored it)."""
    context = job_context(process_runtime())
    try:
        context.call(partial(_reflect, payload=payload))
    finally:
        if in_work_horse():
            close_job_context()  # the horse exits after its one job, without clean-up


async def _reflect(context: JobContext, payload: dict[str, Any]) -> None:
    runtime = context.runtime
    try:
        async with asyncio.timeout(runtime.settings.soul_job_timeout_seconds):
            await reflect(
                ReflectionRequest(**{k: payload[k] for k in PAYLOAD_KEYS}),
                await context.store(),
                context.provider,
                mind=Mind.of(runtime),
                timeout_seconds=runtime.settings.soul_llm_timeout_seconds,
            )
    except StorageUnavailable:
        await context.discard_store()  # the next job opens it again
        raise
