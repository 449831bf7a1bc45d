from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import redis
from quart import Quart
from quart.typing import TestClientProtocol

from soul_framework.api import create_app


@pytest.fixture(autouse=True)
def _forget_redis_state(redis_url) -> Iterator[None]:
    """Every API test starts from clean rate limits, sessions and jobs in the shared Redis (a
    run signs in hundreds of guests from one address)."""
    yield
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("soul:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def make_app(make_settings) -> Callable[..., Quart]:
    def build(extra_plugins=(), **values: object) -> Quart:
        return create_app(make_settings(**values), extra_plugins=extra_plugins)

    return build


@pytest.fixture
async def client(make_app) -> AsyncIterator[TestClientProtocol]:
    app = make_app()
    async with app.test_app() as test_app:
        yield test_app.test_client()
