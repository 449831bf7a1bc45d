"""The information-flow rule, tested so that no paraphrase can hide from it.

Each user's id is a *marker* that appears in their username and in every message they send. The
fake model writes, into every free-text field of every answer, the marker of **every** user
whose marker it saw anywhere in its prompt, whatever it was asked. So a text that was made,
however indirectly, from a user's words carries that user's marker, exactly as a paraphrase
carries the information it restates: the markers follow the data through replies,
reflections, memories, distilled insights, thoughts and outreach.

Then: nothing public (identity, feelings' reason, idle face, thoughts, the agent's own memories
and tags) carries any marker; nothing a user can read (their conversation, what they are sent,
their relationship, their memories) carries another user's marker; and no prompt holds two
users' markers, nor a thinking prompt any. The positive controls show the markers do travel
where they may: into each user's own later prompts, through memory.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import pytest

from soul_framework.domain.ids import utcnow
from soul_framework.domain.memory import MemoryScope
from soul_framework.domain.scope import PUBLIC, ScopeViolation, public
from soul_framework.mind.thinking import think
from soul_framework.testing.schema_instances import schema_instance
from tests.mind.test_isolation import converse

USERS = ("mkalice", "mkbob", "mkcarol")
MARKER = re.compile(r"mk[a-z]+")
CALLS = itertools.count()


def seen_markers(text: str) -> set[str]:
    return set(MARKER.findall(text))


def answer_writing(schema: dict, text: str) -> dict:
    """A valid answer to ``schema`` with ``text`` in every string and every flag set (keep
    every memory, send every outreach)."""

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value] or [text]
        if isinstance(value, bool):
            return True
        if isinstance(value, str):
            return text
        return value

    return fill(schema_instance(schema))


def marking(body: dict) -> dict:
    """A schema-valid answer whose every string names every user the prompt mentions."""
    schema = body["response_format"]["json_schema"]["schema"]
    prompt = "\n".join(m["content"] for m in body["messages"])
    markers = " ".join(sorted(seen_markers(prompt))) or "nobody"
    return answer_writing(schema, f"{markers} (all I read, answer {next(CALLS)})")


class Inbox:
    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []

    async def __call__(self, user_id, message) -> None:
        self.got.append((user_id, message.message))


async def talk_and_think(world):
    settings = world.runtime.settings.model_copy(
        update={"soul_memory_reflection_threshold": 2, "soul_outreach_min_hours": 0}
    )
    mind = replace(world.mind, settings=settings)
    inbox = Inbox()
    agent_id = world.runtime.agent_id
    for round_ in range(2):
        for user in USERS:
            for n in range(2):
                await converse(
                    world, user, f"I am {user}: secret number {round_}{n}.", mind, marking
                )
            await world.store.update_relationship(
                agent_id, user, lambda r: replace(r, last_contact=utcnow()), at=utcnow()
            )
        world.llm.script(*([marking] * (1 + len(USERS))))
        await think(
            world.store,
            world.provider,
            mind,
            agent_name=world.runtime.agent_name,
            deliver=inbox,
        )
    return inbox


def assert_holds_only(text: str, allowed: set[str], what: str) -> None:
    extra = seen_markers(text) - allowed
    assert not extra, f"{what} holds {sorted(extra)}"


async def test_no_text_made_from_one_user_reaches_anything_another_can_read(world):
    inbox = await talk_and_think(world)
    store, agent_id = world.store, world.runtime.agent_id

    # Public: no user at all.
    agent = await store.get_agent(agent_id)
    for what, text in (
        ("identity", agent.identity),
        ("reason", agent.emotions.reason),
        ("idle expression", agent.idle_expression),
        ("latest thought", (await store.latest_thought(agent_id)).thought),
    ):
        assert_holds_only(text, set(), what)
    own = await store.recent_memories(agent_id, MemoryScope(None), limit=100)
    assert own, "the thinking passes kept memories of their own"
    for memory in own:
        for text in (memory.event, memory.thoughts, *memory.tags):
            assert_holds_only(text, set(), "the agent's own memory")
    for tag in await store.memory_tags(agent_id, MemoryScope(None), limit=100):
        assert_holds_only(tag, set(), "the agent's own tags")

    # Each user's: their own marker at most.
    for user in USERS:
        mine = {user}
        conversation = await store.conversation(agent_id, user, at=utcnow())
        messages = await store.list_messages(conversation.id, limit=500, before_seq=None)
        for message in messages:
            for text in (message.message, message.purpose, message.tone):
                assert_holds_only(text, mine, f"{user}'s conversation")
        relationship = await store.get_relationship(agent_id, user)
        assert_holds_only(relationship.summary, mine, f"{user}'s summary")
        assert_holds_only(relationship.self_view, mine, f"{user}'s self-view")
        about = await store.recent_memories(agent_id, MemoryScope(user), limit=100)
        assert any(m.level > 0 for m in about), "insights were distilled"
        for memory in about:
            for text in (memory.event, memory.thoughts, *memory.tags):
                assert_holds_only(text, mine, f"a memory {user} may recall")
        # The markers do travel where they may: the agent replied to this user with theirs.
        assert any(user in m.message for m in messages if m.from_agent)

    assert {user for user, _ in inbox.got} == set(USERS), "every user was written to"
    for user, text in inbox.got:
        assert_holds_only(text, {user}, f"what was sent to {user}")
        assert user in text

    # Prompts: never two users in one, never anyone in a thinking prompt.
    requests = world.llm.chat_requests()
    thinking = [
        r for r in requests if r.body["response_format"]["json_schema"]["name"] == "Thought"
    ]
    assert len(thinking) == 2
    for request in thinking:
        assert_holds_only(request.prompt, set(), "a thinking prompt")
    for request in requests:
        assert len(seen_markers(request.prompt)) <= 1, sorted(seen_markers(request.prompt))
    # Positive control: a user's later prompt recalls what was kept about them.
    replies = [
        r for r in requests if r.body["response_format"]["json_schema"]["name"] == "ReplyOutput"
    ]
    last_for_alice = [r.prompt for r in replies if "mkalice" in r.prompt][-1]
    remembered = last_for_alice.split("Things you remember:")[1].split("\n\n")[0]
    assert "mkalice" in remembered


async def test_a_public_field_refuses_a_users_text_and_text_without_a_scope(world):
    from soul_framework.domain.memory import Memory, Thought
    from soul_framework.domain.scope import Scope, ScopedText

    store, agent_id = world.store, world.runtime.agent_id
    await store.ensure_agent(world.runtime.newborn_agent(utcnow()))
    alices = ScopedText("what alice said", Scope.user("alice"))
    for text in (alices, "a plain text nobody can place"):
        with pytest.raises(ScopeViolation):
            await store.update_agent(agent_id, lambda a, t=text: replace(a, identity=t))
        with pytest.raises(ScopeViolation):
            await store.add_thought(Thought("t1", agent_id, text, utcnow()))
        with pytest.raises(ScopeViolation):
            await store.add_memory(Memory("m1", agent_id, None, text, "", 3, utcnow(), utcnow()))
        with pytest.raises(ScopeViolation):  # bob's relationship takes bob's text only
            await store.update_relationship(
                agent_id, "bob", lambda r, t=text: replace(r, summary=t), at=utcnow()
            )
    assert (await store.get_agent(agent_id)).identity == world.runtime.persona.identity
    assert await store.latest_thought(agent_id) is None
    # What fits is kept: public text in public fields, alice's in hers.
    await store.update_agent(agent_id, lambda a: replace(a, identity=public("I grew.")))
    await store.update_relationship(
        agent_id, "alice", lambda r: replace(r, summary=alices), at=utcnow()
    )
    assert (await store.get_agent(agent_id)).identity == "I grew."
    assert (await store.get_relationship(agent_id, "alice")).summary.scope == Scope.user("alice")
    assert (await store.get_agent(agent_id)).identity.scope == PUBLIC


async def test_a_message_fits_only_its_own_conversation(world):
    from soul_framework.domain.conversation import Message
    from soul_framework.domain.ids import new_id
    from soul_framework.domain.scope import Scope, ScopedText

    store, agent_id = world.store, world.runtime.agent_id
    bobs = await store.conversation(agent_id, "bob", at=utcnow())

    def message(text):
        return Message(new_id(), bobs.id, agent_id, "Jasmine", True, text, utcnow())

    with pytest.raises(ScopeViolation):
        await store.append_message(message(ScopedText("alice's secret", Scope.user("alice"))))
    with pytest.raises(ScopeViolation):
        await store.append_message(message("unplaced words"))
    stored = await store.append_message(message(ScopedText("hi bob", Scope.user("bob"))))
    with pytest.raises(ScopeViolation):
        await store.annotate_message(
            stored.id,
            conversation_id=bobs.id,
            purpose=ScopedText("alice's", Scope.user("alice")),
            tone=public(""),
        )
    assert [m.message for m in await store.list_messages(bobs.id, limit=9, before_seq=None)] == [
        "hi bob"
    ]


async def test_the_personality_takes_no_users_words_either(world):
    from soul_framework.domain.scope import Scope, ScopedText

    store, agent_id = world.store, world.runtime.agent_id
    await store.ensure_agent(world.runtime.newborn_agent(utcnow()))

    def described(text):
        return lambda a: replace(a, personality={**a.personality, "description": text})

    with pytest.raises(ScopeViolation, match="personality"):
        await store.update_agent(agent_id, described(ScopedText("alice's", Scope.user("alice"))))
    await store.update_agent(agent_id, described(public("Warmer than she was.")))
    assert (await store.get_agent(agent_id)).personality["description"] == "Warmer than she was."
    # Drift moves numbers, which any change may do.
    await store.update_agent(agent_id, lambda a: replace(a, personality={**a.personality}))
