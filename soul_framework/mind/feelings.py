"""What one experience does to the agent: its emotions move, and its personality a little.

The LLM proposes emotion deltas as part of its one structured answer; the emotion model
applies them (decay to now, mood congruence, per-event bound, saturation) and the personality
drifts with the feelings that result, bounded per event and per day, pinned traits kept.
Everything here is pure: the store runs :func:`experience` inside its atomic update.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import BaseModel

from soul_framework.config import Settings
from soul_framework.domain.agent import Agent
from soul_framework.mind.deltas import points_model
from soul_framework.mind.drift import drift
from soul_framework.protocols import EmotionModel, PersonalitySchema


def deltas_model(emotions: tuple[str, ...], bound: float) -> type[BaseModel]:
    """A structured-output model with one number per emotion (points, ``-bound..bound`` in
    the schema; any number parses, the emotion model bounds it per event)."""
    return points_model(
        "EmotionDeltas",
        emotions,
        bound,
        f"How much each of your emotions changes because of this message, in points from "
        f"-{bound:g} to {bound:g}; 0 for no change.",
    )


@dataclass(frozen=True, slots=True)
class Appraisal:
    """One event's proposed effect on the agent's feelings."""

    deltas: Mapping[str, float]
    confidence: float = 1.0
    reason: str = ""


def experience(
    agent: Agent,
    appraisal: Appraisal,
    *,
    model: EmotionModel,
    schema: PersonalitySchema,
    settings: Settings,
    now: datetime,
) -> Agent:
    """The agent after ``appraisal``: emotions appraised at ``now``, then the personality
    drifted by the pressure of the new feelings (``SOUL_DRIFT_*`` bounds)."""
    state = model.appraise(
        agent.emotions,
        appraisal.deltas,
        confidence=appraisal.confidence,
        now=now,
        reason=appraisal.reason,
    )
    personality = drift(
        agent.personality,
        schema,
        model.drift_pressure(state),
        now=now,
        rate=settings.soul_drift_rate,
        max_per_event=settings.soul_drift_max_per_event,
        max_per_day=settings.soul_drift_max_per_day,
    )
    return replace(agent, emotions=state, personality=personality)
