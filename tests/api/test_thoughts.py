"""``/v1/thoughts/latest``: the active agent's most recent thought, on both stores."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import redis

from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.memory import Thought
from soul_framework.domain.scope import public
from tests.api.test_auth import bearer, guest

URL = "/v1/thoughts/latest"


@pytest.fixture(params=["sqlite", "mongo"])
def store_values(request) -> dict[str, object]:
    if request.param == "sqlite":
        return {"storage_backend": "sqlite"}
    return {
        "storage_backend": "mongo",
        "mongo_connection": request.getfixturevalue("mongo_url"),
        "database_name": f"thoughts_{new_id()[:12]}",
    }


@pytest.fixture
def serve(make_app, store_values, redis_url):
    """Start an app on the chosen store (with more settings when given); clean Redis after."""

    def start(**values):
        return make_app(**store_values, **values).test_app()

    yield start
    # Guest sign-ins count against a per-address limit kept in the run's shared Redis.
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("soul:*"):
        client.delete(key)
    client.close()


async def signed_in(client) -> dict[str, str]:
    return bearer((await guest(client))["access_token"])


def thought(agent_id: str, text: str, at: datetime) -> Thought:
    return Thought(id=new_id(), agent_id=agent_id, thought=public(text), created_at=at)


async def test_a_token_is_required(serve):
    async with serve() as served:
        response = await served.test_client().get(URL)
        assert response.status_code == 401
        assert (await response.get_json())["error"]["code"] == "missing_token"


async def test_404_before_the_first_thought_then_the_thought(serve):
    async with serve() as served:
        client = served.test_client()
        headers = await signed_in(client)
        missing = await client.get(URL, headers=headers)
        assert missing.status_code == 404
        error = (await missing.get_json())["error"]
        assert error["code"] == "thought_not_found"
        assert error["message"] == "No thought yet."
        assert error["request_id"] == missing.headers["X-Request-ID"]

        runtime = served.app.extensions["soul"].runtime
        at = utcnow().replace(microsecond=0)  # MongoDB keeps milliseconds
        stored = thought(runtime.agent_id, "The stars seem closer tonight.", at)
        await runtime.store.add_thought(stored)
        found = await client.get(URL, headers=headers)
        assert found.status_code == 200
        latest = (await found.get_json())["latest_thought"]
        assert set(latest) == {"id", "thought", "timestamp", "agent_name"}
        assert (latest["id"], latest["thought"]) == (stored.id, stored.thought)
        assert latest["timestamp"].endswith(("Z", "+00:00"))
        assert datetime.fromisoformat(latest["timestamp"]) == at
        active = (await (await client.get("/v1/")).get_json())["active_agent"]
        assert latest["agent_name"] == active == "Jasmine"


async def test_the_newest_of_several_thoughts_is_shown(serve):
    async with serve() as served:
        client = served.test_client()
        store = served.app.extensions["soul"].runtime.store
        start = utcnow().replace(microsecond=0)
        for minutes, text in ((0, "first"), (20, "latest"), (10, "middle")):
            await store.add_thought(thought("jasmine", text, start + timedelta(minutes=minutes)))
        response = await client.get(URL, headers=await signed_in(client))
        assert (await response.get_json())["latest_thought"]["thought"] == "latest"


async def test_only_the_active_agents_thoughts_are_shown(serve):
    async with serve() as served:
        client = served.test_client()
        store = served.app.extensions["soul"].runtime.store
        now = utcnow()
        await store.add_thought(thought("jasmine", "mine, older", now - timedelta(hours=1)))
        await store.add_thought(thought("orion", "someone else's, newer", now))
        response = await client.get(URL, headers=await signed_in(client))
        assert (await response.get_json())["latest_thought"]["thought"] == "mine, older"


async def test_a_renamed_agent_shows_its_name_and_its_own_thoughts(serve):
    async with serve(bot_name="Hal") as served:
        client = served.test_client()
        runtime = served.app.extensions["soul"].runtime
        headers = await signed_in(client)
        await runtime.store.add_thought(thought("jasmine", "the persona's old self", utcnow()))
        assert (await client.get(URL, headers=headers)).status_code == 404
        await runtime.store.add_thought(thought(runtime.agent_id, "I am Hal now.", utcnow()))
        latest = (await (await client.get(URL, headers=headers)).get_json())["latest_thought"]
        assert (latest["thought"], latest["agent_name"]) == ("I am Hal now.", "Hal")
