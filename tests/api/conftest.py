from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from soul_framework.api import create_app


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
