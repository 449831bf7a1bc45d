"""Reflection: one call after a reply; what it changes, and what it must never let through."""

from __future__ import annotations

from dataclasses import replace

from soul_framework.domain.ids import utcnow
from soul_framework.domain.memory import MemoryScope
from soul_framework.mind.reflection import ReflectionRequest, reflect
from tests.mind.test_reply import answer

REFLECTION = {
    "summary": "A nurse who works nights and loves thunderstorms.",
    "relationship": "friend",
    "sentiments": {"trust": 12, "curiosity": 8, "nonsense": 50},
    "self_view": "With them I have learned to listen before I speak.",
    "keep_memory": True,
    "memory_event": "They told me about their first night shift.",
    "memory_thoughts": "It sounded lonely; I want to ask how the next one goes.",
    "memory_importance": 14,
    "memory_tags": ["Work", "night shift", "work", "extra"],
    "memory_feeling": "love",
    "memory_intensity": 40,
}


async def reflect_on(world, user_id: str, text: str, answer: dict, mind=None):
    request = await world.said(user_id, text)
    world.llm.script(answer)
    return await reflect(
        ReflectionRequest(
            agent_id=request.agent_id,
            agent_name=request.agent_name,
            user_id=user_id,
            username=request.username,
            conversation_id=request.conversation_id,
        ),
        world.store,
        world.provider,
        mind=mind or world.mind,
        timeout_seconds=10,
    )


async def test_one_call_updates_relationship_sentiments_self_view_and_memory(world):
    before = (await world.store.ensure_agent(world.runtime.newborn_agent(utcnow()))).identity
    outcome = await reflect_on(world, "u1", "My first night shift was so quiet.", REFLECTION)
    assert len(world.llm.chat_requests()) == 1
    rel = await world.store.get_relationship(world.runtime.agent_id, "u1")
    assert (rel.extrinsic, rel.intrinsic) == ("friend", "none")
    assert rel.summary.startswith("A nurse who works nights")
    assert rel.sentiments["trust"] > 15  # resting trust plus a bounded delta
    assert "nonsense" not in rel.sentiments
    assert rel.self_view == REFLECTION["self_view"]
    # What the agent learnt about itself with u1 is u1's: the public identity stays.
    assert (await world.store.get_agent(world.runtime.agent_id)).identity == before
    memory = outcome.memory
    assert (memory.user_id, memory.importance, memory.significance) == ("u1", 10, "high")
    assert memory.tags == ("work", "night_shift", "extra")
    assert memory.emotional_impact == {"love": 40.0}
    found = await world.store.recent_memories(world.runtime.agent_id, MemoryScope("u1"), limit=5)
    assert [m.id for m in found] == [memory.id]


async def test_invalid_relationship_and_no_memory_change_nothing_they_should_not(world):
    await reflect_on(world, "u1", "hello", {"relationship": "soulmate", "keep_memory": False})
    rel = await world.store.get_relationship(world.runtime.agent_id, "u1")
    assert rel.extrinsic == "stranger"
    assert (
        await world.store.recent_memories(world.runtime.agent_id, MemoryScope("u1"), limit=5) == []
    )


async def test_the_self_view_is_shown_to_its_user_only(world):
    await reflect_on(world, "u1", "You are braver with me.", {"self_view": "Braver with them."})
    for user in ("u1", "u2"):
        world.llm.script({"message": "hello"})
        await answer(world, await world.said(user, "hi again"))
    first, second = world.llm.chat_requests()[-2:]
    assert "Braver with them." in first.prompt
    assert "Braver with them." not in second.prompt


async def test_an_empty_self_view_keeps_the_last_one(world):
    await reflect_on(world, "u1", "hi", {"self_view": "Calm with them."})
    await reflect_on(world, "u1", "hi", {"self_view": ""})
    rel = await world.store.get_relationship(world.runtime.agent_id, "u1")
    assert rel.self_view == "Calm with them."


async def test_an_insight_is_distilled_once_enough_importance_gathered(world):
    settings = world.runtime.settings.model_copy(update={"soul_memory_reflection_threshold": 25})
    mind = replace(world.mind, settings=settings)
    for i in range(3):
        await reflect_on(
            world,
            "u1",
            f"story {i}",
            {"keep_memory": True, "memory_event": f"Event {i}", "memory_importance": 9},
            mind,
        )
    outcome = await reflect_on(
        world,
        "u1",
        "one more",
        {"keep_memory": False, "insight": "They find meaning in caring for others."},
        mind,
    )
    assert outcome.insight is not None
    assert (outcome.insight.level, outcome.insight.user_id) == (1, "u1")
    prompt = world.llm.chat_requests()[-1].prompt
    assert "Event 0" in prompt
    assert "higher-level insight" in prompt
    rel = await world.store.get_relationship(world.runtime.agent_id, "u1")
    assert rel.distilled_at is not None
    again = await reflect_on(world, "u1", "and again", {"insight": "Should not be kept."}, mind)
    assert again.insight is None  # importance since the last insight is back under the bar
