"""The job functions workers run: thin sync entries around the async pipeline.

Each job runs on a fresh event loop (a forked work-horse has none), with a store and an LLM
provider of its own that it closes at the end.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rq.timeouts import JobTimeoutException

from soul_framework.domain.events import ReplyEvent
from soul_framework.domain.ids import utcnow
from soul_framework.errors import SoulError
from soul_framework.jobs.connection import async_redis, sync_redis
from soul_framework.jobs.reflection_job import enqueue_reflection
from soul_framework.jobs.state import HEARTBEAT_SECONDS, JobStates
from soul_framework.jobs.turns import hand_turn
from soul_framework.jobs.worker import process_runtime
from soul_framework.mind.reply import Mind, ReplyRequest, reply
from soul_framework.observers import notify
from soul_framework.runtime import Runtime

log = logging.getLogger(__name__)


def answer_message(payload: dict[str, Any]) -> None:
    """Answer one user message (``payload`` as built by ``POST /v1/messages/submit``)."""
    runtime = process_runtime()
    try:
        asyncio.run(_answer(runtime, payload))
    except JobTimeoutException:
        # RQ's backstop fired: the job overran its own deadline by the margin.
        asyncio.run(_end(runtime, payload, error="timeout"))
        raise


async def _beat(states: JobStates, job_id: str) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        await states.beat(job_id)


async def _answer(runtime: Runtime, payload: dict[str, Any]) -> None:
    settings = runtime.settings
    job_id, owner = payload["job_id"], payload["user_id"]
    client = async_redis(settings)
    states = JobStates(client, settings.soul_job_result_ttl_seconds)
    try:
        if not await states.start(job_id):
            return  # already finished (e.g. taken for lost while it waited)
        heart = asyncio.create_task(_beat(states, job_id))
        store = runtime.fresh("store")
        provider = runtime.fresh("llm_provider")
        outcome: dict[str, Any]
        try:
            await store.open()

            async def on_text(text: str) -> None:
                await states.publish(job_id, "token", {"job_id": job_id, "delta": text})

            request = ReplyRequest(
                agent_id=payload["agent_id"],
                agent_name=payload["agent_name"],
                user_id=owner,
                username=payload["username"],
                conversation_id=payload["conversation_id"],
                message_id=payload["message_id"],
                kind=payload.get("type", "dm"),
            )
            await states.progress(job_id, 0.1)
            async with asyncio.timeout(settings.soul_job_timeout_seconds):
                result = await reply(
                    request,
                    store,
                    provider,
                    on_text=on_text,
                    timeout_seconds=settings.soul_llm_timeout_seconds,
                    mind=Mind.of(runtime),
                )
            outcome = {"result": result}
        except TimeoutError:
            outcome = {"error": "timeout"}
        except SoulError as exc:
            log.warning("job %s failed: %s (%s)", job_id, exc.code, exc)
            outcome = {"error": exc.code}
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
            outcome = {"error": "internal_error"}
        finally:
            heart.cancel()
            await store.close()
            await provider.aclose()
        await _finish(runtime, states, payload, **outcome)
        if "result" in outcome:
            await _reflect_later(runtime, payload)
            await _observe(runtime, payload, outcome["result"])
    finally:
        await client.aclose()


async def _reflect_later(runtime: Runtime, payload: dict[str, Any]) -> None:
    """Queue the reflection; the reply stands whether or not that works."""
    try:
        await asyncio.to_thread(enqueue_reflection, runtime.settings, payload)
    except Exception:
        log.exception("could not queue the reflection of job %s", payload["job_id"])


async def _finish(
    runtime: Runtime, states: JobStates, payload: dict[str, Any], **outcome: Any
) -> None:
    _, next_job = await states.finish(payload["job_id"], payload["user_id"], **outcome)
    if next_job:
        connection = sync_redis(runtime.settings)
        try:
            await hand_turn(states, connection, runtime.settings, next_job)
        finally:
            connection.close()


async def _end(runtime: Runtime, payload: dict[str, Any], *, error: str) -> None:
    client = async_redis(runtime.settings)
    try:
        states = JobStates(client, runtime.settings.soul_job_result_ttl_seconds)
        await _finish(runtime, states, payload, error=error)
    finally:
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
    await notify(runtime.pm, "reply_generated", event=event, settings=runtime.settings)
