"""Finding jobs that went astray: those whose worker died end ``failed`` / ``worker_lost`` (or
``succeeded``, when the store holds their reply) and the next one runs; those whose turn came
but that never reached a worker are queued again."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis

from soul_framework.config import Settings
from soul_framework.jobs.reflection_job import enqueue_reflection
from soul_framework.jobs.state import QUEUED, RUNNING_KEY, JobStates
from soul_framework.jobs.turns import hand_turn, waiting_on_queue
from soul_framework.protocols import Store

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 10.0
REPLY_LOOKBACK_MESSAGES = 50
"""How many of a conversation's latest messages are searched for a lost job's reply (the
user's later messages wait for this job's turn, so its reply is among the last)."""


async def sweep_lost_jobs(
    states: JobStates, connection: redis.Redis, settings: Settings, store: Store | None = None
) -> int:
    """Finish every running job whose heart stopped; returns how many this call finished.

    A job whose reply is in ``store`` (its worker stored it, then died or gave up recording it
    while Redis was away) ends ``succeeded`` with that reply, and its reflection is queued as
    the worker would have; any other ends ``failed`` / ``worker_lost``. Safe to run in every
    process at once: finishing is atomic, so a job ends once.
    """
    finished_here = 0
    for job_id in await states.stale():
        view = await states.view(job_id)
        if view is None:  # its state expired: nothing left to finish
            await states.client.zrem(RUNNING_KEY, job_id)
            continue
        payload = await states.payload(job_id) or {}
        result = await stored_reply(states, store, job_id, payload) if store else None
        if result is None:
            finished, next_job = await states.finish(job_id, view.owner, error="worker_lost")
        else:
            finished, next_job = await states.finish(job_id, view.owner, result=result)
        if finished:
            finished_here += 1
            if result is None:
                log.warning("job %s lost its worker; marked failed (worker_lost)", job_id)
            else:
                log.warning("job %s lost its worker after its reply was stored; succeeded", job_id)
                await _reflect_later(connection, settings, job_id, payload)
        if finished and next_job:
            await hand_turn(states, connection, settings, next_job)
    return finished_here


async def stored_reply(
    states: JobStates, store: Store, job_id: str, payload: dict[str, Any]
) -> dict[str, Any] | None:
    """A lost job's result as its reply in the store gives it (the reply's text and expression,
    and the time from the job's start to the reply); None when the store holds no reply to the
    job's message, or cannot tell now."""
    conversation_id, message_id = payload.get("conversation_id"), payload.get("message_id")
    if not conversation_id or not message_id:
        return None
    try:
        messages = await store.list_messages(
            conversation_id, limit=REPLY_LOOKBACK_MESSAGES, before_seq=None
        )
    except Exception as exc:  # the store is away too: the job ends as lost, as it would have
        log.warning("job %s: its reply could not be looked for (%r)", job_id, exc)
        return None
    reply = next((m for m in messages if m.from_agent and m.reply_to == message_id), None)
    if reply is None:
        return None
    started = await states.started_at(job_id)
    elapsed = reply.timestamp.timestamp() - started if started else 0.0
    return {
        "response": reply.message,
        "time": round(max(elapsed, 0.0), 3),
        "expression": reply.expression or "neutral",
    }


async def _reflect_later(
    connection: redis.Redis, settings: Settings, job_id: str, payload: dict[str, Any]
) -> None:
    try:
        await asyncio.to_thread(enqueue_reflection, connection, settings, payload)
    except Exception:
        log.exception("could not queue the reflection of job %s", job_id)


async def requeue_stalled_turns(
    states: JobStates, connection: redis.Redis, settings: Settings, now: float | None = None
) -> int:
    """Queue again every job whose turn it is but that is neither on RQ's queue nor running
    (its queueing failed, or Redis lost it on its way to a worker); returns how many.

    A job queued twice runs once: only a worker that finds it still queued starts it.
    """
    requeued = 0
    for job_id in await states.stalled(now):
        view = await states.view(job_id)
        if view is None or view.status != QUEUED:
            await states.forget_queued(job_id)
            continue
        first = await states.first_of(view.owner)
        while first is not None and first != job_id and await states.view(first) is None:
            first = await states.drop_turn(view.owner, first)  # its state expired
        if first == job_id and not await waiting_on_queue(states, job_id):
            log.warning("job %s had its turn but no worker had it; queued again", job_id)
            await hand_turn(states, connection, settings, job_id)
            requeued += 1
        await states.checked(job_id, now)  # waiting its turn or a worker: look again later
    return requeued


async def keep_sweeping(
    states: JobStates, connection: redis.Redis, settings: Settings, store: Store | None = None
) -> None:
    """Sweep every ``SWEEP_EVERY_SECONDS`` until cancelled; Redis outages are waited out."""
    while True:
        try:
            await sweep_lost_jobs(states, connection, settings, store)
            await requeue_stalled_turns(states, connection, settings)
        except (redis.RedisError, OSError) as exc:
            log.debug("sweep skipped: %s", exc)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # redis-py can absorb a cancellation that lands mid-command (the command returns
            # or fails instead); stop as asked rather than sleep on, or shutdown waits for ever.
            raise asyncio.CancelledError
        await asyncio.sleep(SWEEP_EVERY_SECONDS)
