"""Pipeline benchmark: LLM calls per message, on the critical path and in all, prompt sizes and
latency, through the real ``soul up``.

    python -m bench.pipeline [--messages 50] [--group-messages 10] [--mode lite|rich]

A fake OpenAI-compatible model runs in this process and answers at once (latency 0), streaming
its answer, with a valid instance of whatever schema it is asked for: every string field holds
a short sentence and every boolean is true, so the agent answers group messages too and keeps a
memory of each conversation (which makes later replies recall memories by embedding). ``soul
up --workers 1`` runs as a child process on a temporary data folder, with an embedded Redis
unless ``REDIS_URL`` is set, pointed at the fake. Then a few guests send their messages one at a
time, each message alone in the system:

- the time is taken just before ``POST /v1/messages/submit``; the job's event stream is opened
  right after the 202, and the first ``token`` event and the ``done`` event are timed on receipt;
  so is the reply's request at the fake, which splits the time before the model from the rest;
- the requests the fake has received when ``done`` arrives are the message's critical path;
- then the next message waits until the reflection's request has reached the fake and the
  worker is idle with every queue empty, so each request the fake receives belongs to exactly
  one message. Chat calls are told apart by their schema's name (``ReplyOutput`` for the reply,
  ``Reflection`` for the reflection); embeddings requests (``/v1/embeddings``) are counted apart.

Prompt sizes: the fake's ``usage.prompt_tokens`` counts whitespace-separated words of the
messages, not tokens, so it is printed as words; tokens are counted with tiktoken when it is
installed, else estimated at 4 characters a token (OpenAI's rule of thumb for English). The
JSON schema sent as ``response_format`` is counted apart: the model reads it as part of its
prompt.

The first message of each user is counted but not timed (it creates the agent, the
conversation and the connections). The API, the worker, the model and this client share the
machine, so latencies are upper bounds for the service alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.jobs import User, percentile, sign_in, sse
from soul_framework.jobs.state import SUCCEEDED
from soul_framework.testing import free_port
from soul_framework.testing.fake_llm import EMBEDDINGS_PATH, FakeLLMServer, RecordedRequest
from soul_framework.testing.schema_instances import schema_instance

USERS = 4
MESSAGES = 50
GROUP_MESSAGES = 10
UNLIMITED_PER_MINUTE = "100000/minute"
UNLIMITED_GUESTS = "100000/hour"
FAKE_TEXT = "That sounds lovely, tell me more about it."
"""What the fake writes in every free-text field (cut to the field's ``maxLength``)."""
SCRIPTED_PER_MESSAGE = 4
"""Scripted answers queued per message: the reply and the reflection, and room for repairs."""

REPLY_SCHEMA = "ReplyOutput"
REFLECTION_SCHEMA = "Reflection"
EMBEDDINGS = "embeddings"

OLD_DESIGN_CALLS = {"dm": (3, 3), "group": (4, 3)}
"""Synthetic Soul API 1.1: chat calls before the reply was sent and after it, per message kind
(3 before a direct reply, 4 before a group reply, 3 after either)."""
CHARS_PER_TOKEN = 4
"""OpenAI's rule of thumb: a token is about 4 characters of English text."""

START_TIMEOUT_SECONDS = 90.0
SETTLE_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 40.0
POLL_SECONDS = 0.01
_DROPPED_PREFIXES = ("SOUL_", "OLLAMA_", "OPENAI_", "GPT_", "MONGO_", "LLM_", "REDIS_")
_DROPPED_NAMES = ("MODE", "STORAGE_BACKEND", "PERSONALITY", "BOT_NAME", "DEBUG_MODE")


# The fake model ------------------------------------------------------------------------------


def fake_answer(body: dict[str, Any]) -> str | dict[str, Any]:
    """A valid answer to the schema the request asks for, with short text and booleans true."""
    response_format = body.get("response_format") or {}
    schema = (response_format.get("json_schema") or {}).get("schema")
    if not isinstance(schema, dict):
        return FAKE_TEXT
    answer = schema_instance(schema)
    properties = schema.get("properties", {})
    for name, value in answer.items():
        declared = properties.get(name, {})
        if isinstance(value, bool):
            answer[name] = True
        elif isinstance(value, str) and not declared.keys() & {"enum", "const", "format"}:
            answer[name] = FAKE_TEXT[: declared.get("maxLength", len(FAKE_TEXT))]
    return answer


@dataclass
class FakeModel:
    """The fake's answer for every chat call, noting when each call was answered: (perf_counter,
    the schema's name). With the model at 0 ms that is when the request arrived."""

    answered: list[tuple[float, str]] = field(default_factory=list)

    def __call__(self, body: dict[str, Any]) -> str | dict[str, Any]:
        response_format = body.get("response_format") or {}
        name = (response_format.get("json_schema") or {}).get("name") or "chat"
        self.answered.append((time.perf_counter(), name))
        return fake_answer(body)

    def first_after(self, started: float, name: str) -> float | None:
        return next((at for at, found in self.answered if at >= started and found == name), None)


def call_kind(request: RecordedRequest) -> str:
    """``embeddings``, the schema's name of a structured chat call, or ``chat``."""
    if request.path.split("?")[0].rstrip("/") == EMBEDDINGS_PATH:
        return EMBEDDINGS
    response_format = (request.body or {}).get("response_format") or {}
    return (response_format.get("json_schema") or {}).get("name") or "chat"


def chat_calls(requests: list[RecordedRequest]) -> int:
    return sum(call_kind(r) != EMBEDDINGS for r in requests)


def embeddings_calls(requests: list[RecordedRequest]) -> int:
    return sum(call_kind(r) == EMBEDDINGS for r in requests)


def token_counter() -> tuple[Callable[[str], int], str]:
    """A token count for text and how it is made: tiktoken's gpt-4o encoding if available."""
    try:
        import tiktoken  # type: ignore[import-not-found]

        encoding = tiktoken.get_encoding("o200k_base")
        return (lambda text: len(encoding.encode(text))), "counted by tiktoken (o200k_base)"
    except Exception:  # not installed, or its encoding file cannot be fetched
        return (
            lambda text: math.ceil(len(text) / CHARS_PER_TOKEN)
        ), f"estimated at {CHARS_PER_TOKEN} chars/token"


# soul up ------------------------------------------------------------------------------------


def soul_up_env(llm_url: str, mode: str) -> dict[str, str]:
    """This process's environment without the operator's settings, plus the benchmark's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_DROPPED_PREFIXES) and key not in _DROPPED_NAMES
    }
    env |= {
        "APP_ENV": "development",
        "MODE": mode,
        "SOUL_LOCAL_MODEL": "off",
        "LLM_MODE": "hosted",
        "OPENAI_API_KEY": "sk-fake",
        "OPENAI_BASE_URL": llm_url,
        "GPT_FAST_MODEL": "fake-fast",
        "GPT_QUALITY_MODEL": "fake-quality",
        "SOUL_RATE_LIMIT_SUBMIT": UNLIMITED_PER_MINUTE,
        "SOUL_RATE_LIMIT_POLL": UNLIMITED_PER_MINUTE,
        "SOUL_RATE_LIMIT_EVENTS": UNLIMITED_PER_MINUTE,
        "SOUL_RATE_LIMIT_GUEST": UNLIMITED_GUESTS,
        "SOUL_LOG_LEVEL": "WARNING",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


@dataclass
class SoulUp:
    """``soul up`` as a child process in its own session, its output in ``log``."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def wait_until_serving(self, workers: int) -> None:
        """Return once ``/v1/meta/ping`` answers and ``/v1/meta/queue`` lists the workers."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"soul up exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                if httpx.get(f"{self.base}/v1/meta/ping", timeout=2).status_code == 200:
                    queue = httpx.get(f"{self.base}/v1/meta/queue", timeout=2).json()
                    if queue.get("worker_count", 0) >= workers:
                        return
            time.sleep(0.1)
        raise RuntimeError(f"soul up did not come up:\n{self.log_tail()}")

    def stop(self) -> tuple[int | None, int, int]:
        """Ctrl-C (SIGINT), as a user stops it; then make sure no descendant is left.

        Returns (exit code, descendants seen, descendants that had to be killed).
        """
        descendants: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            descendants = psutil.Process(self.process.pid).children(recursive=True)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code: int | None = self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = None
        _gone, alive = psutil.wait_procs(descendants, timeout=10)
        for process in alive:
            with contextlib.suppress(psutil.Error):
                process.kill()
        return code, len(descendants), len(alive)


@contextlib.contextmanager
def soul_up(llm_url: str, mode: str, workers: int) -> Iterator[SoulUp]:
    with tempfile.TemporaryDirectory(prefix="soul-bench-pipeline-") as folder:
        port = free_port()
        log = Path(folder) / "soul-up.log"
        command = [sys.executable, "-m", "soul_framework.cli", "up"]
        command += ["--port", str(port), "--data-dir", str(Path(folder) / "data")]
        command += ["--workers", str(workers)]
        with log.open("ab") as output:
            process = subprocess.Popen(
                command,
                env=soul_up_env(llm_url, mode),
                cwd=folder,  # no .env of the working folder is read
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a terminal's Ctrl-C reaches this script, which stops it
            )
        running = SoulUp(process, f"http://127.0.0.1:{port}", log)
        failed = False
        try:
            running.wait_until_serving(workers)
            yield running
        except BaseException:
            failed = True
            raise
        finally:
            code, seen, killed = running.stop()
            print(
                f"soul up stopped with SIGINT: exit code {code}; {seen} child processes, "
                f"{killed} left behind (killed)",
                flush=True,
            )
            if failed or code != 0:
                print(running.log_tail(), file=sys.stderr)


# Measuring -----------------------------------------------------------------------------------


@dataclass
class Measured:
    """One message: its kind, outcome, timings and the requests the fake received for it."""

    kind: str
    status: str
    timed: bool
    model_ms: float | None
    """From just before the submit to the reply's request reaching the model."""
    first_token_ms: float | None
    done_ms: float
    before_done: list[RecordedRequest]
    after_done: list[RecordedRequest]

    @property
    def others(self) -> int:
        """Chat calls that are neither the reply nor the reflection."""
        return sum(
            call_kind(r) not in (REPLY_SCHEMA, REFLECTION_SCHEMA, EMBEDDINGS)
            for r in self.before_done + self.after_done
        )


async def settled(client: httpx.AsyncClient) -> bool:
    """Every queue empty and every worker idle."""
    queue = (await client.get("/v1/meta/queue")).json()
    idle = all(worker["state"] == "idle" for worker in queue["workers"])
    return queue["total_backlog"] == 0 and idle


async def wait_reflected(
    client: httpx.AsyncClient, llm: FakeLLMServer, start: int, succeeded: bool
) -> None:
    """Wait until the reflection's request reached the fake (only a successful reply has one),
    then until the worker has finished with it."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while succeeded and not any(call_kind(r) == REFLECTION_SCHEMA for r in llm.requests[start:]):
        if time.monotonic() > deadline:
            raise RuntimeError("the reflection's request never reached the model")
        await asyncio.sleep(POLL_SECONDS)
    while not await settled(client):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not settle after the reflection")
        await asyncio.sleep(POLL_SECONDS)


async def send_one(
    client: httpx.AsyncClient,
    llm: FakeLLMServer,
    model: FakeModel,
    user: User,
    text: str,
    kind: str,
    timed: bool,
) -> Measured:
    start = len(llm.requests)
    started = time.perf_counter()
    response = await client.post(
        "/v1/messages/submit", headers=user.headers, json={"message": text, "type": kind}
    )
    if response.status_code != 202:
        raise RuntimeError(f"submit answered {response.status_code}: {response.text[:300]}")
    job_id = response.json()["job_id"]
    first_token: float | None = None
    done: tuple[str, float, int] | None = None
    async with contextlib.aclosing(sse(client, user, job_id)) as events:
        async for name, data, at in events:
            if name == "token" and first_token is None:
                first_token = at
            elif name == "done":
                done = data["status"], at, len(llm.requests)
                break
    if done is None:
        raise RuntimeError(f"the stream of job {job_id} ended without done")
    status, done_at, done_index = done
    await wait_reflected(client, llm, start, status == SUCCEEDED)
    received = list(llm.requests[start:])
    reply_at = model.first_after(started, REPLY_SCHEMA)
    return Measured(
        kind=kind,
        status=status,
        timed=timed,
        model_ms=None if reply_at is None else (reply_at - started) * 1000,
        first_token_ms=None if first_token is None else (first_token - started) * 1000,
        done_ms=(done_at - started) * 1000,
        before_done=received[: done_index - start],
        after_done=received[done_index - start :],
    )


def message_text(index: int, kind: str) -> str:
    if kind == "group":
        return f"Jasmine, what would you pick for movie night, everyone? (group message {index})"
    topics = ("my garden", "a book I finished", "the rain today", "my sister's visit")
    return f"I wanted to tell you about {topics[index % len(topics)]}. (message {index})"


async def drive(
    base: str, llm: FakeLLMServer, model: FakeModel, messages: int, group_messages: int
) -> list[Measured]:
    run: list[Measured] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        users = [await sign_in(client) for _ in range(USERS)]
        first_sent: set[str] = set()
        plan = [("dm", i) for i in range(messages)] + [("group", i) for i in range(group_messages)]
        for number, (kind, index) in enumerate(plan):
            user = users[number % len(users)]
            timed = user.user_id in first_sent
            first_sent.add(user.user_id)
            text = message_text(index, kind)
            run.append(await send_one(client, llm, model, user, text, kind, timed))
    return run


# Reporting -----------------------------------------------------------------------------------


def spread(values: list[int]) -> str:
    """``1`` when every message had the same count, else counts and how many messages had
    each: ``1 (48), 2 (2)``."""
    counts = Counter(values)
    if len(counts) == 1:
        return str(values[0])
    return ", ".join(f"{value} ({times})" for value, times in sorted(counts.items()))


def by_kind(requests: list[RecordedRequest]) -> str:
    counts = Counter(call_kind(r) for r in requests)
    return ", ".join(f"{name}: {times}" for name, times in sorted(counts.items())) or "none"


def report_calls(run: list[Measured]) -> dict[str, float]:
    figures: dict[str, float] = {}
    print(
        "LLM chat calls per message (critical path: received before done; embeddings apart), "
        "ours vs Synthetic Soul API 1.1:"
    )
    print(
        f"  {'kind':<6} {'msgs':>4}  {'critical path':>13}  {'after done':>10}  {'total':>6}  "
        f"{'embeddings before/after':>23}  {'other':>5}  |  {'API 1.1 before/after/total':>26}"
    )
    for kind in ("dm", "group"):
        found = [m for m in run if m.kind == kind]
        if not found:
            continue
        before = [chat_calls(m.before_done) for m in found]
        after = [chat_calls(m.after_done) for m in found]
        total = [b + a for b, a in zip(before, after, strict=True)]
        emb_before = [embeddings_calls(m.before_done) for m in found]
        emb_after = [embeddings_calls(m.after_done) for m in found]
        old_before, old_after = OLD_DESIGN_CALLS[kind]
        old = f"{old_before} / {old_after} / {old_before + old_after}"
        embeddings = f"{spread(emb_before)} / {spread(emb_after)}"
        print(
            f"  {kind:<6} {len(found):>4}  {spread(before):>13}  {spread(after):>10}  "
            f"{spread(total):>6}  {embeddings:>23}  {sum(m.others for m in found):>5}  |  "
            f"{old:>26}"
        )
        figures[f"{kind} chat calls before done max"] = max(before)
        figures[f"{kind} chat calls total max"] = max(total)
        figures[f"{kind} embeddings before done max"] = max(emb_before)
    print(f"  critical path, all messages: {by_kind([r for m in run for r in m.before_done])}")
    print(f"  after done, all messages:    {by_kind([r for m in run for r in m.after_done])}")
    one_on_path = all(chat_calls(m.before_done) == 1 for m in run)
    one_after = all(chat_calls(m.after_done) <= 1 for m in run)
    print(
        f"  one chat call on the critical path: {'met' if one_on_path else 'NOT met'}; "
        f"at most one more after done: {'met' if one_after else 'NOT met'}"
    )
    return figures


def report_prompts(run: list[Measured]) -> dict[str, float]:
    count, how = token_counter()
    figures: dict[str, float] = {}
    print(f"prompt size per call (tokens {how}; the fake's usage counts whitespace words):")
    for schema, label in ((REPLY_SCHEMA, "reply"), (REFLECTION_SCHEMA, "reflection")):
        calls = [r for m in run for r in m.before_done + m.after_done if call_kind(r) == schema]
        if not calls:
            print(f"  {label}: no calls")
            continue
        prompt_tokens = [count(r.prompt) for r in calls]
        words = [max(1, len(r.prompt.split())) for r in calls]
        schemas = {
            json.dumps(
                (r.body or {})["response_format"]["json_schema"]["schema"], separators=(",", ":")
            )
            for r in calls
        }
        schema_tokens = max(count(text) for text in schemas)
        p50, top = percentile(prompt_tokens, 0.5), max(prompt_tokens)
        print(
            f"  {label:<10} ({schema}, {len(calls)} calls): messages p50 {p50} tokens, max {top}; "
            f"+ schema {schema_tokens} tokens; fake's usage.prompt_tokens (words) "
            f"p50 {percentile(words, 0.5)}, max {max(words)}"
        )
        figures[f"{label} prompt tokens p50"] = p50
        figures[f"{label} prompt tokens max"] = top
        figures[f"{label} schema tokens"] = schema_tokens
    return figures


def report_latency(run: list[Measured]) -> dict[str, float]:
    timed = [m for m in run if m.timed]
    failed = sum(m.status != SUCCEEDED for m in run)
    done = [m.done_ms for m in timed]
    first = [m.first_token_ms for m in timed if m.first_token_ms is not None]
    reached = [m.model_ms for m in timed if m.model_ms is not None]
    figures: dict[str, float] = {"failed": failed}
    print(
        f"latency, {len(timed)} messages timed (each user's first left out), model at 0 ms, "
        f"1 worker; failed {failed}:"
    )
    for label, key, samples in (
        ("submit to the reply's call", "reply call", reached),
        ("submit to first token", "first token", first),
        ("submit to done", "done", done),
    ):
        if not samples:
            print(f"  {label}: no samples")
            continue
        p50, p95, p99 = (percentile(samples, q) for q in (0.5, 0.95, 0.99))
        print(f"  {label:<26} p50 {p50:6.1f} ms, p95 {p95:6.1f} ms, p99 {p99:6.1f} ms")
        figures |= {f"{key} p50 ms": round(p50, 1), f"{key} p99 ms": round(p99, 1)}
    print(
        f"  streams without a token event (the reply was over before the stream opened): "
        f"{len(timed) - len(first)}"
    )
    return figures


# Main ----------------------------------------------------------------------------------------


async def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=MESSAGES, help="direct messages sent")
    parser.add_argument(
        "--group-messages", type=int, default=GROUP_MESSAGES, help="group messages sent"
    )
    parser.add_argument(
        "--mode", choices=["lite", "rich"], default="lite", help="MODE: 7 or 27 emotions"
    )
    args = parser.parse_args(argv)
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM stops as Ctrl-C does: soul up is stopped on the way out
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    started = time.perf_counter()
    with FakeLLMServer() as llm:
        total = args.messages + args.group_messages
        model = FakeModel()
        llm.script(*([model] * (SCRIPTED_PER_MESSAGE * total)))
        redis = "REDIS_URL" if os.environ.get("REDIS_URL") else "embedded Redis"
        with soul_up(llm.url, args.mode, workers=1) as running:
            print(
                f"soul up: MODE={args.mode}, 1 worker, {redis}, SQLite, fake model at 0 ms "
                f"(streaming); up in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            print(
                f"sending {args.messages} direct and {args.group_messages} group messages from "
                f"{USERS} guests, one message at a time",
                flush=True,
            )
            run = await drive(running.base, llm, model, args.messages, args.group_messages)
            figures = report_calls(run)
            figures |= report_prompts(run)
            figures |= report_latency(run)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print("summary: " + ", ".join(f"{name} {value:g}" for name, value in figures.items()))
    return figures


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted")
