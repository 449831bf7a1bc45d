"""Real ``soul serve`` processes (Hypercorn) for the security tests, each with its own Redis."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from soul_framework.testing import redis_for_tests
from soul_framework.testing.deployment import Deployment
from tests.conftest import STRONG_JWT, STRONG_PEPPER

WEB_UI = "https://ui.example.org"
VITE_DEV_ORIGIN = "http://localhost:5173"

PRODUCTION = {
    "APP_ENV": "production",
    "JWT_SECRET_ENV": STRONG_JWT,
    "ARGON2_PEPPER_ENV": STRONG_PEPPER,
    "WEB_UI_DOMAIN": WEB_UI,
}
DEVELOPMENT = {"APP_ENV": "development", "WEB_UI_DOMAIN": WEB_UI}


@pytest.fixture(scope="module")
def start_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Deployment]]:
    """``start_server(env, workers=0)``: a running API with these settings, stopped (and its
    Redis emptied) when the module's tests are done."""
    with contextlib.ExitStack() as stack:

        def start(env: dict[str, str], workers: int = 0) -> Deployment:
            redis_url = stack.enter_context(redis_for_tests())
            folder = tmp_path_factory.mktemp("server")
            deployment = stack.enter_context(Deployment(folder, redis_url, env))
            return deployment.start(workers=workers)

        yield start


@pytest.fixture(scope="module")
def production(start_server: Callable[..., Deployment]) -> Deployment:
    return start_server(PRODUCTION)


@pytest.fixture(scope="module")
def development(start_server: Callable[..., Deployment]) -> Deployment:
    return start_server(DEVELOPMENT)
