"""The three queues and what ``/v1/meta/queue`` reports about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from rq import Queue, Worker, worker_registration

from soul_framework.errors import QueueUnavailable
from soul_framework.jobs.pulse import HOST_FIELD, silent
from soul_framework.processes import host_identity, pid_alive

QUEUE_NAMES = ("high", "default", "low")
"""In the order workers take from them: ``default`` for replies, ``low`` for reflection and
thinking, ``high`` for what must overtake both."""


@dataclass(frozen=True, slots=True)
class WorkerSummary:
    name: str
    state: str
    queues: list[str]


@dataclass(frozen=True, slots=True)
class QueueReport:
    timestamp: datetime
    workers: list[WorkerSummary]
    queues: dict[str, int]

    @property
    def status(self) -> str:
        return "ok" if self.workers else "degraded"

    @property
    def total_backlog(self) -> int:
        return sum(self.queues.values())


def enqueue_at_once(
    connection: redis.Redis,
    queue_name: str,
    func: str,
    kwargs: dict[str, Any],
    **options: Any,
) -> None:
    """Put a job on an RQ queue in one round trip to Redis (``Queue.enqueue`` takes two); the
    ``options`` are ``Queue.create_job``'s. Blocking: call it from a thread in async code."""
    queue = Queue(queue_name, connection=connection)
    job = queue.create_job(func, kwargs=kwargs, **options)
    with connection.pipeline() as pipe:
        queue.enqueue_job(job, pipeline=pipe)
        pipe.execute()


def queue_report(connection: redis.Redis) -> QueueReport:
    """Read the live workers and each queue's length, in two round trips. Blocking: call it
    from a thread.

    A registered worker counts as alive unless it registered its death, its pulse stopped
    (:func:`soul_framework.jobs.pulse.silent`), or it ran on this machine and its process is
    gone. Raises :class:`QueueUnavailable` when Redis cannot be reached.
    """
    try:
        registered = connection.smembers(worker_registration.REDIS_WORKER_KEYS)
        keys = sorted(key.decode() for key in registered)
        with connection.pipeline(transaction=False) as pipe:
            pipe.time()
            for key in keys:
                pipe.hgetall(key)
            for name in QUEUE_NAMES:
                pipe.llen(Queue(name, connection=connection).key)
            replies = pipe.execute()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise QueueUnavailable() from exc
    redis_now = int(replies[0][0])
    hashes = replies[1 : 1 + len(keys)]
    lengths = replies[1 + len(keys) :]
    workers = []
    for key, raw in zip(keys, hashes, strict=True):
        fields = {k.decode(): v.decode(errors="replace") for k, v in raw.items()}
        if fields and _alive(fields, redis_now):
            name = key.removeprefix(Worker.redis_worker_namespace_prefix)
            queues = [q for q in fields.get("queues", "").split(",") if q]
            workers.append(WorkerSummary(name, fields.get("state", "?"), queues))
    queues = dict(zip(QUEUE_NAMES, (int(n) for n in lengths), strict=True))
    return QueueReport(datetime.now(UTC), workers, queues)


def _alive(fields: dict[str, str], redis_now: int) -> bool:
    """Whether a worker's registration (its hash, decoded) is that of a living worker."""
    if "death" in fields or silent(fields, redis_now):
        return False
    pid = fields.get("pid", "")
    if fields.get(HOST_FIELD) == host_identity() and pid.isdigit():
        return pid_alive(int(pid))
    return True
