"""The worker classes send RQ's heartbeat in one round trip, with the same effect."""

from __future__ import annotations

import pytest
import redis
from rq import SimpleWorker

from soul_framework.domain.ids import new_id
from soul_framework.jobs.worker_classes import ForkingWorker, InProcessWorker


class CountingRedis(redis.Redis):
    """A client that counts the commands it sends one at a time (a pipeline is not counted)."""

    sent = 0

    def execute_command(self, *args, **options):
        self.sent += 1
        return super().execute_command(*args, **options)


@pytest.mark.parametrize("cls", [InProcessWorker, ForkingWorker])
def test_the_heartbeat_goes_in_one_pipeline_and_does_what_rqs_does(redis_url, cls):
    connection = CountingRedis.from_url(redis_url)
    ours = cls(["default"], connection=connection, name=f"soul-test-{new_id()}")
    rqs = SimpleWorker(["default"], connection=connection, name=f"soul-test-{new_id()}")
    try:
        for worker in (ours, rqs):
            connection.hset(worker.key, "birth", "now")
        connection.sent = 0
        ours.heartbeat(timeout=77)
        assert connection.sent == 0  # all of it in the pipeline
        rqs.heartbeat(timeout=77)
        assert connection.sent == 3  # what RQ does alone: three commands, three round trips
        for worker in (ours, rqs):
            assert connection.hget(worker.key, "last_heartbeat")
            assert 0 < connection.ttl(worker.key) <= 77
    finally:
        connection.delete(ours.key, rqs.key)
        connection.close()
