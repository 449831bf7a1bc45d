"""The worker process: ``soul worker`` or ``python -m soul_framework.worker``.

Plugins are loaded before the first job so that forked work-horses inherit them. RQ handles
SIGTERM as a warm shutdown (the running job finishes, then the worker exits) and a second
SIGTERM as a cold one.
"""

from __future__ import annotations

import contextlib
import logging
import time

import redis
from rq import SimpleWorker, Worker

from soul_framework.config import Settings, mask_uri_credentials
from soul_framework.jobs.connection import redis_url, sync_redis
from soul_framework.jobs.queues import QUEUE_NAMES
from soul_framework.runtime import Runtime
from soul_framework.scheduling import scheduled_tasks, start_scheduler_thread

log = logging.getLogger(__name__)

REDIS_WAIT_LOG_EVERY_SECONDS = 10.0
WORKER_TTL_SECONDS = 60
"""How long a silent worker stays listed: RQ heartbeats every TTL-15 s and lets the key expire
TTL+60 s after the last beat, so a worker killed without a goodbye leaves /v1/meta/queue within
about two minutes (RQ's default of 420 s would keep a ghost for eight)."""

_process_runtime: Runtime | None = None


def process_runtime() -> Runtime:
    """The runtime this worker built in :func:`run_worker`; jobs reach plugins through it."""
    if _process_runtime is None:
        raise RuntimeError("no worker runtime: jobs run inside `soul worker`")
    return _process_runtime


def worker_class(settings: Settings) -> type[Worker]:
    """A forking worker on Linux (a job that crashes cannot take the worker with it);
    RQ's SimpleWorker where fork is missing or unsafe (Windows, macOS)."""
    return Worker if settings.use_fork_worker else SimpleWorker


def wait_for_redis(connection: redis.Redis) -> None:
    """Block until Redis answers, saying so now and then, so a worker can start first."""
    waited_since = time.monotonic()
    last_said = 0.0
    while True:
        try:
            connection.ping()
            return
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            waited = time.monotonic() - waited_since
            if waited - last_said >= REDIS_WAIT_LOG_EVERY_SECONDS or last_said == 0.0:
                log.warning("waiting for Redis (%.0fs so far): %s", waited, exc)
                last_said = waited or 0.001
            time.sleep(0.5)


def _warm_up(runtime: Runtime) -> None:
    """Do once, before any fork, what every job would otherwise redo: building the selected
    provider and store imports their modules and may prepare shared resources (a TLS context);
    forked work-horses inherit all of it."""
    provider = runtime.fresh("llm_provider")
    warm = getattr(provider, "warm_up", None)
    if callable(warm):
        warm()
    runtime.fresh("store")


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> bool:
    """Load plugins, connect, and work the queues until stopped. Returns RQ's result."""
    global _process_runtime
    _process_runtime = Runtime.build(settings)
    _warm_up(_process_runtime)
    tasks = scheduled_tasks(_process_runtime)
    # A burst worker leaves as soon as the queues are empty: it claims no intervals.
    scheduler = start_scheduler_thread(settings, tasks) if tasks and not burst else None
    connection = sync_redis(settings)
    cls = worker_class(settings)
    try:
        while True:
            wait_for_redis(connection)
            worker = cls(
                list(QUEUE_NAMES), connection=connection, name=name, worker_ttl=WORKER_TTL_SECONDS
            )
            log.info(
                "worker %s (%s) on %s, queues %s",
                worker.name,
                cls.__name__,
                mask_uri_credentials(redis_url(settings)),
                ", ".join(QUEUE_NAMES),
            )
            try:
                return worker.work(burst=burst, logging_level=settings.soul_log_level.upper())
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                # Redis went away under the worker: wait for it, start again, no restart needed.
                log.warning(
                    "worker %s lost Redis (%s); waiting for it to come back", worker.name, exc
                )
                with contextlib.suppress(Exception):
                    worker.teardown()
    finally:
        if scheduler is not None:
            scheduler.stop(timeout=5)
