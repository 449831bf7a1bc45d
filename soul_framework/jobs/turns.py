"""Putting a job on the RQ queue when it is its owner's turn."""

from __future__ import annotations

import asyncio
from typing import Any

import redis
from rq import Queue

from soul_framework.config import Settings
from soul_framework.jobs.queues import enqueue_at_once
from soul_framework.jobs.state import JobStates

MESSAGE_QUEUE = "default"
MESSAGE_QUEUE_KEY = Queue.redis_queue_namespace_prefix + MESSAGE_QUEUE
"""The Redis list of RQ's queue that message jobs wait in."""
MESSAGE_TASK = "soul_framework.jobs.tasks.answer_message"
RQ_TIMEOUT_MARGIN_SECONDS = 30
"""RQ's own timeout is a backstop behind the job's: it kills a job that ignored its deadline."""
RQ_RESULT_TTL_SECONDS = 0
"""RQ keeps nothing of a job that succeeded: its outcome is in the job's own state (for
``SOUL_JOB_RESULT_TTL_SECONDS``). Keeping RQ's copy as well cost a worker several Redis
commands after every job and Redis the memory of every payload for a day; failed jobs stay in
RQ's failed registry for diagnosis."""


def enqueue_turn(
    connection: redis.Redis, settings: Settings, job_id: str, payload: dict[str, Any]
) -> None:
    """Enqueue the message job (blocking: call from a thread in async code)."""
    enqueue_at_once(
        connection,
        MESSAGE_QUEUE,
        MESSAGE_TASK,
        {"payload": payload},
        job_id=job_id,
        timeout=int(settings.soul_job_timeout_seconds) + RQ_TIMEOUT_MARGIN_SECONDS,
        result_ttl=RQ_RESULT_TTL_SECONDS,
        failure_ttl=settings.soul_job_result_ttl_seconds,
        description=f"answer a message of user {payload.get('user_id', '?')}",
    )


async def hand_turn(
    states: JobStates, connection: redis.Redis, settings: Settings, job_id: str
) -> None:
    """Enqueue ``job_id``, whose turn it now is (its payload waits in its state hash)."""
    payload = await states.payload(job_id)
    if payload is not None:
        await asyncio.to_thread(enqueue_turn, connection, settings, job_id, payload)


async def waiting_on_queue(states: JobStates, job_id: str) -> bool:
    """Whether ``job_id`` waits in RQ's message queue (for a worker to take it)."""
    return await states.client.lpos(MESSAGE_QUEUE_KEY, job_id) is not None
