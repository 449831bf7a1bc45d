"""Reflection: ONE structured LLM call after a reply, off its critical path (queue ``low``).

The agent looks back on its conversation with one user and, in one answer, updates its view of
that user (summary), the extrinsic relationship (validated against the list), its sentiments
toward them (bounded deltas), how it sees itself with them (its self-view in this
relationship), and maybe keeps a memory (importance 1..10, at most 3 tags, the emotional
impact) with its thoughts about it. When the importance of the memories kept about this user
since the last distillation passes the threshold, the same call also writes a higher-level
insight about them (Generative Agents' reflection).

Everything it writes is made from this user's conversation, so all of it stays in the user's
scope: the summary, the self-view, the memory and the insight. It never revises the public
identity, which every user reads: the identity changes only from the agent's own public state
(:mod:`soul_framework.mind.thinking`). The store guard refuses any other outcome.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import BaseModel, Field, create_model

from soul_framework.domain.agent import Agent
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import new_id, utcnow
from soul_framework.domain.memory import MAX_MEMORY_TAGS, Memory, MemoryScope
from soul_framework.domain.relationship import EXTRINSIC_RELATIONSHIPS, Relationship
from soul_framework.domain.scope import Scope, ScopedText
from soul_framework.mind.agents import ensure_agent
from soul_framework.mind.answers import Answer, ask
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
    number_field,
    tags_field,
    text_field,
)
from soul_framework.mind.persona_prompt import persona_section
from soul_framework.mind.prompt import REQUIRED, Prompt, assemble, section
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
SELF_VIEW_MAX_CHARS = 600
SUMMARY_PROMPT_MAX_CHARS = 600
DISTIL_SOURCES = 30
"""Recent memories shown when an insight is asked for (the paper reflects on 100 records; a
prompt within budget holds fewer)."""
MEMORY_TEXT_MAX_CHARS = 300
INSIGHT_MAX_CHARS = 400


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
        self_view=text_field(
            SELF_VIEW_MAX_CHARS,
            "How you see yourself when you are with this user, in the first person, or "
            "empty to keep it as it is.",
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


def _clean_tags(tags: Sequence[ScopedText]) -> tuple[ScopedText, ...]:
    cleaned: list[ScopedText] = []
    for tag in tags:
        word = tag.derive(
            lambda t: re.sub(r"[^a-z0-9_-]+", "", t.strip().lower().replace(" ", "_"))[:32]
        )
        if word and word not in cleaned:
            cleaned.append(word)
    return tuple(cleaned[:MAX_MEMORY_TAGS])


def reflection_messages(
    mind: Mind,
    agent: Agent,
    request: ReflectionRequest,
    relationship_text: ScopedText,
    history: Sequence[Message],
    distil_from: Sequence[Memory],
) -> Prompt:
    audience = Scope.user(request.user_id)
    username = ScopedText(request.username, audience)
    rules = (
        f"Look back on your conversation with {username} below and reflect, as "
        "yourself: update your view of them, what they are to you, how your feelings toward "
        "them changed (deltas; 0 where nothing changed), how you see yourself when you are "
        "with them, and whether something is worth remembering."
    )
    sections = [
        persona_section(mind.persona, request.agent_name, agent.identity),
        section("task", rules, REQUIRED, username),
        section("relationship", relationship_text, 700, relationship_text),
    ]
    if distil_from:
        listed = "\n".join(f"- {m.event} ({m.thoughts})" for m in distil_from)
        sections.append(
            section(
                "insight",
                "You have gathered many memories of them. Write one higher-level insight "
                f"about them in `insight`, drawn from these:\n{listed}",
                REQUIRED,
                *(text for m in distil_from for text in (m.event, m.thoughts)),
            )
        )
    return assemble(
        sections,
        conversation_turns(history),
        budget=mind.settings.soul_prompt_budget_tokens,
        audience=audience,
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
    prompt = reflection_messages(
        mind,
        agent,
        request,
        render_relationship(
            relationship, now, username=request.username, rules=rules, known=mind.model.sentiments
        ),
        history,
        distil_from,
    )
    answer = await ask(
        provider,
        prompt,
        output_model=reflection_output_model(
            tuple(mind.model.sentiments), settings.soul_sentiment_max_delta
        ),
        timeout_seconds=timeout_seconds,
    )
    output = answer.output
    distilled = bool(distil_from and output.insight.strip())
    self_view = answer.text("self_view").derive(lambda t: " ".join(t.split()))
    updated = await store.update_relationship(
        agent.id,
        request.user_id,
        lambda current: _with_self_view(
            _with_distillation(
                reflect_relationship(
                    current,
                    summary=answer.text("summary"),
                    extrinsic=output.relationship,
                    sentiment_deltas=output.sentiments.model_dump(),
                    now=now,
                    known=mind.model.sentiments,
                    rules=rules,
                ),
                now if distilled else None,
            ),
            self_view,
        ),
        at=now,
    )
    memory = None
    if output.keep_memory and output.memory_event.strip():
        memory = await _keep(store, provider, mind, agent.id, request.user_id, answer, now)
    insight = None
    if distilled:
        insight = await with_embedding(
            provider,
            distilled_memory(
                distil_from,
                insight=answer.text("insight", INSIGHT_MAX_CHARS),
                importance=max(m.importance for m in distil_from),
                now=now,
            ),
        )
        await store.add_memory(insight)
    return ReflectionOutcome(updated, memory, insight)


def _with_distillation(relationship: Relationship, at: datetime | None) -> Relationship:
    return replace(relationship, distilled_at=at) if at else relationship


def _with_self_view(relationship: Relationship, self_view: ScopedText) -> Relationship:
    if not self_view:
        return relationship  # empty: keep it as it is
    return replace(relationship, self_view=self_view.derive(lambda t: t[:SELF_VIEW_MAX_CHARS]))


async def _keep(
    store: Store,
    provider: LLMProvider,
    mind: Mind,
    agent_id: str,
    user_id: str,
    answer: Answer,
    now: datetime,
) -> Memory:
    output = answer.output
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
            event=answer.text("memory_event", MEMORY_TEXT_MAX_CHARS),
            thoughts=answer.text("memory_thoughts", MEMORY_TEXT_MAX_CHARS),
            importance=importance,
            significance=significance_of(importance),
            created_at=now,
            last_accessed=now,
            emotional_impact=impact,
            tags=_clean_tags(answer.texts("memory_tags")),
        ),
    )
    await store.add_memory(memory)
    return memory
