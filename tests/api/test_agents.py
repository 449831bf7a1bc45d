"""``/v1/agents/*``: the active agent made from the persona, in the contract's shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from soul_framework.domain.ids import utcnow
from soul_framework.domain.memory import Memory
from soul_framework.domain.scope import PUBLIC, Scope, ScopedText, public
from tests.api.test_auth import bearer, guest


async def signed_in(client) -> dict[str, str]:
    return bearer((await guest(client))["access_token"])


async def test_active_agent_needs_a_token(client):
    response = await client.get("/v1/agents/active")
    assert response.status_code == 401
    assert (await response.get_json())["error"]["code"] == "missing_token"


async def test_lite_active_agent_has_the_contract_shape(client):
    response = await client.get("/v1/agents/active", headers=await signed_in(client))
    assert response.status_code == 200
    agent = (await response.get_json())["agent"]
    assert set(agent) == {
        "id",
        "name",
        "identity",
        "personality",
        "memory_tags",
        "emotional_status",
        "global_expression",
        "birthdate",
    }
    assert (agent["id"], agent["name"]) == ("jasmine", "Jasmine")
    assert agent["identity"].startswith("I am Jasmine")
    personality = agent["personality"]
    assert personality["myers-briggs"] == "ENFP"
    matrix = personality["personality_matrix"]
    assert len(matrix) == 10
    assert matrix["warmth"]["value"] == 88  # the persona's own value over the preset's 85
    assert matrix["curiosity_creativity"]["value"] == 90  # the ENFP preset
    assert {"description", "value", "min", "max"} <= set(matrix["warmth"])
    emotions = agent["emotional_status"]["emotions"]
    assert set(emotions) == {"joy", "sadness", "anger", "fear", "surprise", "love", "disgust"}
    for level in emotions.values():
        assert level["min"] == 0
        assert level["max"] == 100
        assert 0 <= level["value"] <= 100
        assert level["description"]
    assert agent["global_expression"] == "neutral"
    assert agent["birthdate"].endswith(("Z", "+00:00"))


async def test_rich_mode_gives_27_emotions_34_traits_and_its_own_agent(make_app, client):
    app = make_app(mode="rich")
    async with app.test_app() as test_app:
        rich = test_app.test_client()
        reply = await rich.get("/v1/agents/active", headers=await signed_in(rich))
        agent = (await reply.get_json())["agent"]
        assert agent["id"] == "jasmine-rich"
        assert len(agent["emotional_status"]["emotions"]) == 27
        assert len(agent["personality"]["personality_matrix"]) == 34
        everyone = await rich.get("/v1/agents/all", headers=await signed_in(rich))
        assert (await everyone.get_json())["agents"]["normal"] == [{"name": "Jasmine"}]


async def test_personality_picks_the_persona_and_bot_name_renames_it(make_app):
    app = make_app(personality="orion", bot_name="Hal")
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert (await (await client.get("/v1/")).get_json()) == {"active_agent": "Hal"}
        agent = (
            await (
                await client.get("/v1/agents/active", headers=await signed_in(client))
            ).get_json()
        )["agent"]
        assert (agent["id"], agent["name"]) == ("hal", "Hal")
        assert agent["personality"]["myers-briggs"] == "INTP"
        assert agent["identity"].startswith("I am Orion")


async def test_all_agents_groups_lite_and_normal(client):
    response = await client.get("/v1/agents/all", headers=await signed_in(client))
    assert response.status_code == 200
    assert await response.get_json() == {"agents": {"normal": [], "lite": [{"name": "Jasmine"}]}}


async def test_memory_tags_are_the_agents_own_never_a_users(make_app):
    app = make_app()
    async with app.test_app() as test_app:
        client = test_app.test_client()
        store = app.extensions["soul"].runtime.store
        now = utcnow()
        for user_id, tag in ((None, "stars"), ("someone", "secret-diary")):
            whose = PUBLIC if user_id is None else Scope.user(user_id)
            await store.add_memory(
                Memory(
                    id=f"m-{tag}",
                    agent_id="jasmine",
                    user_id=user_id,
                    event=ScopedText(f"about {tag}", whose),
                    thoughts="",
                    importance=5,
                    created_at=now,
                    last_accessed=now,
                    tags=(ScopedText(tag, whose),),
                )
            )
        reply = await client.get("/v1/agents/active", headers=await signed_in(client))
        assert (await reply.get_json())["agent"]["memory_tags"] == ["stars"]


async def test_emotion_history_ends_with_the_state_now(make_app):
    app = make_app()
    async with app.test_app() as test_app:
        client = test_app.test_client()
        runtime = app.extensions["soul"].runtime
        headers = await signed_in(client)
        first = await (await client.get("/v1/agents/active", headers=headers)).get_json()
        joy_before = first["agent"]["emotional_status"]["emotions"]["joy"]["value"]
        before = utcnow()

        def feel_joy(agent):
            state = runtime.emotion_model.appraise(
                agent.emotions,
                {"joy": 20},
                confidence=1.0,
                now=utcnow(),
                reason=public("good news"),
            )
            return replace(agent, emotions=state)

        await runtime.store.update_agent("jasmine", feel_joy)
        response = await client.get("/v1/agents/active/emotions/history", headers=headers)
        assert response.status_code == 200
        body = await response.get_json()
        assert body["agent_id"] == "jasmine"
        assert [e["name"] for e in body["emotions"]] == [
            "joy",
            "sadness",
            "anger",
            "fear",
            "surprise",
            "love",
            "disgust",
        ]
        samples = body["samples"]
        assert len(samples) >= 2
        assert samples[-2]["values"]["joy"] > joy_before + 5  # the stored change
        assert samples[-1]["values"]["joy"] == pytest.approx(samples[-2]["values"]["joy"], abs=0.1)
        assert samples[-1]["at"] >= samples[-2]["at"]
        later = await client.get(
            "/v1/agents/active/emotions/history",
            query_string={"since": (before + timedelta(hours=1)).isoformat(), "limit": 5},
            headers=headers,
        )
        assert len((await later.get_json())["samples"]) == 1  # only the state now


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "5001"}, {"since": "yesterday"}])
async def test_emotion_history_rejects_bad_queries(client, query):
    response = await client.get(
        "/v1/agents/active/emotions/history", query_string=query, headers=await signed_in(client)
    )
    assert response.status_code == 422
    assert (await response.get_json())["error"]["code"] == "validation_error"
