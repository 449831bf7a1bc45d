"""Finding jobs whose worker died: they end ``failed`` / ``worker_lost``, the next one runs."""

from __future__ import annotations

import asyncio
import logging

import redis

from soul_framework.config import Settings
from soul_framework.jobs.state import RUNNING_KEY, JobStates
from soul_framework.jobs.turns import hand_turn

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


async def keep_sweeping(states: JobStates, connection: redis.Redis, settings: Settings) -> None:
    """Sweep every ``SWEEP_EVERY_SECONDS`` until cancelled; Redis outages are waited out."""
    while True:
        try:
            await sweep_lost_jobs(states, connection, settings)
        except (redis.RedisError, OSError) as exc:
            log.debug("sweep skipped: %s", exc)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # redis-py can absorb a cancellation that lands mid-command (the command returns
            # or fails instead); stop as asked rather than sleep on, or shutdown waits for ever.
            raise asyncio.CancelledError
        await asyncio.sleep(SWEEP_EVERY_SECONDS)
