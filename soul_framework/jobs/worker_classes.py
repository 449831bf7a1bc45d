"""RQ's worker classes, with their heartbeat sent in one round trip to Redis.

RQ sends a worker's heartbeat as three commands, each waiting for its answer, several times
around every job (once just before the job runs). Sent together they cost one round trip.
"""

from __future__ import annotations

from typing import Any

from rq import SimpleWorker, Worker


class OneTripHeartbeat:
    """Mixin for an RQ worker class: :meth:`heartbeat` in a pipeline of its own when it is
    not given one."""

    connection: Any

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)  # type: ignore[misc]
            return
        with self.connection.pipeline() as pipe:
            super().heartbeat(timeout, pipe)  # type: ignore[misc]
            pipe.execute()


class InProcessWorker(OneTripHeartbeat, SimpleWorker):
    """Runs each job in the worker process (RQ's ``SimpleWorker``)."""


class ForkingWorker(OneTripHeartbeat, Worker):
    """Forks a work-horse for each job (RQ's ``Worker``)."""
