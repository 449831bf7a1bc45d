"""The worker process: ``soul worker`` or ``python -m soul_framework.worker``.

Plugins are loaded, and the store and clients that jobs share are prepared, before the first
job (:mod:`soul_framework.jobs.context`). RQ handles SIGTERM as a warm shutdown (the running
job finishes, then the worker exits) and a second SIGTERM as a cold one (the running job is cut
off and ends as ``worker_lost``).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import socket
import time

import redis
from rq import Worker

from soul_framework.config import Settings, mask_uri_credentials
from soul_framework.jobs.connection import redis_url, sync_redis
from soul_framework.jobs.context import JobContext, close_job_context, job_context
from soul_framework.jobs.queues import QUEUE_NAMES
from soul_framework.jobs.worker_classes import ForkingWorker, InProcessWorker
from soul_framework.processes import pid_alive
from soul_framework.runtime import Runtime
from soul_framework.scheduling import scheduled_tasks, start_scheduler_thread

log = logging.getLogger(__name__)

REDIS_WAIT_LOG_EVERY_SECONDS = 10.0
WORKER_TTL_SECONDS = 60
"""How long RQ keeps the registration of a silent worker: it heartbeats every TTL-15 s and
lets the key expire TTL+60 s after the last beat (RQ's default of 420 s would keep a ghost for
eight minutes). /v1/meta/queue stops counting a dead worker much sooner, by its pulse
(:mod:`soul_framework.jobs.pulse`)."""

WORKER_SOCKET_TIMEOUT_SECONDS = WORKER_TTL_SECONDS + 10
"""Longer than any wait for a job (RQ waits ``WORKER_TTL_SECONDS - 15`` s at a time)."""

PREPARE_TIMEOUT_SECONDS = 30.0
"""The longest a worker waits at start for its store to open (jobs then open it themselves)."""

_process_runtime: Runtime | None = None
_worker_pid: int | None = None


def process_runtime() -> Runtime:
    """The runtime this worker built in :func:`run_worker`; jobs reach plugins through it."""
    if _process_runtime is None:
        raise RuntimeError("no worker runtime: jobs run inside `soul worker`")
    return _process_runtime


def in_work_horse() -> bool:
    """Whether this process is a child that RQ's forking Worker made to run one job."""
    return _worker_pid is not None and os.getpid() != _worker_pid


def worker_class(settings: Settings) -> type[Worker]:
    """RQ's SimpleWorker (as :class:`InProcessWorker`), running jobs in the worker process on
    the event loop and clients it keeps, unless ``RQ_USE_FORK_WORKER`` asks for a work-horse
    forked per job (see ``Settings.rq_use_fork_worker`` for the trade-off)."""
    return ForkingWorker if settings.use_fork_worker else InProcessWorker


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
    """Do once, before the first job, what jobs would otherwise wait for: building the
    selected provider and store imports their modules and may prepare shared resources (a TLS
    context), which forked work-horses inherit. A worker that runs jobs itself also opens the
    store and builds the clients its jobs share; a forking one must not (its children may not
    use their parent's threads and sockets)."""
    provider = runtime.fresh("llm_provider")
    warm = getattr(provider, "warm_up", None)
    if callable(warm):
        warm()
    runtime.fresh("store")
    if not runtime.settings.use_fork_worker:
        try:
            job_context(runtime).call(JobContext.prepare, timeout=PREPARE_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("the store and clients were not ready in %.0fs", PREPARE_TIMEOUT_SECONDS)
    # What start-up made lives as long as the worker: the collector's full passes skip it
    # from now on (shorter pauses in jobs), and forked work-horses do not copy the memory
    # pages that such a pass would touch.
    gc.freeze()


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> bool:
    """Load plugins, connect, and work the queues until stopped. Returns RQ's result."""
    global _process_runtime, _worker_pid
    _process_runtime = Runtime.build(settings)
    _worker_pid = os.getpid()
    try:
        _warm_up(_process_runtime)
        tasks = scheduled_tasks(_process_runtime)
        # A burst worker leaves as soon as the queues are empty: it claims no intervals.
        scheduler = start_scheduler_thread(settings, tasks) if tasks and not burst else None
        try:
            return _work(settings, burst=burst, name=name)
        finally:
            if scheduler is not None:
                scheduler.stop(timeout=5)
    finally:
        close_job_context()


def bury_dead_namesake(connection: redis.Redis, name: str) -> bool:
    """Register the death of a worker of this ``name`` that died on this machine without
    saying goodbye (killed, or its machine's Redis restarted from disk); returns whether one
    was found. A process manager restarts a worker under its old name, which RQ refuses while
    the old registration lasts (up to two minutes). A namesake alive, or on another machine,
    is left alone: starting then fails, as it should."""
    key = Worker.redis_worker_namespace_prefix + name
    try:
        namesake = Worker.find_by_key(key, connection=connection)
    except (redis.RedisError, ValueError):
        return False
    if namesake is None or connection.hexists(key, "death"):
        return False
    if namesake.hostname != socket.gethostname() or not namesake.pid:
        return False
    if namesake.pid != os.getpid() and pid_alive(namesake.pid):  # (a restarted container's pid 1)
        return False
    log.warning(
        "worker %s (pid %s) died without a goodbye; registering its death", name, namesake.pid
    )
    namesake.register_death()
    return True


def worker_connection(settings: Settings) -> redis.Redis:
    """The connection a worker waits for jobs on.

    An idle worker blocks on Redis for up to ``WORKER_TTL_SECONDS - 15`` s at a time. RQ
    lengthens the pool's socket timeout to cover that, but only for connections made after
    the worker is built, and the checks made before it (is Redis up, did a namesake die) leave
    a connection with the short default in the pool: each wait then timed out after 10 s and
    RQ backed off for up to a minute, while jobs queued up. Long enough from the start."""
    return sync_redis(settings, socket_timeout=WORKER_SOCKET_TIMEOUT_SECONDS)


def _work(settings: Settings, *, burst: bool, name: str | None) -> bool:
    connection = worker_connection(settings)
    cls = worker_class(settings)
    lost: Worker | None = None
    while True:
        wait_for_redis(connection)
        if lost is not None:
            # Its goodbye failed while Redis was away; a Redis that kept its data (an
            # append-only file) still lists it, and RQ refuses a new worker of the same name.
            with contextlib.suppress(Exception):
                lost.teardown()
            lost = None
        if name is not None:
            bury_dead_namesake(connection, name)
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
            # Redis went away under the worker: wait for it and start again, no restart needed.
            log.warning("worker %s lost Redis (%s); waiting for it to come back", worker.name, exc)
            with contextlib.suppress(Exception):
                worker.teardown()
            lost = worker
