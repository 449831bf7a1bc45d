"""Scheduled tasks: each registered task runs once per interval across the whole cluster.

How it works. Time is cut into numbered intervals, ``index = floor(unix time / interval)``, so
every process agrees on which interval it is without talking to the others (wall clocks of a
cluster kept by NTP differ by milliseconds; anything under one interval is tolerated, see below).
Every API process and every worker runs a small :class:`Scheduler` loop. When a new index
starts (a process that starts mid-interval waits for the next one), each one tries
``SET soul:schedule:{task}:{index} <process> NX PX <2 intervals>``; the one Redis answers
"OK" to enqueues a single RQ job on the ``low`` queue with the fixed id
``scheduled-{task}-{index}``, and a worker runs it (:func:`run_scheduled_task`).

Why this design:

- **The claim is per index, not a leader lease.** No process is "the scheduler": a process
  that dies takes nothing with it, and the next index is claimed by whoever is alive. A job
  lost with its worker is not retried; its task runs again at the next index elsewhere, which
  keeps "at most once per interval" true without any fencing.
- **The claim lives two intervals**, so a process whose clock is behind by less than one
  interval, and reaches index k after the others are already in k+1, still finds k claimed.
- **The job id is fixed and enqueued with RQ's ``unique``**: a process that won the claim but
  lost Redis before enqueueing retries the enqueue when Redis is back, and can never enqueue
  the same index twice.
- **A queued run expires after one interval** (RQ's ``ttl``): when no worker takes it in time
  (all busy or none running), the next index's run replaces it instead of a backlog piling up
  and running in a burst later.
- **RQ 3's own ``CronScheduler`` is not used**: it is meant to run as one process per cluster
  and has no lock between instances, so one in each replica would run every task once per
  replica; and one dedicated process would be one more thing to keep alive.
- **A Redis outage skips ticks quietly**: the claim fails, the loop tries again a second later
  and, when Redis answers, claims the interval that is then current. Intervals that passed
  entirely during the outage do not run late.

Each run is cut at the shorter of its task's interval and ``SOUL_SCHEDULED_TASK_TIMEOUT_SECONDS``,
so a slow run cannot pile up behind the next.

The API process runs :func:`keep_scheduling` as a background task; a worker runs
:func:`start_scheduler_thread` beside RQ's loop. A task reads which interval it runs for with
:func:`current_run`.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import math
import os
import re
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from rq import Queue
from rq.exceptions import DuplicateJobError

from soul_framework.config import Settings
from soul_framework.jobs.connection import sync_redis
from soul_framework.jobs.turns import RQ_TIMEOUT_MARGIN_SECONDS
from soul_framework.protocols import ScheduledTask
from soul_framework.runtime import Runtime

log = logging.getLogger(__name__)

SCHEDULE_QUEUE = "low"
SCHEDULE_TASK = "soul_framework.scheduling.run_scheduled_task"
CLAIM_PREFIX = "soul:schedule"
CLAIM_INTERVALS = 2
"""How many intervals a claim lives: one for the interval itself and one so that a process
whose clock lags by less than an interval finds the index already claimed."""
MIN_INTERVAL_SECONDS = 1.0
"""Shortest interval accepted. Claiming, enqueueing and a worker's fork take milliseconds each;
below a second the bookkeeping would be a large share of the work, and Redis expiry and clock
agreement between machines are only good to some milliseconds."""
RETRY_SECONDS = 1.0
"""How soon a scheduler tries again after Redis did not answer."""
MAX_SLEEP_SECONDS = 60.0
"""Longest a scheduler sleeps between checks, so a wall clock set forward or back (NTP, a
suspended machine) is noticed within a minute even for day-long intervals."""
WAKE_MARGIN_SECONDS = 0.005
"""Sleep this much past a boundary, so the wake-up lands in the new interval."""
MAX_RESULT_TTL_SECONDS = 3600
"""A successful run's record stays in RQ until the next run, and at most an hour."""

_JOB_ID_SAFE = re.compile(r"[A-Za-z0-9_-]+")  # what RQ accepts in a job id


# --- intervals and names ----------------------------------------------------------------------


def interval_index(now: float, interval_seconds: float) -> int:
    """The number of the interval that unix time ``now`` (seconds) falls in."""
    return math.floor(now / interval_seconds)


def claim_key(task_name: str, index: int) -> str:
    """The Redis key whose owner runs ``task_name`` for interval ``index``."""
    return f"{CLAIM_PREFIX}:{task_name}:{index}"


def job_id(task_name: str, index: int) -> str:
    """The RQ job id of one run: the task's name when RQ accepts it, else a digest of it."""
    safe = task_name if _JOB_ID_SAFE.fullmatch(task_name) else _digest(task_name)
    return f"scheduled-{safe}-{index}"


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def run_timeout_seconds(task: ScheduledTask, settings: Settings) -> float:
    """How long one run may take: its interval, or less when the settings say so."""
    return min(float(task.interval_seconds), settings.soul_scheduled_task_timeout_seconds)


def process_identity() -> str:
    """What a claim records as its owner: host and process id, for whoever reads Redis."""
    return f"{socket.gethostname()}:{os.getpid()}"


# --- which tasks ------------------------------------------------------------------------------


def scheduled_tasks(runtime: Runtime) -> list[ScheduledTask]:
    """Build every registered scheduled task, leaving out (with an error in the log) those
    that fail to build, whose interval is shorter than ``MIN_INTERVAL_SECONDS`` or not a number,
    or whose ``name`` differs from the name they were registered under."""
    tasks: list[ScheduledTask] = []
    for registration in runtime.registry.all("scheduled_task"):
        try:
            task = registration.factory(runtime.settings)
        except Exception as exc:  # foreign code: one broken task must not stop the others
            log.error(
                "scheduled task %r from plugin %r could not be built: %s: %s",
                registration.name,
                registration.plugin,
                type(exc).__name__,
                exc,
            )
            continue
        problem = _problem_with(task, registration.name)
        if problem:
            log.error(
                "scheduled task %r from plugin %r is left out: %s",
                registration.name,
                registration.plugin,
                problem,
            )
            continue
        tasks.append(task)
    return tasks


def _problem_with(task: object, registered_name: str) -> str | None:
    name = getattr(task, "name", None)
    if name != registered_name:
        return f"its name {name!r} differs from the registered name {registered_name!r}"
    interval = getattr(task, "interval_seconds", None)
    if not isinstance(interval, int | float) or isinstance(interval, bool):
        return f"interval_seconds must be a number of seconds, not {interval!r}"
    if not math.isfinite(interval) or interval < MIN_INTERVAL_SECONDS:
        return f"interval_seconds must be at least {MIN_INTERVAL_SECONDS:g}, not {interval!r}"
    if not callable(getattr(task, "run", None)):
        return "it has no run(runtime) method"
    return None


# --- claiming ---------------------------------------------------------------------------------


class Scheduler:
    """One process's side of the schedule: claims the intervals it wins and enqueues them.

    :meth:`tick` is blocking (call it from a thread in async code) and never raises for a
    Redis outage. Not thread-safe: one loop owns one scheduler.
    """

    def __init__(
        self,
        connection: redis.Redis,
        settings: Settings,
        tasks: Sequence[ScheduledTask],
        *,
        owner: str | None = None,
        started_at: float | None = None,
    ) -> None:
        self.connection = connection
        self.settings = settings
        self.tasks = list(tasks)
        self.owner = owner or process_identity()
        started = time.time() if started_at is None else started_at
        # An interval that was already under way when this process started is not its to
        # claim: a restart (or a test's short-lived service) must not set off a run at once.
        self._settled: dict[str, int] = {
            t.name: interval_index(started, t.interval_seconds) for t in self.tasks
        }
        """Task name -> the last index this process is done with (won and enqueued, lost, or
        already under way at start)."""
        self._won: dict[str, int] = {}
        """Task name -> an index this process claimed but has not enqueued yet."""

    def tick(self, now: float | None = None) -> float:
        """Claim and enqueue every task whose current interval this process has not settled;
        return how many seconds to wait before the next tick."""
        now = time.time() if now is None else now
        redis_failed = False
        for task in self.tasks:
            index = interval_index(now, task.interval_seconds)
            if self._settled.get(task.name) == index:
                continue
            try:
                self._take_turn(task, index)
            except (redis.RedisError, OSError) as exc:
                redis_failed = True
                log.debug("scheduled task %r, interval %d: Redis: %s", task.name, index, exc)
            except Exception:
                # Not Redis (a bug, or RQ refusing the job): say so, and keep the loop alive
                # for the other tasks; this interval is given up.
                log.exception("scheduled task %r, interval %d not queued", task.name, index)
                self._won.pop(task.name, None)
                self._settled[task.name] = index
        return self._wait_after(now, redis_failed)

    def _take_turn(self, task: ScheduledTask, index: int) -> None:
        if self._won.get(task.name) != index:
            lifetime_ms = math.ceil(CLAIM_INTERVALS * task.interval_seconds * 1000)
            won = self.connection.set(
                claim_key(task.name, index), self.owner, nx=True, px=lifetime_ms
            )
            if not won:
                self._settled[task.name] = index
                return
            self._won[task.name] = index
            log.debug("claimed scheduled task %r for interval %d", task.name, index)
        self._enqueue(task, index)
        self._won.pop(task.name, None)
        self._settled[task.name] = index

    def _enqueue(self, task: ScheduledTask, index: int) -> None:
        interval = float(task.interval_seconds)
        try:
            Queue(SCHEDULE_QUEUE, connection=self.connection).enqueue(
                SCHEDULE_TASK,
                args=(task.name, index),
                job_id=job_id(task.name, index),
                unique=True,
                ttl=max(1, math.ceil(interval)),
                job_timeout=math.ceil(run_timeout_seconds(task, self.settings))
                + RQ_TIMEOUT_MARGIN_SECONDS,
                result_ttl=min(max(1, math.ceil(interval)), MAX_RESULT_TTL_SECONDS),
                failure_ttl=self.settings.soul_job_result_ttl_seconds,
                description=f"scheduled task {task.name}, interval {index}",
            )
        except DuplicateJobError:
            # An earlier attempt got through before its answer was lost: enqueued already.
            log.debug("scheduled task %r, interval %d was already queued", task.name, index)

    def _wait_after(self, now: float, redis_failed: bool) -> float:
        if not self.tasks:
            return MAX_SLEEP_SECONDS
        until_next = min(
            (interval_index(now, t.interval_seconds) + 1) * t.interval_seconds - now
            for t in self.tasks
        )
        wait = min(until_next + WAKE_MARGIN_SECONDS, MAX_SLEEP_SECONDS)
        return min(wait, RETRY_SECONDS) if redis_failed else wait


async def keep_scheduling(
    client: redis.Redis, settings: Settings, tasks: Sequence[ScheduledTask]
) -> None:
    """Schedule ``tasks`` from an asyncio process (the API) until cancelled.

    ``client`` is a blocking Redis client (RQ needs one); each tick runs in a thread, so the
    event loop never waits on Redis and a cancellation is never absorbed by a Redis command.
    """
    scheduler = Scheduler(client, settings, tasks)
    log.info("scheduling %s", ", ".join(_describe(t) for t in scheduler.tasks) or "nothing")
    while True:
        wait = await asyncio.to_thread(scheduler.tick)
        await asyncio.sleep(wait)


class SchedulerThread(threading.Thread):
    """A daemon thread running a :class:`Scheduler` with its own Redis client."""

    def __init__(self, settings: Settings, tasks: Sequence[ScheduledTask]) -> None:
        super().__init__(name="soul-scheduler", daemon=True)
        self.settings = settings
        self.tasks = list(tasks)
        self._stopping = threading.Event()

    def run(self) -> None:
        connection = sync_redis(self.settings)
        scheduler = Scheduler(connection, self.settings, self.tasks)
        log.info("scheduling %s", ", ".join(_describe(t) for t in scheduler.tasks) or "nothing")
        try:
            while not self._stopping.is_set():
                self._stopping.wait(scheduler.tick())
        finally:
            connection.close()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end and wait up to ``timeout`` seconds for it (a tick in progress
        finishes first: at most Redis's connect and socket timeouts)."""
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


def start_scheduler_thread(settings: Settings, tasks: Sequence[ScheduledTask]) -> SchedulerThread:
    """Schedule ``tasks`` from a thread of a blocking process (the worker); returns the started
    thread, which :meth:`SchedulerThread.stop` ends."""
    thread = SchedulerThread(settings, tasks)
    thread.start()
    return thread


def _describe(task: ScheduledTask) -> str:
    return f"{task.name} every {task.interval_seconds:g}s"


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduledRun:
    """The interval a scheduled task is running for."""

    task: str
    index: int
    interval_seconds: float

    @property
    def starts_at(self) -> datetime:
        """When the interval began (UTC)."""
        return datetime.fromtimestamp(self.index * self.interval_seconds, UTC)

    @property
    def ends_at(self) -> datetime:
        """When the interval ends (UTC), which is when the next run is due."""
        return datetime.fromtimestamp((self.index + 1) * self.interval_seconds, UTC)


_current_run: contextvars.ContextVar[ScheduledRun | None] = contextvars.ContextVar(
    "soul_scheduled_run", default=None
)


def current_run() -> ScheduledRun | None:
    """The interval the running scheduled task is for; None outside a scheduled run."""
    return _current_run.get()


def run_scheduled_task(name: str, index: int) -> None:
    """RQ entry: run task ``name`` for interval ``index`` in this worker."""
    # Imported here: the worker module starts the scheduler thread and imports this one.
    from soul_framework.jobs.worker import process_runtime

    asyncio.run(run_once(process_runtime(), name, index))


async def run_once(runtime: Runtime, name: str, index: int) -> bool:
    """Build task ``name`` from the registry and run it once for interval ``index``, with
    a store and a provider of this event loop's own; returns False when no such task is
    registered here. Raises what the task raises, and ``TimeoutError`` past its timeout."""
    registration = runtime.registry.get("scheduled_task", name)
    if registration is None:
        log.error(
            "scheduled task %r is not registered in this worker (interval %d not run): "
            "install its plugin on every worker",
            name,
            index,
        )
        return False
    task: ScheduledTask = registration.factory(runtime.settings)
    # A runtime of this run's own: clients bound to another event loop must not be reused.
    own = Runtime(
        runtime.settings, runtime.pm, runtime.registry, runtime.selection, runtime.loaded_persona
    )
    token = _current_run.set(ScheduledRun(name, index, float(task.interval_seconds)))
    started = time.monotonic()
    try:
        await own.store.open()
        log.debug("scheduled task %r starts interval %d", name, index)
        async with asyncio.timeout(run_timeout_seconds(task, runtime.settings)):
            await task.run(own)
    finally:
        _current_run.reset(token)
        try:
            await own.aclose()
        except Exception as exc:  # closing must not hide how the run went
            log.warning("scheduled task %r: closing its store or provider failed: %s", name, exc)
    log.info(
        "scheduled task %r ran for interval %d in %.3f s",
        name,
        index,
        time.monotonic() - started,
    )
    return True
