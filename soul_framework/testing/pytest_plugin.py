"""Fixtures for testing Synthetic Soul plugins with pytest, in a few lines.

Loaded automatically wherever Synthetic Soul is installed (its ``pytest11`` entry point), or
explicitly with ``-p soul_framework.testing.pytest_plugin``. Every fixture name starts with
``soul_`` so it cannot clash with a project's own fixtures:

- ``soul_settings(**values)``: :class:`~soul_framework.config.Settings` built only from
  ``values`` over safe test defaults (development mode, strong random secrets, data in the
  test's temporary folder, a real Redis of this run's own, the fake LLM as the model). The
  environment and ``.env`` are not read, so a developer's own settings never leak into a test.
- ``soul_app(*plugins, settings=None, **values)``: the API app with ``plugins`` registered next
  to the installed ones (``create_app(settings, extra_plugins=...)``). Serve it with
  ``async with app.test_app() as running: client = running.test_client()``.
- ``soul_fake_llm``: a running :class:`~soul_framework.testing.fake_llm.FakeLLMServer`
  (scripted answers, recorded prompts) that ``soul_settings`` and ``soul_worker`` point at.
- ``soul_store``: an opened, empty SQLite store (async; needs pytest-asyncio).
- ``soul_worker(workers=1, **env)``: a real deployment, ``soul serve`` plus ``workers``
  ``soul worker`` processes (:class:`~soul_framework.testing.deployment.Deployment`), answering
  with the fake LLM. The processes find plugins the way production does, through installed
  entry points, so the plugin under test must be installed (``pip install -e .``) or on
  ``PYTHONPATH``. :class:`GuestUser` talks to it as a user would.
- ``soul_redis_url``: the URL of the Redis database the other fixtures use (one per run).

Example::

    async def test_my_section_reaches_the_app(soul_app):
        app = soul_app(my_plugin)
        async with app.test_app() as running:
            reply = await running.test_client().get("/v1/meta/plugins")
        assert "my_plugin" in {p["name"] for p in (await reply.get_json())["plugins"]}
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from soul_framework.config import Settings
from soul_framework.testing import redis_for_tests

if TYPE_CHECKING:
    from quart import Quart

    from soul_framework.protocols import Store
    from soul_framework.testing.deployment import Deployment
    from soul_framework.testing.fake_llm import FakeLLMServer

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - exercised only where pytest-asyncio is missing
    pytest_asyncio = None  # type: ignore[assignment]

TEST_THINKING_RATE_SECONDS = 10**8
"""``THINKING_RATE_SECONDS`` in tests: about three years, so no scheduled thinking interval
starts while a test runs (intervals follow the wall clock; the 900 s default could fire in the
middle of one). A test that wants thinking sets its own rate."""

TEST_RATE_LIMIT = "100000/minute"
"""Submit and poll limits of ``soul_worker``: a test polls a job far faster than a person
(the defaults, 60 and 120 a minute, would answer 429 within seconds)."""

JOB_WAIT_SECONDS = 60.0
"""How long :meth:`GuestUser.say` waits for a job by default: the job timeout's order of
magnitude on a slow machine, never reached when the deployment works."""

POLL_INTERVAL_SECONDS = 0.05

_FAKE_MODELS = {"fast": "fake-fast", "quality": "fake-quality"}


class _GivenSettings(Settings):
    """Settings from the values given only: neither the environment nor ``.env`` is read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[Any],
        init_settings: Any,
        env_settings: Any,
        dotenv_settings: Any,
        file_secret_settings: Any,
    ) -> tuple[Any, ...]:
        return (init_settings,)


def forget_service_state(redis_url: str) -> None:
    """Delete the service's keys (sessions, rate limits, jobs) and RQ's queues, so a test
    starts where no earlier test left a queued job or a spent rate limit."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for pattern in ("soul:*", "rq:*"):
            for key in client.scan_iter(pattern):
                client.delete(key)
    finally:
        client.close()


def _named(plugin: object) -> tuple[str, object]:
    """``(name, plugin)`` as given, or a plugin object named after its module or class."""
    if isinstance(plugin, tuple) and len(plugin) == 2 and isinstance(plugin[0], str):
        return plugin
    name = getattr(plugin, "__name__", None) or type(plugin).__name__
    return str(name), plugin


@pytest.fixture(scope="session")
def soul_redis_url() -> Iterator[str]:
    """A real, empty Redis database for this run: ``REDIS_URL`` when it answers, else an
    embedded server (see :func:`soul_framework.testing.redis_for_tests`)."""
    with redis_for_tests() as url:
        yield url


@pytest.fixture
def soul_fake_llm() -> Iterator[FakeLLMServer]:
    """A fake OpenAI-compatible model on a real socket, started for the test and stopped."""
    from soul_framework.testing.fake_llm import FakeLLMServer

    with FakeLLMServer(models=tuple(_FAKE_MODELS.values())) as server:
        yield server


@pytest.fixture
def soul_settings(
    tmp_path: Path, soul_redis_url: str, soul_fake_llm: FakeLLMServer
) -> Callable[..., Settings]:
    """A factory of settings: ``soul_settings(mode="rich")``; keyword names are the
    lower-cased variable names, and any of them overrides the defaults below."""
    jwt_secret = secrets.token_urlsafe(48)  # one pair per test: settings built twice agree
    pepper = secrets.token_urlsafe(24)

    def build(**values: object) -> Settings:
        defaults: dict[str, object] = {
            "app_env": "development",
            "soul_data_dir": tmp_path / "soul-data",
            "redis_url": soul_redis_url,
            "jwt_secret_env": jwt_secret,
            "argon2_pepper_env": pepper,
            "llm_provider": "openai",
            "openai_api_key": "sk-fake",
            "openai_base_url": soul_fake_llm.url,
            "gpt_fast_model": _FAKE_MODELS["fast"],
            "gpt_quality_model": _FAKE_MODELS["quality"],
            "soul_llm_max_retries": 0,
            "soul_local_model": "off",
            "thinking_rate_seconds": TEST_THINKING_RATE_SECONDS,
        }
        return _GivenSettings(**{**defaults, **values})

    return build


@pytest.fixture
def soul_app(
    soul_settings: Callable[..., Settings], soul_redis_url: str
) -> Iterator[Callable[..., Quart]]:
    """A factory of API apps: ``soul_app(plugin, ("name", other), mode="rich")``.

    Each positional argument is a plugin (a module or an object with hook implementations,
    named after its ``__name__`` or class) or a ``(name, plugin)`` pair; keywords are settings
    for ``soul_settings``, or ``settings=`` a ready :class:`Settings`. Service state left in
    Redis (sessions, rate limits, jobs) is deleted after the test.
    """
    from soul_framework.api import create_app

    def build(*plugins: object, settings: Settings | None = None, **values: object) -> Quart:
        chosen = settings if settings is not None else soul_settings(**values)
        return create_app(chosen, extra_plugins=[_named(p) for p in plugins])

    yield build
    forget_service_state(soul_redis_url)


async def _opened_store(settings: Settings) -> AsyncIterator[Store]:
    """The store the settings select (SQLite unless they say otherwise), built through the
    plugins' registry as the service builds it, opened, and closed afterwards."""
    from soul_framework.runtime import Runtime

    runtime = Runtime.build(settings)
    store = runtime.store.plugin  # the plugin itself: its contract is what is tested
    await store.open()
    try:
        yield store
    finally:
        await runtime.aclose()


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def soul_store(soul_settings: Callable[..., Settings]) -> AsyncIterator[Store]:
        """An opened, empty store in the test's folder (SQLite: the one ``soul_settings()``
        selects), closed after the test. It is the plugin itself, without the scope guard the
        service puts around it, so a store's own contract can be tested with plain text."""
        async for store in _opened_store(soul_settings()):
            yield store

else:  # pragma: no cover - exercised only where pytest-asyncio is missing

    @pytest.fixture
    def soul_store() -> None:
        """Needs pytest-asyncio: a store's methods are coroutines."""
        pytest.fail("soul_store is asynchronous: install pytest-asyncio to use it")


@pytest.fixture
def soul_worker(
    tmp_path: Path, soul_redis_url: str, soul_fake_llm: FakeLLMServer
) -> Iterator[Callable[..., Deployment]]:
    """A factory of running deployments: ``soul_worker(workers=1, MODE="rich")``.

    Keywords are environment variables, exactly as an operator would set them. Each call starts
    one API process and ``workers`` workers in a folder of its own and returns once the API
    sees every worker; all of them are stopped after the test, and the jobs they left in Redis
    are deleted.
    """
    from soul_framework.testing.deployment import Deployment

    started: list[Deployment] = []

    def start(workers: int = 1, **env: str) -> Deployment:
        if not started:
            forget_service_state(soul_redis_url)
        folder = tmp_path / f"deployment-{len(started)}"
        settings = {
            "OPENAI_API_KEY": "sk-fake",
            "OPENAI_BASE_URL": soul_fake_llm.url,
            "LLM_PROVIDER": "openai",
            "GPT_FAST_MODEL": _FAKE_MODELS["fast"],
            "GPT_QUALITY_MODEL": _FAKE_MODELS["quality"],
            "SOUL_LLM_MAX_RETRIES": "0",
            "SOUL_RATE_LIMIT_SUBMIT": TEST_RATE_LIMIT,
            "SOUL_RATE_LIMIT_POLL": TEST_RATE_LIMIT,
            "THINKING_RATE_SECONDS": str(TEST_THINKING_RATE_SECONDS),
            **env,
        }
        deployment = Deployment(folder, soul_redis_url, settings)
        started.append(deployment)
        return deployment.start(workers)

    yield start
    for deployment in started:
        deployment.stop()
    if started:
        forget_service_state(soul_redis_url)


class GuestUser:
    """A guest account on a running deployment, speaking to it over HTTP as a client does.

    ``GuestUser(deployment.base).say("hello")`` submits a message and returns the finished
    job (``{"status": "succeeded", "result": {"response": ..., ...}, ...}``).
    """

    def __init__(self, base_url: str) -> None:
        import httpx

        self.http = httpx.Client(base_url=base_url, timeout=30)
        token = self.http.post("/v1/auth/guest").raise_for_status().json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def say(self, text: str, *, timeout_seconds: float = JOB_WAIT_SECONDS) -> dict[str, Any]:
        """Submit ``text`` as a direct message and wait until its job succeeds or fails."""
        submitted = self.http.post("/v1/messages/submit", json={"message": text, "type": "dm"})
        job_id = submitted.raise_for_status().json()["job_id"]
        deadline = time.monotonic() + timeout_seconds
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            body = self.http.get(f"/v1/jobs/{job_id}").raise_for_status().json()
            if body.get("status") in {"succeeded", "failed"}:
                return body
            time.sleep(POLL_INTERVAL_SECONDS)
        raise TimeoutError(f"job {job_id} did not finish in {timeout_seconds} s: {body}")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.http.close()

    def __enter__(self) -> GuestUser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
