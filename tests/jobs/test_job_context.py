"""The event loop and clients a worker process keeps for its jobs (real Redis, real SQLite)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rq import SimpleWorker, Worker

from soul_framework.config import Settings
from soul_framework.domain.ids import new_id
from soul_framework.errors import StorageUnavailable
from soul_framework.jobs import context as jobs_context
from soul_framework.jobs import tasks
from soul_framework.jobs.context import JobContext, abandon_job_context, job_context
from soul_framework.jobs.state import FAILED
from soul_framework.jobs.worker import worker_class
from soul_framework.runtime import Runtime


def test_jobs_run_in_the_worker_process_unless_forking_is_asked_for():
    in_process = worker_class(Settings(_env_file=None))
    forking = worker_class(Settings(_env_file=None, rq_use_fork_worker=True))
    assert issubclass(in_process, SimpleWorker)
    assert issubclass(forking, Worker)
    assert not issubclass(forking, SimpleWorker)


class FakeStore:
    def __init__(self, fail_opens: int = 0) -> None:
        self.fail_opens = fail_opens
        self.opened = self.closed = 0

    async def open(self) -> None:
        if self.fail_opens:
            self.fail_opens -= 1
            raise StorageUnavailable("not yet")
        self.opened += 1

    async def close(self) -> None:
        self.closed += 1


class FakeProvider:
    def __init__(self) -> None:
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


@dataclass
class StubRuntime:
    """What a job context needs of a runtime: the settings, and new plugin instances."""

    settings: Settings
    store_fail_opens: int = 0
    made: dict[str, list[Any]] = field(default_factory=lambda: {"store": [], "llm_provider": []})

    def fresh(self, family: str) -> Any:
        made = FakeStore(self.store_fail_opens) if family == "store" else FakeProvider()
        self.store_fail_opens = 0
        self.made[family].append(made)
        return made


@pytest.fixture
def context(make_settings) -> Iterator[JobContext]:
    running = JobContext(StubRuntime(make_settings()))  # type: ignore[arg-type]
    yield running
    running.close()


async def _what_a_job_sees(context: JobContext) -> tuple[Any, ...]:
    await context.states.client.ping()
    store = await context.store()
    return asyncio.get_running_loop(), threading.current_thread(), store, context.provider


def test_jobs_share_one_loop_store_provider_and_redis_client(context):
    first = context.call(_what_a_job_sees)
    second = context.call(_what_a_job_sees)
    assert first == second
    assert first[1] is not threading.current_thread()  # the loop has a thread of its own
    runtime = context.runtime
    assert len(runtime.made["store"]) == 1
    assert runtime.made["store"][0].opened == 1
    assert len(runtime.made["llm_provider"]) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not exist for Windows")
def test_jobs_run_on_uvloop(context):
    import uvloop

    assert isinstance(context.call(_what_a_job_sees)[0], uvloop.Loop)


def test_a_store_that_failed_is_opened_again_by_the_next_job(make_settings):
    runtime = StubRuntime(make_settings(), store_fail_opens=1)
    context = JobContext(runtime)  # type: ignore[arg-type]
    try:
        with pytest.raises(StorageUnavailable):
            context.call(lambda c: c.store())
        assert context.call(lambda c: c.store()).opened == 1
        context.call(lambda c: c.discard_store())
        assert runtime.made["store"][1].closed == 1
        replacement = context.call(lambda c: c.store())
        assert replacement is runtime.made["store"][2]
        assert replacement.opened == 1
    finally:
        context.close()


def test_close_cancels_what_runs_closes_the_clients_and_ends_the_thread(make_settings):
    runtime = StubRuntime(make_settings())
    context = JobContext(runtime)  # type: ignore[arg-type]
    context.call(_what_a_job_sees)
    cancelled = threading.Event()

    async def linger(_: JobContext) -> None:
        async def forever() -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        asyncio.get_running_loop().create_task(forever())

    context.call(linger)
    context.close()
    assert cancelled.is_set()
    assert runtime.made["store"][0].closed == 1
    assert runtime.made["llm_provider"][0].closed == 1
    assert not context.running


class Overrun(Exception):
    """What RQ's death penalty raises, from its SIGALRM handler, in the thread running jobs."""


def test_a_signal_that_interrupts_the_wait_cancels_the_job(context):
    cancelled = threading.Event()

    async def slow(_: JobContext) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def overrun(signum: int, frame: object) -> None:
        raise Overrun()

    previous = signal.signal(signal.SIGALRM, overrun)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(Overrun):
            context.call(slow)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 5
    assert cancelled.wait(5)
    assert context.call(_what_a_job_sees)  # the loop carries on with the next job


def test_a_blocked_loop_is_given_up_and_the_next_job_gets_another(make_settings):
    runtime = StubRuntime(make_settings())
    stuck = job_context(runtime)  # type: ignore[arg-type]

    async def block(_: JobContext) -> None:
        time.sleep(1.5)  # noqa: ASYNC251 - a blocking call: the loop can do nothing else

    try:
        with pytest.raises(TimeoutError):
            stuck.call(block, timeout=0.2)
        abandon_job_context()
        fresh = job_context(runtime)  # type: ignore[arg-type]
        assert fresh is not stuck
        assert fresh.call(_what_a_job_sees)[0] is not stuck._loop
        stuck._thread.join(5)  # once its blocking call returns, the given-up loop stops
        assert not stuck.running
    finally:
        jobs_context.close_job_context()
        stuck.close()


def test_an_overrun_job_on_a_blocked_loop_still_ends_as_timeout(make_settings, monkeypatch):
    runtime = StubRuntime(make_settings())
    context = job_context(runtime)  # type: ignore[arg-type]
    job_id, owner = new_id(), new_id()
    payload = {"job_id": job_id, "user_id": owner}

    async def queued_and_started(c: JobContext) -> None:
        await c.states.create(job_id, owner, payload)
        assert await c.states.start(job_id)

    async def block(_: JobContext) -> None:
        time.sleep(2)  # noqa: ASYNC251 - blocks the loop on purpose

    async def view(c: JobContext) -> Any:
        return await c.states.view(job_id)

    monkeypatch.setattr(tasks, "END_TIMEOUT_SECONDS", 0.3)
    try:
        context.call(queued_and_started)
        asyncio.run_coroutine_threadsafe(block(context), context._loop)
        tasks._end_cut_off(context, runtime, payload, error="timeout")  # type: ignore[arg-type]
        assert job_context(runtime) is not context  # type: ignore[arg-type]
        ended = job_context(runtime).call(view)  # type: ignore[arg-type]
        assert (ended.status, ended.error) == (FAILED, "timeout")
    finally:
        jobs_context.close_job_context()
        context.close()


def test_a_forked_child_builds_its_own_context_and_leaves_its_parents_alone(make_settings):
    runtime = Runtime.build(make_settings())
    parent = job_context(runtime)

    async def use(c: JobContext) -> int:
        store = await c.store()
        await c.states.client.ping()
        await store.ping()
        return os.getpid()

    try:
        assert parent.call(use) == os.getpid()
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child, which reports by exit code
            code = 1
            try:
                own = job_context(runtime)
                code = 0 if own is not parent and own.call(use) == os.getpid() else 2
                jobs_context.close_job_context()
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert job_context(runtime) is parent
        assert parent.call(use) == os.getpid()  # its store and Redis client still work
    finally:
        jobs_context.close_job_context()
