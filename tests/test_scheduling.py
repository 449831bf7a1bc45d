"""Scheduled tasks run once per interval across every process, and survive outages and deaths."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from rq import Queue
from rq.job import JOB_ID_PATTERN

from soul_framework import hookimpl
from soul_framework.embedded_redis import EmbeddedRedis
from soul_framework.runtime import Runtime
from soul_framework.scheduling import (
    CLAIM_PREFIX,
    RETRY_SECONDS,
    SCHEDULE_QUEUE,
    SCHEDULE_TASK,
    ScheduledRun,
    Scheduler,
    claim_key,
    current_run,
    interval_index,
    job_id,
    keep_scheduling,
    run_once,
    scheduled_tasks,
    start_scheduler_thread,
)
from soul_framework.testing.deployment import Deployment
from tests.conftest import STRONG_JWT, STRONG_PEPPER

T0 = 1_700_000_000.0
"""A wall-clock time (seconds) at the start of an interval of 10 s, 2 s and 1 s alike."""


@dataclass
class FakeTask:
    """Only what the schedulers read: a name and an interval."""

    name: str
    interval_seconds: float

    async def run(self, runtime: Any) -> None:  # pragma: no cover - schedulers never run it
        raise AssertionError("a scheduler only enqueues")


@pytest.fixture
def connection(redis_url: str) -> Iterator[redis.Redis]:
    """A client of the test Redis; what the schedulers left there goes afterwards."""
    client = redis.Redis.from_url(redis_url)
    yield client
    forget_schedules(client)
    client.close()


def forget_schedules(client: redis.Redis) -> None:
    """Remove the claims and the queued runs, so no later worker runs a test's jobs."""
    for key in client.scan_iter(f"{CLAIM_PREFIX}:*"):
        client.delete(key)
    queue = Queue(SCHEDULE_QUEUE, connection=client)
    for queued in queue.job_ids:
        if queued.startswith("scheduled-"):
            queue.remove(queued)
            client.delete(f"rq:job:{queued}")


def task_named() -> FakeTask:
    return FakeTask(f"tick-{uuid.uuid4().hex[:8]}", 10.0)


def queued_runs(client: redis.Redis, task: FakeTask) -> list[str]:
    prefix = f"scheduled-{task.name}-"
    return sorted(
        j for j in Queue(SCHEDULE_QUEUE, connection=client).job_ids if j.startswith(prefix)
    )


# --- claiming ---------------------------------------------------------------------------------


def test_two_schedulers_enqueue_each_interval_once(connection, make_settings):
    settings = make_settings()
    task = task_named()
    first = Scheduler(connection, settings, [task], owner="first")
    second = Scheduler(connection, settings, [task], owner="second")

    for scheduler in (first, second, first, second):
        scheduler.tick(T0 + 1)

    index = interval_index(T0 + 1, task.interval_seconds)
    assert queued_runs(connection, task) == [job_id(task.name, index)]
    assert connection.get(claim_key(task.name, index)) == b"first"
    job = Queue(SCHEDULE_QUEUE, connection=connection).fetch_job(job_id(task.name, index))
    assert job is not None
    assert job.func_name == SCHEDULE_TASK
    assert job.args == (task.name, index)


def test_each_new_interval_is_enqueued_once_whoever_wins(connection, make_settings):
    settings = make_settings()
    task = task_named()
    schedulers = [Scheduler(connection, settings, [task], owner=f"p{i}") for i in range(3)]

    for step in range(4):
        now = T0 + step * task.interval_seconds + 0.5
        for scheduler in schedulers[step % 3 :] + schedulers[: step % 3]:
            scheduler.tick(now)

    first = interval_index(T0 + 0.5, task.interval_seconds)
    assert queued_runs(connection, task) == sorted(job_id(task.name, first + s) for s in range(4))
    owners = {connection.get(claim_key(task.name, first + s)) for s in range(4)}
    assert owners == {b"p0", b"p1", b"p2"}  # the first to tick won each one


def test_a_process_started_mid_interval_waits_for_the_next_one(connection, make_settings):
    task = task_named()
    start = interval_index(T0, task.interval_seconds) * task.interval_seconds + 3
    late = Scheduler(connection, make_settings(), [task], owner="late", started_at=start)
    late.tick(start + 1)
    assert queued_runs(connection, task) == []  # a restart sets nothing off at once
    late.tick(start + task.interval_seconds)
    next_index = interval_index(start + task.interval_seconds, task.interval_seconds)
    assert queued_runs(connection, task) == [job_id(task.name, next_index)]


def test_a_scheduler_whose_clock_lags_finds_the_interval_claimed(connection, make_settings):
    settings = make_settings()
    task = task_named()
    ahead = Scheduler(connection, settings, [task], owner="ahead")
    behind = Scheduler(connection, settings, [task], owner="behind")

    ahead.tick(T0 + 1)
    ahead.tick(T0 + task.interval_seconds + 1)
    behind.tick(T0 + task.interval_seconds - 0.5)  # still in the interval `ahead` has left

    assert len(queued_runs(connection, task)) == 2


def test_tick_waits_until_the_next_interval_of_the_soonest_task(connection, make_settings):
    scheduler = Scheduler(
        connection, make_settings(), [FakeTask("slow-x", 10.0), FakeTask("fast-x", 2.0)]
    )
    wait = scheduler.tick(T0 + 1.5)
    assert 0.5 <= wait < 0.6  # the 2 s task's next interval starts at T0 + 2


def test_a_won_claim_whose_enqueue_failed_is_enqueued_on_the_next_tick(
    connection, make_settings, monkeypatch
):
    settings = make_settings()
    task = task_named()
    winner = Scheduler(connection, settings, [task], owner="winner")
    other = Scheduler(connection, settings, [task], owner="other")
    real_enqueue = Scheduler._enqueue
    failures = iter([redis.ConnectionError("Redis went away")])

    def flaky_enqueue(self: Scheduler, *args: Any) -> None:
        for error in failures:
            raise error
        real_enqueue(self, *args)

    monkeypatch.setattr(Scheduler, "_enqueue", flaky_enqueue)

    assert winner.tick(T0 + 1) <= RETRY_SECONDS
    assert queued_runs(connection, task) == []
    other.tick(T0 + 1)  # the claim is taken: the other process does not enqueue it either
    assert queued_runs(connection, task) == []
    winner.tick(T0 + 1.5)
    assert len(queued_runs(connection, task)) == 1


def test_enqueueing_the_same_interval_twice_leaves_one_job(connection, make_settings):
    settings = make_settings()
    task = task_named()
    scheduler = Scheduler(connection, settings, [task])

    scheduler._enqueue(task, 7)
    scheduler._enqueue(task, 7)  # as after an answer lost on the way back

    assert queued_runs(connection, task) == [job_id(task.name, 7)]


def test_redis_outage_skips_intervals_quietly_and_scheduling_resumes(tmp_path, make_settings):
    server = EmbeddedRedis(tmp_path / "redis", persistent=False)
    url = server.start()
    client = redis.Redis.from_url(url)
    task = FakeTask("outage", 10.0)
    scheduler = Scheduler(client, make_settings(redis_url=url), [task])
    try:
        scheduler.tick(T0 + 1)
        assert len(queued_runs(client, task)) == 1

        server.stop()
        assert scheduler.tick(T0 + 11) <= RETRY_SECONDS  # no exception: it tries again soon
        assert scheduler.tick(T0 + 21) <= RETRY_SECONDS

        server.start()  # an empty Redis (not persistent), as after a failover
        scheduler.tick(T0 + 21.5)
        first = interval_index(T0 + 1, task.interval_seconds)
        assert queued_runs(client, task) == [job_id(task.name, first + 2)]
        assert scheduler.tick(T0 + 22) > RETRY_SECONDS  # healthy again: sleeps to the boundary
    finally:
        client.close()
        server.stop()


@given(st.text(min_size=1, max_size=80), st.integers(min_value=0, max_value=10**12))
def test_every_task_name_gives_a_job_id_rq_accepts(name, index):
    assert JOB_ID_PATTERN.fullmatch(job_id(name, index))


def test_job_ids_keep_readable_names_and_tell_odd_ones_apart():
    assert job_id("prune", 5) == "scheduled-prune-5"
    assert job_id("a.b", 5) != job_id("a:b", 5)


# --- which tasks ------------------------------------------------------------------------------


@dataclass
class Probe:
    """A task that records what its run saw."""

    settings: Any
    name: str = "probe"
    interval_seconds: float = 5.0
    seen: list[tuple[ScheduledRun | None, bool]] = field(default_factory=list)
    sleep_seconds: float = 0.0

    async def run(self, runtime: Runtime) -> None:
        known = await runtime.store.get_user("nobody") is None  # the store is open
        self.seen.append((current_run(), known))
        await asyncio.sleep(self.sleep_seconds)


class ProbePlugin:
    def __init__(self, **overrides: Any) -> None:
        self.built: list[Probe] = []
        self.overrides = overrides

    @hookimpl
    def register_scheduled_tasks(self, register):
        def build(settings):
            probe = Probe(settings, **self.overrides)
            self.built.append(probe)
            return probe

        build.name = "probe"
        register(build)


def test_tasks_that_cannot_be_scheduled_are_left_out_with_a_reason(make_settings, caplog):
    class Named:
        def __init__(self, name, interval, task_name=None):
            self.name = name
            self.interval = interval
            self.task_name = task_name or name

        def __call__(self, settings):
            return FakeTask(self.task_name, self.interval)

    def broken(settings):
        raise RuntimeError("no config")

    broken.name = "broken"

    class Plugin:
        @hookimpl
        def register_scheduled_tasks(self, register):
            register(Named("good", 60))
            register(Named("hasty", 0.01))
            register(Named("endless", float("inf")))
            register(Named("alias", 60, task_name="other"))
            register(broken)

    runtime = Runtime.build(make_settings(), [("tasks", Plugin())])
    with caplog.at_level(logging.ERROR, logger="soul_framework.scheduling"):
        tasks = scheduled_tasks(runtime)

    bundled = {"thinking", "retention"}
    assert [t.name for t in tasks if t.name not in bundled] == ["good"]
    text = caplog.text
    for name in ("hasty", "endless", "alias", "broken"):
        assert f"scheduled task {name!r} from plugin 'tasks'" in text
    assert "at least 1" in text
    assert "RuntimeError: no config" in text


# --- running ----------------------------------------------------------------------------------


async def test_a_run_sees_its_interval_and_an_open_store(make_settings):
    plugin = ProbePlugin()
    runtime = Runtime.build(make_settings(), [("probe", plugin)])

    assert await run_once(runtime, "probe", 340_000_000)

    (run, store_answered) = plugin.built[-1].seen[0]
    assert run == ScheduledRun("probe", 340_000_000, 5.0)
    assert run.starts_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert run.ends_at == datetime.fromtimestamp(1_700_000_005, UTC)
    assert store_answered
    assert current_run() is None  # only inside the run


async def test_a_run_is_cut_at_the_timeout(make_settings):
    plugin = ProbePlugin(sleep_seconds=30.0)
    runtime = Runtime.build(
        make_settings(soul_scheduled_task_timeout_seconds=0.05), [("probe", plugin)]
    )
    with pytest.raises(TimeoutError):
        await run_once(runtime, "probe", 1)


async def test_a_task_this_worker_does_not_have_is_not_run(make_settings, caplog):
    runtime = Runtime.build(make_settings())
    with caplog.at_level(logging.ERROR, logger="soul_framework.scheduling"):
        assert not await run_once(runtime, "missing", 1)
    assert "install its plugin on every worker" in caplog.text


# --- the loops --------------------------------------------------------------------------------


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.02)


async def test_keep_scheduling_enqueues_from_an_event_loop_and_stops_when_cancelled(
    connection, make_settings
):
    task = FakeTask(f"api-{uuid.uuid4().hex[:8]}", 1.0)
    loop_task = asyncio.create_task(keep_scheduling(connection, make_settings(), [task]))
    await asyncio.to_thread(wait_for, lambda: queued_runs(connection, task))
    loop_task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(loop_task, 5)


def test_the_scheduler_thread_enqueues_and_stops(connection, make_settings):
    task = FakeTask(f"thread-{uuid.uuid4().hex[:8]}", 1.0)
    thread = start_scheduler_thread(make_settings(), [task])
    try:
        assert thread.daemon
        wait_for(lambda: queued_runs(connection, task))
    finally:
        thread.stop(timeout=10)
    assert not thread.is_alive()


# --- the cluster ------------------------------------------------------------------------------

RUNS_KEY = "test:scheduled-runs"
INTERVAL_SECONDS = 2.0

PROBE_PLUGIN = f"""
import json
import os

import redis.asyncio

from soul_framework import hookimpl
from soul_framework.scheduling import current_run


class RunRecorder:
    name = "run-recorder"
    interval_seconds = {INTERVAL_SECONDS}

    def __init__(self, settings):
        self.settings = settings

    async def run(self, runtime):
        run = current_run()
        entry = {{"index": run.index, "pid": os.getpid(), "ppid": os.getppid()}}
        client = redis.asyncio.Redis.from_url(runtime.settings.redis_url)
        try:
            await client.rpush({RUNS_KEY!r}, json.dumps(entry))
        finally:
            await client.aclose()


@hookimpl
def register_scheduled_tasks(register):
    register(RunRecorder)
"""


def recorded_runs(client: redis.Redis) -> list[dict[str, int]]:
    return [json.loads(entry) for entry in client.lrange(RUNS_KEY, 0, -1)]


def wait_for_index(client: redis.Redis, index: int, deployments: list[Deployment]) -> None:
    deadline = time.monotonic() + 6 * INTERVAL_SECONDS
    while not any(run["index"] >= index for run in recorded_runs(client)):
        if time.monotonic() > deadline:
            logs = "\n".join(d.log_tail() for d in deployments)
            raise AssertionError(f"interval {index} did not run: {recorded_runs(client)}\n{logs}")
        time.sleep(0.05)


def ran_on(run: dict[str, int], workers: list[Any]) -> Any:
    """The worker whose process (or forked work-horse) recorded ``run``."""
    (worker,) = [w for w in workers if w.pid in (run["pid"], run["ppid"])]
    return worker


@pytest.fixture
def cluster_redis(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.delete(RUNS_KEY)
    forget_schedules(client)
    yield client
    client.delete(RUNS_KEY)
    for key in client.scan_iter("rq:*"):  # the workers' registrations and finished runs
        client.delete(key)
    forget_schedules(client)
    client.close()


@pytest.mark.slow
def test_three_api_processes_and_two_workers_run_each_interval_once(
    tmp_path: Path, redis_url: str, cluster_redis: redis.Redis, install_distribution
):
    site = install_distribution(
        "soul-run-recorder",
        {"run_recorder": "fake_run_recorder"},
        {"fake_run_recorder": PROBE_PLUGIN},
    )
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
        "SOUL_DATA_DIR": str(tmp_path / "data"),  # one store for the whole cluster
        "JWT_SECRET_ENV": STRONG_JWT,
        "ARGON2_PEPPER_ENV": STRONG_PEPPER,
    }
    deployments = [Deployment(tmp_path / name, redis_url, env) for name in ("a", "b", "c")]
    try:
        deployments[0].start(workers=2)
        for other in deployments[1:]:
            other.start(workers=0)
        workers = deployments[0].workers

        first = interval_index(time.time(), INTERVAL_SECONDS) + 1
        wait_for_index(cluster_redis, first + 3, deployments)
        runs = recorded_runs(cluster_redis)
        observed = [r["index"] for r in runs if first <= r["index"] < first + 3]
        assert observed == [first, first + 1, first + 2]  # one run each, none twice

        last = next(r for r in runs if r["index"] == first + 2)
        dying = ran_on(last, workers)
        (survivor,) = [w for w in workers if w is not dying]
        deployments[0].kill_worker(dying)
        after_kill = interval_index(time.time(), INTERVAL_SECONDS) + 1
        wait_for_index(cluster_redis, after_kill, deployments)

        runs = recorded_runs(cluster_redis)
        (next_run,) = [r for r in runs if r["index"] == after_kill]
        assert ran_on(next_run, workers) is survivor
        twice = [index for index, n in Counter(r["index"] for r in runs).items() if n > 1]
        assert twice == []
        # Processes of the cluster did the claiming: API processes and workers alike.
        cluster_pids = {str(d.api_pid) for d in deployments} | {str(w.pid) for w in workers}
        claims = list(cluster_redis.scan_iter(f"{CLAIM_PREFIX}:run-recorder:*"))  # recent ones
        values = [cluster_redis.get(key) for key in claims]
        owners = {value.decode().rsplit(":", 1)[1] for value in values if value is not None}
        assert owners
        assert owners <= cluster_pids
    finally:
        for deployment in deployments:
            deployment.stop()
