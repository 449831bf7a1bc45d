"""The connection an idle worker waits for jobs on outlasts every wait (real Redis)."""

from __future__ import annotations

import pytest

from soul_framework.domain.ids import new_id
from soul_framework.jobs import connection as connections
from soul_framework.jobs import worker as workers
from soul_framework.jobs.queues import QUEUE_NAMES
from soul_framework.jobs.worker_classes import InProcessWorker

SHORT_DEFAULT = 0.5
"""The short socket timeout of ordinary clients, shortened so a test can outwait it."""


@pytest.fixture
def short_default(monkeypatch):
    monkeypatch.setattr(connections, "SOCKET_TIMEOUT_SECONDS", SHORT_DEFAULT)


def test_a_wait_longer_than_the_default_timeout_is_no_error(make_settings, short_default):
    """What the worker asks before it is built (is Redis up?) leaves a pooled connection; its
    blocking pops must still outlast the default timeout (else RQ backs off for up to a
    minute with jobs waiting)."""
    connection = workers.worker_connection(make_settings())
    try:
        workers.wait_for_redis(connection)
        worker = InProcessWorker(
            list(QUEUE_NAMES), connection=connection, worker_ttl=workers.WORKER_TTL_SECONDS
        )
        assert worker.dequeue_timeout > SHORT_DEFAULT
        assert connection.blpop([f"soul:test:empty:{new_id()}"], timeout=2) is None
    finally:
        connection.close()
