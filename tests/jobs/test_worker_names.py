"""A worker restarted under its old name after dying without a goodbye starts at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import redis
from rq import Worker

from soul_framework.domain.ids import new_id
from soul_framework.jobs.worker import bury_dead_namesake


@pytest.fixture
def connection(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def registered(connection: redis.Redis, name: str, pid: int) -> Worker:
    """A worker of ``name`` registered as RQ does, as if process ``pid`` had started it."""
    worker = Worker(["default"], connection=connection, name=name)
    worker.register_birth()
    connection.hset(worker.key, "pid", pid)
    return worker


def a_dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def test_a_namesake_that_died_here_is_buried_and_the_name_is_free_again(connection):
    name = f"soul-test-{new_id()}"
    registered(connection, name, a_dead_pid())
    with pytest.raises(ValueError, match="active worker"):
        Worker(["default"], connection=connection, name=name).register_birth()
    assert bury_dead_namesake(connection, name)
    successor = Worker(["default"], connection=connection, name=name)
    successor.register_birth()
    successor.register_death()


def test_a_namesake_still_alive_is_left_alone(connection):
    name = f"soul-test-{new_id()}"
    living = registered(connection, name, os.getppid())
    assert not bury_dead_namesake(connection, name)
    with pytest.raises(ValueError, match="active worker"):
        Worker(["default"], connection=connection, name=name).register_birth()
    living.register_death()


def test_a_namesake_on_another_machine_is_left_alone(connection):
    name = f"soul-test-{new_id()}"
    elsewhere = registered(connection, name, a_dead_pid())
    connection.hset(elsewhere.key, "hostname", "another-machine")
    assert not bury_dead_namesake(connection, name)
    elsewhere.register_death()


def test_no_namesake_is_nothing_to_do(connection):
    assert not bury_dead_namesake(connection, f"soul-test-{new_id()}")
