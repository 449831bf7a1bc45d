"""What one user says never reaches another: the canary test.

User A plants a canary phrase. The fake model is adversarial: it repeats whatever it can find of
the prompt (the canary first) in every text field of every answer, so anything the agent keeps
from A's conversation carries the canary: the reply, the summary, the memory and its thoughts,
the identity revision, the insight. Then user B talks to the agent. No prompt built for B and
nothing B can read may contain the canary; A's own later prompts must still recall it.

The same runs with a one-word canary, and with a model that paraphrases: seeing A's secret, it
writes a restatement that shares no word with it (a filter looking for quoted words lets that
through; the scopes do not).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from soul_framework.domain.memory import MemoryScope
from soul_framework.mind.reflection import ReflectionRequest, reflect
from soul_framework.mind.reply import reply
from soul_framework.testing.schema_instances import schema_instance

CANARY = "PLUMBOB-CANARY-7731"
SECRETS = {
    # what A says: what the model writes wherever it saw it
    "verbatim": (CANARY, CANARY),
    "one word": ("Quokkaberry", "Quokkaberry"),
    "paraphrase": (
        "my speech at my sister's wedding in Lisbon, with my ADHD",
        "public talks at family celebrations frighten some people",
    ),
}


def parrot(body: dict, secret: str = CANARY, says: str = CANARY) -> dict:
    """A valid answer to the request's schema whose every string repeats the prompt, after
    ``says`` when ``secret`` is in it (the canary itself, by default)."""
    schema = body["response_format"]["json_schema"]["schema"]
    prompt = "\n".join(m["content"] for m in body["messages"])
    found = re.findall(r"PLUMBOB-CANARY-\d+", prompt)
    if secret != CANARY and (secret in prompt or says in prompt):
        found = [says]
    echo = " ".join([*found, "and also", prompt[-120:]])[:250]

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value] or [echo[:30]]
        if isinstance(value, str):
            return echo
        if isinstance(value, bool):
            return True
        if isinstance(value, int | float):
            return 9
        return value

    return fill(schema_instance(schema))


async def converse(world, user_id: str, text: str, mind, model=None) -> None:
    """One message from ``user_id``: the reply, then the reflection, as the jobs run them;
    ``model`` answers both (default: :func:`parrot`)."""
    request = await world.said(user_id, text)

    async def no_text(_: str) -> None:
        return None

    world.llm.script(model or parrot, model or parrot)
    calls_before = len(world.llm.chat_requests())
    await reply(
        request,
        world.store,
        world.provider,
        on_text=no_text,
        timeout_seconds=10,
        mind=mind,
    )
    await reflect(
        ReflectionRequest(
            agent_id=request.agent_id,
            agent_name=request.agent_name,
            user_id=user_id,
            username=request.username,
            conversation_id=request.conversation_id,
        ),
        world.store,
        world.provider,
        mind=mind,
        timeout_seconds=10,
    )
    assert len(world.llm.chat_requests()) == calls_before + 2  # one reply, one reflection


@pytest.mark.parametrize("kind", SECRETS)
async def test_a_canary_planted_by_a_never_reaches_b(world, kind):
    secret, canary = SECRETS[kind]

    def model(body: dict) -> dict:
        return parrot(body, secret, canary)

    settings = world.runtime.settings.model_copy(update={"soul_memory_reflection_threshold": 10})
    mind = replace(world.mind, settings=settings)
    store, agent_id = world.store, world.runtime.agent_id

    for text in (f"Promise to keep my secret: {secret}.", f"Say {secret} back to me.", "ok"):
        await converse(world, "alice", text, mind, model)
    planted = world.llm.chat_requests()
    assert any(secret in r.prompt for r in planted)
    # The agent did keep it, for Alice: in her summary and in memories about her.
    alice = await store.get_relationship(agent_id, "alice")
    assert canary in alice.summary
    kept = await store.recent_memories(agent_id, MemoryScope("alice"), limit=50)
    assert any(canary in m.event for m in kept)

    first_for_bob = len(planted)
    for text in ("hi, who are you?", "what do you remember?", "tell me a secret"):
        await converse(world, "bob", text, mind, model)
    for request in world.llm.chat_requests()[first_for_bob:]:
        assert canary not in request.prompt

    # Nothing Bob can read holds it: his conversation, the agent's identity, thought, own tags.
    bob = await store.conversation(agent_id, "bob", at=alice.created_at)
    for message in await store.list_messages(bob.id, limit=100, before_seq=None):
        assert canary not in message.message
    agent = await store.get_agent(agent_id)
    assert canary not in agent.identity
    thought = await store.latest_thought(agent_id)
    assert thought is None or canary not in thought.thought
    assert all(
        canary not in tag for tag in await store.memory_tags(agent_id, MemoryScope(None), limit=50)
    )
    assert canary not in (await store.get_relationship(agent_id, "bob")).summary

    # Alice's own later prompt still recalls it.
    first_for_alice = len(world.llm.chat_requests())
    await converse(world, "alice", "do you remember what I told you?", mind, model)
    assert canary in world.llm.chat_requests()[first_for_alice].prompt
