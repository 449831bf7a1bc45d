"""Jobs benchmark: framework overhead per message, throughput by workers, SSE fan-out.

    python -m bench.jobs [--only overhead|throughput|sse] [--messages 200] [--streams 2000]

Starts ``soul serve`` (one process) and ``soul worker`` processes on SQLite and the Redis at
``REDIS_URL`` (else an embedded one), with a fake OpenAI-compatible model in this process, then
drives them from this process over HTTP:

- overhead: messages sent one after another by a few users, the model answering at once; the
  time from just before ``POST /v1/messages/submit`` to the ``done`` event of the job's SSE
  stream, opened right after the submit answered, and the submit alone. Each reply is followed
  by a reflection job on the ``low`` queue (another model call); the figures are taken with
  the worker idle at each submit (the message's own path), then again with messages sent back
  to back (each may wait for the previous one's reflection). The machine's speed is sampled
  meanwhile with a fixed piece of work: on a shared machine it can halve for seconds at a time,
  and the latencies move with it;
- throughput: 16 users send their messages at once, each user's answered in order; messages
  completed per second with 1 and 4 workers, the model answering at once or after 500 ms (each
  run starts with no job left queued or running);
- sse: job states written straight into Redis (no worker), that many SSE streams held open on
  the one API process, its memory per stream, then one event published to each job (paced, then
  all at once) and the delay from publish to receipt, timed here, where all streams are read.
  Also the pub/sub connections the API process holds in Redis for them (CLIENT LIST).

The API, the workers, the model and this client share the machine, so the figures are lower
bounds for the service alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import redis
import redis.asyncio

from soul_framework.domain.ids import new_id
from soul_framework.jobs.queues import QUEUE_NAMES
from soul_framework.jobs.state import CHANNEL, SUCCEEDED, JobStates, JobView, event
from soul_framework.testing import redis_for_tests
from soul_framework.testing.deployment import Deployment
from soul_framework.testing.fake_llm import FakeLLMServer

ANSWER = {"message": "ok", "expression": "happy"}
IDLE_POLL_SECONDS = 0.002
IDLE_TIMEOUT_SECONDS = 120.0
UNLIMITED = "100000000/hour"

OVERHEAD_USERS = 4
OVERHEAD_WARMUP = 10
OVERHEAD_GOAL_P50_MS = 15.0
REFERENCE_EVERY = 20

THROUGHPUT_USERS = 16
THROUGHPUT_WORKERS = (1, 4)
THROUGHPUT_RUNS = ((0.0, 6), (0.5, 3))  # (model latency in seconds, messages per user)

SSE_USERS = 20
SSE_WARMUP = 50
SSE_OPENING_AT_ONCE = 50
"""Streams being opened at the same time. Each opening takes a connection from the API's Redis
pool (100 at most) for a moment; well under that, opening measures the streams, not the pool."""
SSE_PACED_PER_SECOND = 500
SSE_WAIT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class User:
    token: str
    user_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextlib.contextmanager
def deployment(redis_url: str, llm_url: str, workers: int) -> Iterator[Deployment]:
    with tempfile.TemporaryDirectory(prefix="soul-bench-jobs-") as folder:
        running = Deployment(
            Path(folder),
            redis_url,
            {
                "OPENAI_API_KEY": "sk-fake",
                "OPENAI_BASE_URL": llm_url,
                "GPT_FAST_MODEL": "fake-fast",
                "SOUL_LLM_MAX_RETRIES": "0",
                "SOUL_LOG_LEVEL": "WARNING",
                "SOUL_RATE_LIMIT_SUBMIT": UNLIMITED,
                "SOUL_RATE_LIMIT_POLL": UNLIMITED,
                "SOUL_RATE_LIMIT_GUEST": UNLIMITED,
                "SOUL_RATE_LIMIT_EVENTS": UNLIMITED,
                # The SSE run holds a hundred streams per user.
                "SOUL_MAX_STREAMS_PER_USER": "1000",
            },
        )
        try:
            running.start(workers)
            yield running
        except Exception:
            print(running.log_tail(), file=sys.stderr)
            raise
        finally:
            running.stop()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def sign_in(client: httpx.AsyncClient) -> User:
    reply = await client.post("/v1/auth/guest")
    reply.raise_for_status()
    token = reply.json()["access_token"]
    me = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    me.raise_for_status()
    return User(token, me.json()["user_id"])


async def submit(client: httpx.AsyncClient, user: User, text: str) -> str:
    response = await client.post(
        "/v1/messages/submit", headers=user.headers, json={"message": text, "type": "dm"}
    )
    if response.status_code != 202:
        raise RuntimeError(f"submit answered {response.status_code}: {response.text[:300]}")
    return response.json()["job_id"]


async def sse(
    client: httpx.AsyncClient, user: User, job_id: str
) -> AsyncIterator[tuple[str, dict[str, Any], float]]:
    """The job's events as (name, data, perf_counter at receipt), to the stream's end."""
    async with client.stream(
        "GET",
        f"/v1/jobs/{job_id}/events",
        params={"access_token": user.token},
        timeout=httpx.Timeout(30.0, read=None),
    ) as response:
        if response.status_code != 200:
            await response.aread()
            raise RuntimeError(f"events answered {response.status_code}: {response.text[:300]}")
        name = "message"
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                yield name, json.loads(line[len("data: ") :]), time.perf_counter()


async def wait_done(client: httpx.AsyncClient, user: User, job_id: str) -> tuple[str, float]:
    """Read the job's stream until ``done``: (final status, perf_counter at receipt)."""
    async with contextlib.aclosing(sse(client, user, job_id)) as events:
        async for name, data, at in events:
            if name == "done":
                return data["status"], at
    raise RuntimeError(f"the stream of job {job_id} ended without done")


def model_answer(body: dict[str, Any]) -> dict[str, Any] | None:
    """The fake model's answer: :data:`ANSWER` to a reply; to any other call (the reflection
    after each reply) None, which the fake answers with a valid instance of that call's schema."""
    response_format = body.get("response_format") or {}
    name = (response_format.get("json_schema") or {}).get("name")
    return ANSWER if name == "ReplyOutput" else None


async def wait_idle(client: redis.asyncio.Redis) -> None:
    """Wait until no RQ job is queued and every worker is idle (seen twice in a row, a few ms
    apart: a job just taken from a queue shows as busy within that time)."""
    deadline = time.perf_counter() + IDLE_TIMEOUT_SECONDS
    seen_idle = 0
    while seen_idle < 2:
        if time.perf_counter() > deadline:
            raise RuntimeError("the workers did not become idle")
        seen_idle = seen_idle + 1 if await _idle(client) else 0
        await asyncio.sleep(IDLE_POLL_SECONDS)


async def _idle(client: redis.asyncio.Redis) -> bool:
    async with client.pipeline(transaction=False) as pipe:
        for name in QUEUE_NAMES:
            pipe.llen(f"rq:queue:{name}")
        pipe.smembers("rq:workers")
        *lengths, workers = await pipe.execute()
    if any(lengths):
        return False
    states = [await client.hget(worker, "state") for worker in workers]
    return all(state in (b"idle", None) for state in states)


# Framework overhead ------------------------------------------------------------------------


@dataclass
class Timings:
    """Per message: the submit alone and submit-to-``done``, in ms; jobs that did not succeed."""

    submit_ms: list[float] = field(default_factory=list)
    done_ms: list[float] = field(default_factory=list)
    failed: int = 0
    reference_ms: list[float] = field(default_factory=list)
    """The machine's speed (:func:`reference_ms`), taken every ``REFERENCE_EVERY`` messages."""


async def time_messages(
    client: httpx.AsyncClient, users: list[User], count: int, idle: redis.asyncio.Redis | None
) -> Timings:
    """Send ``count`` messages one after another, round the users; with ``idle`` (a Redis
    client) wait before each until the workers are idle."""
    timings = Timings()
    for index in range(count):
        user = users[index % len(users)]
        if idle is not None:
            await wait_idle(idle)
            if index % REFERENCE_EVERY == 0:
                timings.reference_ms.append(reference_ms())
        started = time.perf_counter()
        job_id = await submit(client, user, f"message {index}")
        submitted = time.perf_counter()
        status, done_at = await wait_done(client, user, job_id)
        timings.failed += status != SUCCEEDED
        timings.submit_ms.append((submitted - started) * 1000)
        timings.done_ms.append((done_at - started) * 1000)
    return timings


def reference_ms() -> float:
    """This machine's speed just now: the best of five runs of a fixed piece of pure Python
    work (JSON, sorting, string building), in ms. The latency figures on a shared machine move
    with it; compare runs by it."""
    document = {"items": [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(300)]}
    best = float("inf")
    for run in range(6):  # the first warms up
        started = time.perf_counter()
        for _ in range(20):
            decoded = json.loads(json.dumps(document))
            sorted(decoded["items"], key=lambda item: item["name"])
            "".join(item["name"] for item in decoded["items"])
        if run:
            best = min(best, time.perf_counter() - started)
    return best * 1000


def model_server_ms(llm: FakeLLMServer, messages: int) -> list[float]:
    """The fake model's own time over each message's reply request, in the order sent (the
    messages went one at a time, so the reply requests came in that order)."""
    replies = [r for r in llm.requests if model_answer(r.body or {}) is not None]
    if len(replies) != messages:
        raise RuntimeError(f"{len(replies)} reply requests for {messages} messages")
    return [(r.served_seconds or 0.0) * 1000 for r in replies]


def cpu_seconds(process: Any) -> float:
    """CPU time (user and system, its finished children's included) of a process so far."""
    times = psutil.Process(process.pid).cpu_times()
    return times.user + times.system + times.children_user + times.children_system


async def measure_overhead(
    client: httpx.AsyncClient,
    llm: FakeLLMServer,
    running: Deployment,
    redis_url: str,
    messages: int,
) -> dict[str, float]:
    llm.latency_seconds = 0.0
    llm.script(*([model_answer] * 2 * (2 * messages + OVERHEAD_WARMUP)))
    users = [await sign_in(client) for _ in range(OVERHEAD_USERS)]
    rq = redis.asyncio.Redis.from_url(redis_url)
    try:
        await time_messages(client, users, OVERHEAD_WARMUP, rq)
        api_before, worker_before = cpu_seconds(running.api), cpu_seconds(running.workers[0])
        llm.requests.clear()
        alone = await time_messages(client, users, messages, rq)
        await wait_idle(rq)  # the last reflection is part of the worker's CPU time
        model_ms = model_server_ms(llm, messages)
        api_cpu = (cpu_seconds(running.api) - api_before) / messages * 1000
        worker_cpu = (cpu_seconds(running.workers[0]) - worker_before) / messages * 1000
        await wait_idle(rq)
        back_to_back = await time_messages(client, users, messages, None)
        await wait_idle(rq)
    finally:
        await rq.aclose()
    figures = {
        "overhead submit-to-done p50 ms": round(percentile(alone.done_ms, 0.5), 1),
        "overhead submit-to-done p99 ms": round(percentile(alone.done_ms, 0.99), 1),
        "overhead submit p50 ms": round(percentile(alone.submit_ms, 0.5), 1),
        "overhead submit p99 ms": round(percentile(alone.submit_ms, 0.99), 1),
        "overhead back-to-back p50 ms": round(percentile(back_to_back.done_ms, 0.5), 1),
        "overhead back-to-back p99 ms": round(percentile(back_to_back.done_ms, 0.99), 1),
        "overhead without the model server p50 ms": round(
            percentile([d - m for d, m in zip(alone.done_ms, model_ms, strict=True)], 0.5), 1
        ),
        "overhead model server p50 ms": round(percentile(model_ms, 0.5), 2),
        "overhead api cpu ms per message": round(api_cpu, 2),
        "overhead worker cpu ms per message": round(worker_cpu, 2),
        "overhead failed": alone.failed + back_to_back.failed,
        "overhead reference work p50 ms": round(percentile(alone.reference_ms, 0.5), 2),
        "overhead reference work min ms": round(min(alone.reference_ms), 2),
        "overhead reference work max ms": round(max(alone.reference_ms), 2),
    }
    p50 = figures["overhead submit-to-done p50 ms"]
    print(
        f"overhead: {messages} messages, {OVERHEAD_USERS} users, 1 worker idle at each submit, "
        f"model at 0 ms: submit-to-done p50 {p50:.1f} ms (goal <= {OVERHEAD_GOAL_P50_MS:.0f} "
        f"ms: {'met' if p50 <= OVERHEAD_GOAL_P50_MS else 'NOT met'}), "
        f"p99 {figures['overhead submit-to-done p99 ms']:.1f} ms; "
        f"submit alone p50 {figures['overhead submit p50 ms']:.1f} ms, "
        f"p99 {figures['overhead submit p99 ms']:.1f} ms; failed {alone.failed}",
        flush=True,
    )
    print(
        f"overhead: {messages} messages back to back (each reply's reflection may still run "
        f"when the next message comes): submit-to-done p50 "
        f"{figures['overhead back-to-back p50 ms']:.1f} ms, "
        f"p99 {figures['overhead back-to-back p99 ms']:.1f} ms; failed {back_to_back.failed}",
        flush=True,
    )
    print(
        f"overhead: of which the fake model server's own time (it shares this process with the "
        f"client) p50 {figures['overhead model server p50 ms']:.2f} ms; submit-to-done less "
        f"that time p50 {figures['overhead without the model server p50 ms']:.1f} ms",
        flush=True,
    )
    print(
        f"overhead: CPU time per message (less noisy than latency on a busy machine): "
        f"API {api_cpu:.2f} ms (submit, SSE stream), worker {worker_cpu:.2f} ms (the reply, "
        "then its reflection)",
        flush=True,
    )
    print(
        f"overhead: this machine's speed meanwhile (a fixed piece of pure Python work, every "
        f"{REFERENCE_EVERY} messages; lower is faster, latencies move with it): p50 "
        f"{figures['overhead reference work p50 ms']:.2f} ms, "
        f"from {figures['overhead reference work min ms']:.2f} "
        f"to {figures['overhead reference work max ms']:.2f} ms",
        flush=True,
    )
    return figures


# Throughput --------------------------------------------------------------------------------


async def run_batch(
    client: httpx.AsyncClient, users: list[User], per_user: int
) -> tuple[float, int]:
    """Every user sends ``per_user`` messages at once, then waits for their ``done``:
    (wall seconds from the first submit to the last done, failed jobs)."""

    async def one_user(user: User) -> list[str]:
        jobs = [await submit(client, user, f"message {i}") for i in range(per_user)]
        return [(await wait_done(client, user, job_id))[0] for job_id in jobs]

    started = time.perf_counter()
    statuses = await asyncio.gather(*(one_user(user) for user in users))
    elapsed = time.perf_counter() - started
    return elapsed, sum(status != SUCCEEDED for found in statuses for status in found)


async def measure_throughput(
    client: httpx.AsyncClient, llm: FakeLLMServer, running: Deployment, redis_url: str
) -> dict[str, float]:
    users = [await sign_in(client) for _ in range(THROUGHPUT_USERS)]
    figures: dict[str, float] = {}
    rq = redis.asyncio.Redis.from_url(redis_url)
    try:
        for workers in THROUGHPUT_WORKERS:
            figures |= await throughput_with(client, llm, running, rq, users, workers)
    finally:
        await rq.aclose()
    llm.latency_seconds = 0.0
    return figures


async def throughput_with(
    client: httpx.AsyncClient,
    llm: FakeLLMServer,
    running: Deployment,
    rq: redis.asyncio.Redis,
    users: list[User],
    workers: int,
) -> dict[str, float]:
    """The throughput runs with ``workers`` workers (started here as needed)."""
    figures: dict[str, float] = {}
    if len(running.workers) < workers:
        for _ in range(workers - len(running.workers)):
            running.add_worker(wait=False)
        running.wait_for_workers(workers)
    llm.latency_seconds = 0.0
    llm.script(*([model_answer] * 2 * len(users)))
    await run_batch(client, users, 1)  # warm-up, not timed
    for latency, per_user in THROUGHPUT_RUNS:
        # No reflection left from an earlier run competes with this one (those left answer at
        # once meanwhile).
        llm.latency_seconds = 0.0
        await wait_idle(rq)
        llm.latency_seconds = latency
        total = per_user * len(users)
        llm.script(*([model_answer] * 2 * total))
        elapsed, failed = await run_batch(client, users, per_user)
        rate = total / elapsed
        ideal = f"{workers / latency:.1f}/s" if latency > 0 else "n/a"
        key = f"throughput {workers}w {latency * 1000:.0f}ms"
        figures[f"{key} msg/s"] = round(rate, 2)
        figures[f"{key} failed"] = failed
        print(
            f"throughput: {workers} worker{'s' if workers > 1 else ''}, model at "
            f"{latency * 1000:.0f} ms: {total} messages from {len(users)} users in "
            f"{elapsed:.2f} s = {rate:.2f} messages/s (ideal {ideal}); failed {failed}",
            flush=True,
        )
    return figures


# SSE fan-out -------------------------------------------------------------------------------


def raise_open_files(needed: int) -> int:
    """Raise this process's open-files limit (children inherit it); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def api_redis_connections(redis_url: str, pid: int) -> tuple[int, int, int]:
    """The API process's Redis connections (CLIENT LIST): (all, pub/sub, channels subscribed).

    Over TCP they are told apart by the process's local ports; over a unix socket by the
    database, which only this benchmark uses (and no worker runs in this phase).
    """
    client = redis.Redis.from_url(redis_url)
    try:
        db = client.connection_pool.connection_kwargs.get("db", 0)
        entries = [e for e in client.client_list() if int(e.get("db", -1)) == int(db)]
    finally:
        client.close()
    parts = urlsplit(redis_url)
    if parts.scheme in ("redis", "rediss"):
        redis_port = parts.port or 6379
        ports = {
            c.laddr.port
            for c in psutil.Process(pid).net_connections(kind="tcp")
            if c.raddr and c.raddr.port == redis_port
        }
        entries = [e for e in entries if int(e["addr"].rsplit(":", 1)[1]) in ports]
    pubsub = [e for e in entries if "P" in e.get("flags", "")]
    return len(entries), len(pubsub), sum(int(e.get("sub", 0)) for e in pubsub)


@dataclass
class Fanout:
    """What the streams saw: how many are subscribed, how many failed, when events arrived."""

    expected: int
    opened: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    all_open: asyncio.Event = field(default_factory=asyncio.Event)
    all_progress: asyncio.Event = field(default_factory=asyncio.Event)
    arrivals: dict[str, dict[str, float]] = field(
        default_factory=lambda: {"progress": {}, "done": {}}
    )

    def settle(self) -> None:
        if self.opened + self.failed == self.expected:
            self.all_open.set()
        if len(self.arrivals["progress"]) == self.opened and self.all_open.is_set():
            self.all_progress.set()


async def hold_stream(
    client: httpx.AsyncClient, user: User, job_id: str, gate: asyncio.Semaphore, seen: Fanout
) -> None:
    """Open the job's stream (at most ``gate`` opening at once), then record event arrivals
    until ``done``. A failure is counted and kept, not raised."""
    await gate.acquire()
    opening = True
    try:
        async with contextlib.aclosing(sse(client, user, job_id)) as events:
            async for name, _, at in events:
                if name == "status" and opening:
                    opening = False
                    gate.release()
                    seen.opened += 1
                elif name in seen.arrivals:
                    seen.arrivals[name][job_id] = at
                seen.settle()
                if name == "done":
                    return
    except Exception as exc:
        seen.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        if opening:
            seen.failed += 1
            seen.settle()
    finally:
        if opening:
            gate.release()


def done_event(job_id: str, owner: str) -> str:
    result = {"response": "ok", "time": 0.0, "expression": "happy"}
    return event("done", JobView(job_id, owner, SUCCEEDED, 1.0, result, None).as_json())


async def open_streams(
    client: httpx.AsyncClient, jobs: list[tuple[str, User]]
) -> tuple[Fanout, list[asyncio.Task[None]]]:
    """Open a stream per job and wait until each is subscribed (or failed to open)."""
    seen = Fanout(len(jobs))
    gate = asyncio.Semaphore(SSE_OPENING_AT_ONCE)
    tasks = [
        asyncio.create_task(hold_stream(client, user, job_id, gate, seen)) for job_id, user in jobs
    ]
    try:
        await asyncio.wait_for(seen.all_open.wait(), SSE_WAIT_SECONDS + len(jobs) / 100)
    except BaseException:
        await stop_tasks(tasks)
        raise
    return seen, tasks


async def stop_tasks(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def measure_sse(redis_url: str, running: Deployment, streams: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    limits = httpx.Limits(max_connections=streams + SSE_WARMUP + 50, max_keepalive_connections=50)
    client = redis.asyncio.Redis.from_url(redis_url)
    tasks: list[asyncio.Task[None]] = []
    try:
        async with httpx.AsyncClient(base_url=running.base, limits=limits, timeout=60) as http:
            users = [await sign_in(http) for _ in range(SSE_USERS)]
            states = JobStates(client, 3600)
            jobs = [(new_id(), users[i % len(users)]) for i in range(SSE_WARMUP + streams)]
            for job_id, user in jobs:
                await states.create(job_id, user.user_id, {"job_id": job_id})
            warmup, measured = jobs[:SSE_WARMUP], jobs[SSE_WARMUP:]

            # Warm-up: the same path once for a few streams, so first-use costs stay out.
            _, tasks = await open_streams(http, warmup)
            await publish_all(client, warmup)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*tasks), SSE_WAIT_SECONDS)
            await stop_tasks(tasks)
            await asyncio.sleep(0.5)

            _, _, channels_before = await asyncio.to_thread(
                api_redis_connections, redis_url, running.api_pid
            )
            api = psutil.Process(running.api_pid)
            rss_before = api.memory_info().rss
            started = time.perf_counter()
            seen, tasks = await open_streams(http, measured)
            opening = time.perf_counter() - started
            await asyncio.sleep(1.0)
            rss_after = api.memory_info().rss
            opened = seen.opened
            per_stream_kib = (rss_after - rss_before) / max(opened, 1) / 1024
            figures["sse streams open"] = opened
            figures["sse streams failed to open"] = seen.failed
            figures["sse open seconds"] = round(opening, 2)
            figures["sse api rss before MiB"] = round(rss_before / 2**20, 1)
            figures["sse api rss after MiB"] = round(rss_after / 2**20, 1)
            figures["sse memory per stream KiB"] = round(per_stream_kib, 1)
            print(
                f"sse: {opened} of {streams} streams open on 1 API process in {opening:.2f} s "
                f"({SSE_OPENING_AT_ONCE} opening at a time); API RSS {rss_before / 2**20:.1f} -> "
                f"{rss_after / 2**20:.1f} MiB = {per_stream_kib:.1f} KiB per stream",
                flush=True,
            )
            if seen.failed:
                print(f"sse: {seen.failed} streams failed to open: {seen.errors[0]}", flush=True)
            connections, pubsub, channels = await asyncio.to_thread(
                api_redis_connections, redis_url, running.api_pid
            )
            figures["sse api pubsub connections"] = pubsub
            figures["sse api redis connections"] = connections
            figures["sse channels subscribed"] = channels
            figures["sse channels subscribed before"] = channels_before
            print(
                f"sse: the API process holds {pubsub} pub/sub connection(s) to Redis for the "
                f"{opened} streams, subscribed to {channels} channels ({channels_before} "
                f"before the streams opened); {connections} Redis connections in all",
                flush=True,
            )

            # Paced: one progress event per job, SSE_PACED_PER_SECOND a second.
            published: dict[str, float] = {}
            receivers = 0
            started = time.perf_counter()
            for index, (job_id, _) in enumerate(measured):
                due = started + index / SSE_PACED_PER_SECOND
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                data = {"job_id": job_id, "progress": 0.5, "status": "running"}
                published[job_id] = time.perf_counter()
                receivers += await client.publish(CHANNEL.format(job_id), event("progress", data))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(seen.all_progress.wait(), SSE_WAIT_SECONDS)
            figures |= report_delivery(
                f"paced at {SSE_PACED_PER_SECOND}/s", published, seen, "progress", receivers
            )

            # Burst: one done event per job, all in one pipeline.
            sent, receivers = await publish_all(client, measured)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*tasks), SSE_WAIT_SECONDS)
            published = dict.fromkeys(published, sent)
            figures |= report_delivery(f"all {streams} at once", published, seen, "done", receivers)

            await asyncio.sleep(1.0)
            _, _, left = await asyncio.to_thread(api_redis_connections, redis_url, running.api_pid)
            figures["sse channels subscribed after"] = left
            print(
                f"sse: after every stream ended (each client hangs up on done), the API process "
                f"is still subscribed to {left} channels (0 expected)",
                flush=True,
            )
            if len(seen.errors) > seen.failed:
                print(f"sse: stream errors after opening: {seen.errors[-1]}", flush=True)
    finally:
        await stop_tasks(tasks)
        await client.aclose()
    return figures


async def publish_all(
    client: redis.asyncio.Redis, jobs: list[tuple[str, User]]
) -> tuple[float, int]:
    """Publish ``done`` to every job in one pipeline: (perf_counter at sending, receivers)."""
    async with client.pipeline(transaction=False) as pipe:
        for job_id, user in jobs:
            pipe.publish(CHANNEL.format(job_id), done_event(job_id, user.user_id))
        sent = time.perf_counter()
        counts = await pipe.execute()
    return sent, sum(counts)


def report_delivery(
    label: str, published: dict[str, float], seen: Fanout, name: str, receivers: int
) -> dict[str, float]:
    delays = [(at - published[job_id]) * 1000 for job_id, at in seen.arrivals[name].items()]
    key = "paced" if name == "progress" else "burst"
    if not delays:
        print(f"sse: one event per stream, {label}: none received", flush=True)
        return {f"sse {key} received": 0}
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    print(
        f"sse: one event per stream, {label}: received {len(delays)}/{seen.opened} (Redis "
        f"counted {receivers} subscribers); delivery p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {max(delays):.1f} ms",
        flush=True,
    )
    return {
        f"sse {key} delivery p50 ms": round(p50, 1),
        f"sse {key} delivery p99 ms": round(p99, 1),
        f"sse {key} received": len(delays),
    }


# Main --------------------------------------------------------------------------------------


async def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", choices=["overhead", "throughput", "sse"], default=None)
    parser.add_argument("--messages", type=int, default=200, help="messages timed for the overhead")
    parser.add_argument("--streams", type=int, default=2000, help="SSE streams held open")
    args = parser.parse_args(argv)
    main_task = asyncio.current_task()
    if main_task is not None:  # stop as on Ctrl-C: the processes started are stopped
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    parts = [args.only] if args.only else ["overhead", "throughput", "sse"]
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    figures: dict[str, float] = {}
    if "sse" in parts:
        # Both ends of every stream are sockets; the API process inherits the limit.
        needed = 2 * (args.streams + SSE_WARMUP) + 1024
        if (limit := raise_open_files(needed)) < needed:
            print(f"warning: open files limited to {limit}, {needed} wanted", flush=True)
    started = time.perf_counter()
    with redis_for_tests() as redis_url, FakeLLMServer() as llm:
        print(f"redis: {redis_url}", flush=True)
        if "overhead" in parts or "throughput" in parts:
            with deployment(redis_url, llm.url, workers=1) as running:
                limits = httpx.Limits(max_connections=64)
                async with httpx.AsyncClient(
                    base_url=running.base, limits=limits, timeout=30
                ) as client:
                    if "overhead" in parts:
                        figures |= await measure_overhead(
                            client, llm, running, redis_url, args.messages
                        )
                    if "throughput" in parts:
                        figures |= await measure_throughput(client, llm, running, redis_url)
        if "sse" in parts:
            with deployment(redis_url, llm.url, workers=0) as running:
                figures |= await measure_sse(redis_url, running, args.streams)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print("summary: " + ", ".join(f"{name} {value:g}" for name, value in figures.items()))
    return figures


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted")
