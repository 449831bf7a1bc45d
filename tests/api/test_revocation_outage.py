"""Revocations fail closed: made while Redis is away, they hold once it is back, whether it comes
back with its data (a persistent Redis restarted, or a pause) or empty (a non-persistent one);
and a session nobody can vouch for is refused."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from soul_framework.embedded_redis import EmbeddedRedis
from soul_framework.testing import free_port
from soul_plugins.storage_mongo.testing import StandInServer
from tests.api.test_auth import bearer, error_code, guest, put_cookies
from tests.conftest import STRONG_JWT, STRONG_PEPPER

SPREAD_SECONDS = 10.0
"""Longest a revocation made during the outage may take to reach another process once Redis is
back (it is offered again every second)."""


@pytest.fixture(params=["back with its data", "back empty"])
def own_redis(request, tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own, to stop and start again."""
    server = EmbeddedRedis(tmp_path / "redis", persistent=request.param == "back with its data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_on(make_app, tmp_path: Path):
    """An API app on the given Redis; apps built with the same folder share one store."""

    def build(redis: EmbeddedRedis, **values: object):
        return make_app(
            redis_url=redis.url,
            jwt_secret_env=STRONG_JWT,
            argon2_pepper_env=STRONG_PEPPER,
            soul_data_dir=tmp_path / "data",
            **values,
        )

    return build


async def me(client, token: str):
    return await client.get("/v1/auth/me", headers=bearer(token))


async def test_a_logout_during_the_outage_holds_after_it(own_redis, app_on):
    app = app_on(own_redis)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        token = (await guest(client))["access_token"]
        assert (await me(client, token)).status_code == 200  # Redis remembers it as live

        own_redis.stop()
        response = await client.post("/v1/auth/logout", headers=bearer(token))
        assert response.status_code == 200  # the store has taken it
        assert await error_code(await me(client, token)) == "session_revoked"

        own_redis.start()
        response = await me(client, token)
        assert response.status_code == 401
        assert await error_code(response) == "session_revoked"


async def test_a_claim_during_the_outage_ends_the_guest_session_for_good(own_redis, app_on):
    app = app_on(own_redis)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        token = (await guest(client))["access_token"]
        assert (await me(client, token)).status_code == 200

        own_redis.stop()
        response = await client.post(
            "/v1/auth/claim",
            headers=bearer(token),
            json={"email": "ada@example.org", "password": "correct horse", "username": "ada_l"},
        )
        assert response.status_code == 200, await response.get_data(as_text=True)
        claimed = (await response.get_json())["access_token"]

        own_redis.start()
        assert await error_code(await me(client, token)) == "session_revoked"
        assert (await me(client, claimed)).status_code == 200


async def test_a_replay_during_the_outage_ends_the_family_for_good(own_redis, app_on):
    app = app_on(own_redis, soul_refresh_grace_seconds=0)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        reply = await guest(client)
        stolen = {c.name: c.value for c in client.cookie_jar}
        response = await client.post(
            "/v1/auth/refresh", headers={"X-CSRF-Token": reply["csrf_token"]}
        )
        fresh = (await response.get_json())["access_token"]
        assert (await me(client, fresh)).status_code == 200

        own_redis.stop()
        put_cookies(client, stolen)
        replay = await client.post(
            "/v1/auth/refresh", headers={"X-CSRF-Token": stolen["refresh_csrf"]}
        )
        assert await error_code(replay) == "revoked"

        own_redis.start()
        assert await error_code(await me(client, fresh)) == "session_revoked"


async def test_a_revocation_during_the_outage_reaches_another_process(own_redis, app_on):
    """Two API processes on one store and one Redis: the one that did not see the logout
    refuses the token too once Redis is back."""
    here, there = app_on(own_redis), app_on(own_redis)
    async with here.test_app() as here_app, there.test_app() as there_app:
        client, other = here_app.test_client(), there_app.test_client()
        token = (await guest(client))["access_token"]
        assert (await me(other, token)).status_code == 200  # cached as live

        own_redis.stop()
        assert (await client.post("/v1/auth/logout", headers=bearer(token))).status_code == 200
        own_redis.start()

        deadline = time.monotonic() + SPREAD_SECONDS
        while (response := await me(other, token)).status_code == 200:
            assert time.monotonic() < deadline, "the other process still takes the token"
            await asyncio.sleep(0.2)
        assert await error_code(response) == "session_revoked"


@pytest.fixture
def stand_in_mongo(tmp_path: Path) -> Iterator[StandInServer]:
    server = StandInServer(free_port(), tmp_path / "db", tmp_path / "mongo.log").start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_session_nobody_can_vouch_for_is_refused(make_app, stand_in_mongo):
    """Redis holds no answer for the session and the store is away: 503, never a pass."""
    app = make_app(
        storage_backend="mongo",
        mongo_connection=f"{stand_in_mongo.url}&serverSelectionTimeoutMS=500",
        database_name="vouch_test",
        jwt_secret_env=STRONG_JWT,
        argon2_pepper_env=STRONG_PEPPER,
    )
    async with app.test_app() as test_app:
        client = test_app.test_client()
        token = (await guest(client))["access_token"]
        stand_in_mongo.stop()
        response = await me(client, token)
        assert response.status_code == 503
        assert await error_code(response) == "storage_unavailable"
        stand_in_mongo.start()
        deadline = time.monotonic() + SPREAD_SECONDS  # the driver finds the server again
        while (response := await me(client, token)).status_code == 503:
            assert time.monotonic() < deadline, "the store came back but the token is refused"
            await asyncio.sleep(0.2)
        assert response.status_code == 200
