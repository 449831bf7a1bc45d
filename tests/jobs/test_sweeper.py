"""The sweeper against real Redis: jobs whose turn came but that never reached a worker are
queued again, once, and only when it is their turn."""

from __future__ import annotations

import time

import pytest
import redis

from soul_framework.config import Settings
from soul_framework.domain.ids import new_id
from soul_framework.jobs.connection import async_redis
from soul_framework.jobs.state import JOB_KEY, QUEUED, STALLED_AFTER_SECONDS, JobStates
from soul_framework.jobs.sweeper import requeue_stalled_turns
from soul_framework.jobs.turns import MESSAGE_QUEUE_KEY, enqueue_turn

LATER = STALLED_AFTER_SECONDS + 1


@pytest.fixture
async def parts(redis_url):
    settings = Settings(_env_file=None, redis_url=redis_url)
    client = async_redis(settings)
    connection = redis.Redis.from_url(redis_url)
    states = JobStates(client, 3600)
    yield states, connection, settings
    connection.close()
    await client.aclose()


async def recorded(states: JobStates, owner: str) -> tuple[str, bool]:
    """A job recorded as the submit does, but never put on RQ's queue."""
    job_id = new_id()
    its_turn = await states.create(job_id, owner, {"job_id": job_id, "user_id": owner})
    return job_id, its_turn


def on_queue(connection: redis.Redis, job_id: str) -> int:
    return connection.lrange(MESSAGE_QUEUE_KEY, 0, -1).count(job_id.encode())


async def test_a_job_whose_queueing_failed_is_queued_once_when_it_stalled(parts):
    states, connection, settings = parts
    job_id, its_turn = await recorded(states, new_id())
    assert its_turn
    assert await requeue_stalled_turns(states, connection, settings) == 0  # too soon
    assert on_queue(connection, job_id) == 0
    later = time.time() + LATER
    assert await requeue_stalled_turns(states, connection, settings, now=later) >= 1
    assert on_queue(connection, job_id) == 1
    # Found on the queue the next time: left there, not queued twice.
    await requeue_stalled_turns(states, connection, settings, now=later + LATER)
    assert on_queue(connection, job_id) == 1
    assert (await states.view(job_id)).status == QUEUED


async def test_a_job_waiting_for_its_turn_is_left_alone(parts):
    states, connection, settings = parts
    owner = new_id()
    first, _ = await recorded(states, owner)
    enqueue_turn(connection, settings, first, {"job_id": first, "user_id": owner})
    second, its_turn = await recorded(states, owner)
    assert not its_turn
    await requeue_stalled_turns(states, connection, settings, now=time.time() + LATER)
    assert on_queue(connection, first) == 1
    assert on_queue(connection, second) == 0  # behind the first one, as it should be


async def test_a_first_job_whose_state_expired_gives_the_next_one_its_turn(parts):
    states, connection, settings = parts
    owner = new_id()
    gone, _ = await recorded(states, owner)
    waiting, _ = await recorded(states, owner)
    await states.client.delete(JOB_KEY.format(gone))  # as its time to live would
    await requeue_stalled_turns(states, connection, settings, now=time.time() + LATER)
    assert on_queue(connection, waiting) == 1
    assert await states.first_of(owner) == waiting


async def test_started_and_finished_jobs_leave_the_queued_set(parts):
    states, *_ = parts
    owner = new_id()
    job_id, _ = await recorded(states, owner)
    assert await states.start(job_id)
    assert job_id not in await states.stalled(time.time() + LATER)
    other, _ = await recorded(states, new_id())
    await states.finish(other, (await states.view(other)).owner, error="internal_error")
    assert other not in await states.stalled(time.time() + LATER)
