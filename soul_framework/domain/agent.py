"""The agent as stored: identity, personality, emotional state, idle expression."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class EmotionalState:
    """Emotion intensities (0..100) as they were at ``at``; readers decay them to now.

    ``baselines`` are the resting values decay returns to (from the personality), one per
    emotion on 0..100. For models with a mood (rich), ``baselines`` also holds the mood's
    resting values under the keys ``pleasure``, ``arousal`` and ``dominance``, each on -1..1
    like the mood itself: the personality's default mood, toward which ``mood`` decays. Where a
    stored state lacks one of those keys, that axis rests where an average personality's
    default mood lies; a persona's explicit baselines can name emotions only, never these
    keys. ``mood`` is the slower PAD vector of models that keep one (the same three keys, each
    -1..1; an axis it lacks is read as at rest), empty otherwise; ``reason`` says in words why
    the agent feels this way.
    """

    values: dict[str, float]
    at: datetime
    baselines: dict[str, float] = field(default_factory=dict)
    mood: dict[str, float] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent. ``version`` grows by one with every stored change."""

    id: str
    name: str
    mode: str
    """The emotion model's name the state belongs to (``lite``, ``rich``, ...)."""
    identity: str
    personality: dict[str, Any]
    """The personality schema's document: traits, type, description, drift, pins."""
    emotions: EmotionalState
    birthdate: datetime
    idle_expression: str = "neutral"
    version: int = 0


@dataclass(frozen=True, slots=True)
class EmotionSample:
    """The emotion values at one moment, for charts."""

    at: datetime
    values: dict[str, float]
