"""The event loop and the clients that the jobs of one worker process share.

Building an event loop, a Redis client, a store and an LLM client for every job, and closing
them afterwards, cost each message tens of milliseconds. A worker process keeps one of each
instead: the loop runs for the life of the process on a thread of its own (``soul-jobs``), RQ's
thread hands it each job and waits for the outcome, the store is opened once, and the
connection pools of Redis and of the LLM provider are reused from one job to the next. The
worker closes them all when it stops.

A forked child (the work-horse of RQ's forking ``Worker``) never touches its parent's loop,
thread or sockets: after a fork the context is set aside, never used or closed in the child,
and the child builds its own on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import redis
import redis.asyncio

from soul_framework import event_loops
from soul_framework.jobs.connection import async_redis, sync_redis
from soul_framework.jobs.state import JobStates
from soul_framework.protocols import LLMProvider, Store
from soul_framework.runtime import Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[["JobContext"], Coroutine[Any, Any, T]]

CLOSE_TIMEOUT_SECONDS = 10.0
"""The longest a worker waits, when it stops, for its clients to close and the loop to end."""


class JobContext:
    """One process's event loop for jobs, and the clients built on it.

    :meth:`call`, :meth:`close` and :meth:`abandon` are for the thread that runs jobs;
    everything else belongs to the loop and is used by the jobs themselves.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.pid = os.getpid()
        self._loop = event_loops.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="soul-jobs", daemon=True
        )
        self._abandoned = False
        self._thread.start()
        self._redis: redis.asyncio.Redis | None = None
        self._states: JobStates | None = None
        self._connection: redis.Redis | None = None
        self._store: Store | None = None
        self._store_lock = asyncio.Lock()
        self._provider: LLMProvider | None = None

    # --- from the thread that runs jobs -------------------------------------------------------

    def call(self, job: Job[T], *, timeout: float | None = None) -> T:
        """Run ``job(self)`` on the loop and wait for its outcome, at most ``timeout`` seconds
        (None: as long as it takes; then :class:`TimeoutError`, and the job is cancelled).

        Whatever interrupts the wait (a signal handler raising in this thread: RQ's job
        timeout, a cold shutdown) cancels the job and is raised again.
        """
        future = asyncio.run_coroutine_threadsafe(job(self), self._loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    @property
    def running(self) -> bool:
        """Whether the loop (and its thread) still runs."""
        return self._thread.is_alive() and not self._loop.is_closed()

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Cancel what still runs, close the clients, then stop the loop and its thread.

        Waits at most ``timeout`` seconds; a loop stuck in a blocking call is left to finish
        that on its own (its thread is a daemon) and closes its clients afterwards.
        """
        if self._loop.is_closed():
            return
        self.abandon()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("the jobs' event loop did not stop within %.0fs", timeout)
        else:
            self._loop.close()

    def abandon(self) -> None:
        """Let go of the loop without waiting for it (it may be stuck in a job): as soon as it
        is free, it cancels what still runs, closes the clients and stops."""
        if self._abandoned:
            return
        self._abandoned = True
        with contextlib.suppress(RuntimeError):  # the loop is closed already
            asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop)

    # --- on the loop ----------------------------------------------------------------------------

    @property
    def states(self) -> JobStates:
        """Job states in Redis, on this process's asyncio Redis client (made on first use)."""
        if self._states is None:
            settings = self.runtime.settings
            self._redis = async_redis(settings)
            self._states = JobStates(self._redis, settings.soul_job_result_ttl_seconds)
        return self._states

    @property
    def connection(self) -> redis.Redis:
        """A blocking Redis client for RQ (enqueueing a user's next job, from a thread)."""
        if self._connection is None:
            self._connection = sync_redis(self.runtime.settings)
        return self._connection

    @property
    def provider(self) -> LLMProvider:
        """The selected LLM provider; its client and connection pool serve every job."""
        if self._provider is None:
            self._provider = self.runtime.fresh("llm_provider")
        return self._provider

    async def store(self) -> Store:
        """The selected store, opened on first use. When opening fails nothing is kept, so the
        next job tries again."""
        if self._store is not None:
            return self._store
        async with self._store_lock:
            if self._store is None:
                store = self.runtime.fresh("store")
                await store.open()
                self._store = store
            return self._store

    async def discard_store(self) -> None:
        """Close the store after it failed (a lost disk, a lost server): the next job opens a
        new one."""
        async with self._store_lock:
            store, self._store = self._store, None
            if store is not None:
                with contextlib.suppress(Exception):
                    await store.close()

    async def prepare(self) -> None:
        """Open the store and build the clients before the first job, so it does not wait for
        them. A failure is only logged: the job that meets it reports it."""
        _ = self.states, self.provider
        try:
            await self.store()
        except Exception as exc:
            log.warning("the store could not be opened yet: %s", exc)

    async def _shut_down(self) -> None:
        try:
            await self._aclose()
        except Exception as exc:
            log.warning("closing the jobs' clients failed: %r", exc)
        finally:
            self._loop.stop()

    async def _aclose(self) -> None:
        current = asyncio.current_task()
        others = [task for task in asyncio.all_tasks() if task is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self.discard_store()
        provider, self._provider = self._provider, None
        if provider is not None:
            with contextlib.suppress(Exception):
                await provider.aclose()
        client, self._redis, self._states = self._redis, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        await self._loop.shutdown_default_executor()


_context: JobContext | None = None
_set_aside: list[JobContext] = []
"""Contexts no longer used but kept referenced: a forked child's copy of its parent's (garbage
collection must not close, in the child, database handles that are the parent's), and a given-up
one whose thread may still be running."""


def job_context(runtime: Runtime) -> JobContext:
    """This process's context, built on first use (in a forked child, its own)."""
    global _context
    if _context is not None and _context.pid != os.getpid():
        _set_aside_after_fork()
    if _context is None:
        _context = JobContext(runtime)
    return _context


def close_job_context(timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
    """Close this process's context, if it has one; the next job would build a new one."""
    global _context
    context, _context = _context, None
    if context is not None and context.pid == os.getpid():
        context.close(timeout)


def abandon_job_context() -> None:
    """Give up this process's context without waiting for it (its loop is stuck in a job that
    blocks it); the next job builds a new one."""
    global _context
    context, _context = _context, None
    if context is not None:
        log.error("the jobs' event loop is blocked; starting another one for the next jobs")
        context.abandon()
        _set_aside.append(context)


def _set_aside_after_fork() -> None:
    global _context
    if _context is not None:
        _set_aside.append(_context)
        _context = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_set_aside_after_fork)
