"""RQ's worker classes, with a lighter heartbeat and a pulse.

RQ sends a worker's heartbeat as three commands, each waiting for its answer, several times
around every job: just before waiting for one, again as soon as one arrives (before it runs),
and after it. Here a heartbeat goes in one round trip, and one that would keep the worker
registered barely longer than the last one did is not sent at all: the heartbeat that RQ sends
as a job arrives, moments after the one before the wait, no longer delays the job.

The pulse (:mod:`soul_framework.jobs.pulse`) beats from the worker's birth to its death.
"""

from __future__ import annotations

import time
from typing import Any

from rq import SimpleWorker, Worker

from soul_framework.jobs.pulse import HOST_FIELD, Pulse
from soul_framework.processes import host_identity

HEARTBEAT_SLACK_SECONDS = 5.0
"""A heartbeat is skipped when the last one sent keeps the worker registered at least until
this much before the new one would. Workers are kept for a minute or more, and RQ beats at
least every 45 s while idle, so nothing expires early."""


class LightHeartbeat:
    """Mixin for an RQ worker class: :meth:`heartbeat` in a pipeline of its own when it is
    not given one, and skipped when it would hardly extend the last."""

    connection: Any
    worker_ttl: int
    _kept_until = 0.0
    """``time.monotonic()`` until which the last heartbeat sent here keeps the worker."""

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)  # type: ignore[misc]
            return
        now = time.monotonic()
        keep = timeout or self.worker_ttl + 60  # RQ's own default
        if self._kept_until >= now + keep - HEARTBEAT_SLACK_SECONDS:
            return
        with self.connection.pipeline() as pipe:
            super().heartbeat(timeout, pipe)  # type: ignore[misc]
            pipe.execute()
        self._kept_until = now + keep


class Pulsing:
    """Mixin for an RQ worker class: a :class:`Pulse` from its registered birth to its death."""

    connection: Any
    key: str
    _pulse: Pulse | None = None

    def serialize(self) -> dict[str, Any]:
        # Registered with the birth itself: a worker killed before its first pulse is still
        # known dead, by its pid, on its own machine.
        return {**super().serialize(), HOST_FIELD: host_identity()}  # type: ignore[misc]

    def register_birth(self) -> None:
        super().register_birth()  # type: ignore[misc]
        self._pulse = Pulse(self.connection, self.key)
        self._pulse.start()

    def register_death(self) -> None:
        pulse, self._pulse = self._pulse, None
        if pulse is not None:
            pulse.stop()
        super().register_death()  # type: ignore[misc]


class InProcessWorker(Pulsing, LightHeartbeat, SimpleWorker):
    """Runs each job in the worker process (RQ's ``SimpleWorker``)."""


class ForkingWorker(Pulsing, LightHeartbeat, Worker):
    """Forks a work-horse for each job (RQ's ``Worker``)."""
