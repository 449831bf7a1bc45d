"""Thinking between conversations, and outreach: own state only, one user's context each."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from soul_framework.domain.ids import utcnow
from soul_framework.domain.memory import MemoryScope
from soul_framework.mind.reply import reply
from soul_framework.mind.thinking import think
from tests.mind.test_isolation import CANARY, converse, parrot

THOUGHT = {
    "thought": "I wonder why rain smells so good.",
    "idle_expression": "thinking",
    "emotions": {"surprise": 10, "joy": 5},
    "keep_memory": True,
    "memory_event": "Noticed that I love the smell of rain.",
    "memory_importance": 4,
    "memory_tags": ["rain"],
}
SEND = {"send": True, "appropriate": True, "message": "I thought of you: how was the exam?"}


class Inbox:
    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []

    async def __call__(self, user_id, message) -> None:
        self.got.append((user_id, message.message))


async def talk(world, user_id: str, text: str) -> None:
    world.llm.script({"message": "Nice to hear from you."})

    async def no_text(_: str) -> None:
        return None

    await reply(
        await world.said(user_id, text),
        world.store,
        world.provider,
        on_text=no_text,
        timeout_seconds=10,
        mind=world.mind,
    )
    await world.store.update_relationship(
        world.runtime.agent_id, user_id, lambda r: replace(r, last_contact=utcnow()), at=utcnow()
    )


async def run(world, inbox, mind=None, now=None):
    return await think(
        world.store,
        world.provider,
        mind or world.mind,
        agent_name=world.runtime.agent_name,
        deliver=inbox,
        now=now,
    )


async def test_a_thinking_pass_stores_a_thought_an_idle_face_feelings_and_its_own_memory(world):
    world.llm.script(THOUGHT)
    outcome = await run(world, Inbox())
    assert len(world.llm.chat_requests()) == 1  # nobody to write to yet
    latest = await world.store.latest_thought(world.runtime.agent_id)
    assert latest.thought == "I wonder why rain smells so good."
    agent = await world.store.get_agent(world.runtime.agent_id)
    assert agent.idle_expression == "thinking"
    assert agent.emotions.reason == "its own thoughts"
    assert outcome.memory.user_id is None
    own = await world.store.recent_memories(world.runtime.agent_id, MemoryScope(None), limit=5)
    assert [m.event for m in own] == ["Noticed that I love the smell of rain."]


async def test_outreach_reaches_the_right_user_once_within_the_limit(world):
    await talk(world, "alice", "I have an exam tomorrow.")
    inbox = Inbox()
    world.llm.script(THOUGHT, SEND)
    outcome = await run(world, inbox)
    assert inbox.got == [("alice", SEND["message"])]
    [sent] = outcome.delivered
    assert (sent.started_by_agent, sent.from_agent, sent.reply_to) == (True, True, None)
    page = await world.store.list_messages(sent.conversation_id, limit=10, before_seq=None)
    assert page[-1].id == sent.id  # in her conversation, for when she comes back
    world.llm.script(THOUGHT)
    await run(world, inbox)
    assert len(inbox.got) == 1  # not again within SOUL_OUTREACH_MIN_HOURS (and no draft)
    later = utcnow() + timedelta(hours=13)
    world.llm.script(THOUGHT, SEND)
    await run(world, inbox, now=later)
    assert len(inbox.got) == 1  # the very same words twice in a row are never sent
    world.llm.script(THOUGHT, {**SEND, "message": "Good luck today!"})
    await run(world, inbox, now=later + timedelta(hours=13))
    assert inbox.got[-1] == ("alice", "Good luck today!")


async def test_no_outreach_to_the_long_silent_nor_when_inappropriate(world):
    await talk(world, "alice", "hello")
    inbox = Inbox()
    world.llm.script(THOUGHT, {**SEND, "appropriate": False})
    await run(world, inbox)
    assert inbox.got == []
    world.llm.script(THOUGHT)
    await run(world, inbox, now=utcnow() + timedelta(days=8))  # silent past the limit
    assert inbox.got == []
    assert len(world.llm.chat_requests()) == 4  # a reply, two thoughts, one draft


async def test_thinking_and_outreach_never_carry_one_users_words_to_another(world):
    settings = world.runtime.settings.model_copy(update={"soul_outreach_max_users": 5})
    mind = replace(world.mind, settings=settings)
    for text in (f"My secret is {CANARY}.", f"Remember {CANARY}."):
        await converse(world, "alice", text, mind)
    await talk(world, "bob", "hi there")
    first = len(world.llm.chat_requests())
    inbox = Inbox()
    world.llm.script(parrot, parrot, parrot)
    await run(world, inbox, mind)
    requests = world.llm.chat_requests()[first:]
    names = [r.body["response_format"]["json_schema"]["name"] for r in requests]
    assert names == ["Thought", "Outreach", "Outreach"]
    assert CANARY not in requests[0].prompt  # the thought is built from the agent's own
    drafts = {("alice" if CANARY in r.prompt else "other"): r for r in requests[1:]}
    assert set(drafts) == {"alice", "other"}  # Alice's draft recalls her; Bob's does not
    assert CANARY not in (await world.store.latest_thought(world.runtime.agent_id)).thought
    for user_id, text in inbox.got:
        assert user_id == "alice" or CANARY not in text
