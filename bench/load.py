"""Load test: many users talking at once through the real ``soul up``, every reply checked.

    python -m bench.load [--users 200] [--messages 5] [--workers 4] [--latency 0.3] [--quick]

A fake OpenAI-compatible model runs in this process and answers every request (chat and
embeddings) after ``--latency`` seconds. Its reply echoes the user's last message (``You said:
...``), so each reply can be matched to the message it answers; every other field is a valid
instance of the schema asked for, booleans true (as in ``bench.pipeline``: the agent keeps a
memory of each exchange, so later replies recall memories by embedding). ``soul up --workers
N`` runs as a child process on a temporary data folder with the rate limits raised.

All users start at once. Each signs in as a guest, then sends its messages one after another:
the time is taken just before ``POST /v1/messages/submit``, the job's event stream is opened
right after the 202 (a job already over sends ``status`` and ``done`` at once), and ``done`` is
timed on receipt; the next message goes as soon as ``done`` came. Once every user is through,
the run waits until the workers have finished the reflections queued behind the replies, then
checks each user's conversation (``GET /v1/messages/conversation``): exactly one reply per
accepted message, in the order sent, none missing, none twice, and each ``done`` carried the
reply to its own message.

Printed: errors (every non-2xx answer and every exception, by kind), failed jobs, lost,
duplicated, unexpected and out-of-order replies; p50 and p99 of the submit round trip and of
submit-to-``done``; messages per second against the ideal of ``workers / latency`` (one model
call per message); the model calls made, by kind (the reflection after each reply runs on the
``low`` queue and shares the workers: RQ takes it only when no reply waits, so most run after
the last user is through, and the run waits for them); the CPU time ``soul up`` and this process
used while the users ran; and the peak RSS of the ``soul up`` process tree, sampled every 0.25 s
(a sum of RSS, so pages shared between the forked processes count once per process: an upper
bound). The exit code is 1 when any check fails.

The API, the workers, Redis, the model and this client share the machine, so the figures are
lower bounds for the service alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

from bench.jobs import User, percentile, raise_open_files, sign_in, sse
from bench.pipeline import (
    EMBEDDINGS,
    REFLECTION_SCHEMA,
    REPLY_SCHEMA,
    SCRIPTED_PER_MESSAGE,
    call_kind,
    fake_answer,
    settled,
    soul_up,
)
from soul_framework.jobs.state import SUCCEEDED
from soul_framework.testing.fake_llm import FakeLLMServer

USERS = 200
MESSAGES = 5
WORKERS = 4
LATENCY_SECONDS = 0.3
"""A short completion from a hosted model answers in a few hundred milliseconds."""
QUICK_USERS = 20
QUICK_MESSAGES = 2

MODE = "lite"
ECHO_PREFIX = "You said: "
SCRIPTED_SPARE = 200
"""Answers queued beyond SCRIPTED_PER_MESSAGE per message, for the agent's own thinking."""
REQUEST_TIMEOUT_SECONDS = 60.0
"""Every plain request; under full load a submit waits behind hundreds of others."""
DONE_TIMEOUT_SECONDS = 180.0
"""Longest wait for one job's ``done``: the job timeout (120 s by default) and a margin."""
DRAIN_TIMEOUT_SECONDS = 300.0
"""Longest wait, after the last ``done``, for the reflections queued behind the replies."""
SETTLE_POLL_SECONDS = 0.5
RSS_SAMPLE_SECONDS = 0.25
PROGRESS_SECONDS = 15.0
CONNECTIONS_PER_USER = 2
"""At most one request and one event stream per user are open at a time."""


# The fake model ------------------------------------------------------------------------------


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last ``user`` turn of a chat request, "" when there is none."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    return ""


def echo(text: str) -> str:
    """The reply the fake model writes to ``text``."""
    return ECHO_PREFIX + text


def echo_model(body: dict[str, Any]) -> str | dict[str, Any]:
    """The fake's answer to any chat call: a reply echoes the user's last message."""
    answer = fake_answer(body)
    schema_name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    if schema_name == REPLY_SCHEMA and isinstance(answer, dict):
        answer["message"] = echo(last_user_text(body))
    return answer


# Users -----------------------------------------------------------------------------------------


def message_text(user_number: int, index: int) -> str:
    return f"Load test, user {user_number}, message {index}: how has your day been?"


@dataclass
class UserRun:
    """One user's messages: what was accepted, what came back, and the timings (ms)."""

    number: int
    user: User | None = None
    accepted: list[str] = field(default_factory=list)
    replies: list[str | None] = field(default_factory=list)
    """The ``response`` each accepted message's ``done`` carried (None: no done, or failed)."""
    failed_jobs: int = 0
    submit_ms: list[float] = field(default_factory=list)
    done_ms: list[float] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)


@dataclass
class Tally:
    """Errors by kind, ``done`` events received, and when the first submit went out."""

    errors: Counter[str] = field(default_factory=Counter)
    first_submit: float | None = None
    dones: int = 0

    def error(self, where: str, problem: BaseException | httpx.Response) -> None:
        if isinstance(problem, httpx.Response):
            self.errors[f"{where}: HTTP {problem.status_code}"] += 1
        elif isinstance(problem, httpx.HTTPStatusError):
            self.errors[f"{where}: HTTP {problem.response.status_code}"] += 1
        elif isinstance(problem, RuntimeError):  # the event stream's refusal names its status
            self.errors[f"{where}: {str(problem).split(':')[0]}"] += 1
        else:
            self.errors[f"{where}: {type(problem).__name__}"] += 1


async def send_message(
    client: httpx.AsyncClient, run: UserRun, user: User, text: str, tally: Tally
) -> None:
    started = time.perf_counter()
    if tally.first_submit is None:
        tally.first_submit = started
    try:
        response = await client.post(
            "/v1/messages/submit", headers=user.headers, json={"message": text, "type": "dm"}
        )
    except httpx.HTTPError as error:
        tally.error("submit", error)
        return
    submitted = time.perf_counter()
    if response.status_code != 202:
        tally.error("submit", response)
        return
    run.accepted.append(text)
    run.replies.append(None)
    run.submit_ms.append((submitted - started) * 1000)
    job_id = response.json()["job_id"]
    try:
        async with asyncio.timeout(DONE_TIMEOUT_SECONDS):
            async with contextlib.aclosing(sse(client, user, job_id)) as events:
                async for name, data, at in events:
                    if name != "done":
                        continue
                    tally.dones += 1
                    run.done_ms.append((at - started) * 1000)
                    run.done_at.append(at)
                    if data.get("status") != SUCCEEDED:
                        run.failed_jobs += 1
                    else:
                        run.replies[-1] = (data.get("result") or {}).get("response")
                    return
        tally.errors["events: ended without done"] += 1
    except (httpx.HTTPError, RuntimeError, TimeoutError, ValueError) as error:
        tally.error("events", error)


async def one_user(client: httpx.AsyncClient, number: int, messages: int, tally: Tally) -> UserRun:
    run = UserRun(number)
    try:
        run.user = await sign_in(client)
    except (httpx.HTTPError, KeyError, ValueError) as error:
        tally.error("sign-in", error)
        return run
    for index in range(messages):
        await send_message(client, run, run.user, message_text(number, index), tally)
    return run


# Checking the replies ----------------------------------------------------------------------


@dataclass
class Verdict:
    """Per-message problems found in the users' conversations."""

    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    out_of_order_users: int = 0
    mismatched_done: int = 0
    """``done`` events whose reply was not the echo of their own message."""


async def check_conversation(
    client: httpx.AsyncClient, run: UserRun, verdict: Verdict, tally: Tally
) -> None:
    expected = [echo(text) for text in run.accepted]
    verdict.mismatched_done += sum(
        reply is not None and reply != wanted
        for reply, wanted in zip(run.replies, expected, strict=True)
    )
    if run.user is None:
        return
    try:
        response = await client.get(
            "/v1/messages/conversation", headers=run.user.headers, params={"limit": 1000}
        )
    except httpx.HTTPError as error:
        tally.error("conversation", error)
        return
    if response.status_code != 200:
        tally.error("conversation", response)
        return
    found = [
        m["message"]
        for m in response.json()["conversation"]["messages"]
        if m["from_agent"] and not m["started_by_agent"]
    ]
    wanted, seen = Counter(expected), Counter(found)
    verdict.lost += sum((wanted - seen).values())
    verdict.duplicated += sum(count - 1 for text, count in seen.items() if text in wanted)
    verdict.unexpected += sum(count for text, count in seen.items() if text not in wanted)
    in_found = [text for text in dict.fromkeys(found) if text in wanted]
    if in_found != [text for text in expected if text in seen]:
        verdict.out_of_order_users += 1


# Watching soul up ------------------------------------------------------------------------------


class ProcessTree:
    """A process and its descendants: their summed RSS, sampled on a thread (the peak is kept),
    and the CPU time they used."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak_bytes = 0
        self.peak_processes = 0
        self.last_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soul-up-rss", daemon=True)

    def __enter__(self) -> ProcessTree:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        total, count = 0, 0
        with contextlib.suppress(psutil.Error):
            for process in [self.root, *self.root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a work-horse may end meanwhile
                    total += process.memory_info().rss
                    count += 1
        self.last_bytes = total
        self.peak_bytes = max(self.peak_bytes, total)
        self.peak_processes = max(self.peak_processes, count)

    def cpu_seconds(self) -> float:
        """User and system CPU of the living processes and of the children they reaped (a
        worker reaps the work-horse it forks for each job), seconds."""
        total = 0.0
        with contextlib.suppress(psutil.Error):
            for process in [self.root, *self.root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    total += times.user + times.system + times.children_user
                    total += times.children_system
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(RSS_SAMPLE_SECONDS)


async def report_progress(tally: Tally, total: int, tree: ProcessTree, started: float) -> None:
    while True:
        await asyncio.sleep(PROGRESS_SECONDS)
        elapsed = time.perf_counter() - started
        print(
            f"  {elapsed:5.0f} s: {tally.dones}/{total} done, {tally.dones / elapsed:.1f} msg/s, "
            f"errors {sum(tally.errors.values())}, soul up RSS {tree.last_bytes / 2**20:.0f} MiB",
            flush=True,
        )


@dataclass
class LoadPhase:
    """From the first sign-in to the last user's last ``done``."""

    seconds: float
    soul_up_cpu_seconds: float
    client_cpu_seconds: float
    """This process: the users, the fake model's threads and the RSS sampler."""
    reflections: int
    """Reflection calls the model had answered by the end of the phase."""
    backlog: dict[str, int]
    """Jobs waiting on each queue at the end of the phase."""


async def run_load(
    client: httpx.AsyncClient, args: argparse.Namespace, llm: FakeLLMServer, tree: ProcessTree
) -> tuple[list[UserRun], Tally, LoadPhase]:
    """Every user at once, to the last ``done``."""
    tally = Tally()
    started, cpu, client_cpu = time.perf_counter(), tree.cpu_seconds(), time.process_time()
    total = args.users * args.messages
    progress = asyncio.create_task(report_progress(tally, total, tree, started))
    try:
        runs = await asyncio.gather(
            *(one_user(client, n, args.messages, tally) for n in range(args.users))
        )
    finally:
        progress.cancel()
    backlog: dict[str, int] = {}
    with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
        backlog = (await client.get("/v1/meta/queue")).json()["queues"]
    phase = LoadPhase(
        seconds=time.perf_counter() - started,
        soul_up_cpu_seconds=tree.cpu_seconds() - cpu,
        client_cpu_seconds=time.process_time() - client_cpu,
        reflections=sum(call_kind(r) == REFLECTION_SCHEMA for r in list(llm.requests)),
        backlog=backlog,
    )
    return list(runs), tally, phase


async def drain(client: httpx.AsyncClient) -> tuple[bool, float]:
    """Wait until every queue is empty and every worker idle: (drained, seconds waited)."""
    started = time.perf_counter()
    while time.perf_counter() - started < DRAIN_TIMEOUT_SECONDS:
        with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
            if await settled(client):
                return True, time.perf_counter() - started
        await asyncio.sleep(SETTLE_POLL_SECONDS)
    return False, time.perf_counter() - started


# Reporting -----------------------------------------------------------------------------------


def report(
    args: argparse.Namespace,
    runs: list[UserRun],
    tally: Tally,
    verdict: Verdict,
    llm: FakeLLMServer,
    tree: ProcessTree,
) -> dict[str, float]:
    accepted = sum(len(run.accepted) for run in runs)
    failed = sum(run.failed_jobs for run in runs)
    errors = sum(tally.errors.values())
    submit = [ms for run in runs for ms in run.submit_ms]
    done = [ms for run in runs for ms in run.done_ms]
    finished = [at for run in runs for at in run.done_at]
    window = max(finished) - (tally.first_submit or 0.0) if finished else 0.0
    rate = len(finished) / window if window > 0 else 0.0
    ideal = args.workers / args.latency if args.latency > 0 else 0.0
    figures: dict[str, float] = {
        "users": len(runs),
        "messages accepted": accepted,
        "errors": errors,
        "failed jobs": failed,
        "lost replies": verdict.lost,
        "duplicated replies": verdict.duplicated,
        "unexpected replies": verdict.unexpected,
        "users out of order": verdict.out_of_order_users,
        "mismatched done": verdict.mismatched_done,
    }
    print(
        f"checks: {accepted} of {len(runs) * args.messages} messages accepted; errors {errors}; "
        f"failed jobs {failed}; replies lost {verdict.lost}, duplicated {verdict.duplicated}, "
        f"unexpected {verdict.unexpected}; users with replies out of order "
        f"{verdict.out_of_order_users}; done events carrying another message's reply "
        f"{verdict.mismatched_done}"
    )
    for kind, count in sorted(tally.errors.items()):
        print(f"  error {kind}: {count}")
    for label, key, samples in (("submit", "submit", submit), ("submit to done", "done", done)):
        if not samples:
            print(f"latency {label}: no samples")
            continue
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        print(
            f"latency {label:<15} p50 {p50:8.1f} ms, p99 {p99:8.1f} ms, max {max(samples):8.1f} ms "
            f"({len(samples)} messages)"
        )
        figures |= {f"{key} p50 ms": round(p50, 1), f"{key} p99 ms": round(p99, 1)}
    ideal_text = f"{ideal:.1f}/s" if args.latency > 0 else "unbounded"
    print(
        f"throughput: {len(finished)} messages done in {window:.1f} s (first submit to last "
        f"done) = {rate:.2f} messages/s; ideal {ideal_text} ({args.workers} workers / "
        f"{args.latency * 1000:.0f} ms, one model call per message)"
    )
    if rate > 0:
        print(
            f"  every user waits on one message at a time, so submit-to-done is about users / "
            f"throughput (Little's law): {len(runs)} / {rate:.2f} = {len(runs) / rate:.1f} s"
        )
    figures["messages per s"] = round(rate, 2)
    if args.latency > 0:
        figures["ideal messages per s"] = round(ideal, 1)
    calls = Counter(call_kind(request) for request in llm.requests)
    replies, reflections = calls[REPLY_SCHEMA], calls[REFLECTION_SCHEMA]
    embeddings = calls[EMBEDDINGS]
    others = sum(calls.values()) - replies - reflections - embeddings
    per_message = sum(calls.values()) / max(1, accepted)
    print(
        f"model calls: {sum(calls.values())} = {replies} replies + {reflections} reflections "
        f"+ {embeddings} embeddings + {others} other ({per_message:.2f} per message)"
    )
    if args.latency > 0:
        print(
            f"  at {args.latency * 1000:.0f} ms of a worker each, the workers' model time alone "
            f"allows {args.workers / (args.latency * per_message):.2f} messages/s with "
            f"replies and reflections both done"
        )
    figures |= {
        "model calls": sum(calls.values()),
        "reply calls": replies,
        "reflection calls": reflections,
        "embeddings calls": embeddings,
        "other calls": others,
        "peak rss MiB": round(tree.peak_bytes / 2**20, 1),
    }
    print(
        f"soul up process tree: peak RSS {tree.peak_bytes / 2**20:.0f} MiB (sum over up to "
        f"{tree.peak_processes} processes, shared pages counted in each)"
    )
    return figures


def passed(figures: dict[str, float]) -> bool:
    problems = (
        "errors",
        "failed jobs",
        "lost replies",
        "duplicated replies",
        "unexpected replies",
        "users out of order",
        "mismatched done",
    )
    return all(figures[name] == 0 for name in problems)


# Main ----------------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=None, help=f"users at once ({USERS})")
    parser.add_argument(
        "--messages", type=int, default=None, help=f"messages per user ({MESSAGES})"
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help="soul up --workers")
    parser.add_argument(
        "--latency", type=float, default=LATENCY_SECONDS, help="the model's answer time, seconds"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_USERS} users, {QUICK_MESSAGES} messages each (unless given)",
    )
    args = parser.parse_args(argv)
    if args.users is None:
        args.users = QUICK_USERS if args.quick else USERS
    if args.messages is None:
        args.messages = QUICK_MESSAGES if args.quick else MESSAGES
    return args


async def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse(argv)
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM stops as Ctrl-C does: soul up is stopped on the way out
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    connections = CONNECTIONS_PER_USER * args.users + 16
    if (limit := raise_open_files(2 * connections + 1024)) < 2 * connections + 1024:
        print(f"warning: open files limited to {limit}", flush=True)
    total = args.users * args.messages
    started = time.perf_counter()
    with FakeLLMServer() as llm:
        llm.latency_seconds = args.latency
        llm.script(*([echo_model] * (SCRIPTED_PER_MESSAGE * total + SCRIPTED_SPARE)))
        redis = "REDIS_URL" if os.environ.get("REDIS_URL") else "embedded Redis"
        with (
            soul_up(llm.url, MODE, workers=args.workers) as running,
            ProcessTree(running.process.pid) as tree,
        ):
            print(
                f"soul up: {args.workers} workers, {redis}, SQLite, fake model answering after "
                f"{args.latency * 1000:.0f} ms; up in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            print(
                f"{args.users} users at once, {args.messages} messages each, one after another",
                flush=True,
            )
            limits = httpx.Limits(
                max_connections=connections, max_keepalive_connections=connections
            )
            timeout = httpx.Timeout(REQUEST_TIMEOUT_SECONDS)
            async with httpx.AsyncClient(
                base_url=running.base, limits=limits, timeout=timeout
            ) as client:
                runs, tally, phase = await run_load(client, args, llm, tree)
                waiting = ", ".join(f"{name} {count}" for name, count in phase.backlog.items())
                print(
                    f"all users through in {phase.seconds:.1f} s; the model had answered "
                    f"{phase.reflections} reflections by then; jobs waiting: {waiting or '?'}",
                    flush=True,
                )
                print(
                    f"CPU during the load: soul up {phase.soul_up_cpu_seconds:.0f} s, this "
                    f"client and the fake model {phase.client_cpu_seconds:.0f} s, of "
                    f"{(os.cpu_count() or 1) * phase.seconds:.0f} s the machine's "
                    f"{os.cpu_count()} cores offered",
                    flush=True,
                )
                drained, waited = await drain(client)
                print(
                    f"reflections {'finished' if drained else 'NOT finished'} {waited:.1f} s "
                    f"after the last user",
                    flush=True,
                )
                verdict = Verdict()
                for run in runs:
                    await check_conversation(client, run, verdict, tally)
            figures = report(args, runs, tally, verdict, llm, tree)
            figures |= {
                "load seconds": round(phase.seconds, 1),
                "reflections during load": phase.reflections,
                "soul up cpu s": round(phase.soul_up_cpu_seconds, 1),
                "client cpu s": round(phase.client_cpu_seconds, 1),
                "drain seconds": round(waited, 1),
                "drained": int(drained),
            }
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print("summary: " + ", ".join(f"{name} {value:g}" for name, value in figures.items()))
    return figures


if __name__ == "__main__":
    try:
        figures = asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted")
    sys.exit(0 if passed(figures) else 1)
