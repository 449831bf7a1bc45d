"""One reply, one call: what it sends, what it stores, and how the agent changes."""

from __future__ import annotations

from dataclasses import replace

from soul_framework.domain.ids import utcnow
from soul_framework.mind.reply import reply


async def no_text(_: str) -> None:
    return None


async def answer(world, request, mind=None):
    return await reply(
        request,
        world.store,
        world.provider,
        on_text=no_text,
        timeout_seconds=10,
        mind=mind or world.mind,
    )


async def test_a_reply_is_one_call_and_stores_both_messages_annotated(world):
    world.llm.script(
        {
            "perceived_purpose": "share news",
            "perceived_tone": "excited",
            "respond": True,
            "message": "Congratulations!",
            "purpose": "celebrate",
            "tone": "warm",
            "expression": "excited",
            "emotions": {"joy": 15, "surprise": 5},
            "confidence": 0.9,
        }
    )
    request = await world.said("u1", "I passed my exam!")
    result = await answer(world, request)
    assert result["response"] == "Congratulations!"
    assert result["expression"] == "excited"
    assert len(world.llm.chat_requests()) == 1
    page = await world.store.list_messages(request.conversation_id, limit=10, before_seq=None)
    mine, theirs = page
    assert (mine.message, mine.purpose, mine.tone) == ("I passed my exam!", "share news", "excited")
    assert (theirs.message, theirs.purpose, theirs.tone) == (
        "Congratulations!",
        "celebrate",
        "warm",
    )
    assert (theirs.expression, theirs.reply_to, theirs.from_agent) == ("excited", mine.id, True)


async def test_the_schema_asks_for_every_part_of_the_one_call(world):
    world.llm.script({"message": "Hi."})
    await answer(world, await world.said("u1", "hello"))
    body = world.llm.chat_requests()[-1].body
    properties = body["response_format"]["json_schema"]["schema"]["properties"]
    assert list(properties)[:3] == ["perceived_purpose", "perceived_tone", "message"]
    assert properties["message"]["minLength"] == 1  # a direct message is always answered
    assert {"purpose", "tone", "expression", "emotions", "confidence"} <= set(properties)
    assert "respond" not in properties
    assert body["stream"] is True
    world.llm.script({"respond": False, "message": ""})
    await answer(world, await world.said("u1", "hello all", kind="group"))
    group = world.llm.chat_requests()[-1].body["response_format"]["json_schema"]["schema"]
    assert list(group["properties"])[2:4] == ["respond", "message"]


async def test_an_unaddressed_group_message_gets_no_reply_but_is_felt(world):
    world.llm.script({"respond": False, "message": "", "emotions": {"joy": 10}})
    request = await world.said("u1", "anyone seen my keys?", kind="group")
    before = world.runtime.newborn_agent(utcnow()).emotions.values["joy"]
    result = await answer(world, request)
    assert result["response"] is None
    page = await world.store.list_messages(request.conversation_id, limit=10, before_seq=None)
    assert [m.from_agent for m in page] == [False]
    after = (await world.store.get_agent(world.runtime.agent_id)).emotions.values["joy"]
    assert after > before


async def test_a_direct_message_is_always_answered(world):
    world.llm.script({"respond": False, "message": "Oh, hi."})
    result = await answer(world, await world.said("u1", "hey"))
    assert result["response"] == "Oh, hi."


async def test_the_prompt_keeps_the_persona_and_the_conversation_within_the_budget(world):
    settings = world.runtime.settings.model_copy(update={"soul_prompt_budget_tokens": 600})
    mind = replace(world.mind, settings=settings)
    for i in range(30):
        await world.said("u1", f"message number {i} " + "blah " * 40)
    world.llm.script({"message": "ok"})
    request = await world.said("u1", "the last one")
    await answer(world, request, mind)
    sent = world.llm.chat_requests()[-1].body["messages"]
    assert sent[0]["role"] == "system"
    assert "You are Jasmine." in sent[0]["content"]
    assert sent[-1]["content"] == "the last one"
    assert 1 < len(sent) < 20  # older turns dropped to fit
    assert sum(len(m["content"]) for m in sent) < 600 * 4 + 200


async def test_a_failing_plugin_section_is_left_out_and_a_good_one_is_in(world, monkeypatch):
    class Good:
        name = "weather"
        priority = 600

        async def render(self, context):
            return f"It is sunny where {context['username']} lives."

    class Broken:
        name = "broken"
        priority = 600

        async def render(self, context):
            raise RuntimeError("boom")

    world.runtime._instances["prompt_sections"] = [Broken(), Good()]
    world.llm.script({"message": "ok"})
    await answer(world, await world.said("u7", "hi"))
    system = world.llm.chat_requests()[-1].body["messages"][0]["content"]
    assert "It is sunny where user_u7 lives." in system
