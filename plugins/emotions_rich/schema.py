"""The rich personality schema: 34 traits on 0..100."""

from __future__ import annotations

from types import MappingProxyType

from soul_framework.config import Settings

_TRAIT_NAMES = [
    "friendliness",
    "flirtatiousness",
    "trust",
    "curiosity",
    "empathy",
    "humor",
    "seriousness",
    "optimism",
    "confidence",
    "adventurousness",
    "patience",
    "independence",
    "compassion",
    "creativity",
    "stubbornness",
    "impulsiveness",
    "discipline",
    "assertiveness",
    "skepticism",
    "affection",
    "adaptability",
    "sociability",
    "diplomacy",
    "humility",
    "loyalty",
    "jealousy",
    "resilience",
    "mood_stability",
    "forgiveness",
    "gratitude",
    "self_consciousness",
    "openness",
    "neuroticism",
    "excitement",
]

RICH_TRAITS = MappingProxyType(
    {name: f"how strongly the agent shows {name.replace('_', ' ')}" for name in _TRAIT_NAMES}
)


class RichPersonalitySchema:
    """Thirty-four traits on 0..100."""

    name = "rich"
    description = "Thirty-four traits on 0..100."
    traits = RICH_TRAITS

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
