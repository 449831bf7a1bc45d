"""Thinking between conversations, and the messages the agent starts on its own.

A thinking pass makes ONE structured call built only from what is the agent's own: its
persona, identity and feelings, its own memories (never those about a user) and its previous
thought. Its prompt is assembled for the public audience, so a section holding any user's
words is refused before the model sees it, and everything the answer holds is public: a
thought (stored; ``/v1/thoughts/latest`` shows it to anyone), maybe a new idle expression, an
emotional reaction, maybe a memory of its own, and maybe a revision of its identity (the only
way the public identity changes in words: from the agent's own public state, never from a
conversation).

Then, optionally, outreach: for each user with recent contact, ONE more call drafted only from
that user's context (their relationship and conversation, plus the agent's public state and its
new thought) decides whether to write to them; the draft is in that user's scope and can be
stored and delivered to them alone. A draft is sent only when the model says it is appropriate,
it passes the checks below, and the user is not over the limits: at most one unsolicited
message per user every ``SOUL_OUTREACH_MIN_HOURS``, never to a user silent for more than
``SOUL_OUTREACH_MAX_SILENCE_DAYS``, at most ``SOUL_OUTREACH_MAX_USERS`` users a pass.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, create_model

from soul_framework.domain.agent import Agent
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.memory import MAX_MEMORY_TAGS, Memory, MemoryScope, Thought
from soul_framework.domain.relationship import Relationship
from soul_framework.domain.scope import PUBLIC, Scope, ScopedText, public, require_within
from soul_framework.mind.agents import ensure_agent
from soul_framework.mind.answers import ask
from soul_framework.mind.feelings import deltas_model
from soul_framework.mind.memory_distillation import significance_of
from soul_framework.mind.memory_retrieval import (
    render_memories,
    retrieve_memories,
    with_embedding,
)
from soul_framework.mind.output_fields import (
    ANSWER_CONFIG,
    CONFIDENCE,
    IMPORTANCE,
    choice_field,
    number_field,
    tags_field,
    text_field,
)
from soul_framework.mind.persona_prompt import persona_section
from soul_framework.mind.prompt import REQUIRED, assemble, section
from soul_framework.mind.relationships import RelationshipRules, render_relationship
from soul_framework.mind.reply import Mind
from soul_framework.mind.reply_prompt import conversation_turns
from soul_framework.protocols import LLMProvider, Store

log = logging.getLogger(__name__)

THOUGHT_MAX_CHARS = 400
IDENTITY_MAX_CHARS = 1000
OUTREACH_MAX_CHARS = 500
MEMORY_TEXT_MAX_CHARS = 300
OWN_MEMORIES = 5
OUTREACH_HISTORY = 12
THINKING_REASON = public("its own thoughts")

Deliver = Callable[[str, Message], Awaitable[None]]
"""Called with a user's id and the message the agent started, once it is stored."""


@functools.cache
def thought_output_model(
    expressions: tuple[str, ...], emotions: tuple[str, ...], bound: float
) -> type[BaseModel]:
    """The thinking pass's structured answer (made once per persona and emotion set)."""
    deltas = deltas_model(emotions, bound)
    return create_model(  # type: ignore[call-overload]
        "Thought",
        __config__=ANSWER_CONFIG,
        thought=text_field(THOUGHT_MAX_CHARS, "What you are thinking now, in your own words."),
        idle_expression=choice_field(
            expressions, "The face you wear while nobody is talking to you.", default=expressions[0]
        ),
        emotions=(deltas, Field(default_factory=deltas)),
        confidence=number_field(0.0, 1.0, CONFIDENCE, default=1.0),
        keep_memory=(bool, Field(default=False, description="Is this thought worth keeping?")),
        memory_event=text_field(MEMORY_TEXT_MAX_CHARS, "What to remember, in one sentence."),
        memory_importance=number_field(1, 10, IMPORTANCE, default=3),
        memory_tags=tags_field(MAX_MEMORY_TAGS, f"At most {MAX_MEMORY_TAGS} one-word tags."),
        identity=text_field(
            IDENTITY_MAX_CHARS,
            "Your revised view of yourself in the first person, if this thought changed it; "
            "else empty to keep it.",
        ),
    )


@functools.cache
def outreach_output_model() -> type[BaseModel]:
    """The structured answer of one outreach draft."""
    return create_model(  # type: ignore[call-overload]
        "Outreach",
        __config__=ANSWER_CONFIG,
        send=(bool, Field(default=False, description="Whether to write to them now.")),
        message=text_field(OUTREACH_MAX_CHARS, "The message, short and natural; empty if not."),
        appropriate=(
            bool,
            Field(
                default=False,
                description="True only if the message is kind, respectful, welcome at this "
                "moment and reveals nothing anyone else told you.",
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class OutreachRules:
    min_interval: timedelta
    max_silence: timedelta
    max_users: int

    @classmethod
    def of(cls, settings: Any) -> OutreachRules:
        return cls(
            timedelta(hours=settings.soul_outreach_min_hours),
            timedelta(days=settings.soul_outreach_max_silence_days),
            settings.soul_outreach_max_users if settings.soul_outreach_enabled else 0,
        )


@dataclass(frozen=True, slots=True)
class ThinkingOutcome:
    thought: Thought
    memory: Memory | None
    delivered: list[Message]


async def think(
    store: Store,
    provider: LLMProvider,
    mind: Mind,
    *,
    agent_name: str,
    deliver: Deliver,
    now: datetime | None = None,
) -> ThinkingOutcome:
    """One thinking pass, then outreach (see the module docstring)."""
    now = now or utcnow()
    agent = await ensure_agent(store, mind.newborn(now))
    previous = await store.latest_thought(agent.id)
    own = await retrieve_memories(
        store,
        provider,
        agent.id,
        MemoryScope(user_id=None),
        previous.thought if previous else agent.identity,
        limit=OWN_MEMORIES,
        now=now,
        settings=mind.settings,
    )
    feelings = mind.feelings(agent, now)
    sections = [
        persona_section(mind.persona, agent_name, agent.identity),
        section(
            "task",
            "Nobody is talking to you right now. Think on your own: about yourself, your "
            "feelings, what you remember, what you wonder about. Write the thought down, "
            "choose the face you wear while idle, say how the thought changes your "
            "feelings, and whether it changes how you see yourself.",
            REQUIRED,
        ),
        section("feelings", f"How you feel right now: {feelings}", 900, feelings),
    ]
    if own:
        remembered = render_memories(own, max_chars=1200)
        sections.append(section("memories", f"Things you remember:\n{remembered}", 500, remembered))
    if previous:
        sections.append(
            section("thought", f"Your previous thought: {previous.thought}", 300, previous.thought)
        )
    answer = await ask(
        provider,
        # Everyone may read what this pass writes: nothing of any user may be in its prompt.
        assemble(sections, [], budget=mind.settings.soul_prompt_budget_tokens, audience=PUBLIC),
        output_model=thought_output_model(
            tuple(mind.persona.expressions),
            tuple(mind.model.emotions),
            mind.settings.soul_emotion_max_delta,
        ),
        timeout_seconds=mind.settings.soul_llm_timeout_seconds,
    )
    output: Any = answer.output
    text = answer.text("thought", THOUGHT_MAX_CHARS)
    thought = Thought(
        id=new_id(),
        agent_id=agent.id,
        thought=text or answer.scoped("…"),
        created_at=now,
    )
    await store.add_thought(thought)
    idle = answer.scoped(mind.persona.expression_or_neutral(output.idle_expression))
    identity = answer.text("identity", IDENTITY_MAX_CHARS).derive(lambda t: " ".join(t.split()))
    agent = await store.update_agent(
        agent.id,
        lambda current: replace(
            mind.feel(current, output, reason=THINKING_REASON, now=now),
            idle_expression=idle,
            identity=identity or current.identity,
        ),
    )
    memory = None
    if output.keep_memory and output.memory_event.strip():
        importance = min(10, max(1, int(output.memory_importance)))
        memory = await with_embedding(
            provider,
            Memory(
                id=new_id(),
                agent_id=agent.id,
                user_id=None,
                event=answer.text("memory_event", MEMORY_TEXT_MAX_CHARS),
                thoughts=thought.thought,
                importance=importance,
                significance=significance_of(importance),
                created_at=now,
                last_accessed=now,
                tags=tuple(
                    t.derive(lambda s: s.strip().lower())
                    for t in answer.texts("memory_tags")
                    if t.strip()
                )[:MAX_MEMORY_TAGS],
            ),
        )
        await store.add_memory(memory)
    delivered = await reach_out(
        store, provider, mind, agent, agent_name, thought, deliver=deliver, now=now
    )
    return ThinkingOutcome(thought, memory, delivered)


async def reach_out(
    store: Store,
    provider: LLMProvider,
    mind: Mind,
    agent: Agent,
    agent_name: str,
    thought: Thought,
    *,
    deliver: Deliver,
    now: datetime,
) -> list[Message]:
    """Draft, check and deliver messages to users the agent knows (see the module docstring);
    one call per candidate, each seeing only that user's context."""
    rules = OutreachRules.of(mind.settings)
    if rules.max_users <= 0:
        return []
    delivered: list[Message] = []
    candidates = await store.recent_relationships(
        agent.id, since=now - rules.max_silence, limit=rules.max_users * 4
    )
    for relationship in candidates:
        if len(delivered) >= rules.max_users:
            break
        conversation = await store.conversation(agent.id, relationship.user_id, at=now)
        last_sent = await store.last_agent_initiated(conversation.id)
        if last_sent is not None and now - last_sent < rules.min_interval:
            continue
        history = await store.list_messages(
            conversation.id, limit=OUTREACH_HISTORY, before_seq=None
        )
        users = [m for m in history if not m.from_agent]
        if not users:
            continue
        message = await _draft(
            provider, mind, agent, agent_name, thought, relationship, users[-1], history, now
        )
        if message is None:
            continue
        stored = await store.append_message(replace(message, conversation_id=conversation.id))
        # Pushed on this user's own stream: only text of their scope may go there.
        require_within(stored.message, Scope.user(relationship.user_id), field="an outreach")
        await deliver(relationship.user_id, stored)
        delivered.append(stored)
    return delivered


async def _draft(
    provider: LLMProvider,
    mind: Mind,
    agent: Agent,
    agent_name: str,
    thought: Thought,
    relationship: Relationship,
    their_last: Message,
    history: Sequence[Message],
    now: datetime,
) -> Message | None:
    audience = relationship.scope
    username = ScopedText(their_last.sender_username, audience)
    rules = RelationshipRules.of(mind.settings)
    known = render_relationship(
        relationship, now, username=username, rules=rules, known=mind.model.sentiments
    )
    sections = [
        persona_section(mind.persona, agent_name, agent.identity),
        section(
            "task",
            f"You may write to {username} on your own now, without being asked. Do so only if "
            "you have something kind or genuinely interesting to say to them; never press, "
            "never guilt them for being away, never mention anyone else.",
            REQUIRED,
            username,
        ),
        section("relationship", known, 700, known),
        section("thought", f"What you were just thinking: {thought.thought}", 300, thought.thought),
    ]
    answer = await ask(
        provider,
        assemble(
            sections,
            conversation_turns(history),
            budget=mind.settings.soul_prompt_budget_tokens,
            audience=audience,
        ),
        output_model=outreach_output_model(),
        timeout_seconds=mind.settings.soul_llm_timeout_seconds,
    )
    output: Any = answer.output
    text = answer.text("message", OUTREACH_MAX_CHARS)
    previous_own = [m.message for m in history if m.from_agent]
    if not (output.send and output.appropriate and text):
        return None
    if previous_own and text == previous_own[-1]:
        return None  # never the same words twice in a row
    return Message(
        id=new_id(),
        conversation_id="",
        sender_id=agent.id,
        sender_username=agent_name,
        from_agent=True,
        message=text,
        timestamp=now,
        expression=agent.idle_expression,
        started_by_agent=True,
    )
