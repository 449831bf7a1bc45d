"""The three queues and what ``/v1/meta/queue`` reports about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from rq import Queue, Worker

from soul_framework.errors import QueueUnavailable

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
    """Read the live workers and each queue's length. Blocking: call it from a thread.

    Raises :class:`QueueUnavailable` when Redis cannot be reached.
    """
    try:
        connection.ping()
        # Worker.all drops workers whose heartbeat key has expired (dead without a goodbye).
        workers = [
            WorkerSummary(w.name, _state_of(w), list(w.queue_names()))
            for w in Worker.all(connection=connection)
        ]
        queues = {name: Queue(name, connection=connection).count for name in QUEUE_NAMES}
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise QueueUnavailable() from exc
    return QueueReport(datetime.now(UTC), sorted(workers, key=lambda w: w.name), queues)


def _state_of(worker: Worker) -> str:
    state = worker.get_state()
    return str(getattr(state, "value", state))
