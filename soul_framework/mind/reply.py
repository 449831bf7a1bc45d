"""Answering one message: one structured LLM call with the persona, the agent's feelings and
this user's recent conversation; the reply text streamed as it is written; the emotion deltas
of the same answer applied (and the personality drifted) atomically; both messages stored.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, create_model

from soul_framework.config import Settings
from soul_framework.domain.agent import Agent
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.llm import ChatMessage, Tier
from soul_framework.domain.persona import Persona
from soul_framework.mind.agents import ensure_agent
from soul_framework.mind.feelings import Appraisal, deltas_model, experience
from soul_framework.mind.persona_prompt import feelings_text, persona_text
from soul_framework.mind.streaming import FieldStreamer
from soul_framework.protocols import EmotionModel, LLMProvider, PersonalitySchema, Store

if TYPE_CHECKING:
    from soul_framework.runtime import Runtime

HISTORY_MESSAGES = 20
MESSAGE_MAX_CHARS = 2000
APPRAISAL_REASON = "a conversation"
"""The reason shown with the agent's feelings; the same for every user, so it never quotes one
user's words to another."""


@functools.cache
def reply_output_model(
    expressions: tuple[str, ...], emotions: tuple[str, ...], bound: float
) -> type[BaseModel]:
    """The structured answer of one reply: the message first (it streams to the user), the
    expression from the persona's set, and the emotion deltas."""
    return create_model(  # type: ignore[call-overload]
        "ReplyOutput",
        message=(str, Field(max_length=MESSAGE_MAX_CHARS, description="Your reply to the user.")),
        # An enum in the schema guides the model; parsing stays lenient, and a face the persona
        # lacks becomes its neutral one rather than failing the reply.
        expression=(
            str,
            Field(
                default=expressions[0],
                max_length=32,
                description="Your facial expression.",
                json_schema_extra={"enum": list(expressions)},
            ),
        ),
        emotions=(
            deltas_model(emotions, bound),
            Field(default_factory=deltas_model(emotions, bound)),
        ),
    )


@dataclass(frozen=True, slots=True)
class Mind:
    """Who answers: the persona, its emotion model and personality schema, and the settings
    that bound how it changes."""

    persona: Persona
    model: EmotionModel
    schema: PersonalitySchema
    settings: Settings
    newborn: Callable[[datetime], Agent]
    """The agent as the persona describes it, for a store that has none yet."""

    @classmethod
    def of(cls, runtime: Runtime) -> Mind:
        return cls(
            runtime.persona,
            runtime.emotion_model,
            runtime.personality_schema,
            runtime.settings,
            runtime.newborn_agent,
        )

    @property
    def output_model(self) -> type[BaseModel]:
        return reply_output_model(
            tuple(self.persona.expressions),
            tuple(self.model.emotions),
            self.settings.soul_emotion_max_delta,
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


async def reply(
    request: ReplyRequest,
    store: Store,
    provider: LLMProvider,
    *,
    on_text: Callable[[str], Awaitable[None]],
    timeout_seconds: float,
    mind: Mind,
) -> dict[str, object]:
    """Make the reply, store it, and return the job's result ``{response, time, expression}``."""
    started = time.perf_counter()
    agent = await ensure_agent(store, mind.newborn(utcnow()))
    history = turns_until(
        await store.list_messages(
            request.conversation_id, limit=HISTORY_MESSAGES * 2, before_seq=None
        ),
        request.message_id,
    )[-HISTORY_MESSAGES:]
    feeling = mind.model.render(mind.model.current(agent.emotions, utcnow()))
    system = "\n\n".join(
        (
            persona_text(mind.persona, request.agent_name, agent.identity),
            feelings_text(feeling, mind.persona.expressions),
        )
    )
    messages = [ChatMessage("system", system)]
    messages += [ChatMessage("assistant" if m.from_agent else "user", m.message) for m in history]
    if mind.persona.post_history_instructions.strip():
        messages.append(ChatMessage("system", mind.persona.post_history_instructions.strip()))
    streamer = FieldStreamer("message")

    async def on_delta(piece: str) -> None:
        text = streamer.feed(piece)
        if text:
            await on_text(text)

    completion = await provider.complete(
        messages,
        tier=Tier.FAST,
        output_model=mind.output_model,
        on_delta=on_delta,
        timeout_seconds=timeout_seconds,
    )
    output: Any = completion.output
    expression = mind.persona.expression_or_neutral(output.expression)
    appraisal = Appraisal(output.emotions.model_dump(), reason=APPRAISAL_REASON)
    felt_at = utcnow()
    await store.update_agent(
        agent.id,
        lambda current: experience(
            current,
            appraisal,
            model=mind.model,
            schema=mind.schema,
            settings=mind.settings,
            now=felt_at,
        ),
    )
    await store.append_message(
        Message(
            id=new_id(),
            conversation_id=request.conversation_id,
            sender_id=request.agent_id,
            sender_username=request.agent_name,
            from_agent=True,
            message=output.message,
            timestamp=utcnow(),
            expression=expression,
            reply_to=request.message_id,
        )
    )
    return {
        "response": output.message,
        "time": round(time.perf_counter() - started, 3),
        "expression": expression,
    }
