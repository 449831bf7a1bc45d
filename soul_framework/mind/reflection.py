"""Reflection: ONE structured LLM call after a reply, off its critical path (queue ``low``).

The agent looks back on its conversation with one user and, in one answer, updates its view of
that user (summary), the extrinsic relationship (validated against the list), its sentiments
toward them (bounded deltas), maybe its identity, and maybe keeps a memory (importance 1..10,
at most 3 tags, the emotional impact) with its thoughts about it. When the importance of the
memories kept about this user since the last distillation passes the threshold, the same call
also writes a higher-level insight about them (Generative Agents' reflection).

Everything stays with this user: the memory, the insight and the thoughts belong to the user's
scope. The identity is the agent's own and shown to every user, so a revision that quotes this
user (their name or any three words in a row they wrote) is refused.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, create_model

from soul_framework.domain.agent import Agent
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.llm import ChatMessage, Tier
from soul_framework.domain.memory import MAX_MEMORY_TAGS, Memory, MemoryScope
from soul_framework.domain.relationship import EXTRINSIC_RELATIONSHIPS, Relationship
from soul_framework.mind.agents import ensure_agent
from soul_framework.mind.memory_distillation import (
    distilled_memory,
    should_distil,
    significance_of,
)
from soul_framework.mind.memory_retrieval import with_embedding
from soul_framework.mind.output_fields import (
    ANSWER_CONFIG,
    IMPORTANCE,
    choice_field,
    clip,
    number_field,
    tags_field,
    text_field,
)
from soul_framework.mind.persona_prompt import persona_text
from soul_framework.mind.prompt import REQUIRED, Section, assemble
from soul_framework.mind.relationships import (
    RelationshipRules,
    reflect_relationship,
    render_relationship,
)
from soul_framework.mind.reply import Mind
from soul_framework.mind.reply_prompt import conversation_turns
from soul_framework.mind.sentiments import sentiment_deltas_model
from soul_framework.protocols import LLMProvider, Store

log = logging.getLogger(__name__)

CONVERSATION_MESSAGES = 20
IDENTITY_MAX_CHARS = 1000
SUMMARY_PROMPT_MAX_CHARS = 600
DISTIL_SOURCES = 30
"""Recent memories shown when an insight is asked for (the paper reflects on 100 records; a
prompt within budget holds fewer)."""
MEMORY_TEXT_MAX_CHARS = 300
INSIGHT_MAX_CHARS = 400
QUOTE_WORDS = 3
"""A revision sharing this many words in a row with the user's messages counts as quoting."""


@functools.cache
def reflection_output_model(sentiments: tuple[str, ...], bound: float) -> type[BaseModel]:
    """The reflection's structured answer for this sentiment set (made once per set)."""
    deltas = sentiment_deltas_model(sentiments, bound)
    return create_model(  # type: ignore[call-overload]
        "Reflection",
        __config__=ANSWER_CONFIG,
        summary=text_field(SUMMARY_PROMPT_MAX_CHARS, "Your view of this user now, in a few lines."),
        relationship=choice_field(
            EXTRINSIC_RELATIONSHIPS, "What this user is to you now.", default=""
        ),
        sentiments=(deltas, Field(default_factory=deltas)),
        identity=text_field(
            IDENTITY_MAX_CHARS,
            "Your revised view of yourself in the first person, or empty to keep it. "
            "Never mention any user or what they said: everyone may read it.",
        ),
        keep_memory=(bool, Field(default=False, description="Is this worth remembering?")),
        memory_event=text_field(MEMORY_TEXT_MAX_CHARS, "What happened, in one sentence."),
        memory_thoughts=text_field(MEMORY_TEXT_MAX_CHARS, "Your thoughts about it."),
        memory_importance=number_field(1, 10, IMPORTANCE, default=3),
        memory_tags=tags_field(MAX_MEMORY_TAGS, f"At most {MAX_MEMORY_TAGS} one-word tags."),
        memory_feeling=text_field(40, "The emotion this memory carries, one of yours."),
        memory_intensity=number_field(0.0, 100.0, "How strongly, 0 to 100.", default=0.0),
        insight=text_field(
            400,
            "Only when asked for below: one higher-level insight about this user drawn "
            "from your memories of them; else empty.",
        ),
    )


@dataclass(frozen=True, slots=True)
class ReflectionRequest:
    agent_id: str
    agent_name: str
    user_id: str
    username: str
    conversation_id: str


@dataclass(frozen=True, slots=True)
class ReflectionOutcome:
    relationship: Relationship
    memory: Memory | None
    insight: Memory | None
    identity_revised: bool


def quotes(text: str, sources: Sequence[str], *, username: str) -> bool:
    """True when ``text`` names ``username`` or repeats :data:`QUOTE_WORDS` words in a row
    from any of ``sources`` (case and punctuation ignored)."""
    if username.strip() and username.strip().lower() in text.lower():
        return True
    words = _words(text)
    seen = {
        tuple(w[i : i + QUOTE_WORDS])
        for source in sources
        for w in (_words(source),)
        for i in range(len(w) - QUOTE_WORDS + 1)
    }
    return any(
        tuple(words[i : i + QUOTE_WORDS]) in seen for i in range(len(words) - QUOTE_WORDS + 1)
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _clean_tags(tags: Sequence[str]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for tag in tags:
        word = re.sub(r"[^a-z0-9_-]+", "", tag.strip().lower().replace(" ", "_"))[:32]
        if word and word not in cleaned:
            cleaned.append(word)
    return tuple(cleaned[:MAX_MEMORY_TAGS])


def reflection_messages(
    mind: Mind,
    agent: Agent,
    request: ReflectionRequest,
    relationship_text: str,
    history: Sequence[Message],
    distil_from: Sequence[Memory],
) -> list[ChatMessage]:
    rules = (
        f"Look back on your conversation with {request.username} below and reflect, as "
        "yourself: update your view of them, what they are to you, how your feelings toward "
        "them changed (deltas; 0 where nothing changed), whether your view of yourself "
        "changed (without ever mentioning them), and whether something is worth remembering."
    )
    persona = persona_text(mind.persona, request.agent_name, agent.identity)
    sections = [
        Section("persona", persona, REQUIRED),
        Section("task", rules, REQUIRED),
        Section("relationship", relationship_text, 700),
    ]
    if distil_from:
        listed = "\n".join(f"- {m.event} ({m.thoughts})" for m in distil_from)
        sections.append(
            Section(
                "insight",
                "You have gathered many memories of them. Write one higher-level insight "
                f"about them in `insight`, drawn from these:\n{listed}",
                REQUIRED,
            )
        )
    return assemble(
        sections,
        conversation_turns(history),
        budget=mind.settings.soul_prompt_budget_tokens,
    )


async def reflect(
    request: ReflectionRequest,
    store: Store,
    provider: LLMProvider,
    *,
    mind: Mind,
    timeout_seconds: float,
    now: datetime | None = None,
) -> ReflectionOutcome | None:
    """Reflect on this user's conversation with one call; apply everything it says. None,
    without a call, when the conversation holds nothing (it was pruned, or is unknown)."""
    now = now or utcnow()
    settings = mind.settings
    rules = RelationshipRules.of(settings)
    agent = await ensure_agent(store, mind.newborn(now))
    scope = MemoryScope(user_id=request.user_id, include_own=False)
    history = await store.list_messages(
        request.conversation_id, limit=CONVERSATION_MESSAGES, before_seq=None
    )
    if not history:
        return None
    stored = await store.get_relationship(agent.id, request.user_id)
    relationship = stored or Relationship(agent.id, request.user_id, created_at=now)
    since = relationship.distilled_at or relationship.created_at
    distil_from: list[Memory] = []
    if await should_distil(
        store, agent.id, scope, since=since, threshold=settings.soul_memory_reflection_threshold
    ):
        distil_from = await store.recent_memories(agent.id, scope, limit=DISTIL_SOURCES)
    messages = reflection_messages(
        mind,
        agent,
        request,
        render_relationship(
            relationship, now, username=request.username, rules=rules, known=mind.model.sentiments
        ),
        history,
        distil_from,
    )
    completion = await provider.complete(
        messages,
        tier=Tier.FAST,
        output_model=reflection_output_model(
            tuple(mind.model.sentiments), settings.soul_sentiment_max_delta
        ),
        on_delta=None,
        timeout_seconds=timeout_seconds,
    )
    output: Any = completion.output
    distilled = bool(distil_from and output.insight.strip())
    updated = await store.update_relationship(
        agent.id,
        request.user_id,
        lambda current: _with_distillation(
            reflect_relationship(
                current,
                summary=output.summary,
                extrinsic=output.relationship,
                sentiment_deltas=output.sentiments.model_dump(),
                now=now,
                known=mind.model.sentiments,
                rules=rules,
            ),
            now if distilled else None,
        ),
        at=now,
    )
    user_words = [m.message for m in history if not m.from_agent]
    identity = clip(" ".join(output.identity.split()), IDENTITY_MAX_CHARS)
    revised = bool(identity) and identity != agent.identity
    if revised and quotes(identity, user_words, username=request.username):
        log.warning("reflection's identity revision quoted the user; kept the old identity")
        revised = False
    if revised:
        await store.update_agent(agent.id, lambda current: replace(current, identity=identity))
    memory = None
    if output.keep_memory and output.memory_event.strip():
        memory = await _keep(store, provider, mind, agent.id, request.user_id, output, now)
    insight = None
    if distilled:
        insight = await with_embedding(
            provider,
            distilled_memory(
                distil_from,
                insight=clip(output.insight, INSIGHT_MAX_CHARS),
                importance=max(m.importance for m in distil_from),
                now=now,
            ),
        )
        await store.add_memory(insight)
    return ReflectionOutcome(updated, memory, insight, revised)


def _with_distillation(relationship: Relationship, at: datetime | None) -> Relationship:
    return replace(relationship, distilled_at=at) if at else relationship


async def _keep(
    store: Store,
    provider: LLMProvider,
    mind: Mind,
    agent_id: str,
    user_id: str,
    output: Any,
    now: datetime,
) -> Memory:
    importance = min(10, max(1, int(output.memory_importance)))
    feeling = output.memory_feeling.strip().lower()
    impact = (
        {feeling: min(100.0, max(0.0, float(output.memory_intensity)))}
        if feeling in mind.model.emotions
        else {}
    )
    memory = await with_embedding(
        provider,
        Memory(
            id=new_id(),
            agent_id=agent_id,
            user_id=user_id,
            event=clip(output.memory_event, MEMORY_TEXT_MAX_CHARS),
            thoughts=clip(output.memory_thoughts, MEMORY_TEXT_MAX_CHARS),
            importance=importance,
            significance=significance_of(importance),
            created_at=now,
            last_accessed=now,
            emotional_impact=impact,
            tags=_clean_tags(output.memory_tags),
        ),
    )
    await store.add_memory(memory)
    return memory
