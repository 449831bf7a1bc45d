"""The job functions workers run: thin sync entries around the async pipeline.

Jobs run on the worker process's event loop with the store, LLM provider and Redis client it
keeps for all of them (:mod:`soul_framework.jobs.context`). A forked work-horse builds its own
and closes them when its one job ends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial
from typing import Any

import redis
from redis.exceptions import RedisError
from rq.timeouts import JobTimeoutException

from soul_framework.domain.events import ReplyEvent
from soul_framework.domain.ids import utcnow
from soul_framework.errors import SoulError, StorageUnavailable
from soul_framework.jobs.connection import async_redis, sync_redis
from soul_framework.jobs.context import (
    JobContext,
    abandon_job_context,
    close_job_context,
    job_context,
)
from soul_framework.jobs.reflection_job import enqueue_reflection
from soul_framework.jobs.state import HEARTBEAT_SECONDS, JobStates
from soul_framework.jobs.token_relay import TokenRelay
from soul_framework.jobs.turns import RQ_TIMEOUT_MARGIN_SECONDS, hand_turn
from soul_framework.jobs.worker import in_work_horse, process_runtime
from soul_framework.mind.reply import Mind, ReplyRequest, reply
from soul_framework.runtime import Runtime

log = logging.getLogger(__name__)

FINISH_SLACK_SECONDS = 5.0
"""A job that ran to its end keeps trying to record it while Redis is unreachable until this
long before RQ's backstop would cut it off (a job cut off does not wait: its worker is stopping
or its time is up)."""
END_TIMEOUT_SECONDS = 3.0
"""How long ending a job that was cut off may take on the jobs' loop before the loop counts as
stuck (short: a worker stopping has a few seconds before it is killed)."""


def answer_message(payload: dict[str, Any]) -> None:
    """Answer one user message (``payload`` as built by ``POST /v1/messages/submit``)."""
    runtime = process_runtime()
    context = job_context(runtime)
    try:
        context.call(partial(_answer, payload=payload))
    except JobTimeoutException:
        # RQ's backstop fired: the job overran its own deadline by the margin.
        _end_cut_off(context, runtime, payload, error="timeout")
        raise
    except (SystemExit, KeyboardInterrupt):
        # A cold shutdown cut the job off: end it now, not when the sweeper finds it.
        _end_cut_off(context, runtime, payload, error="worker_lost")
        raise
    finally:
        if in_work_horse():
            close_job_context()  # the horse exits after its one job, without clean-up


async def _answer(context: JobContext, payload: dict[str, Any]) -> None:
    states = context.states
    job_id = payload["job_id"]
    if not await states.start(job_id):
        return  # already finished (e.g. taken for lost while it waited)
    started = time.monotonic()
    settings = context.runtime.settings
    # RQ kills the job at its own timeout: waiting for Redis to record the outcome ends first.
    backstop = started + settings.soul_job_timeout_seconds + RQ_TIMEOUT_MARGIN_SECONDS
    # The heart beats until the outcome is recorded: a job whose reply is made, waiting for
    # Redis to come back, is not lost.
    heart = asyncio.create_task(_beat(states, job_id))
    try:
        outcome = await _outcome(context, payload)
        await _finish(
            context.runtime,
            states,
            context.connection,
            payload,
            patience=backstop - FINISH_SLACK_SECONDS - time.monotonic(),
            **outcome,
        )
    finally:
        heart.cancel()
    if "result" in outcome:
        await _reflect_later(context, payload)
        await _observe(context.runtime, payload, outcome["result"])


async def _beat(states: JobStates, job_id: str) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await states.beat(job_id)
        except (RedisError, OSError) as exc:  # the next beat tries again
            log.debug("job %s: heartbeat not sent (%r)", job_id, exc)


async def _outcome(context: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Make the reply within the job's deadline: ``{"result": ...}`` or ``{"error": code}``."""
    job_id = payload["job_id"]
    settings = context.runtime.settings
    try:
        async with asyncio.timeout(settings.soul_job_timeout_seconds):
            return {"result": await _reply(context, payload)}
    except TimeoutError:
        return {"error": "timeout"}
    except SoulError as exc:
        log.warning("job %s failed: %s (%s)", job_id, exc.code, exc)
        if isinstance(exc, StorageUnavailable):
            await context.discard_store()  # the next job opens it again
        return {"error": exc.code}
    except Exception:
        log.exception("job %s failed unexpectedly", job_id)
        return {"error": "internal_error"}


async def _reply(context: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """What the job does: the mind's reply, its text streamed as ``token`` events."""
    runtime = context.runtime
    tokens = TokenRelay(context.states, payload["job_id"])
    request = ReplyRequest(
        agent_id=payload["agent_id"],
        agent_name=payload["agent_name"],
        user_id=payload["user_id"],
        username=payload["username"],
        conversation_id=payload["conversation_id"],
        message_id=payload["message_id"],
        message=payload["message"],
        kind=payload.get("type", "dm"),
    )
    try:
        result = await reply(
            request,
            await context.store(),
            context.provider,
            on_text=tokens.send,
            timeout_seconds=runtime.settings.soul_llm_timeout_seconds,
            mind=Mind.of(runtime),
        )
    except BaseException:
        tokens.cancel()
        raise
    await tokens.flush()  # every token before ``done``
    return result


async def _reflect_later(context: JobContext, payload: dict[str, Any]) -> None:
    """Queue the reflection; the reply stands whether or not that works."""
    try:
        settings = context.runtime.settings
        await asyncio.to_thread(enqueue_reflection, context.connection, settings, payload)
    except Exception:
        log.exception("could not queue the reflection of job %s", payload["job_id"])


async def _finish(
    runtime: Runtime,
    states: JobStates,
    connection: redis.Redis,
    payload: dict[str, Any],
    *,
    patience: float = 0.0,
    **outcome: Any,
) -> None:
    """End the job (once) and enqueue the owner's next one; ``connection`` is RQ's client.

    While Redis is away, ending is tried again for up to ``patience`` seconds, so that a
    reply made during an outage is kept; after that the sweeper ends the job as ``worker_lost``.
    If the next job cannot be queued, the sweeper queues it later.
    """
    job_id = payload["job_id"]
    deadline = time.monotonic() + patience
    delay = 0.25
    while True:
        try:
            _, next_job = await states.finish(job_id, payload["user_id"], **outcome)
            break
        except (RedisError, OSError) as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("job %s: could not end it (%r); trying again", job_id, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
    if next_job:
        try:
            await hand_turn(states, connection, runtime.settings, next_job)
        except (RedisError, OSError) as exc:
            log.warning("job %s: the next one was not queued now (%r)", next_job, exc)


def _end_cut_off(
    context: JobContext, runtime: Runtime, payload: dict[str, Any], *, error: str
) -> None:
    """End a job that was cut off (it ignored its deadline, or the worker is stopping) with
    ``error``. On a loop so stuck that it cannot do even that, the loop is given up and the
    job ended on a loop of its own. When Redis cannot be reached either, the sweeper ends the
    job later (as ``worker_lost``)."""
    try:
        try:
            context.call(partial(_end, payload=payload, error=error), timeout=END_TIMEOUT_SECONDS)
            return
        except TimeoutError:
            abandon_job_context()
        asyncio.run(_end_alone(runtime, payload, error=error))
    except Exception as exc:
        log.warning("job %s could not be ended as %s now: %r", payload["job_id"], error, exc)


async def _end(context: JobContext, payload: dict[str, Any], *, error: str) -> None:
    await _finish(context.runtime, context.states, context.connection, payload, error=error)


async def _end_alone(runtime: Runtime, payload: dict[str, Any], *, error: str) -> None:
    """:func:`_end` with clients of its own, closed at the end."""
    client = async_redis(runtime.settings)
    connection = sync_redis(runtime.settings)
    try:
        states = JobStates(client, runtime.settings.soul_job_result_ttl_seconds)
        await _finish(runtime, states, connection, payload, error=error)
    finally:
        connection.close()
        await client.aclose()


async def _observe(runtime: Runtime, payload: dict[str, Any], result: dict[str, Any]) -> None:
    """Tell ``reply_generated`` observers; their failures are logged, never the job's."""
    event = ReplyEvent(
        agent_name=payload["agent_name"],
        user_id=payload["user_id"],
        job_id=payload["job_id"],
        message=payload["message"],
        response=result.get("response"),
        expression=result.get("expression", "neutral"),
        at=utcnow(),
    )
    await runtime.hooks.reply_generated(event, runtime.settings)
