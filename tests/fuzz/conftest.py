"""One real API server for the fuzz tests: ``soul serve`` on Hypercorn with its own Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from soul_framework.testing import redis_for_tests
from soul_framework.testing.deployment import Deployment

# Rate limits have tests of their own; here they would only turn later cases into 429s.
UNLIMITED = dict.fromkeys(
    (
        "SOUL_RATE_LIMIT_GUEST",
        "SOUL_RATE_LIMIT_LOGIN_IP",
        "SOUL_RATE_LIMIT_LOGIN_ACCOUNT",
        "SOUL_RATE_LIMIT_CLAIM",
        "SOUL_RATE_LIMIT_SUBMIT",
        "SOUL_RATE_LIMIT_POLL",
    ),
    "1000000/minute",
)


@pytest.fixture(scope="package")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The API alone (no worker: submitted jobs stay queued), in a Redis database of its own so
    that the jobs and sessions it leaves behind reach no other test."""
    with (
        redis_for_tests() as redis_url,
        Deployment(tmp_path_factory.mktemp("fuzz"), redis_url, UNLIMITED) as running,
    ):
        yield running.start(workers=0)


@pytest.fixture(scope="package")
def new_guest_token(deployment: Deployment) -> Callable[[], str]:
    """Sign a new guest in; return its access token."""

    def sign_in() -> str:
        reply = httpx.post(f"{deployment.base}/v1/auth/guest", timeout=10)
        reply.raise_for_status()
        return reply.json()["access_token"]

    return sign_in
