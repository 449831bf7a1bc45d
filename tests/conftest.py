from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from soul_framework.config import Settings
from soul_framework.testing import redis_for_tests

MONGO_TEST_URL = os.environ.get("MONGO_TEST_URL")  # read before tests clean the environment

# Development secrets long and random enough for production checks, for tests that need them.
STRONG_JWT = "p2Vq7sKx9LmN3bRt6YwZ8cHd1FgJ4kUe0QoAiSnXyTvB"
STRONG_PEPPER = "Zr8Lq2Wm5Nx7Kc4Vb1Hj"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis database of this run's own (REDIS_URL when reachable, else embedded)."""
    with redis_for_tests() as url:
        yield url


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB server's URL: ``MONGO_TEST_URL``, else a SecantusDB of this session's own."""
    if MONGO_TEST_URL:
        yield MONGO_TEST_URL
        return
    from soul_framework.testing import free_port
    from soul_plugins.storage_mongo.testing import StandInServer

    log = tmp_path_factory.mktemp("secantus") / "server.log"
    server = StandInServer(free_port(), ":memory:", log).start()
    try:
        yield server.url
    finally:
        server.stop()


TESTS_THINKING_RATE_SECONDS = 10**8


@pytest.fixture
def make_settings(tmp_path: Path, redis_url: str) -> Callable[..., Settings]:
    """Settings built only from what the test says (no .env, no stray environment)."""

    def build(**values: object) -> Settings:
        defaults: dict[str, object] = {
            "app_env": "development",
            "soul_data_dir": tmp_path / "data",
            "redis_url": redis_url,
            # No wall-clock interval boundary is crossed during a test: thinking never fires
            # unless a test asks for it.
            "thinking_rate_seconds": TESTS_THINKING_RATE_SECONDS,
        }
        defaults.update(values)
        return Settings(_env_file=None, **defaults)  # type: ignore[call-arg]

    return build


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the variables they set: the developer's own settings must not leak in."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("SOUL_", "MONGO_", "OPENAI_", "OLLAMA_", "GPT_", "LLM_")) or upper in {
            "APP_ENV",
            "BOT_NAME",
            "MODE",
            "STORAGE_BACKEND",
            "PERSONALITY",
            "JWT_SECRET_ENV",
            "ARGON2_PEPPER_ENV",
            "WEB_UI_DOMAIN",
            "DATABASE_NAME",
            "REDIS_TLS_URL",
        }:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def install_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Path]]:
    """Put a real distribution (dist-info with entry points, plus its modules) on sys.path.

    importlib.metadata finds it exactly as it finds a pip-installed package.
    """
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    monkeypatch.syspath_prepend(str(site))

    def install(name: str, entry_points: dict[str, str], modules: dict[str, str]) -> Path:
        dist_info = site / f"{name.replace('-', '_')}-1.0.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (dist_info / "entry_points.txt").write_text(f"[soul_framework]\n{lines}")
        for module, source in modules.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))
        return site

    yield install
    for module in [m for m in sys.modules if m.startswith("fake_")]:
        del sys.modules[module]
