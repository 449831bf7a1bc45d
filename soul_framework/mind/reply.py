"""Answering one message with ONE structured LLM call.

The call reads the message (purpose, tone), decides whether to answer (group messages need not
be), writes the reply (streamed to the user as it is written), picks an expression from the
persona's set and proposes emotion deltas. Afterwards, in one atomic update, the deltas are
applied and the personality drifts; the user's message is annotated with how it was read and the
reply is stored with its purpose, tone and expression.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from soul_framework.config import Settings
from soul_framework.domain.agent import Agent
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.memory import MemoryScope
from soul_framework.domain.persona import Persona
from soul_framework.domain.relationship import Relationship
from soul_framework.domain.scope import Scope, ScopedText, public, scope_of
from soul_framework.mind.agents import ensure_agent
from soul_framework.mind.answers import ask
from soul_framework.mind.feelings import Appraisal, experience
from soul_framework.mind.memory_retrieval import render_memories, retrieve_memories
from soul_framework.mind.prompt import plugin_sections
from soul_framework.mind.relationships import RelationshipRules, render_relationship
from soul_framework.mind.reply_output import (
    LABEL_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    reply_output_model,
)
from soul_framework.mind.reply_prompt import ReplyScene, reply_messages
from soul_framework.mind.streaming import FieldStreamer
from soul_framework.protocols import (
    EmotionModel,
    LLMProvider,
    PersonalitySchema,
    PromptSection,
    Store,
)

if TYPE_CHECKING:
    from soul_framework.runtime import Runtime

HISTORY_MESSAGES = 40
"""Most messages read back for the prompt; the token budget usually keeps fewer."""
MEMORIES_MAX_CHARS = 1500
"""Longest rendering of the recalled memories in a prompt (the token budget may drop it)."""
APPRAISAL_REASON = public("a conversation")
"""The reason shown with the agent's feelings; the same for every user: the feelings are
public, so their reason may not be made from any user's words."""


@dataclass(frozen=True, slots=True)
class Mind:
    """Who answers: the persona, its emotion model and personality schema, the plugins' prompt
    sections, and the settings that bound how it changes."""

    persona: Persona
    model: EmotionModel
    schema: PersonalitySchema
    settings: Settings
    newborn: Callable[[datetime], Agent]
    """The agent as the persona describes it, for a store that has none yet."""
    sections: tuple[PromptSection, ...] = ()

    @classmethod
    def of(cls, runtime: Runtime) -> Mind:
        return cls(
            runtime.persona,
            runtime.emotion_model,
            runtime.personality_schema,
            runtime.settings,
            runtime.newborn_agent,
            tuple(runtime.prompt_sections),
        )

    def feelings(self, agent: Agent, now: datetime) -> ScopedText:
        """How the agent feels at ``now``, in the emotion model's words (public: numbers and
        the public reason)."""
        state = self.model.current(agent.emotions, now)
        return ScopedText(self.model.render(state), scope_of([agent.emotions.reason]))

    def feel(self, agent: Agent, output: Any, *, reason: str, now: datetime) -> Agent:
        """``agent`` after what a model's answer proposed it feels (its ``emotions`` deltas, at
        its ``confidence``): the deltas applied and the personality drifted, bounded by the
        settings. Pure: stores pass it to ``update_agent`` as the atomic change."""
        appraisal = Appraisal(
            output.emotions.model_dump(),
            confidence=min(1.0, max(0.0, output.confidence)),
            reason=reason,
        )
        return experience(
            agent,
            appraisal,
            model=self.model,
            schema=self.schema,
            settings=self.settings,
            now=now,
        )

    def output_model(self, kind: str) -> type[BaseModel]:
        """The reply's structured answer for a ``dm`` or a ``group`` message."""
        return reply_output_model(
            tuple(self.persona.expressions),
            tuple(self.model.emotions),
            self.settings.soul_emotion_max_delta,
            group=kind == "group",
        )


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    agent_id: str
    agent_name: str
    user_id: str
    username: str
    conversation_id: str
    message_id: str
    """The user's message this reply answers."""
    message: str
    """Its text (what memories are recalled for)."""
    kind: str = "dm"
    """``dm`` or ``group`` (a group message may be left unanswered)."""


def turns_until(history: list[Message], message_id: str) -> list[Message]:
    """The conversation as the agent has lived it when it reads ``message_id``.

    Messages are stored as they arrive, so a user who sends three in a row has them stored
    before any reply. Answering the first, the agent has not read the later ones yet; and an
    earlier reply belongs right after the message it answers.
    """
    position = {m.id: i for i, m in enumerate(history)}
    if message_id not in position:
        return history
    limit = position[message_id]
    read = [m for m in history if not m.from_agent and position[m.id] <= limit]
    read_ids = {m.id for m in read}
    answered = {m.reply_to: m for m in history if m.from_agent and m.reply_to in read_ids}
    ordered: list[Message] = []
    for message in history:
        if message.from_agent and message.reply_to is None and position[message.id] < limit:
            ordered.append(message)  # something the agent said on its own
        elif message.id in read_ids:
            ordered.append(message)
            if message.id in answered:
                ordered.append(answered[message.id])
    return ordered


async def user_context(
    store: Store,
    provider: LLMProvider,
    mind: Mind,
    agent_id: str,
    user_id: str,
    username: str,
    *,
    query: str,
    now: datetime,
) -> dict[str, ScopedText]:
    """What the agent knows of this one user and of itself, rendered for a prompt: the
    relationship and its view of them, the memories best scored for ``query`` among those about
    this user and its own (the store is asked with this user's scope only), its latest thought.
    The three are read at the same time.
    """
    settings = mind.settings
    rules = RelationshipRules.of(settings)
    stored, memories, thought = await asyncio.gather(
        store.get_relationship(agent_id, user_id),
        retrieve_memories(
            store,
            provider,
            agent_id,
            MemoryScope(user_id=user_id),
            query,
            limit=settings.soul_memories_in_prompt,
            now=now,
            settings=settings,
        ),
        store.latest_thought(agent_id),
    )
    relationship = stored or Relationship(agent_id=agent_id, user_id=user_id, created_at=now)
    return {
        "relationship": render_relationship(
            relationship, now, username=username, rules=rules, known=mind.model.sentiments
        ),
        "memories": render_memories(memories, max_chars=MEMORIES_MAX_CHARS),
        "thought": thought.thought if thought else public(""),
    }


async def reply(
    request: ReplyRequest,
    store: Store,
    provider: LLMProvider,
    *,
    on_text: Callable[[str], Awaitable[None]],
    timeout_seconds: float,
    mind: Mind,
) -> dict[str, object]:
    """Make the reply, store it, and return the job's result ``{response, time, expression}``
    (``response`` None when the agent chose not to answer a group message)."""
    started = time.perf_counter()
    now = utcnow()
    newborn = mind.newborn(now)
    # Every read at once: none needs another's answer.
    agent, stored, known = await asyncio.gather(
        ensure_agent(store, newborn),
        store.list_messages(request.conversation_id, limit=HISTORY_MESSAGES * 2, before_seq=None),
        user_context(
            store,
            provider,
            mind,
            newborn.id,
            request.user_id,
            request.username,
            query=request.message,
            now=now,
        ),
    )
    history = turns_until(stored, request.message_id)[-HISTORY_MESSAGES:]
    audience = Scope.user(request.user_id)
    scene = ReplyScene(
        agent_name=request.agent_name,
        identity=agent.identity,
        feelings=mind.feelings(agent, now),
        username=ScopedText(request.username, audience),
        kind=request.kind,
        audience=audience,
        **known,
    )
    extra = await plugin_sections(
        mind.sections,
        {
            "agent": agent,
            "persona": mind.persona,
            "user_id": request.user_id,
            "username": request.username,
            "conversation": history,
            "settings": mind.settings,
        },
        scope=audience,
    )
    prompt = reply_messages(
        mind.persona, scene, history, budget=mind.settings.soul_prompt_budget_tokens, extra=extra
    )
    streamer = FieldStreamer("message")

    async def on_delta(piece: str) -> None:
        text = streamer.feed(piece)
        if text:
            await on_text(text)

    answer = await ask(
        provider,
        prompt,
        output_model=mind.output_model(request.kind),
        on_delta=on_delta,
        timeout_seconds=timeout_seconds,
    )
    output: Any = answer.output
    text = answer.text("message", MESSAGE_MAX_CHARS)
    answering = getattr(output, "respond", True) and bool(text)
    expression = mind.persona.expression_or_neutral(output.expression)
    felt_at = utcnow()
    # Three independent writes, sent together: the store runs them one after another without
    # a round trip to this loop in between. The feelings change in one atomic update.
    writes = [
        store.annotate_message(
            request.message_id,
            conversation_id=request.conversation_id,
            purpose=answer.text("perceived_purpose", LABEL_MAX_CHARS),
            tone=answer.text("perceived_tone", LABEL_MAX_CHARS),
        ),
        store.update_agent(
            agent.id,
            lambda current: mind.feel(current, output, reason=APPRAISAL_REASON, now=felt_at),
        ),
    ]
    if answering:
        reply_message = Message(
            id=new_id(),
            conversation_id=request.conversation_id,
            sender_id=request.agent_id,
            sender_username=request.agent_name,
            from_agent=True,
            message=text,
            timestamp=utcnow(),
            purpose=answer.text("purpose", LABEL_MAX_CHARS),
            tone=answer.text("tone", LABEL_MAX_CHARS),
            expression=expression,
            reply_to=request.message_id,
        )
        writes.append(store.append_message(reply_message))
    await asyncio.gather(*writes)
    return {
        "response": str(text) if answering else None,
        "time": round(time.perf_counter() - started, 3),
        "expression": expression,
    }
