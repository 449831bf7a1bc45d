"""The active agent: made from the persona on first start, then living in the store."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from soul_framework.domain.agent import Agent
from soul_framework.domain.persona import Persona
from soul_framework.domain.scope import public
from soul_framework.protocols import EmotionModel, PersonalitySchema, Store


def personality_document(
    persona: Persona,
    schema: PersonalitySchema,
    others: Mapping[str, PersonalitySchema],
) -> dict[str, Any]:
    """The persona's personality in ``schema``.

    A persona that has no values for ``schema`` keeps its character anyway: the values it has
    for another schema (from ``others``) are read as Big Five factors and spread over this
    schema's traits around their middle (50).
    """
    own = persona.personality.get(schema.name)
    if own is not None:
        return schema.document(
            own.traits, preset=own.preset, pinned=own.pinned, description=persona.description
        )
    for name, values in persona.personality.items():
        other = others.get(name)
        if other is None:
            continue
        factors = other.big_five(
            other.document(values.traits, preset=values.preset, pinned=[], description="")
        )
        change = {
            factor: (getattr(factors, factor) - 0.5) * 100
            for factor in (
                "openness",
                "conscientiousness",
                "extraversion",
                "agreeableness",
                "neuroticism",
            )
        }
        traits = {
            trait: min(100.0, max(0.0, 50.0 + points))
            for trait, points in schema.traits_from_big_five(change).items()
        }
        return schema.document(traits, preset=None, pinned=[], description=persona.description)
    return schema.document({}, preset=None, pinned=[], description=persona.description)


def new_agent(
    *,
    agent_id: str,
    name: str,
    persona: Persona,
    model: EmotionModel,
    schema: PersonalitySchema,
    others: Mapping[str, PersonalitySchema],
    now: datetime,
) -> Agent:
    """An agent as it is born: personality from the persona, every emotion at its baseline.

    The persona's explicit baselines for emotions this model does not have are left aside (a
    persona may be written for several models).
    """
    document = personality_document(persona, schema, others)
    baselines = {k: v for k, v in persona.emotions.baselines.items() if k in model.emotions}
    return Agent(
        id=agent_id,
        name=name,
        mode=model.name,
        identity=public(persona.identity),
        personality=document,
        emotions=model.initial_state(schema.big_five(document), baselines, now),
        birthdate=now,
        idle_expression=public(persona.neutral_expression),
    )


async def ensure_agent(store: Store, agent: Agent) -> Agent:
    """The stored agent of ``agent.id``, storing ``agent`` first if there is none (a fast
    read when it exists, which is every time but the first)."""
    stored = await store.get_agent(agent.id)
    return stored if stored is not None else await store.ensure_agent(agent)
