"""The state of message jobs in Redis: what polling and SSE read, and what orders a user's jobs.

Each job has a hash ``soul:job:{id}`` (owner, status, progress, result or error, the payload to
run) that lives ``SOUL_JOB_RESULT_TTL_SECONDS``; changes are also published on ``job:{id}``.
Each user has a list ``soul:user-jobs:{user}`` of unfinished jobs in the order sent: only its
head is on an RQ queue, and finishing a job hands the turn to the next one, so one user's
messages are answered in order however many workers run, while different users run in parallel.

Running jobs beat a heart (the sorted set ``soul:jobs:running``, scored by the last beat) until
their outcome is recorded; a job whose heart stopped (its worker was killed) is finished as
``failed`` / ``worker_lost`` by whichever process sweeps first, and the user's next job gets its
turn. Queued jobs are in ``soul:jobs:queued`` (scored by when they were queued or last
checked), so that a job whose turn came but which never reached a worker (Redis went away at
the wrong moment) is queued again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio
from redis.exceptions import ResponseError

JOB_KEY = "soul:job:{}"
USER_JOBS_KEY = "soul:user-jobs:{}"
RUNNING_KEY = "soul:jobs:running"
QUEUED_KEY = "soul:jobs:queued"
CHANNEL = "job:{}"

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
TERMINAL = frozenset({SUCCEEDED, FAILED})

STARTED_PROGRESS = 0.1
"""The progress a job shows once a worker has taken it (the reply is being made)."""

HEARTBEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 20.0
"""A running job whose last beat is older than this is taken for lost (4 missed beats)."""
STALLED_AFTER_SECONDS = 30.0
"""A queued job is checked for having been lost on its way to a worker this long after it was
queued (and again as long after each check)."""

# Set a terminal state once, publish it, and hand the user's turn on: all or nothing.
_FINISH = """
local job = KEYS[1]
local status = redis.call('HGET', job, 'status')
if not status or status == 'succeeded' or status == 'failed' then
    return {0, false}
end
redis.call('HSET', job, 'status', ARGV[1], 'progress', ARGV[2], 'result', ARGV[3],
           'error', ARGV[4], 'finished_at', ARGV[5])
redis.call('EXPIRE', job, ARGV[6])
redis.call('ZREM', KEYS[3], ARGV[7])
redis.call('ZREM', KEYS[4], ARGV[7])
redis.call('PUBLISH', ARGV[8], ARGV[9])
redis.call('LREM', KEYS[2], 1, ARGV[7])
local next_job = redis.call('LINDEX', KEYS[2], 0)
return {1, next_job}
"""

# Mark running only a job that is still queued (a lost job must not come back to life).
_START = """
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then
    return 0
end
redis.call('HSET', KEYS[1], 'status', 'running', 'progress', ARGV[5], 'started_at', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
"""


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as the API shows it (``GET /v1/jobs/{id}`` and the SSE snapshots)."""

    job_id: str
    owner: str
    status: str
    progress: float | None
    result: dict[str, Any] | None
    error: str | None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "job_id": self.job_id,
            "status": self.status,
            "progress": self.progress,
        }
        if self.result is not None:
            body["result"] = self.result
        if self.error is not None:
            body["error"] = self.error
        return body


def event(name: str, data: dict[str, Any]) -> str:
    """One published event: what the SSE stream sends as ``event: name`` / ``data: ...``."""
    return json.dumps({"event": name, "data": data}, separators=(",", ":"))


class JobStates:
    def __init__(self, client: redis.asyncio.Redis, result_ttl_seconds: int) -> None:
        self.client = client
        self.ttl = result_ttl_seconds
        self._finish = client.register_script(_FINISH)
        self._start = client.register_script(_START)

    async def create(self, job_id: str, owner: str, payload: dict[str, Any]) -> bool:
        """Record a queued job and line it up behind the owner's unfinished ones.

        Returns True when it is the owner's turn now (the caller enqueues it).
        """
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(
                JOB_KEY.format(job_id),
                mapping={
                    "owner": owner,
                    "status": QUEUED,
                    "progress": "",
                    "payload": json.dumps(payload),
                    "created_at": str(time.time()),
                },
            )
            pipe.expire(JOB_KEY.format(job_id), self.ttl)
            pipe.rpush(USER_JOBS_KEY.format(owner), job_id)
            pipe.expire(USER_JOBS_KEY.format(owner), self.ttl)
            pipe.zadd(QUEUED_KEY, {job_id: time.time()})
            results = await pipe.execute()
        return int(results[2]) == 1

    async def view(self, job_id: str) -> JobView | None:
        fields = await self.client.hgetall(JOB_KEY.format(job_id))
        if not fields or b"owner" not in fields:
            return None
        text = {k.decode(): v.decode() for k, v in fields.items()}
        return JobView(
            job_id=job_id,
            owner=text["owner"],
            status=text.get("status", QUEUED),
            progress=float(text["progress"]) if text.get("progress") else None,
            result=json.loads(text["result"]) if text.get("result") else None,
            error=text.get("error") or None,
        )

    async def payload(self, job_id: str) -> dict[str, Any] | None:
        raw = await self.client.hget(JOB_KEY.format(job_id), "payload")
        return json.loads(raw) if raw else None

    async def started_at(self, job_id: str) -> float | None:
        """When a worker started the job (Unix time), None if none has."""
        raw = await self.client.hget(JOB_KEY.format(job_id), "started_at")
        return float(raw) if raw else None

    async def start(self, job_id: str) -> bool:
        """Mark the job running and publish its first progress, in one round trip; False when
        it is no longer queued (lost, or already done)."""
        data = {"job_id": job_id, "progress": STARTED_PROGRESS, "status": RUNNING}
        started = await self._start(
            keys=[JOB_KEY.format(job_id), RUNNING_KEY, QUEUED_KEY],
            args=[
                time.time(),
                job_id,
                CHANNEL.format(job_id),
                event("progress", data),
                str(STARTED_PROGRESS),
            ],
        )
        return bool(started)

    async def beat(self, job_id: str) -> None:
        await self.client.zadd(RUNNING_KEY, {job_id: time.time()}, xx=True)

    async def publish(self, job_id: str, name: str, data: dict[str, Any]) -> None:
        await self.client.publish(CHANNEL.format(job_id), event(name, data))

    async def finish(
        self,
        job_id: str,
        owner: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> tuple[bool, str | None]:
        """Set the terminal state (once), publish ``done``, and return whether this call
        finished it and the owner's next job id, whose turn it now is."""
        status = FAILED if error else SUCCEEDED
        view = JobView(job_id, owner, status, 1.0, result, error)
        finished, next_job = await self._finish(
            keys=[JOB_KEY.format(job_id), USER_JOBS_KEY.format(owner), RUNNING_KEY, QUEUED_KEY],
            args=[
                status,
                "1.0",
                json.dumps(result) if result is not None else "",
                error or "",
                str(time.time()),
                self.ttl,
                job_id,
                CHANNEL.format(job_id),
                event("done", view.as_json()),
            ],
        )
        return bool(finished), next_job.decode() if next_job else None

    async def stale(self, now: float | None = None) -> list[str]:
        """Running jobs whose heart has not beaten for ``STALE_AFTER_SECONDS``.

        None while Redis has been up for less than that: a Redis that was just started again
        gives every running job that long to beat again (its worker may be alive, with a reply
        made while Redis was away, and only waiting to record it).
        """
        if await self._uptime() < STALE_AFTER_SECONDS:
            return []
        cutoff = (now or time.time()) - STALE_AFTER_SECONDS
        return [j.decode() for j in await self.client.zrangebyscore(RUNNING_KEY, 0, cutoff)]

    async def _uptime(self) -> float:
        """Seconds since Redis started (infinite where ``INFO`` is not allowed)."""
        try:
            info = await self.client.info("server")
        except ResponseError:
            return float("inf")
        return float(info.get("uptime_in_seconds", float("inf")))

    async def stalled(self, now: float | None = None) -> list[str]:
        """Queued jobs last queued or checked ``STALLED_AFTER_SECONDS`` ago or more."""
        cutoff = (now or time.time()) - STALLED_AFTER_SECONDS
        return [j.decode() for j in await self.client.zrangebyscore(QUEUED_KEY, 0, cutoff)]

    async def checked(self, job_id: str, now: float | None = None) -> None:
        """Note that a queued job was found well: it is checked again in a while."""
        await self.client.zadd(QUEUED_KEY, {job_id: now or time.time()}, xx=True)

    async def forget_queued(self, job_id: str) -> None:
        """Drop a job from the queued set (it is no longer queued, or its state expired)."""
        await self.client.zrem(QUEUED_KEY, job_id)

    async def first_of(self, owner: str) -> str | None:
        """The owner's unfinished job whose turn it is (None when there is none)."""
        first = await self.client.lindex(USER_JOBS_KEY.format(owner), 0)
        return first.decode() if first else None

    async def drop_turn(self, owner: str, job_id: str) -> str | None:
        """Take a job whose state expired out of the owner's line; returns the new first."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.lrem(USER_JOBS_KEY.format(owner), 1, job_id)
            pipe.lindex(USER_JOBS_KEY.format(owner), 0)
            _, first = await pipe.execute()
        return first.decode() if first else None
