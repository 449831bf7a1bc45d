"""A real deployment for job tests: ``soul serve`` and ``soul worker`` processes, real Redis,
SQLite in a temporary folder, and the fake LLM server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from soul_framework.testing.deployment import Deployment
from soul_framework.testing.fake_llm import FakeLLMServer, RecordedRequest
from tests.conftest import STRONG_JWT, STRONG_PEPPER, TESTS_THINKING_RATE_SECONDS


def echo_reply(body: dict) -> dict:
    """Answer with the last user message, so each reply shows which message it answers."""
    last = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
    return {"message": f"echo: {last}", "expression": "happy"}


def reply_requests(llm: FakeLLMServer) -> list[RecordedRequest]:
    """The model's requests made by replies, in order (reflections, which follow each reply
    on the same worker, are left out)."""
    return [
        r
        for r in llm.chat_requests()
        if (r.body.get("response_format") or {}).get("json_schema", {}).get("name") == "ReplyOutput"
    ]


def llm_deployment(tmp_path: Path, redis_url: str, llm: FakeLLMServer, **env: str) -> Deployment:
    """A deployment answering with the fake model; retries off, limits out of the way."""
    settings = {
        "JWT_SECRET_ENV": STRONG_JWT,
        "ARGON2_PEPPER_ENV": STRONG_PEPPER,
        "OPENAI_API_KEY": "sk-fake",
        "OPENAI_BASE_URL": llm.url,
        "GPT_FAST_MODEL": "fake-fast",
        "SOUL_LLM_MAX_RETRIES": "0",
        "SOUL_RATE_LIMIT_SUBMIT": "1000/minute",
        "SOUL_RATE_LIMIT_POLL": "100000/minute",
        # Tests sign in many guests from one address against one shared Redis.
        "SOUL_RATE_LIMIT_GUEST": "100000/hour",
        "THINKING_RATE_SECONDS": str(TESTS_THINKING_RATE_SECONDS),
        **env,
    }
    return Deployment(tmp_path, redis_url, settings)


class Client:
    """A signed-in user of a deployment."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        signed_in = self.http.post("/v1/auth/guest")
        assert signed_in.status_code == 200, signed_in.text
        reply = signed_in.json()
        self.token = reply["access_token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.user_id = self.http.get("/v1/auth/me", headers=self.headers).json()["user_id"]

    def submit(self, text: str, kind: str = "dm") -> httpx.Response:
        return self.http.post(
            "/v1/messages/submit", headers=self.headers, json={"message": text, "type": kind}
        )

    def poll(self, job_id: str) -> httpx.Response:
        return self.http.get(f"/v1/jobs/{job_id}", headers=self.headers)

    def wait(self, job_id: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.poll(job_id).json()
            if body.get("status") in {"succeeded", "failed"}:
                return body
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish: {body}")

    def events(self, job_id: str, *, query_token: bool = True) -> list[tuple[str, dict]]:
        """Read the job's SSE stream to its end: [(event, data), ...]."""
        params = {"access_token": self.token} if query_token else None
        headers = None if query_token else self.headers
        found: list[tuple[str, dict]] = []
        name = "message"
        with self.http.stream(
            "GET", f"/v1/jobs/{job_id}/events", params=params, headers=headers
        ) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"].startswith("text/event-stream")
            import json

            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: "):
                    found.append((name, json.loads(line[len("data: ") :])))
        return found


@pytest.fixture
def llm() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        server.script(*([echo_reply] * 0))
        yield server


@pytest.fixture
def deployment(tmp_path, redis_url, llm) -> Iterator[Deployment]:
    deployments: list[Deployment] = []

    def make(workers: int = 1, **env: str) -> Deployment:
        if not deployments:
            forget_jobs(redis_url)
        running = llm_deployment(tmp_path, redis_url, llm, **env).start(workers)
        deployments.append(running)
        return running

    yield make
    for running in deployments:
        running.stop()
    forget_jobs(redis_url)


def forget_jobs(redis_url: str) -> None:
    """Remove our job states and RQ's queues: a reflection left queued by one test must not be
    run by the next test's worker (against its store, with its scripted answers)."""
    connection = redis.Redis.from_url(redis_url)
    for pattern in ("soul:*", "rq:*"):
        for key in connection.scan_iter(pattern):
            connection.delete(key)
    connection.close()
