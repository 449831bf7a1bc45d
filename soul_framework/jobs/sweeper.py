"""Finding jobs that went astray: those whose worker died end ``failed`` / ``worker_lost`` and
the next one runs; those whose turn came but that never reached a worker are queued again."""

from __future__ import annotations

import asyncio
import logging

import redis

from soul_framework.config import Settings
from soul_framework.jobs.state import QUEUED, RUNNING_KEY, JobStates
from soul_framework.jobs.turns import hand_turn, waiting_on_queue

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 10.0


async def sweep_lost_jobs(states: JobStates, connection: redis.Redis, settings: Settings) -> int:
    """Finish every running job whose heart stopped; returns how many this call finished.

    Safe to run in every process at once: finishing is atomic, so a job ends once.
    """
    finished_here = 0
    for job_id in await states.stale():
        view = await states.view(job_id)
        if view is None:  # its state expired: nothing left to finish
            await states.client.zrem(RUNNING_KEY, job_id)
            continue
        finished, next_job = await states.finish(job_id, view.owner, error="worker_lost")
        if finished:
            finished_here += 1
            log.warning("job %s lost its worker; marked failed (worker_lost)", job_id)
        if finished and next_job:
            await hand_turn(states, connection, settings, next_job)
    return finished_here


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


async def keep_sweeping(states: JobStates, connection: redis.Redis, settings: Settings) -> None:
    """Sweep every ``SWEEP_EVERY_SECONDS`` until cancelled; Redis outages are waited out."""
    while True:
        try:
            await sweep_lost_jobs(states, connection, settings)
            await requeue_stalled_turns(states, connection, settings)
        except (redis.RedisError, OSError) as exc:
            log.debug("sweep skipped: %s", exc)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # redis-py can absorb a cancellation that lands mid-command (the command returns
            # or fails instead); stop as asked rather than sleep on, or shutdown waits for ever.
            raise asyncio.CancelledError
        await asyncio.sleep(SWEEP_EVERY_SECONDS)
