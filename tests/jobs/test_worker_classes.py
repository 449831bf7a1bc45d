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


def test_a_heartbeat_that_would_hardly_extend_the_last_is_not_sent(redis_url):
    connection = redis.Redis.from_url(redis_url)
    worker = InProcessWorker(["default"], connection=connection, name=f"soul-test-{new_id()}")

    def beat(**options) -> bytes | None:
        """Heartbeat, and what Redis then holds as the last one."""
        connection.hdel(worker.key, "last_heartbeat")
        worker.heartbeat(**options)
        return connection.hget(worker.key, "last_heartbeat")

    try:
        assert beat(timeout=1000)
        assert beat(timeout=1000) is None  # moments later: skipped
        assert beat() is None  # RQ's default keeps it for less (worker_ttl + 60)
        assert beat(timeout=2000)  # keeps it longer: sent
        assert 1900 < connection.ttl(worker.key) <= 2000
        worker._kept_until -= 10  # as if the last one was sent 10 s ago
        assert beat(timeout=2000)
        with connection.pipeline() as pipe:  # a job's heartbeat (in RQ's pipeline) always goes
            worker.heartbeat(50, pipe)
            pipe.execute()
        assert connection.ttl(worker.key) <= 50
    finally:
        connection.delete(worker.key)
        connection.close()
