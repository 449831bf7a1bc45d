"""``/v1/`` and ``/v1/meta/*``: shapes per the contract."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import redis
from rq import Worker

from soul_framework.jobs.queues import QUEUE_NAMES
from tests.plugins_for_tests import BUNDLED_PLUGIN_NAMES
from tests.test_cli import SOUL, clean_env


async def test_root_names_the_active_agent(client):
    response = await client.get("/v1/")
    assert response.status_code == 200
    assert await response.get_json() == {"active_agent": "Jasmine"}


async def test_bot_name_overrides_the_agent_name(make_app):
    app = make_app(bot_name="Rose")
    response = await app.test_client().get("/v1/")
    assert (await response.get_json())["active_agent"] == "Rose"


async def test_ping(client):
    response = await client.get("/v1/meta/ping")
    assert response.status_code == 200
    assert await response.get_json() == {"status": "ok"}


async def test_version(client):
    body = await (await client.get("/v1/meta/version")).get_json()
    assert body == {
        "version": "1.2.0",
        "api_base_path": "/v1",
        "semver": {"major": 1, "minor": 2, "patch": 0},
        "versioning_policy": {
            "url_versioning": "major",
            "breaking_changes": "major-only",
            "non_breaking_changes": "minor-or-patch",
        },
    }


async def test_llm_local_by_default(client):
    body = await (await client.get("/v1/meta/llm")).get_json()
    assert body == {
        "mode": "local",
        "provider": "ollama",
        "base_url": "http://127.0.0.1:11434/v1",
        "models": {"fast": "llama3.2:3b", "quality": "llama3.1:8b"},
        "configured": True,
    }


async def test_llm_hosted_never_shows_the_key(make_app):
    app = make_app(openai_api_key="sk-very-secret-key", gpt_fast_model="gpt-x-mini")
    response = await app.test_client().get("/v1/meta/llm")
    text = await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["mode"] == "hosted"
    assert body["provider"] == "openai"
    assert body["configured"] is True
    assert body["models"]["fast"] == "gpt-x-mini"
    assert body["base_url"] is None
    assert "sk-very-secret-key" not in text


async def test_queue_without_workers_is_degraded(client, redis_url):
    body = await (await client.get("/v1/meta/queue")).get_json()
    assert body["status"] == "degraded"
    assert body["redis_ok"] is True
    assert body["worker_count"] == 0
    assert body["workers"] == []
    assert set(body["queues"]) == set(QUEUE_NAMES)
    assert body["total_backlog"] == sum(body["queues"].values())
    assert body["timestamp"].endswith("Z")
    datetime.fromisoformat(body["timestamp"])


async def test_queue_counts_live_workers_and_backlog(client, redis_url):
    connection = redis.Redis.from_url(redis_url)
    worker = Worker(list(QUEUE_NAMES), connection=connection, name="meta-test-worker")
    worker.register_birth()
    try:
        from rq import Queue

        Queue("low", connection=connection).enqueue("builtins.print", "x")
        body = await (await client.get("/v1/meta/queue")).get_json()
        assert body["status"] == "ok"
        assert body["worker_count"] == 1
        assert body["workers"][0]["name"] == "meta-test-worker"
        assert body["workers"][0]["queues"] == list(QUEUE_NAMES)
        assert body["queues"]["low"] == 1
        assert body["total_backlog"] >= 1
    finally:
        worker.register_death()
        Queue("low", connection=connection).empty()
        connection.close()


async def test_queue_unavailable_when_redis_is_down(make_app):
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    response = await app.test_client().get("/v1/meta/queue")
    assert response.status_code == 503
    body = await response.get_json()
    assert body["error"]["code"] == "queue_unavailable"
    assert "Traceback" not in await response.get_data(as_text=True)


async def test_plugins_lists_bundled_plugins_and_selection(client):
    body = await (await client.get("/v1/meta/plugins")).get_json()
    by_name = {p["name"]: p for p in body["plugins"]}
    assert set(BUNDLED_PLUGIN_NAMES) <= set(by_name)
    assert by_name["llm_openai"]["hooks"] == ["register_llm_providers"]
    assert by_name["storage_sqlite"]["version"]
    assert body["selected"] == {
        "emotion_model": "lite",
        "personality_schema": "lite",
        "llm_provider": "ollama",
        "store": "sqlite",
    }


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc"])
async def test_documentation_is_served(client, path):
    response = await client.get(path)
    assert response.status_code == 200


async def test_openapi_lists_the_meta_routes(client):
    spec = await (await client.get("/openapi.json")).get_json()
    for path in ("/v1/", "/v1/meta/ping", "/v1/meta/queue", "/v1/meta/plugins"):
        assert path in spec["paths"]
    assert spec["info"]["version"] == "1.2.0"


async def queue_until(client, done, within: float) -> dict:
    """``/v1/meta/queue`` polled until ``done(body)``; fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        body = await (await client.get("/v1/meta/queue")).get_json()
        if done(body):
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)


def listed(body: dict) -> set[str]:
    return {w["name"] for w in body["workers"]}


@pytest.fixture
def real_worker(tmp_path, redis_url) -> Iterator[tuple[str, subprocess.Popen]]:
    """A ``soul worker`` process on the suite's Redis, and its name."""
    name = f"meta-worker-{os.getpid()}-{time.monotonic_ns()}"
    env = clean_env(REDIS_URL=redis_url, APP_ENV="development", SOUL_DATA_DIR=str(tmp_path))
    process = subprocess.Popen(
        [*SOUL, "worker", "--name", name],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield name, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
        process.wait(10)


async def test_a_worker_killed_outright_stops_being_listed(client, real_worker):
    name, process = real_worker
    body = await queue_until(client, lambda b: name in listed(b), within=60)
    assert body["status"] == "ok"
    process.kill()  # no goodbye: its registration stays in Redis until it expires
    process.wait(10)
    body = await queue_until(client, lambda b: name not in listed(b), within=15)
    assert body["status"] == "degraded"
    assert body["worker_count"] == 0


async def test_a_silent_worker_stops_being_listed_until_it_beats_again(client, real_worker):
    """A worker whose pulse stopped (frozen here; on another machine, dead) is not counted."""
    name, process = real_worker
    await queue_until(client, lambda b: name in listed(b), within=60)
    process.send_signal(signal.SIGSTOP)
    body = await queue_until(client, lambda b: name not in listed(b), within=30)
    assert body["status"] == "degraded"
    process.send_signal(signal.SIGCONT)
    body = await queue_until(client, lambda b: name in listed(b), within=30)
    assert body["status"] == "ok"
