"""Answering one message: one structured LLM call with the persona and this user's recent
conversation, the reply text streamed as it is written, both messages stored.

This is the reply's first form; the full pipeline (perception, emotions, memories,
relationship) builds on the same shape.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.llm import ChatMessage, Tier
from soul_framework.mind.streaming import FieldStreamer
from soul_framework.protocols import LLMProvider, Store

HISTORY_MESSAGES = 20
EXPRESSIONS = ("neutral", "happy", "sad", "angry", "surprised", "thinking", "love")


class ReplyOutput(BaseModel):
    """What the model returns for a reply."""

    message: str = Field(max_length=2000, description="Your reply to the user.")
    expression: str = Field(
        max_length=20, description=f"Your facial expression, one of: {', '.join(EXPRESSIONS)}."
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


def persona_prompt(agent_name: str) -> str:
    return (
        f"You are {agent_name}, a warm, curious companion with feelings of your own. "
        "Answer the user's last message in a short, natural message of your own voice. "
        f"Choose your expression from: {', '.join(EXPRESSIONS)}."
    )


async def reply(
    request: ReplyRequest,
    store: Store,
    provider: LLMProvider,
    *,
    on_text: Callable[[str], Awaitable[None]],
    timeout_seconds: float,
) -> dict[str, object]:
    """Make the reply, store it, and return the job's result ``{response, time, expression}``."""
    started = time.perf_counter()
    history = turns_until(
        await store.list_messages(
            request.conversation_id, limit=HISTORY_MESSAGES * 2, before_seq=None
        ),
        request.message_id,
    )[-HISTORY_MESSAGES:]
    messages = [ChatMessage("system", persona_prompt(request.agent_name))]
    messages += [ChatMessage("assistant" if m.from_agent else "user", m.message) for m in history]
    streamer = FieldStreamer("message")

    async def on_delta(piece: str) -> None:
        text = streamer.feed(piece)
        if text:
            await on_text(text)

    completion = await provider.complete(
        messages,
        tier=Tier.FAST,
        output_model=ReplyOutput,
        on_delta=on_delta,
        timeout_seconds=timeout_seconds,
    )
    output: ReplyOutput = completion.output
    expression = output.expression if output.expression in EXPRESSIONS else "neutral"
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
